"""Qadam's shared kit: what every service needs and none may copy."""

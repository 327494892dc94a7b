"""Qadam as a whole: the one place that knows every service (the kit knows none)."""

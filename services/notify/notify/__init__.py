"""Qadam notify: the people responsible learn of an alert in time, and acknowledge it."""

SERVICE = "notify"
DELIVERY_CHANNEL = "qadam_delivery"

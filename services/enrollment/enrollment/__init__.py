"""Qadam enrollment: who is in which programme, and where they stand. The only home of personal data."""

SERVICE = "enrollment"

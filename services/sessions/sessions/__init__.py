"""Qadam sessions: what happened in each group session, recorded by its psychologists."""

SERVICE = "sessions"

"""Qadam portal: the web pages the people who run the programmes use, and sign-in (the identity provider)."""

SERVICE = "portal"

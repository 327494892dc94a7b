"""The browser tests drive the running portal (Debian's Chromium through Playwright) over the whole system."""

from __future__ import annotations

from portal_testkit import demo, portal_mail, portal_stack, portal_system  # noqa: F401 - fixtures, taken by name

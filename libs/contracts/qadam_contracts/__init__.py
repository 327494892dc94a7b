"""Qadam's published contracts: the words every service shares (vocabulary), the roles and their access policy
(roles), and each producer's events, as schemas only. A service reads another service's words from here, never
from that service's package."""

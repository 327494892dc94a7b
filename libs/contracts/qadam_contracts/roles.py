"""Qadam's roles, defined once, and the access policy every service and the portal hand the kit: which roles reach
every area, which are scoped by a district, which reach the whole country unless placed in a region (the rest are
scoped by a region), and which may read an audit log."""

from __future__ import annotations

from enum import StrEnum

from qadam.auth import AccessPolicy


class Role(StrEnum):
    """The role a token carries (DOMAIN.md's staff, and `service` for a machine calling another)."""

    PSYCHOLOGIST = "psychologist"
    INSPECTOR = "inspector"
    SUPERVISOR = "supervisor"
    SUPPORT_WORKER = "support_worker"
    MANAGER = "manager"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"
    ANALYST = "analyst"
    SERVICE = "service"


# The roles a person signs in with; `service` is a machine's.
STAFF_ROLES = tuple(role for role in Role if role is not Role.SERVICE)

# Inspectors, psychologists and victim-support workers work in a district; managers, supervisors and auditors see a
# region; an administrator works nationally; an analyst reads the figures of the whole country, or of one region when
# his account names one (aggregates only: the routes that let him in say so). Administrators and auditors read the
# services' audit logs.
ACCESS_POLICY = AccessPolicy.of(
    Role,
    everywhere={Role.ADMINISTRATOR},
    district_scoped={Role.PSYCHOLOGIST, Role.INSPECTOR, Role.SUPPORT_WORKER},
    national_unless_placed={Role.ANALYST},
    audit_readers={Role.ADMINISTRATOR, Role.AUDITOR},
)

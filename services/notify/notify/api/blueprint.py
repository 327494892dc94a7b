"""The one blueprint every notify route is on (one tag in the OpenAPI document), and who may read alerts."""

from __future__ import annotations

from flask_smorest import Blueprint
from qadam_contracts.roles import Role

blp = Blueprint("notify", __name__, description="Alerts for the people responsible, and their acknowledgement")

# the roles alerts are addressed to: each reads only their own
RECIPIENTS = (Role.PSYCHOLOGIST, Role.INSPECTOR, Role.SUPERVISOR, Role.SUPPORT_WORKER, Role.MANAGER,
              Role.ADMINISTRATOR)

"""The routing rules: which event at which level goes to whom, over which channels, when."""

from __future__ import annotations

from flask.views import MethodView
from qadam.auth import allow, current_principal
from qadam.web import read_session, settings_of_app, unit_of_work
from qadam_contracts.roles import Role

from ..commands import change_routing
from ..models import RoutingRuleSet
from ..queries import routing_rules
from ..schemas import RoutingChange, RoutingIn, RoutingOut
from ..settings import NotifySettings
from .blueprint import blp


@blp.route("/routing")
class Routing(MethodView):
    @allow(Role.ADMINISTRATOR, Role.MANAGER, Role.SUPERVISOR, Role.AUDITOR)
    @blp.response(200, RoutingOut)
    def get(self) -> RoutingRuleSet:
        """The routing rules in force: which event at which level goes to whom, over which channels, when."""
        with read_session() as s:
            return routing_rules(s)

    @allow(Role.ADMINISTRATOR)
    @blp.arguments(RoutingIn)
    @blp.response(201, RoutingOut)
    def post(self, change: RoutingChange) -> RoutingRuleSet:
        """Put new routing rules in force (the whole set), with a note of what changed and why."""
        with unit_of_work() as s:
            return change_routing(s, rules=change.rules, note=change.note, by=current_principal().user_id,
                                  settings=settings_of_app(NotifySettings))

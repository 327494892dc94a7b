"""The portal's typed clients, one per service, for the signed-in user of this request: `clients.risk.levels(
enrolment_id=[...])`. The modules beside this one are written from the services' committed OpenAPI documents by
qadam_tools.portal_clients (`make docs`); a test checks they are current."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from flask import g
from werkzeug.local import LocalProxy

from ..backend import api
from .enrollment import EnrollmentClient
from .notify import NotifyClient
from .risk import RiskClient
from .sessions import SessionsClient


@dataclass(frozen=True)
class Clients:
    """Every service the portal calls, each through the same user's Backend."""

    enrollment: EnrollmentClient
    sessions: SessionsClient
    risk: RiskClient
    notify: NotifyClient


def _of_this_request() -> Clients:
    made = g.get("clients")
    if made is None:
        backend = api()
        made = g.clients = Clients(EnrollmentClient(backend), SessionsClient(backend), RiskClient(backend),
                                   NotifyClient(backend))
    return cast(Clients, made)


clients = cast(Clients, LocalProxy(_of_this_request))

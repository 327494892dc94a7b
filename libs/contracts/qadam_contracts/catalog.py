"""The catalog of every event Qadam's services publish: what a consumer reads a message into, and what the AsyncAPI
document and the exchanges are made from."""

from __future__ import annotations

from qadam.events import Catalog

from . import enrollment, notify, portal, risk, sessions

# in the order the producers start (enrollment first): the exchanges are declared in this order
catalog = Catalog((*enrollment.EVENTS, *sessions.EVENTS, *risk.EVENTS, *notify.EVENTS, *portal.EVENTS))

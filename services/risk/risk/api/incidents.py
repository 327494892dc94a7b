"""Incidents reported by inspectors and by the victim's support worker; each is evaluated at once, so a breach
raises its critical flag in the same transaction that records it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import Principal, Role, allow, current_principal
from qadam.errors import Problem, unprocessable
from qadam.log import get_logger
from qadam.sealing import SealingKeyMissing, seal, unseal
from qadam.web import PageArgs, paginate, read_session, settings_of_app, unit_of_work

from ..domain import highest
from ..domain.redaction import concern_reason, incident_cause, is_hers
from ..evaluation import evaluate_enrolments, lock_enrolments
from ..models import Flag, Incident
from ..schemas import IncidentIn, IncidentOut, IncidentPage
from ..settings import RiskSettings
from .access import READERS, case_of, flags_as_read

blp = Blueprint("incidents", __name__, description="Incidents: breaches, complaints, call-outs, her fear")
log = get_logger(__name__)
REPORTERS = (Role.INSPECTOR, Role.SUPERVISOR, Role.SUPPORT_WORKER, Role.ADMINISTRATOR)
# who reads the words of a report, by who gave them: hers stay with support workers (need to know, do no harm)
DETAIL_READERS = {"victim_support": (Role.SUPPORT_WORKER,),
                  "inspector": (Role.INSPECTOR, Role.SUPERVISOR, Role.SUPPORT_WORKER)}
# who reads that her support worker reported something, and what (the rest of the staff: that victim support
# reported a safety concern, when, and its level); psychologists learn it from the flag alone
HERS_IN_FULL = (Role.SUPPORT_WORKER, Role.ADMINISTRATOR)


def shown(incident: Incident, principal: Principal, level: str | None = None) -> dict[str, Any]:
    """An incident as this principal may see it. Her support worker's report reaches perpetrator-facing staff as a
    safety concern reported by victim support on a date, at a level: not its kind, its day, its severity, who
    reported it nor her words."""
    out = {c: getattr(incident, c) for c in ("id", "enrolment_id", "participant_code", "kind", "occurred_on",
                                             "severity", "source", "reported_by", "reported_at")}
    readers = DETAIL_READERS.get(incident.source, ())
    out["details"] = (unseal(settings_of_app(), incident.details_sealed)
                      if incident.details_sealed is not None and principal.role in readers else None)
    out["summary"], out["level"] = None, level
    if is_hers(incident.source) and principal.role not in HERS_IN_FULL:
        out |= {"kind": None, "occurred_on": None, "severity": None, "reported_by": None, "details": None,
                "summary": concern_reason(incident.reported_at.astimezone(settings_of_app().zone).date(), level)}
    return out


def levels_of(s: Any, incidents: list[Incident]) -> dict[str, str]:
    """The level of the flags each of her reports raised (incident id -> the highest)."""
    ids = [str(i.id) for i in incidents if is_hers(i.source)]
    if not ids:
        return {}
    found: dict[str, list[str]] = {}
    for incident_id, level in s.execute(sa.select(Flag.evidence["incident_id"].astext, Flag.level).where(
            Flag.enrolment_id.in_({i.enrolment_id for i in incidents}), Flag.evidence["incident_id"].astext.in_(ids))):
        found.setdefault(incident_id, []).append(level)
    return {i: highest(levels) for i, levels in found.items()}


@blp.route("/enrolments/<uuid:enrolment_id>/incidents")
class Incidents(MethodView):
    @allow(*REPORTERS)
    @blp.arguments(IncidentIn)
    @blp.response(201, IncidentOut)
    def post(self, data: dict[str, Any], enrolment_id: uuid.UUID) -> dict[str, Any]:
        """Report an incident. It is evaluated at once, whatever his status: the flags it raises come back with it
        (and go to notify). The details are sealed and not repeated in the answer."""
        principal, settings = current_principal(), settings_of_app(RiskSettings)
        today = datetime.now(settings.zone).date()
        if data["occurred_on"] > today:
            raise unprocessable("An incident cannot be reported before it happens.", {"occurred_on": ["In the future."]})
        details = (data.get("details") or "").strip() or None
        if details and len(details) > settings.incident_details_max:
            raise unprocessable("The details are too long.", {"details": [f"At most {settings.incident_details_max} "
                                                                          "characters."]})
        with unit_of_work() as s:
            view = case_of(s, principal, enrolment_id, acting=True)
            lock_enrolments(s, [enrolment_id])
            try:
                sealed = seal(settings, details) if details else None
            except SealingKeyMissing:
                log.error("sealing_key_missing")
                raise Problem(503, "Incident details cannot be sealed right now (no sealing key); nothing was "
                                   "saved. Report it again without details, or later.") from None
            incident = Incident(
                id=uuid.uuid4(), enrolment_id=enrolment_id, participant_code=view.participant_code, kind=data["kind"],
                occurred_on=data["occurred_on"], severity=data["severity"],
                source="victim_support" if principal.role == Role.SUPPORT_WORKER else "inspector",
                details_sealed=sealed, reported_by=principal.user_id, reported_at=datetime.now(UTC),
                region=view.region, district=view.district)
            s.add(incident)
            s.flush()
            # whatever his status: a breach after he left the programme matters most of all
            outcome = evaluate_enrolments(s, [enrolment_id], settings=settings,
                                          cause=incident_cause(incident.kind, incident.source), lock=False,
                                          statuses=None)
            log.info("incident_reported", incident_id=str(incident.id), source=incident.source, flags=len(outcome.flags),
                     **({} if is_hers(incident.source) else {"kind": incident.kind, "severity": incident.severity}))
            # the details never travel in an answer (a retried request's answer is kept): read them with GET
            level = highest([f["level"] for f in outcome.flags]) if outcome.flags else None
            return shown(incident, principal, level) | {
                "details": None, "flags": flags_as_read(s, principal, outcome.flags, settings.zone)}

    @allow(*READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, IncidentPage)
    def get(self, args: dict[str, Any], enrolment_id: uuid.UUID) -> dict[str, Any]:
        """An enrolment's incidents, newest first; details only for those who may read them. Her support worker's
        reports are a safety concern reported by victim support to perpetrator-facing staff, and not listed to his
        psychologist at all (the flag tells him)."""
        principal = current_principal()
        with read_session() as s:
            case_of(s, principal, enrolment_id)
            query = (sa.select(Incident).where(Incident.enrolment_id == enrolment_id)
                     .order_by(Incident.reported_at.desc(), Incident.id))
            if principal.role == Role.PSYCHOLOGIST:
                query = query.where(Incident.source != "victim_support")
            page = paginate(s, query, args)
            levels = levels_of(s, page["items"])
            page["items"] = [shown(i, principal, levels.get(str(i.id))) for i in page["items"]]
            return page

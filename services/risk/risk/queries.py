"""Risk's reads that routes call: keyword-only functions over a database session, each answering one question for
one principal (what they may not see is absent, exactly as what does not exist)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import partial
from typing import Any, Generic, TypedDict, TypeVar, cast

import sqlalchemy as sa
from qadam.auth import Principal
from qadam.config import Settings
from qadam.errors import not_found
from qadam.pages import paginate
from qadam.sealing import unseal
from qadam_contracts.roles import Role
from qadam_words.reasons import render_all, v1_sentence
from sqlalchemy.orm import Session

from .access import as_dict, case_of, concerns, flag_of, flags_as_read, hears_no_attendance, visible
from .domain import RuleSet, highest, level_rank
from .domain.explanation import ATTENDED_KINDS, AssessmentLine, Attendance, FlagLine, cause_words, read_aloud
from .domain.flag_life import FlagStatus
from .domain.her_view import NO_ATTENDANCE, factor_for_her, history_for_her, read_aloud_for_her
from .domain.instrument import parse_instrument
from .domain.redaction import concern_reason, is_hers
from .evaluation import rules_in_force
from .models import (
    Assessment,
    AttendanceFact,
    EnrolmentView,
    Flag,
    Incident,
    InstrumentVersion,
    LevelChange,
    Recompute,
    RiskLevel,
    RuleSetVersion,
)

T = TypeVar("T")
HISTORY = 50  # the moves of his level an explanation lists, newest first
RESOLVED = FlagStatus.RESOLVED.value
# who reads the words of a report, by who gave them: hers stay with support workers (need to know, do no harm)
DETAIL_READERS = {"victim_support": (Role.SUPPORT_WORKER,),
                  "inspector": (Role.INSPECTOR, Role.SUPERVISOR, Role.SUPPORT_WORKER)}
# who reads that her support worker reported something, and what (the rest of the staff: that victim support
# reported a safety concern, when, and its level); psychologists learn it from the flag alone
HERS_IN_FULL = (Role.SUPPORT_WORKER, Role.ADMINISTRATOR)


class Paging(TypedDict):
    """PageArgs as loaded."""

    page: int
    page_size: int


class FlagQuery(Paging):
    """FlagFilter as loaded."""

    enrolment_id: uuid.UUID | None
    level: str | None
    status: str | None
    rule_id: str | None


class Page(TypedDict, Generic[T]):
    """A page of a list, as the kit's paginate answers it."""

    items: list[T]
    page: int
    page_size: int
    total: int


def _page(s: Session, query: sa.Select[Any], paging: Paging, row: Any = None) -> Page[Any]:
    return cast(Page[Any], paginate(s, query, {"page": paging["page"], "page_size": paging["page_size"]}, row))


# -- levels -----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EnrolmentLevel:
    """An enrolment's level now (low with no unresolved flag) and how many unresolved flags hold it there."""

    enrolment_id: uuid.UUID
    participant_code: str
    status: str
    level: str
    since: datetime | None
    unresolved_flags: int


def levels_of(s: Session, *, principal: Principal, enrolment_ids: Collection[uuid.UUID]) -> list[EnrolmentLevel]:
    """The levels of those of `enrolment_ids` the principal may see, in the order asked. An enrolment risk has not
    heard of, or one outside the principal's scope, is left out: absent, exactly as one that does not exist."""
    asked = list(dict.fromkeys(enrolment_ids))
    if not asked:
        return []
    unresolved = (sa.select(Flag.enrolment_id, sa.func.count().label("n"))
                  .where(Flag.enrolment_id.in_(asked), Flag.status != RESOLVED)
                  .group_by(Flag.enrolment_id).subquery())
    rows = s.execute(
        sa.select(EnrolmentView.enrolment_id, EnrolmentView.participant_code, EnrolmentView.status,
                  RiskLevel.level, RiskLevel.since, unresolved.c.n)
        .outerjoin(RiskLevel, RiskLevel.enrolment_id == EnrolmentView.enrolment_id)
        .outerjoin(unresolved, unresolved.c.enrolment_id == EnrolmentView.enrolment_id)
        .where(EnrolmentView.enrolment_id.in_(asked),
               visible(principal, EnrolmentView.enrolment_id, EnrolmentView.region, EnrolmentView.district))).all()
    found = {row.enrolment_id: EnrolmentLevel(row.enrolment_id, row.participant_code, row.status,
                                              row.level or "low", row.since, row.n or 0) for row in rows}
    return [found[eid] for eid in asked if eid in found]


# -- flags ------------------------------------------------------------------------------------------------------------
def flags_page(s: Session, *, principal: Principal, filters: FlagQuery, zone: tzinfo) -> Page[Any]:
    """A page of the flags the principal may see, newest first, filtered by enrolment, level, status or rule, as
    the principal reads them."""
    query = (sa.select(Flag).where(visible(principal, Flag.enrolment_id, Flag.region, Flag.district))
             .order_by(Flag.raised_at.desc(), Flag.id))
    for column, value in ((Flag.enrolment_id, filters["enrolment_id"]), (Flag.level, filters["level"]),
                          (Flag.status, filters["status"]), (Flag.rule_id, filters["rule_id"])):
        if value is not None:
            query = query.where(column == value)
    page = _page(s, query, filters)
    page["items"] = flags_as_read(s, principal, page["items"], zone)
    return page


def flag_as_read(s: Session, *, principal: Principal, flag_id: uuid.UUID, zone: tzinfo) -> Any:
    """One flag the principal may see (404 otherwise), as they read it."""
    [flag] = flags_as_read(s, principal, [flag_of(s, principal, flag_id)], zone)
    return flag


# -- the explanation --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Explanation:
    """Why an enrolment is at its level (ExplanationOut): the sentences to read aloud and the facts behind them."""

    enrolment_id: uuid.UUID
    participant_code: str
    status: str
    as_of: datetime
    level: str
    since: datetime | None
    read_aloud: list[str]
    factors: list[Mapping[str, Any]]
    assessment: Mapping[str, Any] | None
    attendance: Mapping[str, int | None]
    history: list[Any]  # the level's moves (LevelChangeOut): rows, or as her_view words them
    rule_set_version: int


def explanation(s: Session, *, principal: Principal, enrolment_id: uuid.UUID, lang: str, zone: tzinfo,
                now: datetime) -> Explanation:
    """Today's level (the highest of the unresolved flags; low with none) and every factor behind it, each in a
    sentence; the latest assessment and what it found; attendance; the level's history. Her support worker reads
    his level and each open flag's level, kind of concern and date: never his attendance."""
    view = case_of(s, principal, enrolment_id)
    rules = rules_in_force(s)
    held = s.get(RiskLevel, enrolment_id)
    flags = sorted(s.execute(sa.select(Flag).where(Flag.enrolment_id == enrolment_id,
                                                   Flag.status != RESOLVED)).scalars(),
                   key=lambda f: (-level_rank(f.level), f.raised_at))
    resolved = s.execute(sa.select(sa.func.count()).where(Flag.enrolment_id == enrolment_id,
                                                          Flag.status == RESOLVED)).scalar_one()
    latest = s.execute(sa.select(Assessment).where(Assessment.enrolment_id == enrolment_id)
                       .order_by(Assessment.assessed_at.desc()).limit(1)).scalar()
    history = list(s.execute(sa.select(LevelChange).where(LevelChange.enrolment_id == enrolment_id)
                             .order_by(LevelChange.changed_at.desc(), LevelChange.id.desc()).limit(HISTORY)).scalars())
    level = held.level if held else "low"
    answer = partial(Explanation, enrolment_id=enrolment_id, participant_code=view.participant_code,
                     status=view.status, as_of=now, level=level, since=held.since if held else None,
                     rule_set_version=rules.version)

    def day(moment: datetime) -> date:
        return moment.astimezone(zone).date()

    def said(flag: Flag) -> list[str]:
        """Its reasons in `lang`, from their codes (an old flag with none: its sentences as stored)."""
        return render_all(flag.reason_codes or flag.reasons, lang)

    if hears_no_attendance(principal):
        kind = concerns(s, [as_dict(f) for f in flags])
        # never his assessment's answers nor who assessed him: his level and open flags only
        return answer(assessment=None, read_aloud=read_aloud_for_her(
            view.participant_code, level, day(held.since) if held else None, [
                (f.level, kind[f.id], day(f.raised_at), day(f.acknowledged_at) if f.acknowledged_at else None)
                for f in flags], resolved, lang),
            factors=[factor_for_her(as_dict(f), kind[f.id], day(f.raised_at), lang) for f in flags],
            attendance=dict(NO_ATTENDANCE),
            history=[history_for_her({"from_level": h.from_level, "level": h.level, "changed_at": h.changed_at},
                                     lang) for h in history])
    attendance = Attendance.of(dict(s.execute(
        sa.select(AttendanceFact.status, sa.func.count())
        .where(AttendanceFact.enrolment_id == enrolment_id, AttendanceFact.session_kind.in_(ATTENDED_KINDS))
        .group_by(AttendanceFact.status)).all()))
    assessment = None if latest is None else AssessmentLine(
        day(latest.assessed_at), latest.instrument_id, latest.instrument_version, latest.score, latest.band,
        latest.unknown_items, _counted_against(s, latest, lang))
    return answer(
        read_aloud=read_aloud(
            participant_code=view.participant_code, level=level, since=day(held.since) if held else None,
            flags=[FlagLine(f.level, day(f.raised_at), f.acknowledged_by,
                            day(f.acknowledged_at) if f.acknowledged_at else None, f.reason_codes or f.reasons)
                   for f in flags],
            resolved=resolved, assessment=assessment, attendance=attendance, language=lang),
        assessment=assessment_view(latest, rules),
        factors=[{"flag_id": f.id, "rule_id": f.rule_id, "rule_version": f.rule_version, "level": f.level,
                  "status": f.status, "raised_at": f.raised_at, "says": said(f), "reason_codes": f.reason_codes}
                 for f in flags],
        attendance=asdict(attendance),
        history=[{"from_level": h.from_level, "level": h.level, "changed_at": h.changed_at, "cause": h.cause,
                  "flag_ids": h.flag_ids, "said": cause_words(h.cause, lang)} for h in history])


def _counted_against(s: Session, assessment: Assessment, lang: str) -> list[str]:
    """The items of the assessment's instrument whose answer weighed against him, in `lang` (English where the
    instrument has no words in it)."""
    row = s.get(InstrumentVersion, (assessment.instrument_id, assessment.instrument_version))
    if row is None:
        return []
    answers = assessment.answers
    return [i.text.get(lang, i.text["en"]) for i in parse_instrument(row.version, row.definition).items
            if answers.get(i.id) not in (None, "unknown") and i.weights[answers[i.id]] > 0]


# -- assessments and the instrument -----------------------------------------------------------------------------------
def next_due(rules: RuleSet, assessed_at: datetime) -> date | None:
    """When the next review assessment is due, by the rules in force (None: they ask for none)."""
    for rule in rules.rules:
        if rule.kind == "assessment_due":
            return (assessed_at + timedelta(days=rule.params["every_days"])).date()
    return None


def assessment_out(a: Assessment, rules: RuleSet) -> dict[str, Any]:
    """An assessment as the API answers it, with when the next one is due."""
    return {c.key: getattr(a, c.key) for c in Assessment.__table__.columns} | {"next_due": next_due(rules, a.assessed_at)}


def assessment_view(a: Assessment | None, rules: RuleSet) -> dict[str, Any] | None:
    """The latest assessment as the API answers it, if there is one."""
    return None if a is None else assessment_out(a, rules)


def assessments_page(s: Session, *, principal: Principal, enrolment_id: uuid.UUID,
                     paging: Paging) -> Page[dict[str, Any]]:
    """A page of an enrolment's assessments the principal may see, newest first: the history stays."""
    case_of(s, principal, enrolment_id)
    rules = rules_in_force(s)
    query = (sa.select(Assessment).where(Assessment.enrolment_id == enrolment_id)
             .order_by(Assessment.assessed_at.desc(), Assessment.id))
    return _page(s, query, paging, row=lambda r: assessment_out(r[0], rules))


def newest_instrument(s: Session, instrument_id: str) -> InstrumentVersion | None:
    """The newest version of an instrument, if it is loaded."""
    return s.execute(sa.select(InstrumentVersion).where(InstrumentVersion.id == instrument_id)
                     .order_by(InstrumentVersion.version.desc()).limit(1)).scalar()


def instrument(s: Session, *, instrument_id: str) -> InstrumentVersion:
    """The newest version of an instrument (404 when none is loaded)."""
    row = newest_instrument(s, instrument_id)
    if row is None:
        raise not_found("instrument", instrument_id)
    return row


def instruments(s: Session, *, region: str | None) -> list[InstrumentVersion]:
    """The newest version of each instrument: the national default and the regions' own (one region's, given)."""
    newest_versions = (sa.select(InstrumentVersion.id, sa.func.max(InstrumentVersion.version).label("v"))
                       .group_by(InstrumentVersion.id).subquery())
    query = sa.select(InstrumentVersion).join(newest_versions, sa.and_(
        InstrumentVersion.id == newest_versions.c.id, InstrumentVersion.version == newest_versions.c.v))
    if region:
        query = query.where(sa.or_(InstrumentVersion.region.is_(None), InstrumentVersion.region == region))
    return list(s.execute(query.order_by(InstrumentVersion.id)).scalars())


# -- incidents --------------------------------------------------------------------------------------------------------
def shown(incident: Incident, principal: Principal, settings: Settings, level: str | None = None) -> dict[str, Any]:
    """An incident as this principal may see it. Her support worker's report reaches perpetrator-facing staff as a
    safety concern reported by victim support on a date, at a level: not its kind, its day, its severity, who
    reported it nor her words."""
    out = {c: getattr(incident, c) for c in ("id", "enrolment_id", "participant_code", "kind", "occurred_on",
                                             "severity", "source", "reported_by", "reported_at")}
    readers = DETAIL_READERS.get(incident.source, ())
    out["details"] = (unseal(settings, incident.details_sealed)
                      if incident.details_sealed is not None and principal.role in readers else None)
    out["summary"], out["level"] = None, level
    if is_hers(incident.source) and principal.role not in HERS_IN_FULL:
        out |= {"kind": None, "occurred_on": None, "severity": None, "reported_by": None, "details": None,
                "summary": v1_sentence(concern_reason(incident.reported_at.astimezone(settings.zone).date(), level))}
    return out


def _levels_of_hers(s: Session, incidents: list[Incident]) -> dict[str, str]:
    """The level of the flags each of her reports raised (incident id -> the highest)."""
    ids = [str(i.id) for i in incidents if is_hers(i.source)]
    if not ids:
        return {}
    found: dict[str, list[str]] = {}
    for incident_id, level in s.execute(sa.select(Flag.evidence["incident_id"].astext, Flag.level).where(
            Flag.enrolment_id.in_({i.enrolment_id for i in incidents}), Flag.evidence["incident_id"].astext.in_(ids))):
        found.setdefault(incident_id, []).append(level)
    return {i: highest(levels) for i, levels in found.items()}


def incidents_page(s: Session, *, principal: Principal, enrolment_id: uuid.UUID, paging: Paging,
                   settings: Settings) -> Page[dict[str, Any]]:
    """A page of an enrolment's incidents, newest first, as the principal may see them. Her support worker's
    reports are not listed to his psychologist at all (the flag tells him)."""
    case_of(s, principal, enrolment_id)
    query = (sa.select(Incident).where(Incident.enrolment_id == enrolment_id)
             .order_by(Incident.reported_at.desc(), Incident.id))
    if principal.role == Role.PSYCHOLOGIST:
        query = query.where(Incident.source != "victim_support")
    page = _page(s, query, paging)
    levels = _levels_of_hers(s, page["items"])
    page["items"] = [shown(i, principal, settings, levels.get(str(i.id))) for i in page["items"]]
    return page


# -- rules and recomputes ---------------------------------------------------------------------------------------------
def rule_set(s: Session, *, version: int | None = None) -> RuleSetVersion:
    """A version of the rules as it was (404 when there is none); the one in force without `version`."""
    if version is None:
        return s.execute(sa.select(RuleSetVersion).order_by(RuleSetVersion.version.desc()).limit(1)).scalar_one()
    row = s.get(RuleSetVersion, version)
    if row is None:
        raise not_found("rule set version", version)
    return row


def recompute(s: Session, *, recompute_id: uuid.UUID) -> Recompute:
    """A recompute and how far it has got (404 when there is none)."""
    job = s.get(Recompute, recompute_id)
    if job is None:
        raise not_found("recompute", recompute_id)
    return job

"""Evaluate enrolments against the rules in force: load their facts in bulk, keep what is new, raise it, and move
their level. One path for an event, a request (an incident, an assessment, a resolved flag) and the batch recompute,
so all three give the same flags for the same facts.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from qadam.db import InForce, among, given_rows, jsonable, lock_keys, locking, rows_json
from qadam.events import Event, JSONObject
from qadam.latest import supersedes
from qadam.log import get_logger, log_context
from qadam.outbox import envelope_rows, enveloped
from qadam.together import Statement, execute_together
from sqlalchemy.dialects.postgresql import array, insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from .domain import (
    OPEN_STATUSES,
    Assessment,
    Case,
    Context,
    Finding,
    Mark,
    OrderSignal,
    RuleSet,
    evaluate,
    new_findings,
    parse_rules,
)
from .domain.flag_life import FlagStatus
from .domain.raising import (
    ABSENCE_KINDS,
    EnrolmentSnapshot,
    FlagRow,
    LevelMove,
    episodes,
    level_moves,
    order_in_force_at,
)
from .domain.rules import incident_from, observation_from
from .events import flag_raised, level_changed
from .models import (
    AbsenceRunsFact,
    AttendanceFact,
    EnrolmentView,
    Flag,
    Incident,
    LevelChange,
    RiskLevel,
    RuleSetVersion,
    Signal,
)
from .models import Assessment as AssessmentRow
from .settings import RiskSettings

log = get_logger(__name__)

SIGNAL_OF_EVENT = {"enrollment.exit.proposed": "exit_proposed", "enrollment.order.plan_overdue": "plan_overdue",
                   "enrollment.order.expiring": "order_expiring", "enrollment.order.issued": "order_issued",
                   "sessions.call.overdue": "call_overdue"}
WARNING_SIGN = "sessions.warning_sign.observed"
# the newest rule set, parsed once per version in this process
rules_in_force = InForce(RuleSetVersion.version, RuleSetVersion.rules, parse_rules)
# a flag's states as plain strings, compared row by row on the hot path (the flag's life: domain/flag_life.py)
RAISED, RESOLVED = FlagStatus.OPEN.value, FlagStatus.RESOLVED.value
# Serialise the handling of each enrolment across workers and requests, even before its row exists.
lock_enrolments = lock_keys


@dataclass
class Outcome:
    evaluated: int = 0
    flags: list[FlagRow] = field(default_factory=list)
    level_changes: list[LevelMove] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.evaluated += other.evaluated
        self.flags += other.flags
        self.level_changes += other.level_changes


def evaluate_enrolments(s: Session, enrolment_ids: Iterable[object], *, settings: RiskSettings, cause: str,
                        lock: bool = True, now: datetime | None = None, rules: RuleSet | None = None,
                        triggers: Mapping[str, Event[Any]] | None = None,
                        statuses: tuple[str, ...] | None = OPEN_STATUSES, log_each: bool = True,
                        first: Sequence[Statement] = ()) -> Outcome:
    """Evaluate the enrolments among `enrolment_ids` in `statuses` (None: whatever their status, as for an incident
    reported after he left the programme): raise what is new, move their levels.

    `triggers` maps an enrolment to the event that caused its evaluation: its flags carry that event's correlation.
    `log_each`: a line for each flag raised and each level moved (the batch recompute logs each chunk instead).
    `first`: statements run before the evaluation's reads, after the lock (the facts an event brings): the lock,
    those and every read go to PostgreSQL in one round trip (qadam.together), where one after another they were
    most of the time between a mark's arrival and its alert.
    """
    ids = sorted({str(e) for e in enrolment_ids})
    outcome = Outcome()
    before = [*([locking(ids)] if lock and ids else []), *first]
    if not ids:
        execute_together(s, before)
        return outcome
    now = now or datetime.now(UTC)
    rules = rules or rules_in_force.known(s)
    answers = execute_together(s, [*before, *([(rules_in_force.newest, {})] if rules is None else []),
                                   *_reads(ids, statuses)])[len(before):]
    if rules is None:
        rules = rules_in_force.settle(s, answers.pop(0)[0][0])
    found, marks, runs, signals, incidents, assessments, flags, levels = answers
    views, cases = _cases_from(found, marks, runs, signals, incidents, assessments, counted_kinds(rules))
    flagged, unresolved, absence_episodes = _flags_from(flags, rules)
    held = {r.enrolment_id: r.level for r in levels}
    versions = {r.enrolment_id: r.version for r in levels}
    ctx = Context(now, settings.zone)
    kinds = {r.id: r.kind for r in rules.rules}
    new_rows: list[FlagRow] = []
    for enrolment_id, case in cases.items():
        fresh = new_findings(evaluate(case, rules, ctx), flagged[enrolment_id])
        joined = episodes(fresh, kinds, absence_episodes.get(enrolment_id))
        new_rows += [_flag_row(views[enrolment_id], f, rules.version, now, e) for f, e in zip(fresh, joined, strict=True)]
        outcome.evaluated += 1
    outcome.flags, outcome.level_changes = _raise(
        s, views, new_rows, {e: unresolved[e] for e in cases}, held, versions, cause=cause, now=now,
        triggers=triggers or {}, log_each=log_each)
    return outcome


def _raise(s: Session, views: Mapping[uuid.UUID, EnrolmentSnapshot], rows: list[FlagRow],
           unresolved: dict[uuid.UUID, list[tuple[uuid.UUID, str]]], held: Mapping[uuid.UUID, str],
           versions: Mapping[uuid.UUID, int], *, cause: str, now: datetime, triggers: Mapping[str, Event[Any]],
           log_each: bool) -> tuple[list[FlagRow], list[LevelMove]]:
    """Insert the new flags, move the levels they move, and write the events of both: in one round trip, on what
    is all but certain under the enrolments' lock (taken before their flags and levels were read, as every writer of
    them takes it): each flag is inserted, and each level's version is the one read, plus one. Should either not
    hold (two findings the flag table's key takes as one), what was sent is rolled back to a savepoint sent first,
    and it is done again a step at a time, from what the inserts answer."""
    hoped = {e: list(flags) for e, flags in unresolved.items()}
    for r in rows:
        hoped[r["enrolment_id"]].append((r["id"], r["level"]))
    moves = level_moves(hoped, held, cause=cause, now=now)
    if not rows and not moves:
        return [], []
    for m in moves:
        m["version"] = versions.get(m["enrolment_id"], 0) + 1
    envelopes, groups = _enveloped(s, views, rows, moves, triggers)
    flags_at, moves_at = 1, 1 + bool(rows)
    answers = execute_together(s, [
        (_SAVEPOINT, {}), *([(_INSERT_FLAGS, {"rows": rows_json(rows)})] if rows else []),
        *_level_statements(moves), *envelope_rows(envelopes)])
    inserted = {r.id for r in answers[flags_at]} if rows else set()
    moved = {r.enrolment_id: r.version for r in answers[moves_at]} if moves else {}
    if inserted == {r["id"] for r in rows} and all(moved.get(m["enrolment_id"]) == m["version"] for m in moves):
        _log_raised(groups, log_each)
        return rows, moves
    log.warning("raising_done_again", flags=len(rows), inserted=len(inserted), levels=len(moves))
    s.execute(_BACK_TO_SAVEPOINT)
    raised = _insert_flags(s, rows)
    for row in raised:
        unresolved[row["enrolment_id"]].append((row["id"], row["level"]))
    moves = level_moves(unresolved, held, cause=cause, now=now)
    _publish(s, views, raised, moves, triggers, log_each=log_each)
    return raised, moves


def relevel(s: Session, enrolment_id: object, *, cause: str) -> list[LevelMove]:
    """Move an enrolment's level after its flags changed without an evaluation (a flag resolved)."""
    key = uuid.UUID(str(enrolment_id))
    view = s.get(EnrolmentView, key)
    if view is None:
        return []
    _, unresolved, _ = _flags_of(s, [key], None)
    level = s.execute(sa.select(RiskLevel.level).where(RiskLevel.enrolment_id == key)).scalar()
    moves = level_moves({key: unresolved[key]}, {key: level} if level else {}, cause=cause, now=datetime.now(UTC))
    _publish(s, {key: _snapshot(view)}, [], moves, {})
    return moves


# -- loading ----------------------------------------------------------------------------------------------------------
VIEW_COLUMNS = (EnrolmentView.enrolment_id, EnrolmentView.participant_code, EnrolmentView.status,
                EnrolmentView.region, EnrolmentView.district, EnrolmentView.inspector_id,
                EnrolmentView.psychologist_id, EnrolmentView.victim_support_worker_id, EnrolmentView.enrolled_at,
                EnrolmentView.alert_unexcused_absences, EnrolmentView.alert_consecutive_absences)


def _read(s: Session) -> Connection:
    """The session's connection, for the reads of plain columns on the hot path: core rows, no ORM rows built for
    them. What the session holds is flushed first, as the ORM's own query would (a flag resolved, an incident added
    before the evaluation)."""
    if s.autoflush:
        s.flush()
    return s.connection()


def _snapshot(view: EnrolmentView) -> EnrolmentSnapshot:
    return cast(EnrolmentSnapshot, {c.key: getattr(view, c.key) for c in VIEW_COLUMNS})


def counted_kinds(rules: RuleSet) -> set[frozenset[str]]:
    """The combinations of session kinds the rules in force count runs over (the runs of the others go unread)."""
    return {frozenset(r.params["session_kinds"]) for r in rules.rules if r.kind == "consecutive_absences"}


def _reads(ids: Sequence[str], statuses: tuple[str, ...] | None) -> list[Statement]:
    """What an evaluation reads of the enrolments among `ids`: their views (in `statuses`), then every fact risk
    holds of them, their flags and their levels, each statement keyed by the ids given (not by the views found: all
    of them are sent at once)."""
    views = (_VIEWS, {"ids": list(ids)}) if statuses is None else (_VIEWS_IN, {"ids": list(ids), "statuses": list(statuses)})
    keyed = {"keys": list(ids)}
    return [views, *((statement, keyed) for statement in (_MARKS, _RUNS, _SIGNALS, _INCIDENTS, _ASSESSMENTS, _FLAGS,
                                                          _LEVELS))]


def _cases_from(found: Sequence[Any], marks_found: Sequence[Any], runs_found: Sequence[Any],
                signals_found: Sequence[Any], incidents_found: Sequence[Any], assessments_found: Sequence[Any],
                run_kinds: set[frozenset[str]] | None = None
                ) -> tuple[dict[uuid.UUID, EnrolmentSnapshot], dict[uuid.UUID, Case]]:
    """The enrolments found, each with every fact risk holds of it (as `_reads` read them). His runs of unexcused
    absences over `run_kinds` only (None: over every combination kept). Facts of an enrolment not found (not in the
    statuses asked for, or not known yet) are left out."""
    views = cast(dict[uuid.UUID, EnrolmentSnapshot], {r.enrolment_id: r._asdict() for r in found})
    if not views:
        return {}, {}
    marks: dict[uuid.UUID, list[Mark]] = defaultdict(list)
    # a million marks in a recompute: fetched at once as plain tuples, each session's id as PostgreSQL writes it (the
    # same text as str(uuid)) rather than a UUID made only to be turned into text
    for key, session_id, number, scheduled_at, status, kind in marks_found:
        marks[key].append(Mark(session_id, number, scheduled_at, status, kind))
    runs = {r.enrolment_id: runs_by_kinds(r.runs, run_kinds) for r in runs_found if r.enrolment_id in views}
    observations, signals = defaultdict(list), defaultdict(list)
    by_code = defaultdict(list)
    for key, view in views.items():
        by_code[view["participant_code"]].append(key)
    for r in signals_found:
        # an order that named no enrolment yet is his for the enrolments it was still in force for; a signal that
        # names enrolments is theirs alone (one naming only enrolments not evaluated here, a closed one, is read as
        # the keys are the ids given, and belongs to none of these)
        owners = [e for e in r.enrolment_ids if e in views] if r.enrolment_ids else [
            e for e in by_code.get(r.participant_code, []) if order_in_force_at(r.facts, views[e]["enrolled_at"])]
        for key in owners:
            if r.kind == WARNING_SIGN:
                observations[key].append(observation_from(r.facts))
            elif r.kind in SIGNAL_OF_EVENT:
                signals[key].append(OrderSignal(str(r.event_id), SIGNAL_OF_EVENT[r.kind], r.occurred_at, r.facts))
    incidents = defaultdict(list)
    for i in incidents_found:
        incidents[i.enrolment_id].append(incident_from(i))
    assessments = defaultdict(list)
    for a in assessments_found:
        assessments[a.enrolment_id].append(Assessment(str(a.id), f"{a.instrument_id} v{a.instrument_version}", a.score,
                                                      a.band, a.level, a.assessed_at))
    cases = {key: Case(str(key), v["status"], v["enrolled_at"], tuple(marks[key]), tuple(observations[key]),
                       tuple(incidents[key]), tuple(signals[key]), tuple(assessments[key]),
                       v["alert_unexcused_absences"], v["alert_consecutive_absences"], runs.get(key, {}))
             for key, v in views.items()}
    return views, cases


def runs_by_kinds(published: list[dict[str, Any]], kinds: set[frozenset[str]] | None = None
                  ) -> dict[frozenset[str], tuple[tuple[Mark, ...], ...]]:
    """His runs as sessions published them (kept as JSON: each different set of runs once, with the combinations of
    session kinds it is over), by the session kinds counted (of `kinds` only, if given)."""
    runs = {}
    for over in published:
        kept = over["session_kinds"]
        # one combination in the form kept before 0010 (a list of kinds), should a row of it be read
        combinations = [frozenset(kept)] if kept and isinstance(kept[0], str) else [frozenset(k) for k in kept]
        wanted = combinations if kinds is None else [k for k in combinations if k in kinds]
        if wanted:
            these = tuple(tuple(Mark(a["session_id"], a["session_number"], datetime.fromisoformat(a["scheduled_at"]),
                                     "unexcused") for a in run["absences"]) for run in over["runs"])
            runs.update(dict.fromkeys(wanted, these))
    return runs


def _flags_of(s: Session, keys: list[uuid.UUID], rules: RuleSet | None
              ) -> tuple[dict[uuid.UUID, dict[str, set[str]]], dict[uuid.UUID, list[tuple[uuid.UUID, str]]],
                         dict[uuid.UUID, uuid.UUID]]:
    return _flags_from(_read(s).execute(_FLAGS, {"keys": keys}), rules)


def _flags_from(found: Iterable[Any], rules: RuleSet | None
                ) -> tuple[dict[uuid.UUID, dict[str, set[str]]], dict[uuid.UUID, list[tuple[uuid.UUID, str]]],
                           dict[uuid.UUID, uuid.UUID]]:
    """For each enrolment: rule id -> every fact its flags named (resolved ones too: never raised twice); its
    unresolved flags with their levels; and the episode of its latest unresolved flag about absences, if any."""
    flagged: dict[uuid.UUID, dict[str, set[str]]] = defaultdict(dict)
    unresolved: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = defaultdict(list)
    absence_rules = {r.id for r in rules.rules if r.kind in ABSENCE_KINDS} if rules else set()
    latest: dict[uuid.UUID, tuple[datetime, uuid.UUID]] = {}  # his latest unresolved absence flag: when, episode
    # no ORDER BY: sorting in SQL made the planner leave the index on enrolment_id while the table grew during a
    # recompute (a whole-table scan per chunk, 56 s of a 146 s first evaluation); the latest is picked here
    for r in found:
        flagged[r.enrolment_id].setdefault(r.rule_id, set()).update((r.fact_key, *r.fact_ids))
        if r.status != RESOLVED:
            unresolved[r.enrolment_id].append((r.id, r.level))
            if r.rule_id in absence_rules and r.episode_id is not None and (
                    r.enrolment_id not in latest or supersedes(r.raised_at, latest[r.enrolment_id][0])):
                latest[r.enrolment_id] = (r.raised_at, r.episode_id)
    return flagged, unresolved, {key: episode for key, (_, episode) in latest.items()}


# -- raising ----------------------------------------------------------------------------------------------------------
def _flag_row(view: EnrolmentSnapshot, f: Finding, rule_set_version: int, now: datetime,
              episode_id: uuid.UUID) -> FlagRow:
    return {"id": uuid.uuid4(), "enrolment_id": view["enrolment_id"], "participant_code": view["participant_code"],
            "region": view["region"], "district": view["district"], "rule_id": f.rule_id,
            "rule_version": f.rule_version, "rule_set_version": rule_set_version, "level": f.level,
            "fact_key": f.fact_key[:200], "fact_ids": [i[:200] for i in f.all_ids], "reasons": f.reasons,
            "reason_codes": [c.as_data() for c in f.codes],
            "evidence": jsonable(f.evidence), "status": RAISED, "raised_at": now, "episode_id": episode_id,
            "source": f.source}


def _insert_flags(s: Session, rows: list[FlagRow]) -> list[FlagRow]:
    """Insert; a flag another transaction raised for the same facts first is skipped (the unique key holds)."""
    if not rows:
        return []
    # the rows as one JSON parameter of one statement, compiled and prepared once (a multi-row VALUES was a new
    # statement for each number of flags, converted by the driver afresh)
    inserted = set(_read(s).execute(_INSERT_FLAGS, {"rows": rows_json(rows)}).scalars())
    return [r for r in rows if r["id"] in inserted]


def _insert_flags_statement() -> sa.Insert:
    flags = cast(sa.Table, Flag.__table__)
    given = given_rows(flags, FLAG_COLUMNS)
    return (insert(flags).from_select(list(FLAG_COLUMNS), sa.select(*(given.c[c] for c in FLAG_COLUMNS)))
            .on_conflict_do_nothing(constraint="uq_flag_enrolment_rule_fact").returning(flags.c.id))


def _move_levels_statement() -> sa.Insert:
    """The levels moved (given as `rows`), each version raised (the first is 1), returning them."""
    levels = cast(sa.Table, RiskLevel.__table__)
    given = given_rows(levels, ("enrolment_id", "level", "since"))
    stmt = insert(levels).from_select(["enrolment_id", "level", "since", "version"],
                                      sa.select(given.c.enrolment_id, given.c.level, given.c.since, sa.literal(1)))
    return (stmt.on_conflict_do_update(index_elements=[levels.c.enrolment_id], set_={
        "level": stmt.excluded.level, "since": stmt.excluded.since, "version": levels.c.version + 1})
        .returning(levels.c.enrolment_id, levels.c.version))


def _keep_level_changes_statement() -> sa.Insert:
    changes = cast(sa.Table, LevelChange.__table__)
    given = given_rows(changes, LEVEL_CHANGE_COLUMNS)
    return insert(changes).from_select(list(LEVEL_CHANGE_COLUMNS),
                                       sa.select(*(given.c[c] for c in LEVEL_CHANGE_COLUMNS)))


# the rows an evaluation writes, each as one JSON parameter of one statement, compiled and prepared once
# The reads of an evaluation, built once with their parameters named (`keys`: the enrolments; `ids`, `statuses`,
# `codes`), executed with their values: building each statement and its cache key for every evaluation was a third
# of the CPU of evaluating one enrolment, on the path of every alert.
_VIEWS = sa.select(*VIEW_COLUMNS).where(among(EnrolmentView.enrolment_id, name="ids"))
_VIEWS_IN = _VIEWS.where(among(EnrolmentView.status, name="statuses"))
_MARKS = sa.select(AttendanceFact.enrolment_id, sa.cast(AttendanceFact.session_id, sa.Text),
                   AttendanceFact.session_number, AttendanceFact.scheduled_at, AttendanceFact.status,
                   AttendanceFact.session_kind).where(among(AttendanceFact.enrolment_id, name="keys"))
_RUNS = sa.select(AbsenceRunsFact.enrolment_id, AbsenceRunsFact.runs).where(
    among(AbsenceRunsFact.enrolment_id, name="keys"))


def _signals_statement() -> sa.Select[Any]:
    """The signals naming any of `keys`, and the orders naming no enrolment yet of their participant codes.

    Each key is looked up in the GIN index on its own (the keys unnested, joined on `@> ARRAY[key]`): one `&&` of a
    chunk's 1,000 keys was planned as a scan of every signal comparing its ids with all 1,000 (0.27 s a chunk, 27 s
    of a first evaluation of 100,000), where the few keys of an event's evaluation took the index."""
    named = sa.orm.aliased(Signal)
    key = sa.func.unnest(sa.bindparam("keys", type_=Signal.enrolment_ids.type)).table_valued("key").render_derived()
    naming = sa.select(named.event_id).select_from(key).join(
        named, named.enrolment_ids.contains(array([key.c.key], type_=sa.Uuid)))
    return sa.select(Signal.event_id, Signal.kind, Signal.enrolment_ids, Signal.participant_code, Signal.facts,
                     Signal.occurred_at).where(sa.or_(
        Signal.event_id.in_(naming),
        # an order reported before he was enrolled names no enrolment yet: it is his
        sa.and_(Signal.enrolment_ids == sa.cast([], Signal.enrolment_ids.type),
                Signal.participant_code.in_(sa.select(EnrolmentView.participant_code).where(
                    among(EnrolmentView.enrolment_id, name="keys"))))))


_SIGNALS = _signals_statement()
_INCIDENTS = sa.select(Incident.id, Incident.enrolment_id, Incident.kind, Incident.occurred_on, Incident.severity,
                       Incident.source, Incident.reported_at).where(among(Incident.enrolment_id, name="keys"))
_ASSESSMENTS = sa.select(AssessmentRow.id, AssessmentRow.enrolment_id, AssessmentRow.instrument_id,
                         AssessmentRow.instrument_version, AssessmentRow.score, AssessmentRow.band,
                         AssessmentRow.level, AssessmentRow.assessed_at).where(
    among(AssessmentRow.enrolment_id, name="keys"))
_FLAGS = sa.select(Flag.id, Flag.enrolment_id, Flag.rule_id, Flag.fact_key, Flag.fact_ids, Flag.level, Flag.status,
                   Flag.episode_id, Flag.raised_at).where(among(Flag.enrolment_id, name="keys"))
_LEVELS = sa.select(RiskLevel.enrolment_id, RiskLevel.level, RiskLevel.version).where(
    among(RiskLevel.enrolment_id, name="keys"))
# what `_raise` sends first, and goes back to should what it hoped not hold
_SAVEPOINT, _BACK_TO_SAVEPOINT = sa.text("SAVEPOINT risk_raising"), sa.text("ROLLBACK TO SAVEPOINT risk_raising")

FLAG_COLUMNS = tuple(FlagRow.__annotations__)
LEVEL_CHANGE_COLUMNS = ("enrolment_id", "from_level", "level", "changed_at", "cause", "flag_ids")
_INSERT_FLAGS = _insert_flags_statement()
_MOVE_LEVELS = _move_levels_statement()
_KEEP_LEVEL_CHANGES = _keep_level_changes_statement()


def _level_statements(moves: list[LevelMove]) -> list[Statement]:
    """The levels moved (returning each one's version) and the moves kept."""
    if not moves:
        return []
    return [(_MOVE_LEVELS, {"rows": rows_json({"enrolment_id": m["enrolment_id"], "level": m["level"],
                                               "since": m["changed_at"]} for m in moves)}),
            (_KEEP_LEVEL_CHANGES, {"rows": rows_json(moves)})]  # (a move's version is not one of its columns)


def _publish(s: Session, views: Mapping[uuid.UUID, EnrolmentSnapshot], raised: list[FlagRow],
             moves: list[LevelMove], triggers: Mapping[str, Event[Any]], *, log_each: bool = True) -> None:
    """Move the levels and write the events of the flags raised and the levels moved (each level's version as its
    move answers it)."""
    if moves:
        levels, _ = execute_together(s, _level_statements(moves))
        versions = {r.enrolment_id: r.version for r in levels}
        for m in moves:
            m["version"] = versions[m["enrolment_id"]]
    envelopes, groups = _enveloped(s, views, raised, moves, triggers)
    execute_together(s, envelope_rows(envelopes))
    _log_raised(groups, log_each)


Groups = dict[tuple[str | None, str | None], tuple[list[FlagRow], list[LevelMove]]]


def _enveloped(s: Session, views: Mapping[uuid.UUID, EnrolmentSnapshot], raised: list[FlagRow],
               moves: list[LevelMove], triggers: Mapping[str, Event[Any]]) -> tuple[list[JSONObject], Groups]:
    """The events of the flags and the moves, each enveloped under the correlation of the event that caused it
    (written all in one statement: one for each message of a batch was most of the cost of the batch that raised
    its flags); and them grouped by that correlation."""
    groups: dict[str, tuple[list[FlagRow], list[LevelMove]]] = defaultdict(lambda: ([], []))
    for row in raised:
        groups[str(row["enrolment_id"])][0].append(row)
    for m in moves:
        groups[str(m["enrolment_id"])][1].append(m)
    by_correlation: Groups = defaultdict(lambda: ([], []))
    for enrolment_id, (flags, changes) in groups.items():
        trigger = triggers.get(enrolment_id)
        key = (trigger.correlation_id, str(trigger.id)) if trigger else (None, None)
        by_correlation[key][0].extend(flags)
        by_correlation[key][1].extend(changes)
    envelopes: list[JSONObject] = []
    for (correlation_id, message_id), (flags, changes) in by_correlation.items():
        context = {"correlation_id": correlation_id, "message_id": message_id} if correlation_id else {}
        with log_context(**context):
            envelopes += enveloped(s, [flag_raised(views[f["enrolment_id"]], f) for f in flags])
            envelopes += enveloped(s, [level_changed(views[m["enrolment_id"]], m) for m in changes])
    return envelopes, by_correlation


def _log_raised(groups: Groups, log_each: bool) -> None:
    """A line for each flag raised and each level moved, under the correlation of the event that caused it."""
    if not log_each:
        return
    for (correlation_id, message_id), (flags, changes) in groups.items():
        context = {"correlation_id": correlation_id, "message_id": message_id} if correlation_id else {}
        with log_context(**context):
            for f in flags:
                log.info("flag_raised", flag_id=str(f["id"]), rule_id=f["rule_id"], flag_level=f["level"],
                         participant_code=f["participant_code"])
            for m in changes:
                log.info("level_changed", enrolment_id=str(m["enrolment_id"]), from_level=m["from_level"],
                         to_level=m["level"], cause=m["cause"])

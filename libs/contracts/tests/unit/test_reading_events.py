"""A consumer reads an event with the kit's own walk (`qadam.events.load`), not marshmallow's machinery per field:
for real contracts with nested parts, every value at every depth replaced, removed or joined by an unknown key
must get marshmallow's own verdict: the same value read, or the same errors."""

from __future__ import annotations

import copy
import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import marshmallow as ma
import pytest
from qadam.events import EventData, dump, load, schema_of, to_data
from qadam_contracts.enrollment import AbsenceAlerts, Enrolled
from qadam_contracts.risk import FlagRaised
from qadam_contracts.sessions import (
    AbsenceRun,
    AbsenceRuns,
    AbsenceRunsOver,
    AttendanceRecorded,
    CurriculumRun,
    RunAbsence,
)

WHEN = datetime(2026, 11, 2, 9, tzinfo=UTC)
BAD = (None, "", "x", 0, -1, 2.5, True, [], {}, [None], ["group"], [[]], {"a": 1}, "2026-11-02T09:00:00",
       "2026-11-02", str(uuid.UUID(int=7)), "P-2026-000001", "high", "5", 5.0, 1, "true",
       "{00000000-0000-0000-0000-000000000007}")


def _absence(n: int) -> RunAbsence:
    return RunAbsence(session_id=uuid.UUID(int=n), session_number=n, scheduled_at=WHEN)


def marked() -> AttendanceRecorded:
    runs = AbsenceRuns(version=3, curriculum=CurriculumRun(current=2, longest=2), by_session_kinds=[
        AbsenceRunsOver(session_kinds=[["group"], ["group", "makeup"]],
                        runs=[AbsenceRun(absences=[_absence(1), _absence(2)])]),
        AbsenceRunsOver(session_kinds=[["individual"]], runs=[AbsenceRun(absences=[_absence(5)])])])
    return AttendanceRecorded(
        mark_id=uuid.uuid4(), session_id=uuid.uuid4(), cohort_id=uuid.uuid4(), enrolment_id=uuid.uuid4(),
        participant_code="P-2026-000123", session_number=2, scheduled_at=WHEN, status="unexcused",
        recorded_by="psy-1", recorded_at=WHEN, warning_signs=["separation"], absence_runs=runs)


def enrolled() -> Enrolled:
    return Enrolled(enrolment_id=uuid.uuid4(), participant_code="P-2026-000124", programme_id=uuid.uuid4(),
                    cohort_id=uuid.uuid4(), region="Buxoro viloyati", district="Kogon", inspector_id="insp-1",
                    psychologist_id="psy-1", status="active", enrolled_at=WHEN, version=2,
                    absence_alerts=AbsenceAlerts(consecutive=2, unexcused=3))


def raised() -> FlagRaised:
    return FlagRaised(flag_id=uuid.uuid4(), enrolment_id=uuid.uuid4(), participant_code="P-2026-000125",
                      rule_id="consecutive_absences", rule_version=1, level="high", reasons=["two in a row"],
                      evidence={"sessions": [1, 2]}, region="Buxoro viloyati", district="Kogon", inspector_id="i",
                      psychologist_id="p", raised_at=WHEN)


def variants(data: Any) -> Iterator[Any]:
    """`data` with each value at each depth replaced by each bad value, each key removed, an unknown key added."""
    if isinstance(data, dict):
        yield {**data, "added_later": 1}
        for key in data:
            yield {k: v for k, v in data.items() if k != key}
            for bad in BAD:
                yield {**data, key: bad}
            for inner in variants(data[key]):
                yield {**data, key: inner}
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield data[:i] + data[i + 1:]
            for bad in BAD:
                yield [*data[:i], bad, *data[i + 1:]]
            for inner in variants(item):
                yield [*data[:i], inner, *data[i + 1:]]


def outcome(read: Any) -> tuple[str, Any]:
    try:
        return "read", read()
    except ma.ValidationError as e:
        return "refused", e.messages
    except (TypeError, ValueError, AttributeError) as e:  # writing out a value of no type the field knows
        return "raised", e


@pytest.mark.parametrize("event", [marked(), enrolled(), raised()], ids=lambda e: type(e).__name__)
def test_the_kit_s_walk_reads_every_variant_as_marshmallow_does(event: EventData) -> None:
    schema = schema_of(type(event))
    data = to_data(event)
    assert load(schema, copy.deepcopy(data)) == event
    seen = {"read": 0, "refused": 0}
    for variant in variants(data):
        ours, theirs = outcome(lambda v=variant: load(schema, copy.deepcopy(v))), outcome(
            lambda v=variant: schema.load(copy.deepcopy(v)))
        assert ours == theirs, variant
        seen[ours[0]] += 1
    assert seen["read"] > 10 and seen["refused"] > 100, seen


def test_what_is_not_an_object_is_refused_as_marshmallow_refuses_it() -> None:
    schema = schema_of(AttendanceRecorded)
    for raw in (None, [], "x", 1):
        assert outcome(lambda r=raw: load(schema, r)) == outcome(lambda r=raw: schema.load(r))


WRONG = (None, "", "x", 0, 2.5, True, [], {}, uuid.UUID(int=3), datetime(2026, 11, 2, 9), WHEN, ["group"], [None])


def wrong_typed(event: EventData) -> Iterator[EventData]:
    """`event` with each field, and each field of each nested part, holding each wrong (or right) Python value."""
    for f in dataclasses.fields(event):  # type: ignore[arg-type]
        for bad in WRONG:
            yield dataclasses.replace(event, **{f.name: bad})  # type: ignore[type-var]
        value = getattr(event, f.name)
        if isinstance(value, EventData):
            for inner in wrong_typed(value):
                yield dataclasses.replace(event, **{f.name: inner})  # type: ignore[type-var]
        elif isinstance(value, list) and value and isinstance(value[0], EventData):
            for inner in wrong_typed(value[0]):
                yield dataclasses.replace(event, **{f.name: [inner, *value[1:]]})  # type: ignore[type-var]


@pytest.mark.parametrize("event", [marked(), enrolled(), raised()], ids=lambda e: type(e).__name__)
def test_the_kit_s_walk_writes_every_event_out_as_marshmallow_does(event: EventData) -> None:
    schema = schema_of(type(event))
    written = 0
    for variant in [event, *wrong_typed(event)]:
        ours, theirs = outcome(lambda v=variant: dump(schema, v)), outcome(lambda v=variant: schema.dump(v))
        if theirs[0] == "read" or ours[0] == "read":
            assert ours == theirs, variant
            written += 1
        else:
            assert type(ours[1]) is type(theirs[1])
    assert written > 50

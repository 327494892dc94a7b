"""For one enrolment: today's level and each factor behind it, in words a practitioner can read aloud at a
multi-agency meeting, with the assessment, attendance and the level's history beside it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, tzinfo
from typing import Any

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from qadam.auth import allow, current_principal
from qadam.web import read_session, settings_of_app

from ..domain import DISCLAIMER, level_rank
from ..domain.her_view import NO_ATTENDANCE, factor_for_her, history_for_her, read_aloud_for_her
from ..domain.instrument import parse_instrument
from ..evaluation import rules_in_force
from ..models import Assessment, AttendanceFact, Flag, InstrumentVersion, LevelChange, RiskLevel
from ..schemas import ExplanationOut, LangArgs
from ..settings import RiskSettings
from .access import READERS, as_dict, case_of, concerns, hears_no_attendance
from .assessments import assessment_view

blp = Blueprint("explanation", __name__, description="Why an enrolment is at its level, in plain words")
HISTORY = 50


@blp.route("/enrolments/<uuid:enrolment_id>/risk")
class Explanation(MethodView):
    @allow(*READERS)
    @blp.arguments(LangArgs, location="query")
    @blp.response(200, ExplanationOut)
    def get(self, args: dict[str, Any], enrolment_id: uuid.UUID) -> dict[str, Any]:
        """Today's level (the highest of the unresolved flags; low with none) and every factor behind it, each in a
        sentence; the latest assessment and what it found; attendance; the level's history."""
        principal, settings = current_principal(), settings_of_app(RiskSettings)
        with read_session() as s:
            view = case_of(s, principal, enrolment_id)
            rules = rules_in_force(s)
            held = s.get(RiskLevel, enrolment_id)
            flags = sorted(s.execute(sa.select(Flag).where(Flag.enrolment_id == enrolment_id,
                                                           Flag.status != "resolved")).scalars(),
                           key=lambda f: (-level_rank(f.level), f.raised_at))
            resolved = s.execute(sa.select(sa.func.count()).where(Flag.enrolment_id == enrolment_id,
                                                                  Flag.status == "resolved")).scalar_one()
            latest = s.execute(sa.select(Assessment).where(Assessment.enrolment_id == enrolment_id)
                               .order_by(Assessment.assessed_at.desc()).limit(1)).scalar()
            found: list[str] = []
            if latest is not None:
                row = s.get(InstrumentVersion, (latest.instrument_id, latest.instrument_version))
                if row is not None:
                    instrument = parse_instrument(row.version, row.definition)
                    found = [i.text.get(args["lang"], i.text["en"]) for i in instrument.items
                             if latest.answers.get(i.id) not in (None, "unknown") and i.weights[latest.answers[i.id]] > 0]
            counts = dict(s.execute(sa.select(AttendanceFact.status, sa.func.count()).where(
                AttendanceFact.enrolment_id == enrolment_id,
                AttendanceFact.session_kind.in_(("group", "individual", "makeup")))
                .group_by(AttendanceFact.status)).all())
            history = list(s.execute(sa.select(LevelChange).where(LevelChange.enrolment_id == enrolment_id)
                                     .order_by(LevelChange.changed_at.desc(), LevelChange.id.desc())
                                     .limit(HISTORY)).scalars())
            her = hears_no_attendance(principal)
            kind = concerns(s, [as_dict(f) for f in flags]) if her else {}
        level = held.level if held else "low"
        zone = settings.zone
        if her:  # his level and each open flag's level, kind of concern and date: never his attendance
            return _for_her(view, level, held, flags, kind, resolved, history, latest, rules, zone)
        attendance = {"recorded": sum(counts.values()), "attended": counts.get("present", 0) + counts.get("late", 0),
                      "excused": counts.get("excused", 0), "unexcused": counts.get("unexcused", 0)}

        def day(moment: datetime) -> str:
            return moment.astimezone(zone).date().isoformat()

        lines = [f"{view.participant_code} is at {level.upper()} risk today"
                 + (f" (since {day(held.since)})." if held else ".")]
        if flags:
            lines.append(f"{len(flags)} unresolved flag{'s' if len(flags) != 1 else ''} "
                         f"{'contribute' if len(flags) != 1 else 'contributes'}; the highest sets the level:")
            for n, f in enumerate(flags, 1):
                state = (f"acknowledged by {f.acknowledged_by} on {day(f.acknowledged_at)}" if f.acknowledged_at
                         else "not yet acknowledged")
                lines.append(f"{n}. {f.level.capitalize()}, raised on {day(f.raised_at)}, {state}: "
                             + " ".join(f.reasons))
        else:
            lines.append("No flag is unresolved: nothing the rules watch for is waiting on anyone.")
        if resolved:
            lines.append(f"{resolved} earlier flag{'s were' if resolved != 1 else ' was'} resolved with a reason and "
                         "no longer count.")
        if latest is not None:
            lines.append(f"Latest risk assessment: {day(latest.assessed_at)} with {latest.instrument_id} "
                         f"v{latest.instrument_version}, score {latest.score}, band {latest.band}"
                         + (f", {latest.unknown_items} item(s) unknown" if latest.unknown_items else "") + "."
                         + (" It found: " + "; ".join(t.rstrip(".") for t in found) + "." if found else ""))
        else:
            lines.append("He has not been assessed with the risk instrument yet.")
        lines.append(f"Attendance: {attendance['attended']} of {attendance['recorded']} recorded sessions attended, "
                     f"{attendance['excused']} excused, {attendance['unexcused']} unexcused.")
        lines.append(DISCLAIMER)
        return {
            "enrolment_id": enrolment_id, "participant_code": view.participant_code, "status": view.status,
            "as_of": datetime.now(UTC), "level": level, "since": held.since if held else None, "read_aloud": lines,
            "factors": [{"flag_id": f.id, "rule_id": f.rule_id, "rule_version": f.rule_version, "level": f.level,
                         "status": f.status, "raised_at": f.raised_at, "says": f.reasons} for f in flags],
            "assessment": assessment_view(latest, rules), "attendance": attendance,
            "history": history, "rule_set_version": rules.version,
        }


def _for_her(view: Any, level: str, held: RiskLevel | None, flags: list[Flag], kind: dict[Any, str], resolved: int,
             history: list[LevelChange], latest: Assessment | None, rules: Any, zone: tzinfo) -> dict[str, Any]:
    """The explanation her support worker reads (risk/domain/her_view.py words it)."""
    def day(moment: datetime) -> date:
        return moment.astimezone(zone).date()

    lines = read_aloud_for_her(view.participant_code, level, day(held.since) if held else None,
                               [(f.level, kind[f.id], day(f.raised_at), day(f.acknowledged_at) if f.acknowledged_at
                                 else None) for f in flags], resolved, DISCLAIMER)
    return {
        "enrolment_id": view.enrolment_id, "participant_code": view.participant_code, "status": view.status,
        "as_of": datetime.now(UTC), "level": level, "since": held.since if held else None, "read_aloud": lines,
        "factors": [factor_for_her(as_dict(f), kind[f.id], day(f.raised_at)) for f in flags],
        "assessment": assessment_view(latest, rules), "attendance": dict(NO_ATTENDANCE),
        "history": [history_for_her({"from_level": h.from_level, "level": h.level, "changed_at": h.changed_at})
                    for h in history],
        "rule_set_version": rules.version,
    }

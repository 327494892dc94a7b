"""Risk's rules on plain data (no database): every kind of rule, the default rule set, and the checks on rule data."""

from __future__ import annotations

import dataclasses
import json
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from qadam_contracts.vocabulary import WARNING_SIGNS
from risk.domain import (
    Assessment,
    Case,
    Context,
    Finding,
    Incident,
    Mark,
    Observation,
    OrderSignal,
    RuleError,
    RuleSet,
    evaluate,
    new_findings,
    parse_rules,
)
from risk.evaluation import runs_by_kinds
from risk.handlers import runs_kept
from sessions.domain.absence_runs import HeldMark, absence_runs
from sessions.events import absence_runs as published

START = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
TASHKENT = ZoneInfo("Asia/Tashkent")
DEFAULT_DATA = json.loads(files("risk").joinpath("defaults/rules.json").read_text(encoding="utf-8"))
DEFAULTS = parse_rules(1, DEFAULT_DATA)
AMBER = ("separation", "partner_pregnant_or_infant", "substance_use", "job_loss_or_debt", "child_contact_conflict",
         "suicidal_talk", "escalation", "controlling_behaviour")


# -- building facts -------------------------------------------------------------------------------------------------
def at(days: float, hour: int = 9, minute: int = 0) -> datetime:
    return START.replace(hour=hour, minute=minute) + timedelta(days=days)


def marks(*statuses: str | None, kind: str = "group") -> list[Mark]:
    """One mark per status, sessions every 3 days; None is a session with no mark (cancelled before it took place)."""
    return [Mark(f"s{n}", n, at(3 * (n - 1)), status, kind) for n, status in enumerate(statuses, 1) if status]


def sign(oid: str, name: str, days: float, session: int | None = None, **time: int) -> Observation:
    return Observation(oid, name, at(days, **time), session)


def incident(iid: str, kind: str, on: date, severity: str = "serious", source: str = "inspector") -> Incident:
    return Incident(iid, kind, on, severity, source)


def expiring(sid: str, days: float, order: str = "o1", expires: str = "2026-11-20", **facts: Any) -> OrderSignal:
    return OrderSignal(sid, "order_expiring", at(days), {"order_id": order, "expires_on": expires, "days_left": 7,
                                                         "programme_unfinished": True, **facts})


def call_overdue(sid: str, days: float, call: str = "call1") -> OrderSignal:
    return OrderSignal(sid, "call_overdue", at(days), {"call_id": call, "session_number": 2, "absence_on": "2026-10-08",
                                                       "due_at": "2026-10-10T09:00:00+00:00"})


def order_issued(sid: str, days: float, order: str, issued: str, previous: str | None = None) -> OrderSignal:
    return OrderSignal(sid, "order_issued", at(days), {"order_id": order, "issued_on": issued, "expires_on": "2027-12-31",
                                                       "previous_order_on": previous})


def assessment(aid: str, band: str, days: float, score: int = 0) -> Assessment:
    level = {"low": "low", "medium": "medium", "high": "high", "very high": "critical"}[band]
    return Assessment(aid, "qadam-intake v1", score, band, level, at(days))


def case(status: str = "active", enrolled_at: datetime | None = None, **facts: Any) -> Case:
    """A case; with no enrolment date and no assessment, no assessment is ever due (see the assessment_due tests).
    His runs of unexcused absences are those sessions publishes with his marks (a cancelled session has no mark)."""
    facts = {k: v if isinstance(v, int) else tuple(v) for k, v in facts.items()}
    return Case("e1", status, enrolled_at, **facts, absence_runs=runs_of(facts.get("marks", ())))


def runs_of(ms: tuple[Mark, ...]) -> dict[frozenset[str], tuple[tuple[Mark, ...], ...]]:
    """His runs as sessions computes and publishes them from these marks, read back as risk keeps them."""
    held = [HeldMark(uuid.uuid5(uuid.NAMESPACE_OID, m.session_id), m.session_number, m.scheduled_at, m.status, m.kind)
            for m in ms if not m.cancelled]
    ids = {str(h.session_id): m.session_id for h, m in zip(held, [m for m in ms if not m.cancelled], strict=True)}
    kept = runs_by_kinds(runs_kept(published(1, absence_runs(held))))
    return {kinds: tuple(tuple(dataclasses.replace(m, session_id=ids[m.session_id]) for m in run) for run in runs)
            for kinds, runs in kept.items()}


def ruleset(*rules: dict[str, Any]) -> RuleSet:
    return parse_rules(1, list(rules))


def rule(kind: str, level: str = "high", rid: str | None = None, **params: Any) -> dict[str, Any]:
    return {"id": rid or kind, "version": 1, "kind": kind, "level": level, "description": f"Test rule {rid or kind}.",
            "params": params}


def run(c: Case, rules: RuleSet = DEFAULTS, now: datetime = NOW, zone=UTC) -> list[Finding]:
    return evaluate(c, rules, Context(now, zone))


def bands(c: Case) -> list[Finding]:
    """What the intake band rules find (an assessment also starts the clock of the next one: left out here)."""
    return [f for f in run(c) if f.rule_id.startswith("intake.")]


def of(findings: list[Finding], rule_id: str) -> list[Finding]:
    return [f for f in findings if f.rule_id == rule_id]


def only(findings: list[Finding], rule_id: str) -> Finding:
    [finding] = of(findings, rule_id)
    return finding


def flagged_by(*findings: Finding) -> dict[str, set[str]]:
    """What the database would hold after these findings were raised as flags."""
    flagged: dict[str, set[str]] = {}
    for f in findings:
        flagged.setdefault(f.rule_id, set()).update(f.all_ids)
    return flagged


def absences(*statuses: str | None, kind: str = "group", threshold: int = 2) -> list[Finding]:
    return run(case(marks=marks(*statuses, kind=kind)), ruleset(rule("consecutive_absences", threshold=threshold)))


def absences_of(ms: list[Mark], threshold: int = 2) -> list[Finding]:
    return run(case(marks=ms), ruleset(rule("consecutive_absences", threshold=threshold)))


# -- the default rule set -------------------------------------------------------------------------------------------
def test_the_default_rules_parse_and_keep_their_ids_and_levels():
    assert len(DEFAULTS.rules) == len(DEFAULT_DATA)
    assert {r.id: r.level for r in DEFAULTS.rules} == {r["id"]: r["level"] for r in DEFAULT_DATA}
    assert parse_rules(1, DEFAULTS.as_data()) == DEFAULTS


def test_the_rules_that_combine_others_run_after_all_the_others_whatever_the_order_of_the_data():
    reordered = parse_rules(2, list(reversed(DEFAULT_DATA)))
    kinds = [r.kind for r in reordered.rules]
    assert kinds[-2:] in (["cluster", "combination"], ["combination", "cluster"])
    assert all(k not in ("cluster", "combination") for k in kinds[:-2])


def test_every_warning_sign_sessions_accepts_is_watched_by_exactly_one_default_rule():
    watching = {s: [r.id for r in DEFAULTS.rules if r.kind == "warning_sign" and s in r.params["signs"]]
                for s in WARNING_SIGNS}
    assert {s: len(ids) for s, ids in watching.items()} == dict.fromkeys(WARNING_SIGNS, 1)


def test_a_case_with_no_facts_raises_nothing():
    assert run(case()) == []


# -- consecutive absences -------------------------------------------------------------------------------------------
def test_second_consecutive_unexcused_absence_raises_one_finding():
    finding = only(run(case(marks=marks("present", "unexcused", "unexcused"))), "consecutive_absences")
    assert finding.level == "high" and finding.rule_version == 1
    assert finding.evidence["session_numbers"] == [2, 3] and finding.evidence["session_ids"] == ["s2", "s3"]
    assert finding.fact_key == "s2" and finding.fact_ids == ("s2", "s3")
    assert finding.occurred_at == at(6)
    assert finding.reasons[0] == "2 unexcused absences in a row: sessions 2 and 3 (2026-10-08 to 2026-10-11)."
    assert finding.reasons[1].startswith("Unexcused absences in a row") and "(flags 2 or more in a row)" in finding.reasons[1]


def test_a_single_unexcused_absence_raises_nothing():
    assert absences("present", "unexcused", "present", "unexcused") == []


@pytest.mark.parametrize("attended", ["present", "late"])
def test_attendance_between_absences_breaks_the_run(attended):
    assert absences("unexcused", attended, "unexcused") == []


def test_excused_absences_never_count_as_non_attendance():
    found = run(case(marks=marks("excused", "excused", "excused", "excused", "unexcused", "excused", "excused")))
    assert of(found, "consecutive_absences") == [] and of(found, "absence_rate") == []


def test_excused_absence_between_two_unexcused_neither_counts_nor_breaks_the_run():
    [finding] = absences("unexcused", "excused", "unexcused")
    assert finding.evidence["session_numbers"] == [1, 3]
    assert "2 unexcused absences in a row: sessions 1 and 3" in finding.reasons[0]


def test_a_cancelled_session_breaks_no_streak():
    ms = marks("unexcused", "unexcused", "unexcused")
    cancelled = Mark("s2", 2, ms[1].scheduled_at, "present", cancelled=True)
    [finding] = absences_of([ms[0], cancelled, ms[2]])
    assert finding.evidence["session_numbers"] == [1, 3]


def test_an_unexcused_mark_on_a_cancelled_session_does_not_count():
    ms = marks("unexcused", "unexcused")
    assert absences_of([ms[0], dataclasses.replace(ms[1], cancelled=True)]) == []


def test_a_session_with_no_mark_breaks_no_streak():
    [finding] = absences("unexcused", None, "unexcused")
    assert finding.evidence["session_numbers"] == [1, 3]


def test_intake_marks_are_ignored_by_the_absence_rules_by_default():
    intake = marks("unexcused", "unexcused", "unexcused", "unexcused", "unexcused", "unexcused", kind="intake")
    assert run(case(marks=intake)) == []
    group = [Mark("g1", 1, at(30), "unexcused")]
    between = [Mark("i1", 1, at(31), "present", "intake"), Mark("g2", 2, at(33), "unexcused")]
    [finding] = of(run(case(marks=group + between)), "consecutive_absences")  # attending intake does not break it
    assert finding.evidence["session_ids"] == ["g1", "g2"]


def test_intake_marks_count_when_a_rule_names_them():
    rules = ruleset(rule("consecutive_absences", session_kinds=["intake"]))
    [finding] = run(case(marks=marks("unexcused", "unexcused", kind="intake")), rules)
    assert finding.evidence["session_numbers"] == [1, 2]


@pytest.mark.parametrize("kind", ["group", "individual", "makeup"])
def test_absences_from_group_individual_and_makeup_sessions_all_count(kind):
    assert len(absences("unexcused", "unexcused", kind=kind)) == 1


def test_a_run_mixing_session_kinds_is_one_run_in_date_order():
    ms = [Mark("g1", 1, at(0), "unexcused"), Mark("m1", 1, at(1), "unexcused", "makeup"),
          Mark("i1", 1, at(2), "unexcused", "individual"), Mark("g2", 2, at(3), "present")]
    [finding] = absences_of(ms)
    assert finding.evidence["session_ids"] == ["g1", "m1", "i1"]


def test_a_run_already_flagged_is_not_raised_again_when_it_grows():
    [first] = absences("unexcused", "unexcused")
    flagged = flagged_by(first)
    grown = absences("unexcused", "unexcused", "unexcused", "unexcused")
    assert grown[0].evidence["session_numbers"] == [1, 2, 3, 4]
    assert new_findings(grown, flagged) == []


def test_a_late_mark_from_before_a_flagged_run_joins_it_and_is_not_raised_again():
    [first] = absences("present", "unexcused", "unexcused")
    later = absences("unexcused", "unexcused", "unexcused")  # session 1 corrected/arriving late: the run now starts there
    assert later[0].fact_key == "s1"
    assert new_findings(later, flagged_by(first)) == []


def test_a_new_run_after_attendance_is_new_facts():
    [first] = absences("unexcused", "unexcused")
    found = absences("unexcused", "unexcused", "present", "unexcused", "unexcused")
    assert [f.evidence["session_numbers"] for f in found] == [[1, 2], [4, 5]]
    [fresh] = new_findings(found, flagged_by(first))
    assert fresh.evidence["session_numbers"] == [4, 5] and fresh.fact_key == "s4"


def test_a_run_long_enough_names_every_session_in_its_reason():
    [finding] = absences("present", "unexcused", "unexcused", "unexcused")
    assert finding.reasons[0].startswith("3 unexcused absences in a row: sessions 2, 3 and 4 (")
    assert finding.occurred_at == at(6)  # when it reached the threshold, not when it last grew


def test_threshold_is_a_setting():
    assert absences("unexcused", "unexcused", threshold=3) == []
    [finding] = absences("unexcused", "unexcused", "unexcused", threshold=3)
    assert "(flags 3 or more in a row)" in finding.reasons[1] and finding.evidence["threshold"] == 3
    assert len(absences("unexcused", threshold=1)) == 1
    with pytest.raises(RuleError):
        ruleset(rule("consecutive_absences", threshold=0))


def test_runs_follow_session_dates_not_arrival():
    ms = marks("unexcused", "present", "unexcused")
    assert [[m.session_number for m in r] for r in runs_of(tuple(reversed(ms)))[frozenset({"group"})]] == [[1], [3]]


def test_the_rule_reads_the_runs_sessions_published_not_the_marks():
    # sessions published no run for these marks yet (they came from an older producer): no finding of it
    assert of(run(Case("e1", "active", marks=tuple(marks("unexcused", "unexcused")))), "consecutive_absences") == []
    published = {frozenset({"group", "individual", "makeup"}): (tuple(marks("unexcused", "unexcused", "unexcused")),)}
    [finding] = of(run(Case("e1", "active", absence_runs=published)), "consecutive_absences")
    assert finding.evidence["session_numbers"] == [1, 2, 3]


def test_dates_in_reasons_are_read_in_the_given_time_zone():
    late_evening = [Mark("a", 1, datetime(2026, 10, 5, 20, 30, tzinfo=UTC), "unexcused"),
                    Mark("b", 2, datetime(2026, 10, 8, 20, 30, tzinfo=UTC), "unexcused")]
    c = case(marks=late_evening)
    [tashkent] = of(run(c, zone=TASHKENT), "consecutive_absences")
    assert "(2026-10-06 to 2026-10-09)" in tashkent.reasons[0]  # 01:30 the next day in Tashkent
    [utc] = of(run(c), "consecutive_absences")
    assert "(2026-10-05 to 2026-10-08)" in utc.reasons[0]


# -- absence rate ---------------------------------------------------------------------------------------------------
def test_half_of_the_sessions_missed_though_never_two_in_a_row_raises_a_medium_finding():
    found = run(case(marks=marks("present", "unexcused", "present", "unexcused")))
    assert of(found, "consecutive_absences") == []
    finding = only(found, "absence_rate")
    assert finding.level == "medium" and finding.fact_key == "s4" and finding.occurred_at == at(9)
    assert finding.evidence == {"session_ids": ["s2", "s4"], "session_numbers": [2, 4], "window": 4, "rate": 0.5}
    assert finding.reasons[0] == "2 of his last 4 sessions missed without excuse (sessions 2 and 4, up to 2026-10-14)."
    assert "(flags 50% or more of the last 6)" in finding.reasons[1]


def test_too_few_sessions_raise_no_rate_finding():
    assert of(run(case(marks=marks("unexcused", "present", "unexcused"))), "absence_rate") == []


def test_a_rate_below_the_setting_raises_nothing():
    assert of(run(case(marks=marks("present", "unexcused", "present", "present", "unexcused", "present"))),
              "absence_rate") == []


def test_excused_absences_are_left_out_of_the_rate():
    # 2 unexcused of 4 required sessions he was not excused from: the excused ones neither count nor dilute
    found = run(case(marks=marks("present", "excused", "unexcused", "excused", "present", "excused", "unexcused")))
    finding = only(found, "absence_rate")
    assert finding.evidence["session_numbers"] == [3, 7] and finding.evidence["window"] == 4


def test_an_absence_rate_episode_is_one_finding_while_it_lasts_and_not_raised_again_as_it_grows():
    first = run(case(marks=marks("present", "unexcused", "present", "unexcused")))
    grown = run(case(marks=marks("present", "unexcused", "present", "unexcused", "unexcused", "unexcused")))
    finding = only(grown, "absence_rate")
    assert finding.fact_ids == ("s2", "s4", "s5", "s6") and finding.fact_key == "s4"
    assert new_findings(of(grown, "absence_rate"), flagged_by(only(first, "absence_rate"))) == []


def test_a_rate_that_dips_and_returns_within_the_window_is_the_same_episode():
    statuses = ["unexcused", "present", "unexcused", "present", "present", "unexcused"]
    first = only(run(case(marks=marks(*statuses[:4]))), "absence_rate")
    found = of(run(case(marks=marks(*statuses))), "absence_rate")
    assert new_findings(found, flagged_by(first)) == []


def _rate_episodes_window_by_window(ms: list[Mark], window: int, rate: float, least: int) -> list[tuple[Any, ...]]:
    """The rate's episodes as the rule reads them, every window counted afresh (what the rule's sliding count must
    give): (fact key, fact ids, window, missed at the start) of each."""
    required = sorted((m for m in ms if m.kind != "intake" and m.status != "excused"),
                      key=lambda m: (m.scheduled_at, m.session_number, m.session_id))
    episodes: list[tuple[list[Mark], list[Mark], list[Mark]]] = []
    in_episode = False
    for i in range(len(required)):
        seen = required[max(0, i + 1 - window):i + 1]
        missed = [m for m in seen if m.status == "unexcused"]
        high = len(seen) >= least and len(missed) / len(seen) >= rate
        if high and not in_episode:
            episodes.append((seen, missed, list(missed)))
        elif high:
            episodes[-1][2].extend(m for m in missed if m not in episodes[-1][2])
        in_episode = high
    return [(seen[-1].session_id, tuple(m.session_id for m in every), len(seen), [m.session_number for m in missed])
            for seen, missed, every in episodes]


def test_the_rate_s_sliding_count_finds_the_episodes_that_counting_every_window_afresh_finds():
    chance = random.Random(20)
    for _ in range(400):
        window, least = chance.randint(2, 8), chance.randint(1, 6)
        rate = chance.choice([0.2, 1 / 3, 0.4, 0.5, 2 / 3, 0.75, 1.0])
        statuses = chance.choices(["present", "late", "excused", "unexcused", None], [5, 1, 2, 4, 1],
                                  k=chance.randint(0, 30))
        ms = [dataclasses.replace(m, kind=chance.choice(["group", "group", "makeup", "individual", "intake"]))
              for m in marks(*statuses)]
        chance.shuffle(ms)
        rules = ruleset(rule("absence_rate", "medium", window=window, rate=rate, min_sessions=least))
        found = [(f.fact_key, f.fact_ids, f.evidence["window"], f.evidence["session_numbers"])
                 for f in run(case(marks=ms), rules)]
        assert found == _rate_episodes_window_by_window(ms, window, rate, least), (statuses, window, rate, least)


def test_a_new_rate_episode_after_good_attendance_is_new_facts():
    bad = ["unexcused", "present", "unexcused", "present"]
    first = only(run(case(marks=marks(*bad))), "absence_rate")
    found = of(run(case(marks=marks(*bad, *["present"] * 6, *bad, "unexcused"))), "absence_rate")
    assert len(found) == 2
    [fresh] = new_findings(found, flagged_by(first))
    assert fresh.evidence["session_numbers"] == [11, 13, 15]


def test_the_rate_window_and_share_are_settings():
    rules = ruleset(rule("absence_rate", level="medium", window=3, rate=1, min_sessions=3))
    assert run(case(marks=marks("unexcused", "unexcused", "present")), rules) == []
    [finding] = run(case(marks=marks("present", "unexcused", "unexcused", "unexcused")), rules)
    assert finding.evidence["session_numbers"] == [2, 3, 4] and "(flags 100% or more of the last 3)" in finding.reasons[1]


# -- warning signs ----------------------------------------------------------------------------------------------------
EXPECTED_SIGN_LEVELS = {
    "threat_to_kill": "critical", "new_violence_disclosed": "critical", "strangulation": "critical",
    "contact_against_order": "critical", "stalking_victim": "critical",
    "threat_to_partner": "critical", "weapon_access": "critical",
    "intoxicated_at_session": "medium", **dict.fromkeys(AMBER, "medium"),
    "denial_or_minimisation": "low", "blaming_the_victim": "low",
}


def test_every_warning_sign_has_an_expected_level():
    assert set(EXPECTED_SIGN_LEVELS) == set(WARNING_SIGNS)


@pytest.mark.parametrize(("name", "level"), sorted(EXPECTED_SIGN_LEVELS.items()))
def test_each_warning_sign_gets_its_own_level_from_the_default_rules(name, level):
    [finding] = run(case(observations=[sign("o1", name, 3, session=2)]))
    assert finding.level == level
    assert finding.fact_key == "o1" and finding.fact_ids == ("o1",)
    assert finding.evidence["sign"] == name and finding.evidence["topic"] == f"sign:{name}"
    assert finding.reasons[0].startswith("Warning sign recorded by the facilitator at session 2 on 2026-10-08: ")


def test_the_words_of_a_warning_sign_say_what_was_seen():
    [finding] = run(case(observations=[sign("o1", "threat_to_kill", 3, session=2)]))
    assert finding.reasons == ["Warning sign recorded by the facilitator at session 2 on 2026-10-08: a threat to kill.",
                               "A threat to kill is one of the strongest warning signs of lethal violence."]


def test_a_sign_heard_of_outside_a_session_names_no_session():
    [finding] = run(case(observations=[sign("o1", "weapon_access", 3)]))
    assert finding.reasons[0] == "Warning sign recorded by the facilitator on 2026-10-08: access to a weapon."


def test_each_sighting_of_a_red_sign_is_its_own_finding():
    found = run(case(observations=[sign("o1", "threat_to_kill", 0), sign("o2", "threat_to_kill", 3)]))
    assert [f.fact_key for f in of(found, "sign.threat_to_kill")] == ["o1", "o2"]
    assert len(new_findings(found, flagged_by(found[0]))) == 1


def test_repeat_sightings_of_the_same_amber_sign_within_the_repeat_days_are_one_finding():
    seen = [sign("o1", "substance_use", 0, session=1), sign("o2", "substance_use", 10, session=4),
            sign("o3", "substance_use", 28, session=10)]
    [finding] = run(case(observations=seen))
    assert finding.rule_id == "sign.amber" and finding.fact_key == "o1" and finding.fact_ids == ("o1", "o2", "o3")
    assert finding.reasons[0].endswith("alcohol or drug use, and 2 more time(s) within 28 days.")
    assert finding.evidence["session_numbers"] == [1, 4, 10]


def test_a_repeat_sighting_of_a_flagged_amber_sign_is_not_raised_again():
    [first] = run(case(observations=[sign("o1", "escalation", 0)]))
    later = run(case(observations=[sign("o1", "escalation", 0), sign("o2", "escalation", 20)]))
    assert new_findings(later, flagged_by(first)) == []


def test_a_sighting_after_the_repeat_window_is_a_new_finding():
    [first] = run(case(observations=[sign("o1", "escalation", 0)]))
    later = run(case(observations=[sign("o1", "escalation", 0), sign("o2", "escalation", 20),
                                   sign("o3", "escalation", 29)]))  # 29 days after the first sighting
    assert [f.fact_ids for f in later] == [("o1", "o2"), ("o3",)]
    [fresh] = new_findings(later, flagged_by(first))
    assert fresh.fact_key == "o3"


def test_different_amber_signs_are_separate_findings():
    found = run(case(observations=[sign("o1", "separation", 0), sign("o2", "job_loss_or_debt", 1)]))
    assert sorted(f.evidence["sign"] for f in of(found, "sign.amber")) == ["job_loss_or_debt", "separation"]


def test_a_repeat_sighting_arriving_before_the_first_joins_the_same_episode():
    # the second sighting was recorded (and flagged) first; the earlier one arrives afterwards
    [first] = run(case(observations=[sign("o2", "suicidal_talk", 10)]))
    later = run(case(observations=[sign("o2", "suicidal_talk", 10), sign("o1", "suicidal_talk", 0)]))
    assert new_findings(later, flagged_by(first)) == []


def test_dates_of_warning_signs_are_read_in_the_given_time_zone():
    evening = Observation("o1", "threat_to_partner", datetime(2026, 10, 5, 20, 30, tzinfo=UTC), 3)
    [finding] = run(case(observations=[evening]), zone=TASHKENT)
    assert "at session 3 on 2026-10-06:" in finding.reasons[0]


# -- incidents --------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "severity", "rule_id", "level"), [
    ("order_breach", "minor", "incident.order_breach", "critical"),
    ("order_breach", "severe", "incident.order_breach", "critical"),
    ("new_complaint", "severe", "incident.new_violence", "critical"),
    ("new_complaint", "serious", "incident.new_violence", "critical"),
    ("new_complaint", "minor", "incident.new_violence", "critical"),
    ("police_callout", "minor", "incident.new_violence", "critical"),
    ("arrest", "minor", "incident.new_violence", "critical"),
    ("contact_with_victim", "minor", "incident.contact_or_stalking", "critical"),
    ("stalking", "serious", "incident.contact_or_stalking", "critical"),
    ("victim_fear", "minor", "incident.victim_fear", "critical"),
    ("victim_fear", "severe", "incident.victim_fear", "critical"),
])
def test_each_incident_gets_its_level_from_the_default_rules(kind, severity, rule_id, level):
    [finding] = run(case(incidents=[incident("i1", kind, date(2026, 11, 2), severity)]))
    assert (finding.rule_id, finding.level) == (rule_id, level)
    assert finding.fact_key == "i1" and finding.fact_ids == ("i1",)
    assert finding.evidence["topic"] == f"incident:{kind}"


def test_a_protection_order_breach_is_critical():
    [finding] = run(case(incidents=[incident("i1", "order_breach", date(2026, 11, 2), "minor")]))
    assert finding.level == "critical"
    assert finding.reasons[0] == ("Incident reported by the prevention inspector: breach of the protection order on "
                                  "2026-11-02 (minor).")


def test_a_new_complaint_call_out_or_arrest_is_critical_however_minor():
    found = run(case(incidents=[incident("i1", "new_complaint", date(2026, 11, 2), "severe"),
                                incident("i2", "police_callout", date(2026, 11, 9), "minor"),
                                incident("i3", "arrest", date(2026, 11, 10), "minor")]))
    assert [(f.fact_key, f.level) for f in found] == [("i1", "critical"), ("i2", "critical"), ("i3", "critical")]


@pytest.mark.parametrize("kind", ["victim_fear", "contact_with_victim", "police_callout", "stalking"])
def test_what_victim_support_reports_is_a_critical_safety_concern_in_words_that_name_nothing_of_hers(kind):
    reported = Incident("i1", kind, date(2026, 11, 2), "minor", "victim_support",
                        datetime(2026, 11, 4, 20, 30, tzinfo=UTC))
    [finding] = run(case(incidents=[reported]), zone=TASHKENT)
    assert (finding.rule_id, finding.level, finding.source) == ("incident.victim_support", "critical", "victim_support")
    assert finding.reasons == ["A safety concern was reported by victim support on 2026-11-05, level critical."]
    assert finding.evidence == {"incident_id": "i1", "source": "victim_support", "topic": "victim_support"}
    said = repr((finding.rule_id, finding.reasons, finding.evidence, finding.fact_key, finding.fact_ids))
    assert kind not in said and "fear" not in said and "2026-11-02" not in said


def test_her_report_is_redacted_even_under_a_rule_that_names_its_kind():
    rules = ruleset(rule("incident", level="high", rid="incident.victim_fear", kinds=["victim_fear"]))
    [finding] = run(case(incidents=[incident("i1", "victim_fear", date(2026, 11, 2), "serious", "victim_support")]),
                    rules)
    assert finding.reasons == ["A safety concern was reported by victim support on 2026-11-02, level high."]
    assert "kind" not in finding.evidence and finding.source == "victim_support"


def test_a_combination_with_her_report_names_a_safety_concern_not_its_kind():
    rules = ruleset(rule("combination", level="critical", all_of=["sign:separation"], any_of=["incident:*"]))
    c = case(observations=[sign("o1", "separation", 0)],
             incidents=[incident("i1", "victim_fear", date(2026, 10, 20), source="victim_support")])
    [finding] = run(c, rules)
    assert finding.source == "victim_support"
    assert "a safety concern reported by victim support" in finding.reasons[0]
    assert "fear" not in repr((finding.reasons, finding.evidence)) and "2026-10-20" not in finding.reasons[0]


def test_severe_level_never_lowers_a_rule_s_level():
    rules = ruleset(rule("incident", level="critical", kinds=["arrest"], severe_level="medium"))
    [finding] = run(case(incidents=[incident("i1", "arrest", date(2026, 11, 2), "severe")]), rules)
    assert finding.level == "critical"


def test_an_incident_carries_no_details_into_the_rules():
    assert {f.name for f in dataclasses.fields(Incident)} == {"incident_id", "kind", "occurred_on", "severity", "source",
                                                             "reported_at"}


def test_an_incident_is_dated_at_the_start_of_its_day_where_it_happened():
    [finding] = run(case(incidents=[incident("i1", "arrest", date(2026, 11, 2))]), zone=TASHKENT)
    assert finding.occurred_at == datetime(2026, 11, 2, tzinfo=TASHKENT)
    assert "on 2026-11-02 (serious)" in finding.reasons[0]


def test_an_incident_of_a_kind_a_rule_does_not_watch_raises_nothing_under_it():
    rules = ruleset(rule("incident", kinds=["arrest"]))
    assert run(case(incidents=[incident("i1", "police_callout", date(2026, 11, 2))]), rules) == []


def test_each_incident_is_its_own_finding_and_raised_once():
    first = run(case(incidents=[incident("i1", "police_callout", date(2026, 11, 2))]))
    both = run(case(incidents=[incident("i2", "police_callout", date(2026, 11, 1)),
                               incident("i1", "police_callout", date(2026, 11, 2))]))
    assert [f.fact_key for f in both] == ["i2", "i1"]
    assert [f.fact_key for f in new_findings(both, flagged_by(*first))] == ["i2"]


# -- intake band ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("band", "rule_id", "level"), [
    ("medium", "intake.band_medium", "medium"), ("high", "intake.band_high", "high"),
    ("very high", "intake.band_very_high", "critical"),
])
def test_each_intake_band_raises_its_level(band, rule_id, level):
    [finding] = bands(case(assessments=[assessment("a1", band, 2, score=5)]))
    assert (finding.rule_id, finding.level, finding.fact_key) == (rule_id, level, "a1")
    assert finding.reasons[0] == f"The risk assessment of 2026-10-07 (qadam-intake v1) scored 5: band {band}."
    assert finding.evidence == {"assessment_id": "a1", "score": 5, "band": band, "instrument": "qadam-intake v1"}


def test_a_low_intake_band_raises_nothing():
    assert bands(case(assessments=[assessment("a1", "low", 2)])) == []


def test_intake_band_only_reads_the_latest_assessment():
    assert bands(case(assessments=[assessment("a2", "low", 30), assessment("a1", "very high", 2)])) == []
    found = bands(case(assessments=[assessment("a2", "high", 30), assessment("a1", "medium", 2)]))
    assert [(f.rule_id, f.fact_key) for f in found] == [("intake.band_high", "a2")]


def test_a_regional_instruments_own_band_names_are_read_by_the_level_they_give():
    regional = Assessment("r1", "xorazm-screen v2", 9, "yuqori", "high", at(2))
    [finding] = bands(case(assessments=[regional]))
    assert (finding.rule_id, finding.level) == ("intake.band_high", "high")
    assert "band yuqori" in finding.reasons[0]


def test_a_new_assessment_in_the_same_band_is_a_new_fact():
    [first] = bands(case(assessments=[assessment("a1", "high", 2)]))
    [again] = bands(case(assessments=[assessment("a1", "high", 2), assessment("a2", "high", 30)]))
    assert new_findings([again], flagged_by(first)) == [again]


# -- enrollment signals -----------------------------------------------------------------------------------------------
def test_an_order_expiring_while_the_programme_is_unfinished_is_high():
    [finding] = run(case(signals=[expiring("sig1", 40)]))
    assert (finding.rule_id, finding.level, finding.fact_key) == ("order.expiring", "high", "o1:2026-11-20")
    assert finding.reasons[0] == ("His protection order expires on 2026-11-20 (7 days left) while his programme is "
                                  "unfinished.")
    assert finding.evidence == {"signal": "order_expiring", "order_id": "o1", "expires_on": "2026-11-20",
                                "days_left": 7, "programme_unfinished": True}


def test_an_order_expiring_with_the_programme_finished_raises_nothing():
    assert run(case(signals=[expiring("sig1", 40, programme_unfinished=False)])) == []


def test_the_same_expiry_reported_again_is_not_raised_again():
    [first] = run(case(signals=[expiring("sig1", 40)]))
    again = run(case(signals=[expiring("sig1", 40), expiring("sig2", 41)]))
    assert new_findings(again, flagged_by(first)) == []


def test_an_extended_order_coming_near_its_new_end_is_a_new_fact():
    [first] = run(case(signals=[expiring("sig1", 40)]))
    later = run(case(signals=[expiring("sig1", 40), expiring("sig2", 70, expires="2026-12-20")]))
    [fresh] = new_findings(later, flagged_by(first))
    assert fresh.fact_key == "o1:2026-12-20" and "expires on 2026-12-20" in fresh.reasons[0]


def test_an_overdue_correction_plan_is_medium_and_raised_once_per_order():
    def overdue(sid: str, order: str) -> OrderSignal:
        return OrderSignal(sid, "plan_overdue", at(3), {"order_id": order, "issued_on": "2026-10-01",
                                                        "due_on": "2026-10-03"})
    [first] = run(case(signals=[overdue("sig1", "o1")]))
    assert (first.rule_id, first.level, first.fact_key) == ("order.plan_overdue", "medium", "o1")
    assert first.reasons[0] == ("The correction plan of his protection order (issued 2026-10-01) was due on "
                                "2026-10-03 and is not agreed yet.")
    later = run(case(signals=[overdue("sig1", "o1"), overdue("sig2", "o1"), overdue("sig3", "o2")]))
    assert [f.fact_key for f in new_findings(later, flagged_by(first))] == ["o2"]


def test_a_proposed_exit_is_high_and_says_why():
    proposed = OrderSignal("sig1", "exit_proposed", at(30), {
        "reasons": ["3 unexcused absences in a row.", "Limit is 2."], "unexcused_absences": 4,
        "consecutive_absences": 3, "cohort_id": "not evidence"})
    [finding] = run(case(signals=[proposed]))
    assert (finding.rule_id, finding.level, finding.fact_key) == ("programme.exit_proposed", "high", "sig1")
    assert finding.reasons[0] == "Exit from the programme is proposed: 3 unexcused absences in a row. Limit is 2."
    assert finding.evidence == {"signal": "exit_proposed", "reasons": ["3 unexcused absences in a row.", "Limit is 2."],
                                "unexcused_absences": 4, "consecutive_absences": 3}


def test_a_signal_a_rule_does_not_watch_raises_nothing_under_it():
    rules = ruleset(rule("enrollment_signal", signals=["exit_proposed"]))
    assert run(case(signals=[expiring("sig1", 40)]), rules) == []


# -- clusters of medium signs -----------------------------------------------------------------------------------------
def test_three_medium_findings_on_different_topics_within_42_days_make_red():
    seen = [sign("o1", "separation", 0), sign("o2", "substance_use", 20), sign("o3", "job_loss_or_debt", 41)]
    finding = only(run(case(observations=seen)), "cluster.amber")
    assert finding.level == "critical" and finding.occurred_at == at(41)
    assert finding.fact_key == "sign.amber:o1"
    assert finding.fact_ids == ("sign.amber:o1", "sign.amber:o2", "sign.amber:o3")
    assert finding.reasons[0].startswith("3 signals of level medium within 42 days: Warning sign recorded")
    assert "separation from his partner" in finding.reasons[0] and "job loss or debt" in finding.reasons[0]


def test_two_medium_findings_do_not_make_a_cluster():
    seen = [sign("o1", "separation", 0), sign("o2", "substance_use", 20)]
    assert of(run(case(observations=seen)), "cluster.amber") == []


def test_three_medium_findings_spread_beyond_the_window_do_not_make_a_cluster():
    seen = [sign("o1", "separation", 0), sign("o2", "substance_use", 30), sign("o3", "job_loss_or_debt", 60)]
    assert len(of(run(case(observations=seen)), "sign.amber")) == 3
    assert of(run(case(observations=seen)), "cluster.amber") == []


def test_the_same_sign_three_times_counts_once():
    rules = ruleset(rule("warning_sign", level="medium", rid="sign", signs=["separation", "escalation"]),
                    rule("cluster", within_days=42))
    thrice = [sign("o1", "separation", 0), sign("o2", "separation", 5), sign("o3", "separation", 10)]
    found = run(case(observations=thrice), rules)
    assert len(of(found, "sign")) == 3 and of(found, "cluster") == []
    with_another = run(case(observations=[*thrice, sign("o4", "escalation", 12)]), rules)
    assert of(with_another, "cluster") == []


def test_the_same_sign_seen_again_after_the_repeat_window_counts_once_in_a_cluster():
    seen = [sign("o1", "separation", 0), sign("o2", "separation", 30), sign("o3", "substance_use", 35)]
    found = run(case(observations=seen))
    assert len(of(found, "sign.amber")) == 3 and of(found, "cluster.amber") == []


def test_a_sign_that_comes_back_long_after_counts_again_in_a_new_cluster():
    # separation seen once long ago; months later it comes back with two other amber signs
    seen = [sign("o1", "separation", 0), sign("o2", "substance_use", 100), sign("o3", "job_loss_or_debt", 110),
            sign("o4", "separation", 120)]
    finding = only(run(case(observations=seen)), "cluster.amber")
    assert finding.fact_ids == ("sign.amber:o2", "sign.amber:o3", "sign.amber:o4")


def test_medium_findings_of_different_rules_make_a_cluster():
    c = case(marks=marks("present", "unexcused", "present", "unexcused"),  # absence rate, medium, session 4 (day 9)
             observations=[sign("o1", "intoxicated_at_session", 12)],
             signals=[order_issued("sig1", 20, "o2", "2026-10-25", previous="2026-05-01")])
    finding = only(run(c), "cluster.amber")
    assert finding.fact_ids == ("absence_rate:s4", "sign.intoxicated:o1", "repeat_order:order:o2")


def test_staff_tasks_overdue_are_not_his_signs_and_make_no_red_cluster():
    staff_tasks = case(enrolled_at=START, signals=[OrderSignal("sig1", "plan_overdue", at(2), {"order_id": "o1"}),
                                                   call_overdue("sig2", 8)])
    rules = ruleset(*[r for r in DEFAULT_DATA if r["id"] != "assessment.due"],
                    rule("assessment_due", level="medium", rid="assessment.due"))  # a region that makes it medium
    found = run(staff_tasks, rules, now=at(20))
    assert sorted(f.rule_id for f in found if f.level == "medium") == ["assessment.due", "call.overdue",
                                                                       "order.plan_overdue"]
    assert of(found, "cluster.amber") == []
    his_signs = case(observations=[sign("o1", "separation", 2), sign("o2", "substance_use", 8)],
                     signals=[order_issued("sig3", 15, "o2", "2026-10-20", previous="2026-06-01")])
    assert only(run(his_signs, rules, now=at(20)), "cluster.amber").level == "critical"


def test_findings_of_other_levels_are_not_counted_in_a_cluster_of_medium_ones():
    seen = [sign("o1", "separation", 0), sign("o2", "weapon_access", 5), sign("o3", "denial_or_minimisation", 6),
            sign("o4", "threat_to_kill", 7)]
    assert of(run(case(observations=seen)), "cluster.amber") == []


def test_a_cluster_that_grows_is_not_raised_again():
    three = [sign("o1", "separation", 0), sign("o2", "substance_use", 20), sign("o3", "job_loss_or_debt", 40)]
    first = only(run(case(observations=three)), "cluster.amber")
    grown = of(run(case(observations=[*three, sign("o4", "suicidal_talk", 70)])), "cluster.amber")
    assert [f.fact_ids[-1] for f in grown] == ["sign.amber:o4"]  # the episode lasts while signs keep coming
    assert new_findings(grown, flagged_by(first)) == []


def test_a_sign_seen_again_keeps_a_cluster_going():
    three = [sign("o1", "separation", 0), sign("o2", "substance_use", 20), sign("o3", "job_loss_or_debt", 40)]
    first = only(run(case(observations=three)), "cluster.amber")
    more = [sign("o4", "separation", 75), sign("o5", "escalation", 110), sign("o6", "suicidal_talk", 115)]
    found = of(run(case(observations=[*three, *more])), "cluster.amber")
    assert [f.fact_ids for f in found] == [("sign.amber:o1", "sign.amber:o2", "sign.amber:o3", "sign.amber:o5",
                                            "sign.amber:o6")]  # separation counted once, but it kept the episode open
    assert new_findings(found, flagged_by(first)) == []


def test_a_new_cluster_after_a_quiet_spell_is_new_facts():
    three = [sign("o1", "separation", 0), sign("o2", "substance_use", 20), sign("o3", "job_loss_or_debt", 40)]
    first = only(run(case(observations=three)), "cluster.amber")
    again = [sign("o4", "escalation", 200), sign("o5", "suicidal_talk", 210), sign("o6", "child_contact_conflict", 220)]
    found = of(run(case(observations=[*three, *again])), "cluster.amber")
    assert len(found) == 2
    [fresh] = new_findings(found, flagged_by(first))
    assert fresh.fact_ids == ("sign.amber:o4", "sign.amber:o5", "sign.amber:o6")


def test_the_size_and_window_of_a_cluster_are_settings():
    rules = ruleset(rule("warning_sign", level="low", rid="sign", signs=list(AMBER)),
                    rule("cluster", level="medium", of_levels=["low"], min_findings=2, within_days=7))
    assert of(run(case(observations=[sign("o1", "separation", 0), sign("o2", "escalation", 8)]), rules), "cluster") == []
    [finding] = of(run(case(observations=[sign("o1", "separation", 0), sign("o2", "escalation", 7)]), rules), "cluster")
    assert finding.level == "medium"


# -- combination: separation + controlling behaviour + violence -------------------------------------------------------
RED_CLUSTER = "cluster.separation_control_violence"


def test_separation_controlling_behaviour_and_an_incident_within_90_days_are_critical():
    c = case(observations=[sign("o1", "separation", 0), sign("o2", "controlling_behaviour", 30)],
             incidents=[incident("i1", "police_callout", date(2026, 12, 1))])  # day 57
    finding = only(run(c), RED_CLUSTER)
    assert finding.level == "critical" and finding.fact_key == "o1" and finding.fact_ids == ("o1", "o2", "i1")
    assert finding.occurred_at == datetime(2026, 12, 1, tzinfo=UTC)
    assert finding.reasons[0] == ("Together within 90 days: separation from his partner (2026-10-05); controlling "
                                  "behaviour (2026-11-04); a police call-out (2026-12-01).")
    assert finding.evidence["facts"] == [{"fact": "sign:separation", "id": "o1", "on": "2026-10-05"},
                                         {"fact": "sign:controlling_behaviour", "id": "o2", "on": "2026-11-04"},
                                         {"fact": "incident:police_callout", "id": "i1", "on": "2026-12-01"}]


@pytest.mark.parametrize("violence", ["new_violence_disclosed", "threat_to_partner", "threat_to_kill", "strangulation"])
def test_separation_controlling_behaviour_and_a_red_sign_of_violence_are_critical(violence):
    c = case(observations=[sign("o1", violence, 0), sign("o2", "separation", 10), sign("o3", "controlling_behaviour", 20)])
    assert only(run(c), RED_CLUSTER).fact_ids == ("o1", "o2", "o3")


def test_separation_and_controlling_behaviour_without_violence_are_not_the_red_cluster():
    c = case(observations=[sign("o1", "separation", 0), sign("o2", "controlling_behaviour", 10),
                           sign("o3", "substance_use", 20)])
    assert of(run(c), RED_CLUSTER) == []


def test_the_red_cluster_spread_beyond_90_days_raises_nothing():
    c = case(observations=[sign("o1", "separation", 0), sign("o2", "controlling_behaviour", 30)],
             incidents=[incident("i1", "arrest", (START + timedelta(days=91)).date())])
    assert of(run(c), RED_CLUSTER) == []


def test_facts_used_in_the_red_cluster_are_not_used_again():
    c = case(observations=[sign("o1", "separation", 0), sign("o2", "controlling_behaviour", 30)],
             incidents=[incident("i1", "police_callout", date(2026, 11, 10)),
                        incident("i2", "arrest", date(2026, 11, 20))])
    assert [f.fact_ids for f in of(run(c), RED_CLUSTER)] == [("o1", "o2", "i1")]


def test_the_red_cluster_is_not_raised_again_when_more_violence_follows():
    base = [sign("o1", "separation", 0), sign("o2", "controlling_behaviour", 30)]
    first = only(run(case(observations=base, incidents=[incident("i1", "arrest", date(2026, 11, 10))])), RED_CLUSTER)
    later = run(case(observations=[*base, sign("o3", "separation", 40)],
                     incidents=[incident("i1", "arrest", date(2026, 11, 10)), incident("i2", "arrest", date(2026, 11, 20))]))
    assert new_findings(of(later, RED_CLUSTER), flagged_by(first)) == []


def test_a_combination_with_no_any_of_needs_only_all_of():
    rules = ruleset(rule("combination", level="high", all_of=["sign:separation", "incident:victim_fear"], within_days=30))
    c = case(observations=[sign("o1", "separation", 0)], incidents=[incident("i1", "victim_fear", date(2026, 10, 20))])
    [finding] = run(c, rules)
    assert finding.fact_ids == ("o1", "i1")
    late = case(observations=[sign("o1", "separation", 0)], incidents=[incident("i1", "victim_fear", date(2026, 11, 20))])
    assert run(late, rules) == []


# -- assessment due ---------------------------------------------------------------------------------------------------
def test_an_intake_assessment_is_due_14_days_after_enrolment():
    due = run(case(enrolled_at=START), now=START + timedelta(days=14))
    finding = only(due, "assessment.due")
    assert (finding.level, finding.fact_key, finding.occurred_at) == ("low", "intake", START + timedelta(days=14))
    assert finding.reasons[0] == "No risk assessment since he was enrolled on 2026-10-05; a new one was due by 2026-10-19."
    assert finding.evidence == {"due": "2026-10-19"}
    assert run(case(enrolled_at=START), now=START + timedelta(days=14) - timedelta(seconds=1)) == []


def test_a_new_assessment_is_due_28_days_after_the_last():
    c = case(assessments=[assessment("a1", "low", 5)])
    assert run(c, now=at(33) - timedelta(seconds=1)) == []
    finding = only(run(c, now=at(33)), "assessment.due")
    assert finding.fact_key == "after:a1"
    assert finding.reasons[0] == "The last risk assessment was on 2026-10-10; a new one was due by 2026-11-07."


def test_a_reassessment_makes_a_new_due_date_and_a_new_fact():
    first = only(run(case(assessments=[assessment("a1", "low", 5)]), now=at(33)), "assessment.due")
    c = case(assessments=[assessment("a1", "low", 5), assessment("a2", "low", 40)])
    assert run(c, now=at(60)) == []
    [fresh] = new_findings(run(c, now=at(68)), flagged_by(first))
    assert fresh.fact_key == "after:a2"


def test_an_overdue_assessment_is_raised_once():
    first = run(case(enrolled_at=START), now=at(14))
    assert new_findings(run(case(enrolled_at=START), now=at(100)), flagged_by(*first)) == []


@pytest.mark.parametrize(("status", "due"), [
    ("referred", False), ("assessed", True), ("active", True), ("suspended", True), ("completed", False),
    ("closed", False), ("exited", False), ("excluded", False),
])
def test_an_assessment_is_due_only_while_he_is_assessed_active_or_suspended(status, due):
    assert bool(run(case(status, START), now=at(100))) is due
    assert bool(run(case(status, assessments=[assessment("a1", "low", 5)]), now=at(100))) is due


def test_no_enrolment_date_and_no_assessment_raises_nothing():
    assert run(case(enrolled_at=None), now=at(100)) == []
    assert run(case(enrolled_at=None, marks=marks("present")), now=at(100)) == []


def test_the_due_dates_are_read_in_the_given_time_zone():
    enrolled = datetime(2026, 10, 5, 20, 30, tzinfo=UTC)  # 6 October in Tashkent
    [finding] = run(case(enrolled_at=enrolled), now=enrolled + timedelta(days=14), zone=TASHKENT)
    assert finding.reasons[0] == "No risk assessment since he was enrolled on 2026-10-06; a new one was due by 2026-10-20."


def test_the_periods_of_assessment_are_settings():
    rules = ruleset(rule("assessment_due", level="medium", first_within_days=0, every_days=7))
    assert len(run(case(enrolled_at=START), rules, now=START)) == 1
    assert run(case(assessments=[assessment("a1", "low", 0)]), rules, now=at(6)) == []
    assert len(run(case(assessments=[assessment("a1", "low", 0)]), rules, now=at(7))) == 1


# -- facts in any order -----------------------------------------------------------------------------------------------
def busy_case() -> Case:
    """A case with something for most rules, several facts on the same day and some repeats."""
    return case(
        enrolled_at=START,
        marks=[*marks("present", "unexcused", "excused", "unexcused", "unexcused", None, "late", "unexcused", "present",
                      "unexcused", "unexcused", "unexcused"),
               Mark("i1", 1, at(-2), "unexcused", "intake"), Mark("m1", 1, at(16), "unexcused", "makeup"),
               Mark("c1", 13, at(36), "present", cancelled=True)],
        observations=[sign("o1", "separation", 1, session=1), sign("o2", "controlling_behaviour", 1, session=1),
                      sign("o3", "substance_use", 4), sign("o4", "substance_use", 12), sign("o5", "threat_to_partner", 20),
                      sign("o6", "separation", 40), sign("o7", "escalation", 41), sign("o8", "blaming_the_victim", 41),
                      sign("o9", "job_loss_or_debt", 41)],
        incidents=[incident("i2", "police_callout", date(2026, 11, 1), "minor", "victim_support"),
                   incident("i3", "victim_fear", date(2026, 11, 1), "severe", "victim_support")],
        signals=[expiring("sig1", 30), expiring("sig2", 31), expiring("sig3", 60, expires="2026-12-20"),
                 OrderSignal("sig4", "plan_overdue", at(2), {"order_id": "o1"}),
                 OrderSignal("sig5", "order_issued", at(50), {"order_id": "o2", "issued_on": "2026-11-24",
                                                              "expires_on": "2027-11-24", "previous_order_on": "2026-03-01"}),
                 call_overdue("sig6", 7)],
        assessments=[assessment("a1", "medium", 3, score=3), assessment("a2", "high", 30, score=5)],
    )


def shuffled(c: Case, rng: random.Random) -> Case:
    def mix(items: tuple) -> tuple:
        items = list(items)
        rng.shuffle(items)
        return tuple(items)
    return dataclasses.replace(c, marks=mix(c.marks), observations=mix(c.observations), incidents=mix(c.incidents),
                               signals=mix(c.signals), assessments=mix(c.assessments))


def test_the_busy_case_fires_every_kind_of_rule():
    kinds = {r.id: r.kind for r in DEFAULTS.rules}
    assert {kinds[f.rule_id] for f in run(busy_case())} == {
        "consecutive_absences", "absence_rate", "warning_sign", "incident", "intake_band", "enrollment_signal", "cluster",
        "combination", "assessment_due", "unexcused_absences", "repeat_order"}


def test_facts_arriving_in_any_order_give_the_same_findings():
    c = busy_case()
    expected = run(c, zone=TASHKENT)
    rng = random.Random(20261005)
    for _ in range(200):
        assert run(shuffled(c, rng), zone=TASHKENT) == expected


def test_single_fact_signs_incidents_and_signals_trickling_in_any_order_are_each_raised_once():
    """However the facts trickle in (one evaluation after each), the red signs, incidents and enrollment signals
    raise as many flags as the whole case has findings of them: none lost, none twice."""
    c = busy_case()
    singles = ("sign.", "incident.", "order.", "programme.")
    expected = sorted(f.rule_id for f in new_findings(run(c), {}) if f.rule_id.startswith(singles))
    assert expected.count("order.expiring") == 2  # the same expiry reported twice is one
    facts = [("marks", m) for m in c.marks] + [("observations", o) for o in c.observations] + \
            [("incidents", i) for i in c.incidents] + [("signals", s) for s in c.signals] + \
            [("assessments", a) for a in c.assessments]
    rng = random.Random(42)
    for _ in range(30):
        rng.shuffle(facts)
        flagged: dict[str, set[str]] = {}
        raised: list[Finding] = []
        for n in range(1, len(facts) + 1):
            known: dict[str, list] = {}
            for name, fact in facts[:n]:
                known.setdefault(name, []).append(fact)
            raised += new_findings(run(case(enrolled_at=START, **known)), flagged)
        assert sorted(f.rule_id for f in raised if f.rule_id.startswith(singles)) == expected


# -- new findings -----------------------------------------------------------------------------------------------------
def test_new_findings_remembers_what_it_raised():
    found = absences("unexcused", "unexcused", "present", "unexcused", "unexcused")
    flagged: dict[str, set[str]] = {}
    assert new_findings(found, flagged) == found
    assert flagged == {"consecutive_absences": {"s1", "s2", "s4", "s5"}}
    assert new_findings(found, flagged) == []


def test_the_same_facts_flagged_under_one_rule_do_not_silence_another():
    found = run(case(marks=marks("present", "unexcused", "present", "unexcused", "unexcused")))
    assert {f.rule_id for f in found} == {"consecutive_absences", "absence_rate", "unexcused_absences"}
    flagged = flagged_by(only(found, "absence_rate"))
    assert [f.rule_id for f in new_findings(found, flagged)] == ["consecutive_absences", "unexcused_absences"]


# -- rule data that cannot be used ----------------------------------------------------------------------------------
def errors_of(data: Any) -> dict[str, list[str]]:
    with pytest.raises(RuleError) as caught:
        parse_rules(1, data)
    return caught.value.errors


@pytest.mark.parametrize("data", [[], None, {}, "rules"])
def test_a_rule_set_must_be_a_non_empty_list(data):
    assert errors_of(data) == {"rules": ["A rule set is a non-empty list of rules."]}


def test_an_unknown_kind_is_refused_naming_the_kinds():
    [problem] = errors_of([rule("consecutive_absences"), rule("gut_feeling", rid="x")])["rules[1]"]
    assert problem.startswith("kind: one of consecutive_absences, unexcused_absences, absence_rate, warning_sign")


def test_a_bad_level_is_refused():
    assert errors_of([rule("consecutive_absences", level="severe")]) == {
        "rules[0]": ["level: one of low, medium, high, critical."]}


def test_an_unknown_param_is_refused_naming_it():
    [problem] = errors_of([rule("consecutive_absences", threshold=2, treshold=3)])["rules[0]"]
    assert problem == "params.treshold: not a parameter of consecutive_absences (it takes threshold, session_kinds)."


def test_a_duplicate_id_is_refused():
    assert errors_of([rule("consecutive_absences", rid="a"), rule("absence_rate", rid="a")]) == {
        "rules[1]": ["id: a appears twice."]}


@pytest.mark.parametrize(("kind", "param"), [
    ("warning_sign", "signs"), ("incident", "kinds"), ("intake_band", "levels"), ("enrollment_signal", "signals"),
    ("combination", "all_of"),
])
def test_a_missing_required_param_is_refused(kind, param):
    assert errors_of([rule(kind)]) == {"rules[0]": [f"params.{param}: required."]}


@pytest.mark.parametrize(("kind", "params", "bad"), [
    ("consecutive_absences", {"threshold": 0}, "threshold"),
    ("consecutive_absences", {"threshold": True}, "threshold"),
    ("consecutive_absences", {"session_kinds": ["group", "lecture"]}, "session_kinds"),
    ("consecutive_absences", {"session_kinds": []}, "session_kinds"),
    ("absence_rate", {"rate": 0}, "rate"),
    ("absence_rate", {"rate": 1.5}, "rate"),
    ("warning_sign", {"signs": ["bad_mood"]}, "signs"),
    ("warning_sign", {"signs": ["separation"], "repeat_days": -1}, "repeat_days"),
    ("incident", {"kinds": ["parking_ticket"]}, "kinds"),
    ("incident", {"kinds": ["arrest"], "severe_level": "extreme"}, "severe_level"),
    ("enrollment_signal", {"signals": ["order_issued"]}, "signals"),
    ("cluster", {"of_levels": ["amber"]}, "of_levels"),
    ("cluster", {"min_findings": 1}, "min_findings"),
    ("combination", {"all_of": "sign:separation"}, "all_of"),
    ("combination", {"all_of": ["sign:separaton", "incident:*"]}, "all_of"),
    ("combination", {"all_of": ["separation"]}, "all_of"),
    ("combination", {"all_of": ["sign:separation"], "any_of": ["incident:burglary"]}, "any_of"),
    ("combination", {"all_of": ["sign:separation"], "any_of": ["absence_rate"]}, "any_of"),
    ("assessment_due", {"every_days": 0}, "every_days"),
])
def test_a_bad_param_value_is_refused_naming_it(kind, params, bad):
    [problem] = errors_of([rule(kind, **params)])["rules[0]"]
    assert problem.startswith(f"params.{bad}: ") and problem.endswith("is not allowed.")


def test_every_problem_is_named_at_once():
    bad = [
        rule("consecutive_absences"),
        {"id": "", "kind": "gut_feeling", "level": "amber", "description": " ", "version": 0, "colour": "red"},
        rule("warning_sign", rid="consecutive_absences", signs=["separation"], colour="red"),
        "not a rule",
        {**rule("incident"), "params": []},
    ]
    errors = errors_of(bad)
    assert set(errors) == {"rules[1]", "rules[2]", "rules[3]", "rules[4]"}
    assert [p.split(":")[0] for p in errors["rules[1]"]] == ["id", "kind", "level", "version", "description",
                                                             "unknown fields"]
    assert errors["rules[2]"] == ["id: consecutive_absences appears twice.",
                                  "params.colour: not a parameter of warning_sign (it takes signs, repeat_days)."]
    assert errors["rules[3]"] == ["A rule is an object."]
    assert errors["rules[4]"] == ["params: an object.", "params.kinds: required."]
    with pytest.raises(RuleError, match=r"rules\[1\]: id: a name of 1 to 80 characters\., kind: one of"):
        parse_rules(1, bad)


@pytest.mark.parametrize("field_", ["id", "kind", "level"])
def test_a_rule_whose_names_are_not_text_is_refused_not_crashed_on(field_):
    errors = errors_of([{**rule("consecutive_absences"), field_: ["consecutive_absences"]}])
    assert list(errors) == ["rules[0]"] and errors["rules[0]"][0].startswith(f"{field_}: ")


def test_defaults_fill_the_params_a_rule_leaves_out():
    [r] = ruleset(rule("absence_rate")).rules
    assert r.params == {"window": 6, "rate": 0.5, "min_sessions": 4, "session_kinds": ["group", "individual", "makeup"]}
    assert r.version == 1 and r.description == "Test rule absence_rate."


# -- issue 16: his programme's absence limits, the 48-hour call, a repeat order, an order ending in follow-up -------
def test_the_statutory_programme_alerts_at_the_second_unexcused_absence_in_all_not_only_in_a_row():
    statutory = dict(alert_unexcused=2, alert_consecutive=2)
    apart = case(marks=marks("unexcused", "present", "present", "unexcused"), **statutory)
    [finding] = [f for f in run(apart) if f.rule_id == "unexcused_absences"]
    assert finding.level == "high" and finding.occurred_at == at(9)
    assert finding.reasons[0] == "2 unexcused absences in all: sessions 1 and 4 (the limit of 2 reached on 2026-10-14)."
    assert finding.codes[0].as_data() == {"code": "unexcused_absences", "params": {
        "count": 2, "sessions": [1, 4], "threshold": 2, "on": "2026-10-14"}}
    assert of(run(apart), "consecutive_absences") == []
    # under the rule's own limit (3 in all), a man whose programme says nothing is not alerted at the second
    assert of(run(case(marks=marks("unexcused", "present", "present", "unexcused"))), "unexcused_absences") == []


def test_the_extended_programme_alerts_at_two_in_a_row_and_at_its_third_in_all():
    extended = dict(alert_unexcused=3, alert_consecutive=2)
    assert of(run(case(marks=marks("unexcused", "present", "unexcused"), **extended)), "unexcused_absences") == []
    assert of(run(case(marks=marks("unexcused", "present", "unexcused"), **extended)), "consecutive_absences") == []
    in_a_row = run(case(marks=marks("present", "unexcused", "unexcused"), **extended))
    assert only(in_a_row, "consecutive_absences").evidence["threshold"] == 2
    third = run(case(marks=marks("unexcused", "present", "unexcused", "present", "unexcused"), **extended))
    assert only(third, "unexcused_absences").evidence["session_numbers"] == [1, 3, 5]


def test_a_region_s_programme_with_its_own_limits_is_obeyed_over_the_rule_s():
    own = dict(alert_unexcused=5, alert_consecutive=3)
    two_in_a_row = run(case(marks=marks("unexcused", "unexcused", "present", "unexcused"), **own))
    assert of(two_in_a_row, "consecutive_absences") == [] and of(two_in_a_row, "unexcused_absences") == []
    three = run(case(marks=marks("unexcused", "unexcused", "unexcused"), **own))
    assert only(three, "consecutive_absences").evidence["threshold"] == 3


def test_more_unexcused_absences_after_the_limit_are_the_same_episode():
    first = only(run(case(marks=marks("unexcused", "present", "unexcused"), alert_unexcused=2)), "unexcused_absences")
    later = run(case(marks=marks("unexcused", "present", "unexcused", "present", "unexcused"), alert_unexcused=2))
    assert new_findings(of(later, "unexcused_absences"), flagged_by(first)) == []


def test_an_overdue_call_after_an_absence_is_a_medium_flag_and_a_staff_task():
    [finding] = run(case(signals=[call_overdue("sig1", 5)]), zone=TASHKENT)
    assert (finding.rule_id, finding.level, finding.fact_key, finding.staff_task) == (
        "call.overdue", "medium", "call:call1", True)
    assert finding.reasons[0] == ("The psychologist's call after his unexcused absence on 2026-10-08 (session 2) was "
                                  "due by 2026-10-10 14:00 and is not recorded.")
    assert finding.evidence["call_id"] == "call1"


def test_a_second_protection_order_within_twelve_months_is_an_amber_sign():
    [finding] = run(case(signals=[order_issued("sig1", 5, "o2", "2026-10-10", previous="2025-11-01")]))
    assert (finding.rule_id, finding.level, finding.fact_key) == ("repeat_order", "medium", "order:o2")
    assert finding.reasons[0] == ("A new protection order was issued on 2026-10-10, 343 days after the one before "
                                  "(2025-11-01).")
    assert run(case(signals=[order_issued("sig1", 5, "o2", "2026-10-10", previous="2025-10-01")])) == []
    assert run(case(signals=[order_issued("sig1", 5, "o2", "2026-10-10")])) == []


def test_two_orders_risk_was_told_of_make_a_repeat_order_in_any_order():
    orders = [order_issued("sig2", 40, "o2", "2027-01-15"), order_issued("sig1", 5, "o1", "2026-10-10")]
    [finding] = run(case(signals=orders))
    assert finding.evidence["previous_order_on"] == "2026-10-10" and finding.fact_key == "order:o2"


def test_an_order_ending_before_his_follow_up_is_over_is_flagged_though_his_programme_is_done():
    follow_up = expiring("sig1", 40, programme_unfinished=False, follow_up_unfinished=True)
    [finding] = run(case(status="completed", signals=[follow_up]))
    assert finding.rule_id == "order.expiring"
    assert finding.reasons[0] == ("His protection order expires on 2026-11-20 (7 days left) while his follow-up "
                                  "period is unfinished.")
    done = expiring("sig1", 40, programme_unfinished=False, follow_up_unfinished=False)
    assert run(case(status="completed", signals=[done])) == []


def test_a_warning_sign_typed_in_days_later_names_the_day_of_the_session():
    late = Observation("o1", "threat_to_kill", at(2, hour=18), 3, session_at=at(0, hour=18))
    [finding] = run(case(observations=[late]), zone=TASHKENT)
    assert finding.reasons[0].startswith("Warning sign recorded by the facilitator at session 3 on 2026-10-05:")
    assert finding.occurred_at == at(0, hour=18)


def test_the_migration_turns_the_rules_first_shipped_into_the_defaults_of_now():
    """0006 edits the rules in force (an administrator's own edits kept): from the shipped version 1 it gives exactly
    today's defaults/rules.json, each rule it changes one version up."""
    from pathlib import Path

    from qadam_testing import module_at

    versions = Path(files("risk").joinpath("migrations/versions"))  # type: ignore[arg-type]

    def load(name: str) -> Any:
        return module_at(versions / f"{name}.py")

    shipped = json.loads(load("0004_rules_instrument_incidents").RULES_V1)
    upgraded = load("0006_safety_first").upgraded(shipped)
    assert {r["id"]: r for r in upgraded} == {r["id"]: r for r in DEFAULT_DATA}
    assert load("0006_safety_first").upgraded(upgraded) == upgraded  # run again, nothing changes

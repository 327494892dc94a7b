"""The intake risk instrument on plain data: the default parses, answers score and band, bad answers and bad
instruments are refused naming each problem."""

from __future__ import annotations

import copy
import json
from importlib.resources import files
from typing import Any

import pytest
from risk.domain import RuleError
from risk.domain.instrument import Band, parse_instrument, score

DEFAULT_DATA = json.loads(files("risk").joinpath("defaults/instrument.json").read_text(encoding="utf-8"))
DEFAULT = parse_instrument(1, DEFAULT_DATA)
ITEMS = [i.id for i in DEFAULT.items]


def answers(yes: int = 0, unknown: int = 0, **given: str) -> dict[str, str]:
    """Every default item answered: the first `yes` items yes, the next `unknown` unknown, the rest no."""
    out = {item: "yes" if n < yes else "unknown" if n < yes + unknown else "no" for n, item in enumerate(ITEMS)}
    return {**out, **given}


def score_errors(given: dict[str, str]) -> dict[str, list[str]]:
    with pytest.raises(RuleError) as caught:
        score(DEFAULT, given)
    return caught.value.errors


def instrument(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(DEFAULT_DATA)
    data.update(changes)
    return data


def parse_errors(data: Any) -> dict[str, list[str]]:
    with pytest.raises(RuleError) as caught:
        parse_instrument(1, data)
    return caught.value.errors


def yes_no(item_id: str, yes: int = 1) -> dict[str, Any]:
    return {"id": item_id, "category": "test", "text": {"en": f"Item {item_id}."},
            "answers": [{"value": "yes", "weight": yes}, {"value": "no", "weight": 0}]}


# -- the default instrument -----------------------------------------------------------------------------------------
def test_the_default_instrument_parses():
    assert DEFAULT.id == "qadam-intake" and DEFAULT.version == 1 and DEFAULT.label == "qadam-intake v1"
    assert DEFAULT.name == "Qadam intake risk screen"
    assert len(DEFAULT.items) == 13 and len(set(ITEMS)) == 13
    assert DEFAULT.max_unknown == 4
    assert DEFAULT.bands == (Band("low", 0, "low"), Band("medium", 2, "medium"), Band("high", 4, "high"),
                             Band("very high", 7, "critical"))
    assert all(item.weights == {"yes": 1, "no": 0} for item in DEFAULT.items)
    assert all({"en", "ru", "uz-Latn"} <= set(item.text) for item in DEFAULT.items)
    assert DEFAULT.definition == DEFAULT_DATA


def test_the_default_instrument_says_it_is_decision_support_not_a_prediction():
    assert "Decision support, not a prediction." in DEFAULT_DATA["note"]


def test_the_default_bands_levels_above_low_are_each_watched_by_an_intake_band_rule_at_that_level():
    rules = json.loads(files("risk").joinpath("defaults/rules.json").read_text(encoding="utf-8"))
    watched = {lv: r["level"] for r in rules if r["kind"] == "intake_band" for lv in r["params"]["levels"]}
    assert watched == {b.level: b.level for b in DEFAULT.bands if b.level != "low"}


# -- scoring --------------------------------------------------------------------------------------------------------
def test_all_no_scores_0_in_the_low_band():
    result = score(DEFAULT, answers())
    assert (result.score, result.band, result.level, result.unknown, result.present) == (0, "low", "low", 0, ())


@pytest.mark.parametrize(("yes", "band", "level"), [
    (0, "low", "low"), (1, "low", "low"),
    (2, "medium", "medium"), (3, "medium", "medium"),
    (4, "high", "high"), (5, "high", "high"), (6, "high", "high"),
    (7, "very high", "critical"), (8, "very high", "critical"), (13, "very high", "critical"),
])
def test_answers_fall_in_the_band_of_their_score_at_each_boundary(yes, band, level):
    result = score(DEFAULT, answers(yes))
    assert (result.score, result.band, result.level) == (yes, band, level)


def test_the_items_that_scored_are_listed_in_the_instrument_s_order():
    result = score(DEFAULT, answers(victim_fear="yes", prior_domestic_violence="yes"))
    assert result.present == ("prior_domestic_violence", "victim_fear")


def test_unknown_answers_score_nothing():
    result = score(DEFAULT, answers(yes=2, unknown=4))
    assert (result.score, result.band, result.unknown) == (2, "medium", 4)
    assert all(ITEMS[n] not in result.present for n in range(2, 6))


def test_more_unknown_answers_than_the_instrument_allows_are_refused():
    assert score_errors(answers(unknown=5)) == {"answers": [
        "5 items are unknown; qadam-intake v1 scores at most 4 unknown. Find out more before scoring."]}


def test_a_missing_item_is_refused_naming_it():
    given = answers()
    del given["victim_fear"]
    assert score_errors(given) == {"answers.victim_fear": [
        "Missing: answer every item (`unknown` where the facts are not known)."]}


def test_an_extra_item_is_refused_naming_it():
    assert score_errors(answers(owns_a_dog="yes")) == {"answers.owns_a_dog": ["Not an item of qadam-intake v1."]}


@pytest.mark.parametrize("value", ["maybe", "YES", "", "1"])
def test_a_wrong_answer_value_is_refused_naming_the_item(value):
    assert score_errors(answers(prior_custody=value)) == {"answers.prior_custody": ["One of: yes, no, unknown."]}


def test_every_wrong_answer_is_named_at_once():
    given = answers(prior_custody="maybe", owns_a_dog="yes")
    del given["victim_fear"]
    assert set(score_errors(given)) == {"answers.prior_custody", "answers.owns_a_dog", "answers.victim_fear"}


def test_no_answers_at_all_are_refused_naming_every_item():
    assert set(score_errors({})) == {f"answers.{item}" for item in ITEMS}


def test_weights_other_than_one_are_added_up():
    weighted = parse_instrument(3, {
        "id": "weighted", "name": "Weighted", "items": [yes_no("a", 3), yes_no("b", 2), yes_no("c", 5)],
        "max_unknown": 1, "bands": [{"name": "low", "min_score": 0, "level": "low"},
                                    {"name": "high", "min_score": 5, "level": "high"}]})
    assert weighted.label == "weighted v3"
    result = score(weighted, {"a": "yes", "b": "yes", "c": "unknown"})
    assert (result.score, result.band, result.level, result.present) == (5, "high", "high", ("a", "b"))
    assert score(weighted, {"a": "yes", "b": "no", "c": "no"}).band == "low"


def test_bands_are_read_in_score_order_whatever_their_order_in_the_data():
    reordered = parse_instrument(1, instrument(bands=list(reversed(DEFAULT_DATA["bands"]))))
    assert reordered.bands == DEFAULT.bands
    assert score(reordered, answers(4)).band == "high"


# -- instruments that cannot be used --------------------------------------------------------------------------------
def test_bands_not_starting_at_0_are_refused():
    bands = [{"name": "medium", "min_score": 2, "level": "medium"}, {"name": "high", "min_score": 4, "level": "high"}]
    assert parse_errors(instrument(bands=bands)) == {"bands": [
        "The lowest band must start at 0, so that every score has a band."]}


def test_bands_whose_level_goes_down_as_the_score_rises_are_refused():
    bands = [{"name": "low", "min_score": 0, "level": "low"}, {"name": "high", "min_score": 3, "level": "high"},
             {"name": "very high", "min_score": 6, "level": "medium"}]
    assert parse_errors(instrument(bands=bands)) == {"bands": ["A higher score never gives a lower level."]}


def test_bands_with_the_same_lowest_score_or_name_are_refused():
    same_score = [{"name": "low", "min_score": 0, "level": "low"}, {"name": "medium", "min_score": 0, "level": "low"}]
    same_name = [{"name": "low", "min_score": 0, "level": "low"}, {"name": "low", "min_score": 3, "level": "medium"}]
    for bands in (same_score, same_name):
        assert parse_errors(instrument(bands=bands)) == {"bands": ["Each band has its own name and its own lowest score."]}


def test_a_band_with_a_bad_level_or_score_is_refused_naming_it():
    bands = [{"name": "low", "min_score": 0, "level": "low"}, {"name": "high", "min_score": "4", "level": "high"},
             {"name": "very high", "min_score": 7, "level": "red"}]
    errors = parse_errors(instrument(bands=bands))
    assert set(errors) == {"bands[1]", "bands[2]"}


def test_duplicate_item_ids_are_refused_naming_the_item():
    items = [*DEFAULT_DATA["items"], copy.deepcopy(DEFAULT_DATA["items"][6])]
    assert parse_errors(instrument(items=items)) == {"items[13]": ["id: victim_fear appears twice."]}


@pytest.mark.parametrize(("answers_", "why"), [
    ([{"value": "yes", "weight": 1}], "fewer than two answers"),
    ([{"value": "yes", "weight": 1}, {"value": "unknown", "weight": 0}], "unknown is always there"),
    ([{"value": "yes", "weight": 1}, {"value": "yes", "weight": 0}], "the same answer twice"),
    ([{"value": "yes", "weight": -1}, {"value": "no", "weight": 0}], "a negative weight"),
    ([{"value": "yes", "weight": 101}, {"value": "no", "weight": 0}], "a weight over 100"),
    ([{"value": "yes", "weight": True}, {"value": "no", "weight": 0}], "a weight that is not a number"),
    ([{"value": "yes", "weight": 1}, "no"], "an answer that is not an object"),
])
def test_an_item_with_bad_answers_is_refused_naming_it(answers_, why):
    item = {**yes_no("x"), "answers": answers_}
    errors = parse_errors(instrument(items=[item], max_unknown=0))
    assert list(errors) == ["items[0]"], why
    assert errors["items[0]"][0].startswith("answers: "), why


@pytest.mark.parametrize("text", [None, "words", {"ru": "Слова."}, {"en": "Words.", "ru": " "}])
def test_an_item_without_english_words_is_refused(text):
    item = {**yes_no("x"), "text": text}
    assert parse_errors(instrument(items=[item], max_unknown=0)) == {
        "items[0]": ["text: an object of language -> words, with at least `en`."]}


def test_max_unknown_beyond_the_number_of_items_is_refused():
    assert list(parse_errors(instrument(max_unknown=14))) == ["max_unknown"]
    assert list(parse_errors(instrument(max_unknown=-1))) == ["max_unknown"]
    assert parse_instrument(1, instrument(max_unknown=13)).max_unknown == 13


def test_no_unknown_answers_by_default():
    data = instrument()
    del data["max_unknown"]
    strict = parse_instrument(1, data)
    assert strict.max_unknown == 0
    with pytest.raises(RuleError):
        score(strict, answers(unknown=1))


def test_every_problem_of_an_instrument_is_named_at_once():
    bad = {"id": "", "name": " ", "items": [yes_no("a"), "not an item", yes_no("a")], "bands": [], "colour": "red"}
    errors = parse_errors(bad)
    assert set(errors) == {"id", "name", "instrument", "items[1]", "items[2]", "bands"}
    assert errors["instrument"] == ["Unknown fields: colour."]


@pytest.mark.parametrize("data", [None, [], "instrument"])
def test_an_instrument_must_be_an_object(data):
    assert parse_errors(data) == {"instrument": ["An instrument is an object."]}

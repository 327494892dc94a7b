"""The intake risk instrument as data, and how an assessment is scored and banded. Pure: no I/O.

An instrument is `{id, version, name, items, max_unknown, bands}`: each item has an id, a text per language, a
category and answers with weights; the bands map a score to a band and a level. Qadam ships a default structured
like the actuarial instruments practitioners know (yes/no items from records and from her account, one point each),
in its own words; a region loads its own. Every score is decision support, not a prediction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .facts import LEVELS
from .rules import RuleError

UNKNOWN = "unknown"


@dataclass(frozen=True)
class Band:
    name: str
    min_score: int
    level: str


@dataclass(frozen=True)
class Item:
    id: str
    category: str
    text: dict[str, str]
    weights: dict[str, int]  # answer -> points


@dataclass(frozen=True)
class Instrument:
    id: str
    version: int
    name: str
    items: tuple[Item, ...]
    max_unknown: int
    bands: tuple[Band, ...]  # by min_score, ascending; the first starts at the lowest possible score
    definition: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.id} v{self.version}"


@dataclass(frozen=True)
class Score:
    score: int
    band: str
    level: str
    unknown: int
    present: tuple[str, ...]  # the items that scored, in the instrument's order


def parse_instrument(version: int, data: Any) -> Instrument:
    """An instrument from data, checked whole (every problem named)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        raise RuleError({"instrument": ["An instrument is an object."]})
    iid, name = data.get("id"), data.get("name")
    if not isinstance(iid, str) or not iid or len(iid) > 60:
        errors["id"] = ["A name of 1 to 60 characters."]
    if not isinstance(name, str) or not name.strip():
        errors["name"] = ["Required."]
    unknown_fields = set(data) - {"id", "name", "items", "max_unknown", "bands", "note"}
    if unknown_fields:
        errors["instrument"] = [f"Unknown fields: {', '.join(sorted(unknown_fields))}."]
    items: list[Item] = []
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        errors["items"] = ["A non-empty list of items."]
        raw_items = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_items):
        where, problems = f"items[{i}]", []
        if not isinstance(raw, dict):
            errors[where] = ["An item is an object."]
            continue
        item_id, text, answers = raw.get("id"), raw.get("text"), raw.get("answers")
        if not isinstance(item_id, str) or not item_id:
            problems.append("id: required.")
        elif item_id in seen:
            problems.append(f"id: {item_id} appears twice.")
        seen.add(str(item_id))
        if not isinstance(text, dict) or not isinstance(text.get("en"), str) or not all(
                isinstance(v, str) and v.strip() for v in text.values()):
            problems.append("text: an object of language -> words, with at least `en`.")
        weights: dict[str, int] = {}
        if not isinstance(answers, list) or len(answers) < 2:
            problems.append("answers: at least two, each {value, weight}.")
        else:
            for answer in answers:
                value, weight = (answer.get("value"), answer.get("weight")) if isinstance(answer, dict) else (None, None)
                if (not isinstance(value, str) or value == UNKNOWN or not isinstance(weight, int)
                        or isinstance(weight, bool) or not 0 <= weight <= 100 or value in weights):
                    problems.append(f"answers: {answer!r} is not a distinct {{value, weight 0..100}} "
                                    f"(`{UNKNOWN}` is always allowed and scores nothing).")
                else:
                    weights[value] = weight
        if problems:
            errors[where] = problems
        else:
            items.append(Item(str(item_id), str(raw.get("category", "")), {str(k): str(v) for k, v in dict(text or {}).items()},
                              weights))
    max_unknown = data.get("max_unknown", 0)
    if not isinstance(max_unknown, int) or isinstance(max_unknown, bool) or not 0 <= max_unknown <= len(raw_items):
        errors["max_unknown"] = ["How many items may be answered `unknown`: 0 up to the number of items."]
    bands: list[Band] = []
    raw_bands = data.get("bands")
    if not isinstance(raw_bands, list) or not raw_bands:
        errors["bands"] = ["A non-empty list of {name, min_score, level}."]
        raw_bands = []
    for i, raw in enumerate(raw_bands):
        ok = (isinstance(raw, dict) and isinstance(raw.get("name"), str) and 0 < len(raw["name"]) <= 40
              and isinstance(raw.get("min_score"), int) and raw.get("level") in LEVELS)
        if not ok:
            errors[f"bands[{i}]"] = [f"{{name (1 to 40 characters), min_score (whole number), level "
                                     f"({', '.join(LEVELS)})}}."]
        else:
            bands.append(Band(raw["name"], raw["min_score"], raw["level"]))
    bands.sort(key=lambda b: b.min_score)
    if bands and bands[0].min_score != 0:
        errors.setdefault("bands", []).append("The lowest band must start at 0, so that every score has a band.")
    if len({b.min_score for b in bands}) != len(bands) or len({b.name for b in bands}) != len(bands):
        errors.setdefault("bands", []).append("Each band has its own name and its own lowest score.")
    if any(LEVELS.index(a.level) > LEVELS.index(b.level) for a, b in zip(bands, bands[1:], strict=False)):
        errors.setdefault("bands", []).append("A higher score never gives a lower level.")
    if errors:
        raise RuleError(errors)
    return Instrument(str(iid), version, str(name).strip(), tuple(items), max_unknown, tuple(bands), data)


def score(instrument: Instrument, answers: dict[str, str]) -> Score:
    """Score a full set of answers: every item answered (one of its values, or `unknown`), nothing else."""
    errors: dict[str, list[str]] = {}
    by_id = {i.id: i for i in instrument.items}
    for extra in sorted(set(answers) - set(by_id)):
        errors[f"answers.{extra}"] = [f"Not an item of {instrument.label}."]
    for item in instrument.items:
        given = answers.get(item.id)
        if given is None:
            errors[f"answers.{item.id}"] = ["Missing: answer every item (`unknown` where the facts are not known)."]
        elif given != UNKNOWN and given not in item.weights:
            errors[f"answers.{item.id}"] = [f"One of: {', '.join([*item.weights, UNKNOWN])}."]
    unknown = sum(1 for v in answers.values() if v == UNKNOWN)
    if not errors and unknown > instrument.max_unknown:
        errors["answers"] = [f"{unknown} items are unknown; {instrument.label} scores at most "
                             f"{instrument.max_unknown} unknown. Find out more before scoring."]
    if errors:
        raise RuleError(errors)
    points = {i.id: (0 if answers[i.id] == UNKNOWN else i.weights[answers[i.id]]) for i in instrument.items}
    total = sum(points.values())
    band = [b for b in instrument.bands if b.min_score <= total][-1]
    return Score(total, band.name, band.level, unknown, tuple(i for i, p in points.items() if p > 0))

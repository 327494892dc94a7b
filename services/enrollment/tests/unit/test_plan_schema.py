"""The correction plan as asked: a bad part is refused with its field named, never a crash (the fuzzer found a
part without a valid kind reaching the once-each check as a KeyError, a 500)."""

from __future__ import annotations

import marshmallow as ma
import pytest
from enrollment.schemas import CorrectionPlanIn


def test_a_part_without_a_valid_kind_is_refused_by_field_not_by_a_crash():
    with pytest.raises(ma.ValidationError) as refused:
        CorrectionPlanIn().load({"agreed_on": "2026-11-02", "parts": [{"kind": "", "details": True}]})
    assert "parts" in refused.value.messages


def test_each_kind_once():
    with pytest.raises(ma.ValidationError) as refused:
        CorrectionPlanIn().load({"agreed_on": "2026-11-02",
                                 "parts": [{"kind": "programme"}, {"kind": "programme", "details": "again"}]})
    assert refused.value.messages["parts"] == ["Each part once."]

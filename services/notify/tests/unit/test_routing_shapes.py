"""Routing rules of the wrong shape (a list where a name goes, an object among the channels) are refused naming the
problem, like any other bad rule: never a crash (a 500) on what an administrator sent."""

from __future__ import annotations

import pytest
from notify.domain.routing import RoutingError, parse_routing

GOOD = {"id": "r", "event": "risk.flag.raised", "levels": ["high"], "recipients": ["inspector"], "channels": ["email"]}


@pytest.mark.parametrize(("field", "value"), [("event", []), ("event", {"a": 1}), ("levels", [["high"]]),
                                              ("recipients", [{}]), ("channels", [{}]), ("channels", [["sms"]])])
def test_a_rule_with_a_list_or_an_object_where_a_name_goes_is_refused_naming_the_field(field, value):
    with pytest.raises(RoutingError) as refused:
        parse_routing([GOOD | {field: value}])
    assert any(p.startswith(f"{field}:") for p in refused.value.errors["rules[0]"])


def test_a_rule_of_the_right_shape_is_still_read():
    [route] = parse_routing([GOOD | {"channels": ["in_app", "email"]}])
    assert (route.event, route.levels, route.channels) == ("risk.flag.raised", ("high",), ("email",))

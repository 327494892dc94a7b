"""The kit's access mechanism under a policy it is given: it knows no role by name, so these tests give it roles
of their own (no I/O)."""

from __future__ import annotations

import pytest
from qadam.auth import AccessPolicy, Reach

POLICY = AccessPolicy.of({"warden", "clerk", "visitor", "reader"}, everywhere={"warden"},
                         district_scoped={"clerk"}, audit_readers={"warden", "reader"})


def test_each_role_reaches_as_far_as_the_policy_says():
    assert [POLICY.reach(role) for role in ("warden", "clerk", "visitor")] == [
        Reach.EVERYWHERE, Reach.DISTRICT, Reach.REGION]


def test_a_role_the_policy_does_not_list_makes_no_principal():
    with pytest.raises(ValueError, match="'stranger' is not a role"):
        POLICY.principal("u1", "stranger", "Buxoro viloyati", "Kogon")


def test_a_district_scoped_principal_covers_its_district_only_and_nothing_without_one():
    clerk = POLICY.principal("c1", "clerk", "Buxoro viloyati", "Kogon")
    assert clerk.covers(region="Buxoro viloyati", district="Kogon")
    assert not clerk.covers(region="Buxoro viloyati", district="Gʻijduvon")
    assert not POLICY.principal("c2", "clerk", "Buxoro viloyati").covers(region="Buxoro viloyati", district="Kogon")


def test_a_region_scoped_principal_covers_its_region_and_one_reaching_everywhere_needs_no_area():
    visitor = POLICY.principal("v1", "visitor", "Buxoro viloyati")
    assert visitor.covers(region="Buxoro viloyati", district="Kogon") and not visitor.covers(region="Navoiy viloyati")
    warden = POLICY.principal("w1", "warden")
    assert warden.has_area and warden.covers(region="Navoiy viloyati", district="Karmana")
    assert not POLICY.principal("v2", "visitor").has_area


def test_a_policy_naming_a_role_it_does_not_list_is_refused():
    with pytest.raises(ValueError, match="does not list: ghost"):
        AccessPolicy.of({"clerk"}, everywhere=(), district_scoped={"clerk"}, audit_readers={"ghost"})
    with pytest.raises(ValueError, match="everywhere and one district"):
        AccessPolicy.of({"clerk"}, everywhere={"clerk"}, district_scoped={"clerk"}, audit_readers=())


ROVING = AccessPolicy.of({"warden", "clerk", "visitor", "surveyor"}, everywhere={"warden"}, district_scoped={"clerk"},
                         national_unless_placed={"surveyor"}, audit_readers=())


def test_a_role_national_unless_placed_reaches_everywhere_without_a_region_and_its_region_with_one():
    assert ROVING.reach("surveyor") is Reach.EVERYWHERE
    assert ROVING.reach("surveyor", "Buxoro viloyati") is Reach.REGION
    # the others' reach does not move with the region
    assert [ROVING.reach(role, "Buxoro viloyati") for role in ("warden", "clerk", "visitor")] == [
        Reach.EVERYWHERE, Reach.DISTRICT, Reach.REGION]
    assert ROVING.reach("visitor") is Reach.REGION


def test_a_national_surveyor_covers_every_region_and_a_placed_one_his_own_alone():
    national = ROVING.principal("s1", "surveyor")
    assert national.reach is Reach.EVERYWHERE and national.has_area
    assert national.covers(region="Navoiy viloyati", district="Karmana") and national.covers(region="Buxoro viloyati")
    placed = ROVING.principal("s2", "surveyor", "Buxoro viloyati")
    assert placed.reach is Reach.REGION and placed.has_area
    assert placed.covers(region="Buxoro viloyati", district="Kogon")
    assert not placed.covers(region="Navoiy viloyati", district="Karmana")


def test_a_role_national_unless_placed_is_one_the_policy_lists_and_has_no_other_reach():
    with pytest.raises(ValueError, match="does not list: ghost"):
        AccessPolicy.of({"clerk"}, everywhere=(), district_scoped={"clerk"}, audit_readers=(),
                        national_unless_placed={"ghost"})
    for other in ({"everywhere": {"clerk"}, "district_scoped": ()}, {"everywhere": (), "district_scoped": {"clerk"}}):
        with pytest.raises(ValueError, match="no other reach"):
            AccessPolicy.of({"clerk"}, audit_readers=(), national_unless_placed={"clerk"}, **other)

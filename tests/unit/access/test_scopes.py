"""The scope rules (access/scopes.py): who may read and write where, over the facility
tree's materialized paths. The table below is the rules as the docs state them."""

from __future__ import annotations

from typing import ClassVar

import pytest

from access import scopes
from access.errors import Forbidden
from access.principal import Principal, Role, check_facility_path

PROVINCE, COUNTY, CLINIC, OTHER_COUNTY, COUNTY_41 = "/1/", "/1/4/", "/1/4/17/", "/1/5/", "/1/41/"
SCOPE_IDS = {PROVINCE: 1, COUNTY: 4, CLINIC: 17}


def make_principal(role: Role, scope_path: str | None = None) -> Principal:
    return Principal(
        user_id=7,
        name="li",
        role=role,
        token_id=3,
        facility_id=SCOPE_IDS.get(scope_path) if scope_path else None,
        scope_path=scope_path,
    )


def county_staff() -> Principal:
    return make_principal(Role.STAFF, COUNTY)


# (role, scope) -> (reads at, writes at), over province, county, clinic, other county
R, W, _ = "r", "w", "-"
RULES: list[tuple[Role, str | None, dict[str, str]]] = [
    (Role.ADMIN, None, {PROVINCE: R + W, COUNTY: R + W, CLINIC: R + W, OTHER_COUNTY: R + W}),
    (Role.SUPERVISOR, COUNTY, {PROVINCE: _, COUNTY: R + W, CLINIC: R + W, OTHER_COUNTY: _}),
    (Role.STAFF, COUNTY, {PROVINCE: _, COUNTY: R + W, CLINIC: R + W, OTHER_COUNTY: _}),
    (Role.STAFF, CLINIC, {PROVINCE: _, COUNTY: _, CLINIC: R + W, OTHER_COUNTY: _}),
    (Role.VIEWER, None, {PROVINCE: R, COUNTY: R, CLINIC: R, OTHER_COUNTY: R}),
    (Role.VIEWER, COUNTY, {PROVINCE: _, COUNTY: R, CLINIC: R, OTHER_COUNTY: _}),
]


@pytest.mark.parametrize(("role", "scope", "where"), RULES)
def test_the_rules_table(role: Role, scope: str | None, where: dict[str, str]) -> None:
    who = make_principal(role, scope)
    for path, allowed in where.items():
        assert scopes.can_read(who, path) is ("r" in allowed), (role, scope, path)
        assert scopes.can_write_at(who, path) is ("w" in allowed), (role, scope, path)
        if "r" not in allowed:
            with pytest.raises(Forbidden):
                scopes.ensure_can_read(who, path)
        if "w" not in allowed:
            with pytest.raises(Forbidden):
                scopes.ensure_can_write_at(who, path)


def test_staff_may_not_write_at_its_parent_or_a_sibling_and_the_refusal_says_why() -> None:
    staff = county_staff()

    with pytest.raises(Forbidden, match=r"facility /1/ is outside the scope of staff 'li'"):
        scopes.ensure_can_write_at(staff, PROVINCE)
    with pytest.raises(Forbidden, match="may not write there"):
        scopes.ensure_can_write_at(staff, OTHER_COUNTY)
    with pytest.raises(Forbidden, match="may not read there"):
        scopes.ensure_can_read(staff, OTHER_COUNTY)


def test_a_sibling_whose_id_starts_with_the_same_digits_is_outside_the_scope() -> None:
    # "/1/41/" starts with "/1/4" but not with "/1/4/": the trailing slash matters.
    assert not scopes.can_write_at(county_staff(), COUNTY_41)


def test_viewer_is_read_only_even_inside_its_scope() -> None:
    with pytest.raises(Forbidden, match="viewer 'li' is read-only"):
        scopes.ensure_can_write_at(make_principal(Role.VIEWER, COUNTY), CLINIC)


def test_a_scope_facility_that_cannot_be_resolved_allows_nothing() -> None:
    lost = Principal(user_id=7, name="li", role=Role.STAFF, token_id=3, facility_id=99)

    assert not scopes.can_read(lost, CLINIC)
    with pytest.raises(Forbidden, match="scoped to facility 99, which is unknown"):
        scopes.ensure_can_write_at(lost, CLINIC)
    assert scopes.list_reach(lost) == scopes.NOWHERE


def test_role_requirement_lets_admin_through_and_names_what_is_needed() -> None:
    scopes.ensure_role(make_principal(Role.ADMIN), Role.STAFF)
    scopes.ensure_role(county_staff(), Role.STAFF)

    with pytest.raises(Forbidden, match="viewer 'li' may not do this; needs: admin, staff"):
        scopes.ensure_role(make_principal(Role.VIEWER), Role.STAFF)
    with pytest.raises(Forbidden, match="needs: admin, supervisor"):
        scopes.ensure_role(county_staff(), Role.SUPERVISOR)


@pytest.mark.parametrize("path", ["/1/4", "1/4/", "", "/", "/a/", "/1//4/"])
def test_malformed_paths_are_refused_rather_than_compared(path: str) -> None:
    with pytest.raises(ValueError, match="is not of the form"):
        check_facility_path(path)
    with pytest.raises(ValueError):
        scopes.can_read(county_staff(), path)


def test_only_admin_and_a_scope_at_a_root_register_lots() -> None:
    assert scopes.registers_lots(make_principal(Role.ADMIN))
    assert scopes.registers_lots(make_principal(Role.STAFF, PROVINCE))
    assert not scopes.registers_lots(county_staff())
    with pytest.raises(Forbidden, match="lots are registered by whoever receives them"):
        scopes.ensure_registers_lots(make_principal(Role.STAFF, CLINIC))


def test_a_shipment_is_visible_from_either_end() -> None:
    clinic_staff = make_principal(Role.STAFF, CLINIC)

    scopes.ensure_can_read_either(clinic_staff, PROVINCE, CLINIC)
    scopes.ensure_can_read_either(clinic_staff, CLINIC, OTHER_COUNTY)
    with pytest.raises(Forbidden, match="facility /1/5/ is outside"):
        scopes.ensure_can_read_either(clinic_staff, PROVINCE, OTHER_COUNTY)


def test_a_lot_wide_view_needs_every_place_it_names_in_scope() -> None:
    staff = county_staff()

    scopes.ensure_can_read_all(staff, {"facility 4": COUNTY, "facility 17": CLINIC}, "the trace")
    with pytest.raises(Forbidden, match=r"spans facilities outside the scope.*: facility 5;"):
        scopes.ensure_can_read_all(staff, {"facility 4": COUNTY, "facility 5": OTHER_COUNTY}, "x")
    with pytest.raises(Forbidden, match="unit 'U9', unknown to the ledger"):
        scopes.ensure_can_read_all(staff, {"unit 'U9'": None}, "sensor 'S'")
    with pytest.raises(Forbidden, match="names no facility"):
        scopes.ensure_can_read_all(staff, {}, "sensor 'S'")
    # those who see everything are not asked
    scopes.ensure_can_read_all(make_principal(Role.VIEWER), {"unit 'U9'": None}, "sensor 'S'")
    scopes.ensure_can_read_all(make_principal(Role.ADMIN), {}, "sensor 'S'")


def test_a_place_the_ledger_does_not_know_is_seen_by_those_who_see_everything_only() -> None:
    scopes.ensure_can_read_at_code(make_principal(Role.ADMIN), None, "NOWHERE")
    scopes.ensure_can_read_at_code(make_principal(Role.VIEWER), None, "NOWHERE")
    with pytest.raises(Forbidden, match="'NOWHERE' is not in the ledger"):
        scopes.ensure_can_read_at_code(make_principal(Role.VIEWER, COUNTY), None, "NOWHERE")
    scopes.ensure_can_write_at_code(make_principal(Role.ADMIN), None, "NOWHERE")
    with pytest.raises(Forbidden, match="is not in the ledger"):
        scopes.ensure_can_write_at_code(county_staff(), None, "NOWHERE")
    with pytest.raises(Forbidden, match="needs: admin, staff, supervisor"):
        scopes.ensure_can_write_at_code(make_principal(Role.VIEWER), COUNTY, "GD-K1")


class FakeTree:
    """Codes under each path, as the ledger would list them."""

    FACILITIES: ClassVar[dict[str, list[str]]] = {
        PROVINCE: ["P", "K", "C", "K2"],
        COUNTY: ["K", "C"],
        OTHER_COUNTY: ["K2"],
    }

    def path_of_facility(self, facility_code: str) -> str | None:
        return None

    def path_of_unit(self, unit_code: str) -> str | None:
        return None

    def facility_codes_under(self, path: str | None) -> list[str]:
        return self.FACILITIES[path or PROVINCE]

    def unit_codes_under(self, path: str | None) -> list[str]:
        return [f"{code}-F1" for code in self.facility_codes_under(path)]


def test_a_list_shows_the_callers_subtree_or_the_one_it_asked_for() -> None:
    tree = FakeTree()
    staff = county_staff()

    assert scopes.facility_codes_in_scope(staff, tree) == ["K", "C"]
    assert scopes.unit_codes_in_scope(staff, tree) == ["K-F1", "C-F1"]
    assert scopes.facility_codes_in_scope(make_principal(Role.ADMIN), tree) is None
    assert scopes.unit_codes_in_scope(make_principal(Role.VIEWER), tree) == [
        "P-F1",
        "K-F1",
        "C-F1",
        "K2-F1",
    ]
    assert scopes.facility_codes_in_scope(make_principal(Role.ADMIN), tree, OTHER_COUNTY) == ["K2"]
    with pytest.raises(Forbidden, match="may not read there"):
        scopes.facility_codes_in_scope(staff, tree, OTHER_COUNTY)

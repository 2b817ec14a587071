"""Who may read and write where: roles over the facility tree's materialized paths."""

from __future__ import annotations

import pytest

from access.errors import Forbidden
from access.principal import (
    Principal,
    Role,
    check_facility_path,
    ensure_can_read,
    ensure_can_write_at,
    ensure_role,
)

PROVINCE, COUNTY, CLINIC, OTHER_COUNTY, COUNTY_41 = "/1/", "/1/4/", "/1/4/17/", "/1/5/", "/1/41/"


def make_principal(
    role: Role, facility_id: int | None = None, scope_path: str | None = None
) -> Principal:
    return Principal(
        user_id=7,
        name="li",
        role=role,
        token_id=3,
        facility_id=facility_id,
        scope_path=scope_path,
    )


def county_staff() -> Principal:
    return make_principal(Role.STAFF, facility_id=4, scope_path=COUNTY)


def test_admin_reads_and_writes_everywhere() -> None:
    admin = make_principal(Role.ADMIN)

    for path in (PROVINCE, COUNTY, CLINIC, OTHER_COUNTY):
        ensure_can_read(admin, path)
        ensure_can_write_at(admin, path)


def test_staff_writes_at_its_facility_and_every_facility_below() -> None:
    staff = county_staff()

    ensure_can_write_at(staff, COUNTY)
    ensure_can_write_at(staff, CLINIC)
    ensure_can_read(staff, CLINIC)


def test_staff_may_not_write_at_its_parent_or_a_sibling() -> None:
    staff = county_staff()

    with pytest.raises(Forbidden, match=r"facility /1/ is outside the scope of staff 'li'"):
        ensure_can_write_at(staff, PROVINCE)
    with pytest.raises(Forbidden, match="may not write there"):
        ensure_can_write_at(staff, OTHER_COUNTY)
    with pytest.raises(Forbidden, match="may not read there"):
        ensure_can_read(staff, OTHER_COUNTY)


def test_a_sibling_whose_id_starts_with_the_same_digits_is_outside_the_scope() -> None:
    # "/1/41/" starts with "/1/4" but not with "/1/4/": the trailing slash matters.
    assert not county_staff().can_write_at(COUNTY_41)


def test_viewer_is_read_only_even_inside_its_scope() -> None:
    viewer = make_principal(Role.VIEWER, facility_id=4, scope_path=COUNTY)

    ensure_can_read(viewer, CLINIC)
    with pytest.raises(Forbidden, match="viewer 'li' is read-only"):
        ensure_can_write_at(viewer, CLINIC)


def test_scoped_viewer_reads_only_its_subtree() -> None:
    viewer = make_principal(Role.VIEWER, facility_id=4, scope_path=COUNTY)

    with pytest.raises(Forbidden, match="outside the scope of viewer"):
        ensure_can_read(viewer, OTHER_COUNTY)


def test_unscoped_viewer_reads_everywhere() -> None:
    viewer = make_principal(Role.VIEWER)

    assert all(viewer.can_read(path) for path in (PROVINCE, COUNTY, OTHER_COUNTY))
    assert not viewer.can_write_at(CLINIC)


def test_a_scope_facility_that_cannot_be_resolved_allows_nothing() -> None:
    lost = make_principal(Role.STAFF, facility_id=99, scope_path=None)

    assert not lost.can_read(CLINIC)
    with pytest.raises(Forbidden, match="scoped to facility 99, which is unknown"):
        ensure_can_write_at(lost, CLINIC)


def test_role_requirement_lets_admin_through_and_names_what_is_needed() -> None:
    ensure_role(make_principal(Role.ADMIN), Role.STAFF)
    ensure_role(county_staff(), Role.STAFF)

    with pytest.raises(Forbidden, match="viewer 'li' may not do this; needs: admin, staff"):
        ensure_role(make_principal(Role.VIEWER), Role.STAFF)


@pytest.mark.parametrize("path", ["/1/4", "1/4/", "", "/", "/a/", "/1//4/"])
def test_malformed_paths_are_refused_rather_than_compared(path: str) -> None:
    with pytest.raises(ValueError, match="is not of the form"):
        check_facility_path(path)
    with pytest.raises(ValueError):
        county_staff().can_read(path)


def test_a_supervisor_writes_in_its_subtree_like_staff_and_only_there() -> None:
    supervisor = make_principal(Role.SUPERVISOR, facility_id=4, scope_path=COUNTY)

    ensure_can_write_at(supervisor, CLINIC)
    ensure_role(supervisor, Role.SUPERVISOR)
    with pytest.raises(Forbidden, match="outside the scope of supervisor 'li'"):
        ensure_can_write_at(supervisor, OTHER_COUNTY)
    with pytest.raises(Forbidden, match="needs: admin, supervisor"):
        ensure_role(county_staff(), Role.SUPERVISOR)


def test_only_admin_and_a_scope_at_a_root_receive_from_the_supplier() -> None:
    assert make_principal(Role.ADMIN).at_root
    assert make_principal(Role.STAFF, facility_id=1, scope_path=PROVINCE).at_root
    assert not county_staff().at_root
    assert not make_principal(Role.STAFF, facility_id=17, scope_path=CLINIC).at_root

"""User accounts: admins list, create and disable users (never delete them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from access import queries, services
from api.deps import AdminPrincipal, Deps
from api.schemas.access import UserCreate, UserPublic
from api.schemas.bounds import MAX_ID
from api.schemas.common import BAD_BODY, ERROR_RESPONSES, error_responses

router = APIRouter(prefix="/users", tags=["access"], responses=ERROR_RESPONSES)


@router.get("", response_model=list[UserPublic])
def list_users(
    deps: Deps, _admin: AdminPrincipal, include_disabled: bool = True
) -> list[UserPublic]:
    """Every user, oldest first, with who created it, when it was last used and whether it
    is disabled."""
    records = queries.list_users(deps.session_factory, include_disabled=include_disabled)
    return [UserPublic.of(record) for record in records]


@router.post(
    "",
    response_model=UserPublic,
    status_code=status.HTTP_201_CREATED,
    responses={**BAD_BODY, **error_responses(409, s409="a user of that name exists")},
)
def create_user(body: UserCreate, deps: Deps, admin: AdminPrincipal) -> UserPublic:
    """A new user with a role, a scope (an existing facility; 422 otherwise) and a password
    (stored hashed). Issue it tokens with ``POST /tokens``."""
    record = services.create_user(
        deps.access_uow(),
        name=body.name,
        role=body.role,
        facility_id=body.facility_id,
        password=body.password,
        now=deps.clock(),
        facilities=deps.facility_paths,
        by=admin,
        passwords=deps.passwords,
    )
    return UserPublic.of(record)


@router.post(
    "/{user_id}/disable",
    response_model=UserPublic,
    responses=error_responses(
        404, 409, s404="no user has that id", s409="an admin may not disable itself"
    ),
)
def disable_user(
    user_id: Annotated[int, Path(ge=1, le=MAX_ID)], deps: Deps, admin: AdminPrincipal
) -> UserPublic:
    """Disable a user at once and for good (idempotent): its tokens and password are
    refused from the next request on."""
    record = services.disable_user(deps.access_uow(), user_id, now=deps.clock(), by=admin)
    return UserPublic.of(record)

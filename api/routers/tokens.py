"""API tokens: admins issue and list them; an admin or the token's owner revokes one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from access import queries, services
from access.services import MAX_ID
from api.deps import AdminPrincipal, CurrentPrincipal, Deps
from api.schemas.access import TokenCreate, TokenCreatedPublic, TokenPublic
from api.schemas.common import BAD_BODY, ERROR_RESPONSES, error_responses

router = APIRouter(prefix="/tokens", tags=["access"], responses=ERROR_RESPONSES)


@router.post(
    "",
    response_model=TokenCreatedPublic,
    status_code=status.HTTP_201_CREATED,
    responses={**BAD_BODY, **error_responses(409, s409="name taken by another role/scope")},
)
def create_token(
    body: TokenCreate, deps: Deps, admin: AdminPrincipal, response: Response
) -> TokenCreatedPublic:
    """Issue a token (creating its user when new). The secret is in this answer only.
    A scope must name an existing facility (422 otherwise)."""
    issued = services.create_token(
        deps.access_uow(),
        name=body.name,
        role=body.role,
        facility_id=body.facility_id,
        now=deps.clock(),
        facilities=deps.facility_paths,
        expires_in_days=body.expires_in_days,
        lifetimes=deps.token_lifetimes,
        by=admin,
    )
    response.headers["Cache-Control"] = "no-store"
    return TokenCreatedPublic.issued(issued)


@router.get("", response_model=list[TokenPublic])
def list_tokens(
    deps: Deps, _admin: AdminPrincipal, include_revoked: bool = False, include_expired: bool = False
) -> list[TokenPublic]:
    """Active tokens, oldest first; revoked and expired ones too when asked."""
    records = queries.list_tokens(
        deps.session_factory,
        now=deps.clock(),
        include_revoked=include_revoked,
        include_expired=include_expired,
    )
    return [TokenPublic.of(record) for record in records]


@router.delete(
    "/{token_id}",
    response_model=TokenPublic,
    responses=error_responses(404, s404="no token has that id"),
)
def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=MAX_ID)], deps: Deps, principal: CurrentPrincipal
) -> TokenPublic:
    """Revoke a token at once (idempotent); the answer shows when it was revoked."""
    record = services.revoke_token(deps.access_uow(), token_id, now=deps.clock(), by=principal)
    return TokenPublic.of(record)

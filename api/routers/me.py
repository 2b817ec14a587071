"""Who am I: the caller's user, role and facility scope, as the API sees them."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentPrincipal
from api.schemas.access import MePublic
from api.schemas.common import error_responses

router = APIRouter(tags=["access"], responses=error_responses(401))


@router.get("/me", response_model=MePublic)
def me(principal: CurrentPrincipal) -> MePublic:
    return MePublic.of(principal)

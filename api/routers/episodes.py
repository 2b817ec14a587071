"""Excursion episodes: list them (by facility subtree, unit, window, open), and read one with
the lots and doses it exposed and the alarms raised while it was open."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from api.deps import CurrentPrincipal, Deps
from api.places import ensure_read_at_code, facility_codes_in_scope
from api.schemas.alarms import EpisodeDetailPublic, EpisodePublic
from api.schemas.bounds import Id, Limit, Offset
from api.schemas.common import error_responses

router = APIRouter(
    prefix="/episodes", tags=["alarms"], responses=error_responses(401, 403, 404, 422)
)


@router.get("", response_model=list[EpisodePublic])
def list_episodes(
    deps: Deps,
    who: CurrentPrincipal,
    facility: Annotated[str | None, Query(description="a facility code: its subtree")] = None,
    unit: Annotated[str | None, Query(description="a storage unit code")] = None,
    start: Annotated[AwareDatetime | None, Query(description="overlapping [start, end)")] = None,
    end: AwareDatetime | None = None,
    open: Annotated[bool, Query(description="only episodes still open")] = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[EpisodePublic]:
    """Episodes newest first, in the caller's scope; start before end, both in the
    programme window."""
    deps.window.check_range(start, end)
    episodes = deps.alarm_queries().episodes(
        facility_codes=facility_codes_in_scope(deps, who, facility),
        unit=unit,
        start=start,
        end=end,
        open_only=open,
        limit=limit,
        offset=offset,
    )
    return [EpisodePublic.of(e) for e in episodes]


@router.get(
    "/{episode_id}",
    response_model=EpisodeDetailPublic,
)
def get_episode(episode_id: Id, deps: Deps, who: CurrentPrincipal) -> EpisodeDetailPublic:
    detail = deps.alarm_queries().episode(episode_id)
    ensure_read_at_code(deps, who, detail.episode.facility)
    return EpisodeDetailPublic.of_detail(detail)

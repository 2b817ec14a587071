"""What routes receive: the application's dependencies and the authenticated principal.

``ApiDeps`` is built once by the composition root (``coldchain.wiring``) and kept on
``app.state``; routes ask for it with ``Deps`` and for the caller with ``CurrentPrincipal``
(any valid token), ``AdminPrincipal``, ``WriterPrincipal`` (admin, supervisor or staff),
``SupervisorPrincipal`` (admin or supervisor), or ``Depends(require_role(...))``.
Facility-level checks happen in the route once it knows where it acts (``api/places.py``
looks the place up; ``access.scopes`` decides and raises ``Forbidden``, 403).

Invariant: every route but the health routes needs a valid token (known, not revoked, not
expired).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Protocol, cast

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from access import services
from access.errors import NotAuthenticated
from access.passwords import DEFAULT_PASSWORDS, Passwords
from access.ports import FacilityPaths, NoFacilityPaths, NoUnitScopes, UnitScopes
from access.principal import Principal, Role
from access.scopes import ensure_role
from access.unit_of_work import AccessUnitOfWork
from api.contact_book import ContactBook
from api.lot_excursions import LotExcursions
from api.pages.config import PagesConfig
from api.request_context import note_user
from api.transport_records import TransportRecords
from ingest.alarms.ports import Notifier, UnitDirectory
from ingest.alarms.queries import AlarmQueries
from ingest.alarms.unit_of_work import AlarmsUnitOfWork
from ingest.notify.config import WebhookConfig
from ingest.queries import TelemetryReader, TelemetryUnavailable
from ingest.registry import SensorInfo
from inventory.domain.time_window import DEFAULT_WINDOW, TimeWindow
from inventory.errors import NotFound
from inventory.unit_of_work import UnitOfWork
from kit.clock import utc_now

__all__ = [
    "AdminPrincipal",
    "ApiDeps",
    "CurrentPrincipal",
    "Deps",
    "Principal",
    "SupervisorPrincipal",
    "WriterPrincipal",
    "facility_path",
    "require_role",
    "telemetry",
]


class SensorBindings(Protocol):
    def sensor(self, sensor_id: str) -> SensorInfo | None:
        """The registered sensor with its bindings (unit, facility, interval); None if not
        registered (the sensor registry's ``SensorDirectory`` fits)."""
        ...


@dataclass(frozen=True, slots=True)
class ApiDeps:
    """Everything the routers need, built by the composition root (add fields as needed)."""

    session_factory: sessionmaker[Session]
    # Resolves a facility id to its materialized path; wire inventory's look-up here.
    facility_paths: FacilityPaths = field(default_factory=NoFacilityPaths)
    clock: Callable[[], datetime] = utc_now
    # Extra domain error -> HTTP status mappings (see api.errors).
    error_statuses: Mapping[type[Exception], int] = field(default_factory=dict)
    # Telemetry, alarms and contacts (api/routers/alarms.py, episodes.py, telemetry.py,
    # contacts.py). None / the defaults: no store (503), no unit or sensor known (404).
    telemetry: TelemetryReader | None = None
    unit_scopes: UnitScopes = field(default_factory=NoUnitScopes)
    unit_directory: UnitDirectory | None = None  # profile and time zone of the summaries
    sensor_bindings: SensorBindings | None = None
    notifier: Notifier | None = None  # acknowledgements are notified when set
    # The lot trace's excursions (rule 19); None: not known, the trace says null.
    lot_excursions: LotExcursions | None = None
    # A shipment's transport record (rule 27); None: not known (503 on its routes).
    transport_records: TransportRecords | None = None
    # COLDCHAIN_TRANSPORT_RECORD_REQUIRED: a shipment that carried no logger has no record,
    # and accepting it needs a supervisor's override (False: it is not checked).
    transport_record_required: bool = False
    # Default lifetimes of new tokens per role (COLDCHAIN_STAFF_TOKEN_DAYS).
    token_lifetimes: services.TokenLifetimes = services.DEFAULT_LIFETIMES
    # The Argon2 parameters passwords are hashed with (argon2-cffi's defaults).
    passwords: Passwords = DEFAULT_PASSWORDS
    # /health/ready: check name -> None (passed) or why not. The composition root gives
    # the database and telemetry store checks; the default checks nothing.
    readiness: Callable[[], Mapping[str, str | None]] = dict
    # The programme window every time, day and period a request names is checked against.
    window: TimeWindow = DEFAULT_WINDOW
    # Webhook contact rules: allowed targets, the box sealing secrets (default: public
    # targets only, no key: a webhook secret is refused).
    webhooks: WebhookConfig = field(default_factory=WebhookConfig)
    # The staff pages' session signing key and cookie flags (api/pages/).
    pages: PagesConfig = field(default_factory=PagesConfig)

    def access_uow(self) -> AccessUnitOfWork:
        """Users and tokens, on the API's database, with the facility look-up."""
        return AccessUnitOfWork(self.session_factory, self.clock, self.facility_paths)

    def inventory_uow(self) -> UnitOfWork:
        """A unit of work on the ledger, on the same database and clock as the API."""
        return UnitOfWork(self.session_factory, clock=self.clock, window=self.window)

    def today(self) -> date:
        return self.clock().astimezone(UTC).date()

    def alarms_uow(self) -> AlarmsUnitOfWork:
        return AlarmsUnitOfWork(self.session_factory, clock=self.clock)

    def alarm_queries(self) -> AlarmQueries:
        return AlarmQueries(
            self.session_factory,
            telemetry=self.telemetry,
            units=self.unit_directory,
            clock=self.clock,
        )

    def contacts(self) -> ContactBook:
        return ContactBook(self.session_factory, self.webhooks)


def get_deps(request: Request) -> ApiDeps:
    return cast(ApiDeps, request.app.state.deps)


Deps = Annotated[ApiDeps, Depends(get_deps)]


def facility_path(deps: ApiDeps, facility_id: int) -> str:
    """The facility's materialized path for the scope checks; the ledger's NotFound (404)."""
    path = deps.facility_paths.path_of(facility_id)
    if path is None:
        raise NotFound(f"no facility has id {facility_id}")
    return path


def telemetry(deps: ApiDeps) -> TelemetryReader:
    """The configured telemetry store's reader; ``TelemetryUnavailable`` (503) when none."""
    if deps.telemetry is None:
        raise TelemetryUnavailable("no telemetry store is configured for the API")
    return deps.telemetry


_bearer = HTTPBearer(
    auto_error=False,
    description="An API token from `coldchain token create` or `POST /api/v1/tokens`.",
)


def get_principal(
    deps: Deps,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise NotAuthenticated("send an API token as 'Authorization: Bearer <token>'")
    principal = services.authenticate(
        deps.access_uow(), credentials.credentials, deps.facility_paths, now=deps.clock()
    )
    note_user(principal.name)  # for the access line
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def require_role(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets through only ``roles`` (and admin, who may do everything)."""

    def dependency(principal: CurrentPrincipal) -> Principal:
        ensure_role(principal, *roles)
        return principal

    return dependency


AdminPrincipal = Annotated[Principal, Depends(require_role(Role.ADMIN))]
WriterPrincipal = Annotated[Principal, Depends(require_role(Role.SUPERVISOR, Role.STAFF))]
SupervisorPrincipal = Annotated[Principal, Depends(require_role(Role.SUPERVISOR))]

"""Access for the command line and the demo: its unit of work on the configured database,
with the ledger's facility look-up, and the token lifetimes from the settings.

Invariant: nothing here imports the web app (``api``): ``coldchain user`` and ``coldchain
token`` create users and tokens through ``access`` alone (a test holds this).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from access.principal import Role
from access.services import TokenLifetimes
from access.unit_of_work import AccessUnitOfWork
from coldchain import db
from coldchain.facility_tree import LedgerFacilityPaths
from coldchain.settings import Settings
from inventory.unit_of_work import UnitOfWork


def token_lifetimes(settings: Settings) -> TokenLifetimes:
    """Default token lifetimes: staff COLDCHAIN_STAFF_TOKEN_DAYS (0: never); others never."""
    days = settings.staff_token_days
    return TokenLifetimes(default_days={Role.STAFF: days} if days else {})


@contextmanager
def access_and_facilities(
    settings: Settings,
) -> Iterator[tuple[AccessUnitOfWork, LedgerFacilityPaths]]:
    """A unit of work on users and tokens, and the ledger's facility look-up (a scope must
    name an existing facility; the CLI names facilities by code), for one command; the
    engine closes after."""
    engine = db.make_engine(settings.database_url)
    try:
        session_factory = db.make_session_factory(engine)
        facilities = LedgerFacilityPaths(UnitOfWork(session_factory))
        yield AccessUnitOfWork(session_factory, facilities=facilities), facilities
    finally:
        engine.dispose()


@contextmanager
def access_unit_of_work(settings: Settings) -> Iterator[AccessUnitOfWork]:
    """A unit of work on users and tokens for one command; the engine closes after."""
    with access_and_facilities(settings) as (uow, _facilities):
        yield uow

"""The ``Idempotency-Key`` header that every movement-creating request must carry.

The key goes to the ledger's service, which posts once per key: a replay with the same
request answers with the first result and posts nothing; the same key with another request
is an ``IdempotencyConflict`` (409). Keys are namespaced per user (``api:<user id>:<key>``)
so that two clients who pick the same key never collide or see each other's movements.

Invariant: a movement-creating route without the header answers 422 saying the header is
required, before anything is read or written. Planning a shipment moves no stock: there the
header is optional (``OptionalIdempotencyKey``) and, when sent, follows the same rules.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header
from fastapi.exceptions import RequestValidationError

from access.principal import Principal

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 150  # the ledger allows 200 with our prefix


def idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="a unique key per intended movement (e.g. a UUID); a retry with the"
            " same key and body returns the first result and posts nothing",
        ),
    ] = None,
) -> str:
    problem = None
    if key is None or not key.strip():
        problem = f"the {HEADER} header is required on every request that records a movement"
    elif len(key) > MAX_KEY_LENGTH:
        problem = f"the {HEADER} header is at most {MAX_KEY_LENGTH} characters"
    if problem is not None:
        raise RequestValidationError(
            [{"loc": ("header", HEADER), "msg": problem, "type": "idempotency_key"}]
        )
    assert key is not None
    return key.strip()


IdempotencyKey = Annotated[str, Depends(idempotency_key)]


def optional_idempotency_key(
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="optional: a unique key per intended request (e.g. a UUID); a retry"
            " with the same key and body returns the first result and creates nothing",
        ),
    ] = None,
) -> str | None:
    """The header where it is optional (planning a shipment moves no stock)."""
    return None if key is None else idempotency_key(key)


OptionalIdempotencyKey = Annotated[str | None, Depends(optional_idempotency_key)]


def ledger_key(who: Principal, key: str) -> str:
    """The key as the ledger stores it: namespaced by the calling user."""
    return f"api:{who.user_id}:{key}"

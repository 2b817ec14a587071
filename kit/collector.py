"""The garbage collector in a long-running process: its start-up heap frozen.

A server imports SQLAlchemy, FastAPI, pydantic, Jinja2 and Babel and builds its app before
it answers anything: some 200 000 objects that live as long as the process. CPython's
collector walks every tracked object in each full collection, and a request that builds
thousands of small objects (the trace of a lot in 3 166 facilities, a province's daily
doses) triggers several: measured on the 1 000 000-movement ledger, half of such a
request's CPU time went to walking the start-up heap again (docs/benchmarks.md).
``gc.freeze()`` moves the objects alive at that moment into a permanent generation that
collections skip; objects made later are collected as before. Call it once, after the
process has built what it serves and before it serves; never per request or per test (an
object frozen is never collected by the cycle collector).
"""

from __future__ import annotations

import gc


def freeze_startup_heap() -> int:
    """Collect what start-up left behind, then freeze the rest; the objects frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()

"""kit.collector: the start-up heap is frozen out of the collector's walks; what is made
afterwards is still collected."""

from __future__ import annotations

import gc
import weakref

from kit.collector import freeze_startup_heap


class _Node:
    other: _Node | None = None


def test_freezing_moves_the_live_heap_aside_and_later_cycles_are_still_collected() -> None:
    before = _Node()
    try:
        frozen = freeze_startup_heap()
        assert frozen == gc.get_freeze_count() > 1000  # at least the imported modules
        assert before not in gc.get_objects()  # frozen: no longer walked
        a, b = _Node(), _Node()
        a.other, b.other = b, a  # a cycle only the collector can free
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        assert gone() is None
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0

"""Shipments on the road, seen from ingest (domain rule 27): the loggers attached to
shipments become sensor bindings to the shipments' transit units, and the alarms of a
transit unit are told to the receiver as well as the sender.

- ``transit_registry(engine, ledger)``: the sensor registry's loader for the pipeline — its
  tables (``ingest.registry.load_snapshot``) plus each logger window
  (``inventory.queries.transit_bindings``) as a binding to ``shipment-{id}`` at the origin
  facility, merged by ``ingest.registry.with_bindings``. The decoder then files a logger's
  readings under the shipment by their *device* time, however late they arrive.
- ``TransitNotifier``: a ``Notifier`` that adds the destination facility to every notice of
  a transit unit (the alarm's facility is the origin), then hands it on.

Invariants: only types are translated (no SQL, no rule); the ledger is the one record of
who carried which logger when (nothing is copied into the registry's tables, so attaching
is one transaction); a failing ledger look-up leaves the notice as it was rather than
losing it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from coldchain.db import Engine
from ingest.alarms.ports import AlarmNotice, Notifier
from ingest.registry import Binding, RegistrySnapshot, load_snapshot, to_ns, with_bindings
from inventory import queries
from inventory.domain.transit import shipment_of
from inventory.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


def transit_registry(engine: Engine, ledger: UnitOfWork) -> Callable[[], RegistrySnapshot]:
    """The registry's loader with the loggers on shipments (see the module docstring)."""

    def load() -> RegistrySnapshot:
        extra: dict[str, tuple[int, tuple[Binding, ...]]] = {}
        for window in queries.transit_bindings(ledger):
            interval, bindings = extra.get(window.sensor_id, (window.reporting_interval_s, ()))
            binding = Binding(
                facility=window.facility,
                unit=window.unit,
                valid_from_ns=to_ns(window.valid_from),
                valid_to_ns=None if window.valid_to is None else to_ns(window.valid_to),
            )
            extra[window.sensor_id] = (
                min(interval, window.reporting_interval_s),
                (*bindings, binding),
            )
        return with_bindings(load_snapshot(engine), extra)

    return load


class TransitNotifier:
    """``Notifier``: notices of a transit unit also go to the shipment's receiver."""

    def __init__(self, inner: Notifier, ledger: UnitOfWork) -> None:
        self._inner = inner
        self._ledger = ledger

    def notify(self, notice: AlarmNotice) -> None:
        self._inner.notify(self._with_receiver(notice))

    def _with_receiver(self, notice: AlarmNotice) -> AlarmNotice:
        shipment_id = None if notice.unit is None else shipment_of(notice.unit)
        if shipment_id is None:
            return notice
        try:
            place = queries.transit_places(self._ledger, [shipment_id]).get(shipment_id)
        except Exception:
            log.exception("receiver of shipment %s unknown; telling the sender", shipment_id)
            return notice
        facilities = notice.notify_facilities or (notice.facility,)
        if place is None or place.destination in facilities:
            return notice
        return dataclasses.replace(notice, notify_facilities=(*facilities, place.destination))

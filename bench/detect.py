"""Micro-benchmark: readings per second through the excursion detector (one core).

Builds a seeded, realistic stream (many fridges reporting every 60 s of device time,
mostly in range, with door-open spikes, slow warm excursions long enough for the WHO heat
alarm, cold dips, gaps, a few late and replayed readings) and times
``Detector.observe`` on batches of 500, the way the ingest pipeline calls it. Prints the
figure; nothing is asserted. Run: ``.venv/bin/python bench/detect.py [readings]``.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

# The repository root first: bench/ingest.py would otherwise shadow the ingest package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.detect import AlarmRaised, Detector
from ingest.readings import Reading

NS = 1_000_000_000
BATCH = 500


def make_stream(n: int, units: int = 200, seed: int = 7) -> list[Reading]:
    rnd = random.Random(seed)
    temps = [5.0] * units
    modes = ["ok"] * units
    t0 = 1_700_000_000 * NS
    out: list[Reading] = []
    step = 0
    while len(out) < n:
        t = t0 + step * 60 * NS
        for u in range(units):
            mode = modes[u]
            roll = rnd.random()
            if mode == "ok" and roll < 0.0005:
                modes[u] = mode = rnd.choice(["warm", "cold", "door", "silent"])
            elif mode != "ok" and roll < 0.003:
                modes[u] = mode = "ok"
            target = {"ok": 5.0, "warm": 11.0, "cold": -1.5, "door": 9.5, "silent": 5.0}[mode]
            temps[u] += 0.2 * (target - temps[u]) + rnd.gauss(0, 0.1)
            if mode == "silent":
                continue
            r = Reading("clinic", f"fridge-{u}", f"s-{u}", t, round(temps[u], 2), t)
            out.append(r)
            if roll < 0.002 and len(out) > 1000:
                out.append(out[-rnd.randint(2, 1000)])  # a redelivered (replayed) reading
        step += 1
    return out[:n]


def all_hot(n: int, units: int = 200) -> list[Reading]:
    """Worst case: every unit in one long heat excursion (every rule steps, episodes grow)."""
    t0 = 1_700_000_000 * NS
    return [
        Reading(
            "clinic",
            f"fridge-{i % units}",
            f"s-{i % units}",
            t0 + (i // units) * 60 * NS,
            9.0 + (i % 7) * 0.1,
            0,
        )
        for i in range(n)
    ]


def run(name: str, stream: list[Reading]) -> None:
    detector = Detector()
    events = alarms = 0
    start = time.perf_counter()
    for i in range(0, len(stream), BATCH):
        batch_events = detector.observe(stream[i : i + BATCH])
        events += len(batch_events)
        alarms += sum(isinstance(e, AlarmRaised) for e in batch_events)
    elapsed = time.perf_counter() - start
    c = detector.counters()
    print(
        f"{name}: {len(stream)} readings, {events} events ({alarms} alarms raised); "
        f"in order {c.in_order}, replayed {c.replayed}, "
        f"late {c.late_ignored} ignored / {c.late_in_episode} in an episode"
    )
    print(
        f"  {len(stream) / elapsed:,.0f} readings/s "
        f"({elapsed / len(stream) * 1e6:.2f} µs per reading, batches of {BATCH})"
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 400_000
    run("realistic", make_stream(n))
    run("every unit in a heat excursion", all_hot(n))


if __name__ == "__main__":
    main()

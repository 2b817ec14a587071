"""Mean kinetic temperature (USP <1079>, domain rule 6), weighted by the time each reading covers.

MKT = (ΔH/R) / −ln( Σ wᵢ·e^(−(ΔH/R)/Tᵢ) / Σ wᵢ ), Tᵢ in kelvin, result in °C.
With equal weights this is the USP formula for n equal intervals; weighting by covered time
makes irregular reporting intervals count for what they stand for. ΔH/R = 10 000 K by
default. MKT is information only: nothing in detection clears or raises on it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

ZERO_C_IN_K = 273.15


def arrhenius_term(temperature_c: float, delta_h_over_r_k: float) -> float:
    return math.exp(-delta_h_over_r_k / (temperature_c + ZERO_C_IN_K))


def mkt_from_sums(weighted_terms: float, total_weight: float, delta_h_over_r_k: float) -> float:
    """MKT in °C from Σ wᵢ·e^(−(ΔH/R)/Tᵢ) and Σ wᵢ (so callers can accumulate)."""
    return delta_h_over_r_k / -math.log(weighted_terms / total_weight) - ZERO_C_IN_K


def mean_kinetic_temperature(
    samples: Iterable[tuple[float, float]], delta_h_over_r_k: float = 10_000.0
) -> float:
    """MKT in °C of (temperature_c, weight) samples; weights are durations in any one unit.

    Raises ``ValueError`` when the samples cover no time at all.
    """
    terms = 0.0
    total = 0.0
    for temperature_c, weight in samples:
        terms += weight * arrhenius_term(temperature_c, delta_h_over_r_k)
        total += weight
    if total <= 0:
        raise ValueError("mean kinetic temperature of samples that cover no time")
    return mkt_from_sums(terms, total, delta_h_over_r_k)

"""Parsing of sweep axes given on the command line."""

from __future__ import annotations

import numpy as np

from ..errors import UsageError


def parse_ber(spec: str) -> list[float]:
    """'1e-7:1e-1:13' -> 13 log-spaced rates from 1e-7 to 1e-1; '0,1e-4,1e-3' -> that list. Each in [0, 1]."""
    try:
        if ":" in spec:
            lo, hi, count = spec.split(":")
            lo, hi, count = float(lo), float(hi), int(count)
            if lo <= 0 or hi <= 0 or count < 1:
                raise UsageError(f"BER range {spec!r}: needs positive ends and a count >= 1 (LO:HI:COUNT)")
            values = list(np.logspace(np.log10(lo), np.log10(hi), count)) if count > 1 else [lo]
        else:
            values = [float(v) for v in spec.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"cannot parse BER {spec!r}: use LO:HI:COUNT (log-spaced) or a comma list") from None
    for v in values:
        check_ber(v)
    if not values:
        raise UsageError("no BER given")
    return [float(f"{v:.6g}") for v in values]


def check_ber(p: float) -> float:
    if not (0.0 <= p <= 1.0):
        raise UsageError(f"bit error rate {p:g} outside [0, 1]")
    return p


def parse_list(spec: str, what: str) -> list[str]:
    items = [s.strip() for s in spec.split(",") if s.strip()]
    if not items:
        raise UsageError(f"no {what} given")
    return items

"""Detection rules: which decoded parameters are implausible and replaced by zero.

A rule is data: an optional parity placement (see parity.py) and an optional range check (range_check.py).
The paper's weight nulling is a parity rule; `range` is a zero-overhead alternative; `+range` combines both,
catching even-count flips that parity misses as long as they leave the clean range.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..registry import Registry
from .parity import PLACEMENTS, Placement


@dataclass(frozen=True)
class DetectionRule:
    name: str
    parity: str | None
    range_check: bool
    summary: str

    @property
    def placement(self) -> Placement | None:
        return PLACEMENTS.get(self.parity) if self.parity else None

    @property
    def spare(self) -> int:
        return self.placement.spare if self.parity else 0


RULES: Registry[DetectionRule] = Registry("detection rule")
for _name, _parity, _range, _summary in [
    ("none", None, False, "no detection: decoded values are used as read"),
    ("range", None, True, "zero values outside their channel's clean [min, max], or NaN/Inf (no storage cost)"),
    ("parity-lsb", "lsb", False, "even parity in the word's LSB (costs one bit of precision)"),
    ("parity-extra", "extra", False, "even parity in an extra bit per parameter (costs 1/n storage)"),
    ("parity-exp", "exp", False, "float32: even parity in the exponent MSB (bit 30), free while |w| < 2"),
    ("parity-lsb+range", "lsb", True, "parity in the LSB, then the range check"),
    ("parity-extra+range", "extra", True, "parity in an extra bit, then the range check"),
    ("parity-exp+range", "exp", True, "float32: parity in bit 30, then the range check"),
]:
    RULES.add(_name, DetectionRule(_name, _parity, _range, _summary))


def get_rule(name: str) -> DetectionRule:
    return RULES.get(name)

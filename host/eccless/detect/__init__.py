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


# The rule byte of an image: the parity placement's stable id in the low bits, the range check as a flag.
PLACEMENT_MASK = 0x0F
RANGE_FLAG = 0x10

RULES: Registry[DetectionRule] = Registry("detection rule")
RULES.add("none", DetectionRule("none", None, False, "no detection: decoded values are used as read"))
RULES.add("range", DetectionRule("range", None, True,
                                 "zero values outside their channel's clean [min, max], or NaN/Inf (no storage cost)"))
# every placement gives two rules: parity alone, and parity then the range check
for _name in PLACEMENTS:
    _p = PLACEMENTS.get(_name)
    RULES.add(f"parity-{_name}", DetectionRule(f"parity-{_name}", _name, False, _p.summary))
    RULES.add(f"parity-{_name}+range", DetectionRule(f"parity-{_name}+range", _name, True,
                                                     f"{_p.summary}, then the range check"))


def get_rule(name: str) -> DetectionRule:
    return RULES.get(name)


def rule_code(rule: DetectionRule) -> int:
    """The rule byte stored in an image."""
    return (rule.placement.stable_id if rule.placement else 0) | (RANGE_FLAG if rule.range_check else 0)


def rule_from_code(code: int) -> DetectionRule | None:
    """The rule an image's rule byte names, or None for a byte no rule encodes."""
    for name in RULES:
        if rule_code(RULES.get(name)) == code:
            return RULES.get(name)
    return None

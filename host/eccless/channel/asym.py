"""`asym`: independent flips whose rate depends on the stored bit, p10 for 1->0 and p01 for 0->1.

Charge-loss media (NAND retention, for instance) mostly lose charge, so one direction dominates. Candidates are drawn
at pmax = max(p10, p01) and each is kept with probability p_bit / pmax (an exact integer threshold on a second
uniform), which is the same as flipping each bit independently at its own rate, at a cost that still follows the
number of candidates.
"""

from __future__ import annotations

from ..errors import UsageError
from .base import ErrorModel
from .constants import ChannelConstants, check_ber


class Asym(ErrorModel):
    """Asymmetric i.i.d. flips: a bit reading 1 flips with p10, a bit reading 0 with p01."""

    name = "asym"
    spec_args = ("ratio",)
    spec_usage = "asym:R (p10 = BER, p01 = R x BER)"

    @classmethod
    def at_ber(cls, ber: float, ratio: float = 1.0) -> "Asym":
        if not 0.0 <= ratio <= 1e6:
            raise UsageError(f"error model asym:{ratio:g}: asym:R needs a ratio R >= 0 (p01 = R x p10)")
        return cls(ber, min(1.0, ber * ratio))

    def __init__(self, p10: float, p01: float):
        p10, p01 = check_ber(p10, "p10"), check_ber(p01, "p01")
        super().__init__(ChannelConstants.from_rates(p10, p01), p10, p01)

"""`bsc`: the binary symmetric channel, every bit flips independently with probability `ber` (the paper's model)."""

from __future__ import annotations

from .base import ErrorModel
from .constants import ChannelConstants, check_ber


class BSC(ErrorModel):
    """i.i.d. flips at bit error rate `ber`: candidates are the flips, no thinning, no bit values read."""

    name = "bsc"

    def __init__(self, ber: float):
        ber = check_ber(ber)
        super().__init__(ChannelConstants.symmetric(ber), ber, ber)
        self.ber = ber

    def __repr__(self) -> str:
        return f"BSC(ber={self.ber:g})"

"""`burst:L`: correlated errors -- runs of L consecutive bits, each run starting at rate BER / L per bit.

Burst starts are the candidates of the symmetric process at rate BER / L (the same integer-exact draws as `bsc`), and
every bit of [start, start + L) flips (runs that overlap flip their union once; bits past the range are dropped), so
about BER of all bits flip, clustered: L = 8 hits a byte-sized word, L = 64 a 64-bit ECC word, L = 4096 a 512-byte
sector. ECC sized for scattered errors fails on such runs, while detection sees them as many bad words.
The device replays it (INJECT model 1, the run length in `length`): ed_channel_iter_next walks the union of the runs.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ..errors import UsageError
from .base import ErrorModel
from .buffers import as_bytes, bit_range
from .constants import ChannelConstants, check_ber

MAX_LENGTH = 1 << 16


class Burst(ErrorModel):
    name = "burst"
    spec_args = ("length",)
    spec_usage = "burst:L (runs of L bits, L = 1 .. 65536, starting at rate BER / L)"
    device_model: ClassVar[str] = "burst"

    @classmethod
    def at_ber(cls, ber: float, length: float = 8) -> "Burst":
        if not (float(length).is_integer() and 1 <= length <= MAX_LENGTH):
            raise UsageError(f"error model burst:{length:g}: the burst length L must be a whole number of bits in "
                             f"1 .. {MAX_LENGTH}")
        return cls(ber, int(length))

    def __init__(self, ber: float, length: int = 8):
        ber = check_ber(ber)
        self.length = length
        start_rate = ber / length
        if 0 < start_rate < 1e-9:
            start_rate = 1e-9  # the process's lowest rate (MIN_BER); only reached for huge L at tiny BER
        super().__init__(ChannelConstants.symmetric(start_rate), ber, ber)

    def device_params(self, seed: int, stream: int) -> dict:
        return super().device_params(seed, stream) | {"length": self.length}

    def _expand(self, starts: np.ndarray, stop: int) -> np.ndarray:
        if self.length == 1 or starts.size == 0:
            return starts
        runs = (starts[:, None] + np.arange(self.length, dtype=np.int64)[None, :]).ravel()
        return np.unique(runs[runs < stop])

    def positions(self, buf, seed: int, *, start: int = 0, stop: int | None = None, stream: int = 0) -> np.ndarray:
        _, stop = bit_range(as_bytes(buf).size * 8, start, stop)
        return self._expand(super().positions(buf, seed, start=start, stop=stop, stream=stream), stop)

    def positions_many(self, buf, seeds, *, start: int = 0, stop: int | None = None, stream: int = 0) -> list:
        _, stop = bit_range(as_bytes(buf).size * 8, start, stop)
        return [self._expand(p, stop) for p in super().positions_many(buf, seeds, start=start, stop=stop,
                                                                     stream=stream)]

    def __repr__(self) -> str:
        return f"Burst(ber={self.p10:g}, length={self.length})"

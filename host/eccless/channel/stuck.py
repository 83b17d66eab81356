"""`stuck:F`: stuck-at cells -- a fixed set of positions with fixed values, the same for every trial of one device.

A device's stuck cells are drawn once, from the swept BER and the device seed F (not the trial seed): each bit is
stuck with probability 2 x BER, at 0 or at 1 with equal odds (a uniform of the same counter-based stream), so a cell
stuck at the value it stores reads correctly and about BER of all bits read wrong. The trial seed is ignored on
purpose: every trial of a curve sees the same device, as a worn or defective part fails the same way on every read
(several devices: several curves, stuck:0, stuck:1, ...). The device replays it (INJECT model 2): the host sends
the device seed F and stream STUCK_STREAM + stream in place of the trial's, and the device reads a cell wrong where
its clean bit differs from bit 63 of the candidate's draw 2j + 1 (the uniform's top bit below).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ..errors import UsageError
from .base import ErrorModel
from .buffers import as_bytes, bit_range, read_bits
from .constants import ChannelConstants, check_ber
from .process import candidate_positions, thinning_uniforms
from .prng import stream_key

STUCK_STREAM = 0x5743  # the device's stuck-cell map has its own stream, apart from the trial streams


class StuckAt(ErrorModel):
    name = "stuck"
    spec_args = ("device",)
    spec_usage = "stuck:F (a fixed stuck-at map of device seed F = 0, 1, ...; 2 x BER of the cells stuck)"
    device_model: ClassVar[str] = "stuck"

    @classmethod
    def at_ber(cls, ber: float, device: float = 0) -> "StuckAt":
        if not (float(device).is_integer() and 0 <= device < 2**31):
            raise UsageError(f"error model stuck:{device:g}: the device seed F must be a whole number >= 0")
        return cls(ber, int(device))

    def __init__(self, ber: float, device: int = 0):
        ber = check_ber(ber)
        self.device_seed = device
        self.stuck_rate = min(1.0, 2 * ber)
        super().__init__(ChannelConstants.symmetric(self.stuck_rate), ber, ber)

    def device_params(self, seed: int, stream: int) -> dict:
        """The trial seed is ignored, as positions() ignores it: the device's map has the device seed's stream."""
        return super().device_params(self.device_seed, STUCK_STREAM + stream)

    def positions(self, buf, seed: int, *, start: int = 0, stop: int | None = None, stream: int = 0) -> np.ndarray:
        """Bits whose stuck value differs from what `buf` stores (the trial seed does not matter: see above)."""
        data = as_bytes(buf)
        start, stop = bit_range(data.size * 8, start, stop)
        key = stream_key(self.device_seed, STUCK_STREAM + stream)
        cells = candidate_positions(stop - start, self.constants, key) + start
        if cells.size == 0:
            return cells
        value = (thinning_uniforms(key, cells.size) >> np.uint64(31)) & np.uint64(1)
        return cells[read_bits(data, cells).astype(np.uint64) != value]

    def positions_many(self, buf, seeds, *, start: int = 0, stop: int | None = None, stream: int = 0) -> list:
        seeds = list(seeds)
        one = self.positions(buf, 0, start=start, stop=stop, stream=stream)
        return [one for _ in seeds]

    def __repr__(self) -> str:
        return f"StuckAt(ber={self.p10:g}, device={self.device_seed})"

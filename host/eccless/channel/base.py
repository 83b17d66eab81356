"""The one interface every error model implements, and the flip engine they share.

A model is fully described by its ChannelConstants (the integers the device also receives), so the engine is
written once: candidates from geometric gaps, thinning by the clean bit when the model needs it, then the XOR.
Subclasses only turn their rates into constants and name themselves in the registry (models.py).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .batch import candidate_positions_many, stream_keys, thin_many
from .buffers import as_bytes, bit_range, read_bits, xor_positions
from .constants import ChannelConstants
from .naive import naive_positions
from .prng import stream_key
from .process import candidate_positions, keep_mask


# The device twin of each model (edge/channel/ed_channel.h ED_CHANNEL_MODEL_*, the INJECT request's `model`)
DEVICE_MODELS = {"iid": 0, "burst": 1, "stuck": 2}


class ErrorModel:
    """Bit flips in stored bytes, reproducible from (seed, stream) on the host and on the device."""

    name: ClassVar[str] = ""
    # a swept error model is named on the command line as "name[:a[:b]]": the numbers after the name, in order
    spec_args: ClassVar[tuple[str, ...]] = ()
    spec_usage: ClassVar[str] = ""
    # the C twin that replays it (DEVICE_MODELS): i.i.d. thinnings of one candidate process are "iid"
    device_model: ClassVar[str] = "iid"

    @classmethod
    def at_ber(cls, ber: float, *args: float) -> "ErrorModel":
        """The model whose dominant rate is the swept `ber`, with the spec's numbers (spec_args)."""
        return cls(ber)

    def __init__(self, constants: ChannelConstants, p10: float, p01: float):
        self.constants = constants
        self.p10, self.p01 = p10, p01

    def device_params(self, seed: int, stream: int) -> dict:
        """What INJECT sends for a trial's (seed, stream): the fields of ed_channel_params_t."""
        c = self.constants
        return dict(seed=seed, stream=stream, k_q32=c.k_q32, keep_1to0=c.keep_1to0, keep_0to1=c.keep_0to1,
                    model=DEVICE_MODELS[self.device_model], length=0)

    def positions(self, buf, seed: int, *, start: int = 0, stop: int | None = None, stream: int = 0) -> np.ndarray:
        """Sorted absolute bit positions (int64) that flip in bits [start, stop) of `buf`."""
        data = as_bytes(buf)
        start, stop = bit_range(data.size * 8, start, stop)
        key = stream_key(seed, stream)
        found = candidate_positions(stop - start, self.constants, key)
        if start:
            found += start
        if self.constants.thinned and found.size:  # nothing to thin: skip reading bits and drawing uniforms
            found = found[keep_mask(read_bits(data, found), self.constants, key)]
        return found

    def positions_many(self, buf, seeds, *, start: int = 0, stop: int | None = None, stream: int = 0) -> list:
        """[positions(buf, s, start=start, stop=stop, stream=stream) for s in seeds], computed for all seeds at
        once: the same arrays, at a fraction of the per-call numpy overhead when each stream has few flips."""
        seeds = list(seeds)
        if len(seeds) < 2:  # numpy is slow on one-element arrays: one seed takes the one-stream path
            return [self.positions(buf, s, start=start, stop=stop, stream=stream) for s in seeds]
        data = as_bytes(buf)
        start, stop = bit_range(data.size * 8, start, stop)
        keys = stream_keys(seeds, stream)
        found = candidate_positions_many(stop - start, self.constants, keys)
        if start:
            for f in found:
                f += start
        if self.constants.thinned:
            found = thin_many(data, found, self.constants, keys)
        return found

    def flip(self, buf, seed: int, *, start: int = 0, stop: int | None = None, stream: int = 0):
        """(noisy copy of `buf` as uint8 with buf's shape, sorted flipped bit positions)."""
        positions = self.positions(buf, seed, start=start, stop=stop, stream=stream)
        noisy = xor_positions(as_bytes(buf), positions)
        return _reshaped(noisy, buf), positions

    def naive_flip(self, buf, seed: int, *, start: int = 0, stop: int | None = None):
        """The benchmark baseline: same distribution as flip(), one numpy uniform per bit, different positions."""
        data = as_bytes(buf)
        start, stop = bit_range(data.size * 8, start, stop)
        positions = naive_positions(data, self.p10, self.p01, seed, start, stop)
        return _reshaped(xor_positions(data, positions), buf), positions

    def __repr__(self) -> str:
        return f"{type(self).__name__}(p10={self.p10:g}, p01={self.p01:g})"


def _reshaped(noisy: np.ndarray, buf) -> np.ndarray:
    return noisy.reshape(buf.shape) if isinstance(buf, np.ndarray) else noisy

"""The storage error channel: reproducible bit flips in stored bytes, replayable bit-exactly by the device.

Flips are drawn by an integer-only process (counter-based splitmix64, geometric gaps through a fixed-point log2,
optional thinning for asymmetric rates) whose C twin is edge/src/ed_channel.c; docs/CHANNEL.md specifies it.
Cost follows the number of flips, not the number of bits. Bit q of a buffer is bit q % 8 of byte q // 8.

    noisy, positions = flip_bytes(buf, 1e-5, seed=7)                 # binary symmetric channel
    model = make_model("asym", p10=1e-4, p01=1e-6)                   # registry: "bsc", "asym"
    noisy, positions = model.flip(buf, seed=7, start=0, stop=8 * 1024)
    per_seed = model.positions_many(buf, range(64))                  # == [model.positions(buf, s) for s ...]
    model.constants                                                  # the integers the device receives
    model.device_params(seed, stream)                                # INJECT's fields (bursts, stuck cells too)
"""

from .api import flip_bytes, flip_positions
from .asym import Asym
from .base import DEVICE_MODELS, ErrorModel
from .bsc import BSC
from .buffers import flipped_positions
from .constants import K_NONE, KEEP_ALL, MIN_BER, ChannelConstants
from .models import ERROR_MODELS, make_model
from .naive import naive_flip_bytes
from .prng import stream_key

__all__ = [
    "BSC",
    "DEVICE_MODELS",
    "ERROR_MODELS",
    "KEEP_ALL",
    "K_NONE",
    "MIN_BER",
    "Asym",
    "ChannelConstants",
    "ErrorModel",
    "flip_bytes",
    "flip_positions",
    "flipped_positions",
    "make_model",
    "naive_flip_bytes",
    "stream_key",
]

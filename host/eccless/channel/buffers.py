"""Byte buffers as bit arrays: bit q is bit q % 8 (LSB first) of byte q // 8, as the device reads flash.

Input checking for the channel's buffer arguments lives here too, so every entry point rejects the same things with
the same one-line UsageError.
"""

from __future__ import annotations

import operator

import numpy as np

from ..errors import UsageError


def as_bytes(buf) -> np.ndarray:
    """A flat uint8 view (ndarray of any shape) or copy (bytes-like) of `buf`; other dtypes are refused."""
    if isinstance(buf, np.ndarray):
        if buf.dtype != np.uint8:
            raise UsageError(f"channel buffers are uint8 bytes, got dtype {buf.dtype} (pass arr.view(np.uint8))")
        return buf.reshape(-1)
    if isinstance(buf, (bytes, bytearray, memoryview)):
        return np.frombuffer(bytes(buf), dtype=np.uint8)
    raise UsageError(f"channel buffers are bytes or uint8 arrays, got {type(buf).__name__}")


def bit_range(nbits: int, start, stop) -> tuple[int, int]:
    """Validated [start, stop) inside [0, nbits); stop=None means the end of the buffer."""
    try:
        start = operator.index(start)
        stop = nbits if stop is None else operator.index(stop)
    except TypeError:
        raise UsageError(f"bit range bounds must be integers, got start={start!r} stop={stop!r}") from None
    if not 0 <= start <= stop <= nbits:
        raise UsageError(f"bit range [{start}, {stop}) outside the buffer's {nbits} bits")
    return start, stop


def read_bits(data: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """The bit values (uint8 0/1) of flat uint8 `data` at bit `positions`."""
    return (data[positions >> 3] >> (positions & 7).astype(np.uint8)) & np.uint8(1)


def xor_positions(data: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """A copy of flat uint8 `data` with the bits at sorted, distinct `positions` inverted."""
    out = data.copy()
    if len(positions) == 0:
        return out
    byte = positions >> 3
    masks = np.left_shift(np.uint8(1), (positions & 7).astype(np.uint8))
    # Several flips can share a byte; positions are sorted, so OR each run of equal bytes into one mask
    # (a fancy-indexed ^= would keep only the last of duplicate indices).
    starts = np.flatnonzero(np.r_[True, byte[1:] != byte[:-1]])
    out[byte[starts]] ^= np.bitwise_or.reduceat(masks, starts)
    return out


def flipped_positions(clean, noisy) -> np.ndarray:
    """Sorted positions of the bits where two equal-length buffers differ (int64), e.g. to audit a device dump."""
    a, b = as_bytes(clean), as_bytes(noisy)
    if a.shape != b.shape:
        raise UsageError(f"buffers differ in length: {a.size} vs {b.size} bytes")
    diff = np.unpackbits(a ^ b, bitorder="little")
    return np.flatnonzero(diff).astype(np.int64)

"""Bit packing of fixed-width words into a byte stream, the way they sit in storage.

Word j of width W starting at bit offset `start` occupies stream bits [start + j*W, start + (j+1)*W); stream bit q is
bit q % 8 of byte q // 8 (LSB first), and bit k of a word is stream bit start + j*W + k. Widths up to 57 bits are
supported (a word plus its bit offset inside a byte must fit the 64-bit gather).
"""

from __future__ import annotations

import numpy as np

MAX_WIDTH = 57
_SHIFTS = (np.arange(8, dtype=np.uint64) * np.uint64(8)).astype(np.uint64)


def mask(width: int) -> np.uint64:
    return np.uint64((1 << width) - 1)


def pack_words(words: np.ndarray, width: int, out: np.ndarray | None = None, start: int = 0) -> np.ndarray:
    """Write `words` (low `width` bits each) into the uint8 buffer `out` at bit offset `start`.

    Bits already in `out` under the words are overwritten; other bits are left alone.
    """
    if not 1 <= width <= MAX_WIDTH:
        raise ValueError(f"word width {width} outside 1..{MAX_WIDTH}")
    words = np.asarray(words, dtype=np.uint64) & mask(width)
    count = words.size
    nbytes = (start + count * width + 7) // 8
    if out is None:
        out = np.zeros(nbytes, dtype=np.uint8)
    if count == 0:
        return out
    # Expand to bits, then pack: simple, exact and vectorized (8x the words' bits in temporary memory).
    bits = ((words[:, None] >> np.arange(width, dtype=np.uint64)) & np.uint64(1)).astype(np.uint8).ravel()
    first, last = start // 8, (start + bits.size - 1) // 8
    lead = start - first * 8
    span = np.unpackbits(out[first : last + 1], bitorder="little")
    span[lead : lead + bits.size] = bits
    out[first : last + 1] = np.packbits(span, bitorder="little")
    return out


def unpack_words(buf: np.ndarray, width: int, count: int, start: int = 0) -> np.ndarray:
    """Read `count` words of `width` bits from uint8 `buf` at bit offset `start` (inverse of pack_words)."""
    if not 1 <= width <= MAX_WIDTH:
        raise ValueError(f"word width {width} outside 1..{MAX_WIDTH}")
    if count == 0:
        return np.zeros(0, dtype=np.uint64)
    end = start + count * width
    if end > buf.size * 8:
        raise ValueError(f"{count} words of {width} bits at bit {start} overrun a {buf.size}-byte buffer")
    pos = start + np.arange(count, dtype=np.int64) * width
    return gather_words(buf, pos, width)


def gather_words(buf: np.ndarray, bitpos: np.ndarray, width: int) -> np.ndarray:
    """Words of `width` bits starting at arbitrary bit positions `bitpos` (vectorized 64-bit gather)."""
    padded = np.concatenate([np.asarray(buf, dtype=np.uint8), np.zeros(8, dtype=np.uint8)])
    byte = (bitpos >> 3).astype(np.int64)
    raw = padded[byte[:, None] + np.arange(8)].astype(np.uint64)
    val = np.bitwise_or.reduce(raw << _SHIFTS, axis=1)
    return (val >> (bitpos & 7).astype(np.uint64)) & mask(width)


def parity(words: np.ndarray) -> np.ndarray:
    """Parity (popcount mod 2) of each uint64 word, as uint64 0/1."""
    w = np.asarray(words, dtype=np.uint64).copy()
    for s in (32, 16, 8, 4, 2, 1):
        w ^= w >> np.uint64(s)
    return w & np.uint64(1)

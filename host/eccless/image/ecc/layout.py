"""Where each byte of a protected region lives: the payload (data + CRC32) split into BCH blocks, then parity.

Byte layout of `protect(data)` for data_len = n (all little-endian):

    offset                 size        content
    0                      n           data, unchanged (systematic: the loader reads it in place)
    n                      4           CRC-32 (IEEE, as zlib.crc32) of the data
    n + 4 + 66 b           66          BCH parity of block b, for b = 0 .. B - 1

The payload (data + CRC, P = n + 4 bytes) is cut into B = ceil(P / 189) consecutive blocks of nearly equal size:
q, s = divmod(P, B); blocks 0 .. s-1 hold q + 1 bytes, the others q. Even sizes keep every block as short (and so as
safe) as the block count allows, instead of one full block and a runt.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ...errors import UsageError
from .bch import CODEWORD_BYTES, K_MAX_BYTES, PARITY_BYTES

CRC_BYTES = 4


def check_data_len(data_len) -> int:
    try:
        data_len = operator.index(data_len)
    except TypeError:
        raise UsageError(f"data_len must be an integer, got {data_len!r}") from None
    if data_len < 0:
        raise UsageError(f"data_len {data_len} is negative")
    return data_len


def block_count(data_len: int) -> int:
    """Number of BCH blocks protecting data_len bytes (at least 1: the CRC alone is a block)."""
    return -(-(check_data_len(data_len) + CRC_BYTES) // K_MAX_BYTES)


def protected_size(data_len: int) -> int:
    """Length in bytes of protect(data) for len(data) == data_len."""
    return check_data_len(data_len) + CRC_BYTES + PARITY_BYTES * block_count(data_len)


@dataclass(frozen=True)
class Layout:
    data_len: int
    size: int  # protected_size(data_len)
    starts: np.ndarray  # (B,) payload offset of each block's data bytes
    lengths: np.ndarray  # (B,) data bytes per block
    nbits: np.ndarray  # (B,) codeword length in bits: 528 parity + 8 * length
    gather: np.ndarray  # (B, CODEWORD_BYTES) blob offset of each codeword byte; `size` marks a shortened zero
    owner: np.ndarray  # (size,) the block each blob byte belongs to

    @property
    def nblocks(self) -> int:
        return int(self.starts.size)


@lru_cache(maxsize=32)
def layout(data_len: int) -> Layout:
    nblk = block_count(data_len)
    payload = data_len + CRC_BYTES
    q, s = divmod(payload, nblk)
    lengths = np.full(nblk, q, dtype=np.int64)
    lengths[:s] += 1
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    size = protected_size(data_len)
    col = np.arange(CODEWORD_BYTES, dtype=np.int64)[None, :]
    parity = payload + PARITY_BYTES * np.arange(nblk, dtype=np.int64)[:, None] + col
    data = starts[:, None] + col - PARITY_BYTES
    gather = np.where(col < PARITY_BYTES, parity,
                      np.where(col - PARITY_BYTES < lengths[:, None], data, size))
    owner = np.empty(size + 1, dtype=np.int64)
    owner[gather] = np.arange(nblk)[:, None]
    owner = owner[:size]
    nbits = PARITY_BYTES * 8 + 8 * lengths
    for arr in (starts, lengths, gather, owner, nbits):
        arr.setflags(write=False)
    return Layout(data_len, size, starts, lengths, nbits, gather, owner)

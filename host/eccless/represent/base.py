"""The interface every representation implements, and the checks they share.

A representation lays an n-bit quantization level out as an n-bit codeword in storage. Levels travel as an unsigned
**index** in [0, 2^n) whose order is the value order (index = signed level + 2^(n-1)), so every representation is a
bijection on [0, 2^n). Arrays are numpy uint64 throughout, so n may be anything from 2 to 32.

Subclasses implement `_encode`/`_decode` on already-checked uint64 arrays. For n <= 16 the public `encode`/`decode`
go through lookup tables built once from those methods: a gather is faster than any arithmetic code, and the same
table is what the C decoder will hold (`decode_table`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from ..errors import UsageError

MIN_BITS = 2
MAX_BITS = 32
LUT_BITS = 16  # codes up to this width keep encode/decode lookup tables (2^16 entries, 512 KB each)


def check_bits(n: int, name: str, max_n: int = MAX_BITS) -> int:
    """Return n as an int, or raise UsageError if it is not a width the representation `name` supports."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise UsageError(f"representation {name!r}: bit width must be an integer, got {n!r}")
    if not MIN_BITS <= n <= max_n:
        raise UsageError(f"representation {name!r}: bit width n={n} outside {MIN_BITS}..{max_n}")
    return int(n)


def as_words(x, what: str) -> np.ndarray:
    """Convert an integer array-like to uint64, refusing floats, booleans and negative values with UsageError."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "ui":
        raise UsageError(f"{what} must be an integer array, got dtype {arr.dtype}")
    if arr.dtype.kind == "i" and arr.size and arr.min() < 0:
        raise UsageError(f"{what} must be non-negative, got {arr.min()}")
    return arr.astype(np.uint64, copy=False)


def check_pmf(pmf, n: int) -> np.ndarray:
    """Validate a probability per index (length 2^n, finite, >= 0, positive sum); return it normalized, float64."""
    p = np.asarray(pmf, dtype=np.float64)
    if p.shape != (1 << n,):
        raise UsageError(f"pmf must have 2^n = {1 << n} entries for n={n}, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise UsageError("pmf must be finite and non-negative")
    total = p.sum()
    if total <= 0:
        raise UsageError("pmf sums to zero")
    return p / total


def popcount(x: np.ndarray) -> np.ndarray:
    """Number of set bits of each uint64 (numpy >= 2 has it built in; the SWAR fallback keeps numpy 1.26 working)."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(x).astype(np.uint64)
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


class Representation(ABC):
    """An n-bit code: a bijection index <-> codeword, vectorized over uint64 arrays. Instances are bound to n."""

    name: ClassVar[str]
    max_n: ClassVar[int] = MAX_BITS
    data_derived: ClassVar[bool] = False  # True: needs a pmf to build and stores its table in params()

    def __init__(self, n: int):
        self.n = check_bits(n, self.name, self.max_n)
        self.size = 1 << self.n
        self._mask = np.uint64(self.size - 1)
        self._luts: tuple[np.ndarray, np.ndarray] | None = None

    # -- construction through the registry ------------------------------------------------------------------------
    @classmethod
    def build(cls, n: int, pmf=None) -> Representation:
        """Fixed codes ignore the pmf (callers may pass one uniformly to every code)."""
        return cls(n)

    @classmethod
    def from_params(cls, n: int, params) -> Representation:
        """Rebuild from stored params; a fixed code stores none."""
        if np.asarray(params).size:
            raise UsageError(
                f"representation {cls.name!r} takes no params, got {np.asarray(params).size} values"
            )
        return cls(n)

    # -- what subclasses provide --------------------------------------------------------------------------------
    @abstractmethod
    def _encode(self, index: np.ndarray) -> np.ndarray:
        """uint64 indices known to be < 2^n -> uint64 codewords."""

    @abstractmethod
    def _decode(self, word: np.ndarray) -> np.ndarray:
        """uint64 codewords known to be < 2^n -> uint64 indices."""

    # -- public API -----------------------------------------------------------------------------------------------
    def encode(self, index) -> np.ndarray:
        idx = as_words(index, "index")
        if idx.size and idx.max() >= self.size:
            raise UsageError(
                f"{self.name}: index {int(idx.max())} out of range for n={self.n} (max {self.size - 1})"
            )
        if self.n <= LUT_BITS:
            return np.asarray(self._tables()[0][idx])
        return np.asarray(self._encode(idx))

    def decode(self, word) -> np.ndarray:
        w = as_words(word, "codeword") & self._mask  # only the low n bits belong to this code
        if self.n <= LUT_BITS:
            return np.asarray(self._tables()[1][w])
        return np.asarray(self._decode(w))

    def params(self) -> np.ndarray:
        return np.zeros(0, dtype=np.uint64)

    def decode_table(self) -> np.ndarray:
        """table[codeword] = index as uint16 (every n <= 16 fits), the form a C decoder stores."""
        if self.n > LUT_BITS:
            raise UsageError(f"{self.name}: decode table only for n <= {LUT_BITS}, got n={self.n}")
        return self._tables()[1].astype(np.uint16)

    def _tables(self) -> tuple[np.ndarray, np.ndarray]:
        if self._luts is None:
            every = np.arange(self.size, dtype=np.uint64)
            self._luts = (self._encode(every).astype(np.uint64), self._decode(every).astype(np.uint64))
        return self._luts

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n={self.n})"


class TableRepresentation(Representation):
    """A code given by its decode table (codeword -> index); used by the data-derived codes."""

    max_n: ClassVar[int] = LUT_BITS

    def __init__(self, n: int, table):
        super().__init__(n)
        t = np.asarray(table)
        if t.shape != (self.size,) or t.dtype.kind not in "ui":
            raise UsageError(
                f"{self.name}: table must be {self.size} integers for n={self.n}, got {t.shape} {t.dtype}"
            )
        t = t.astype(np.uint64)
        if not np.array_equal(np.sort(t), np.arange(self.size, dtype=np.uint64)):
            raise UsageError(f"{self.name}: table for n={self.n} is not a permutation of 0..{self.size - 1}")
        inverse = np.empty(self.size, dtype=np.uint64)
        inverse[t] = np.arange(self.size, dtype=np.uint64)
        self._luts = (inverse, t)

    @classmethod
    def from_params(cls, n: int, params) -> Representation:
        return cls(n, params)

    def _encode(self, index):
        return self._luts[0][index]

    def _decode(self, word):
        return self._luts[1][word]

    def params(self) -> np.ndarray:
        """The codeword -> index table, uint32 (a loader passes it back to from_params)."""
        return self._luts[1].astype(np.uint32)

"""Where a parameter's parity bit lives in its stored word (the paper's weight nulling).

Even parity over the whole stored word: a word whose popcount is odd has suffered an odd number of flips.

    lsb    the index gives up one bit (m = n - 1) and the parity sits in bit 0: word = code << 1 | p   (n bits)
    extra  an extra bit: word = code << 1 | p                                                          (n + 1 bits)
    exp    float32 only: bit 30 (the exponent MSB, always 0 for |w| < 2) is overwritten by the parity  (32 bits)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from ..registry import Registry
from ..storage.bits import parity

ONE = np.uint64(1)


@dataclass(frozen=True)
class Placement:
    name: str
    spare: int  # bits of the index given up to make room for the parity bit

    def width(self, m: int) -> int:
        """Stored bits for an m-bit index."""
        return m + 1

    def encode(self, code: np.ndarray, m: int) -> np.ndarray:
        word = code << ONE
        return word | parity(word)

    def decode(self, word: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
        return word >> ONE, parity(word) == 0


class ExponentPlacement(Placement):
    BIT = np.uint64(1 << 30)

    def width(self, m: int) -> int:
        return m

    def encode(self, code: np.ndarray, m: int) -> np.ndarray:
        if m != 32:
            raise UsageError("parity in the exponent MSB needs float32 weights")
        if np.any(code & self.BIT):
            raise UsageError("parity in the exponent MSB needs every |parameter| < 2 (bit 30 must be free)")
        return code | (parity(code) << np.uint64(30))

    def decode(self, word, m):
        return word & ~self.BIT, parity(word) == 0


PLACEMENTS: Registry[Placement] = Registry("parity placement")
PLACEMENTS.add("lsb", Placement("lsb", spare=1))
PLACEMENTS.add("extra", Placement("extra", spare=0))
PLACEMENTS.add("exp", ExponentPlacement("exp", spare=0))

"""Where a parameter's parity bit lives in its stored word (the paper's weight nulling).

Even parity over the whole stored word: a word whose popcount is odd has suffered an odd number of flips.

    lsb    the index gives up one bit (m = n - 1) and the parity sits in bit 0: word = code << 1 | p   (n bits)
    extra  an extra bit: word = code << 1 | p                                                          (n + 1 bits)
    exp    float32 only: bit 30 (the exponent MSB, always 0 for |w| < 2) is overwritten by the parity  (32 bits)

Each placement has a stable id (stored in an image's rule byte, never renumbered; 0 is "no parity") and a word
layout, which is all a decoder needs: `shifted` (word = code << 1 | parity: lsb and extra alike, they differ only
in how many index bits the format gives up) or `bit30`. The device's tables are generated from these rows
(eccless.firmware.c_tables).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from ..registry import Registry
from ..storage.bits import parity

ONE = np.uint64(1)


# word layouts a decoder knows, with their C ids (ED_PARITY_<LAYOUT> in the generated ed_rules.h)
WORD_LAYOUTS = {"none": 0, "shifted": 1, "bit30": 2}


@dataclass(frozen=True)
class Placement:
    name: str
    stable_id: int  # in the image's rule byte (never renumbered; 0 = no parity)
    spare: int  # bits of the index given up to make room for the parity bit
    layout: str = "shifted"  # WORD_LAYOUTS
    summary: str = ""

    @property
    def extra_bits(self) -> int:
        """Stored bits beyond the m index bits."""
        return self.width(8) - 8

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
PLACEMENTS.add("lsb", Placement("lsb", 1, spare=1,
                                summary="even parity in the word's LSB (costs one bit of precision)"))
PLACEMENTS.add("extra", Placement("extra", 2, spare=0,
                                  summary="even parity in an extra bit per parameter (costs 1/n storage)"))
PLACEMENTS.add("exp", ExponentPlacement(
    "exp", 3, spare=0, layout="bit30", summary="float32: even parity in the exponent MSB (bit 30), free while |w| < 2"))

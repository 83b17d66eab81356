"""Zigzag: the sign in the lowest bit, the magnitude above it (protobuf's signed varints, and a common layout of
sign-folded weights in compressed model formats).

    level  s >= 0:  codeword = 2 s
    level  s <  0:  codeword = -2 s - 1

so the codewords run 0, -1, 1, -2, 2, ... and a small |s| has only low bits set. It is sign-magnitude (signmag.py)
with the sign moved from the top bit to the bottom one: a flip of bit 0 maps s to -s-1, a flip of bit k > 0 moves
|s| by 2^(k-1). Same single-flip distortion per flipped bit as signmag, but the fragile bit is the LSB: the one
parity-lsb's placement spends on the parity bit of the stored word.
"""

from __future__ import annotations

import numpy as np

from .base import Representation


class Zigzag(Representation):
    name = "zigzag"

    def _encode(self, index):
        half, one = np.uint64(self.size >> 1), np.uint64(1)
        return np.where(index >= half, (index - half) << one, ((half - index) << one) - one)

    def _decode(self, word):
        half, one = np.uint64(self.size >> 1), np.uint64(1)
        return np.where(word & one, half - one - (word >> one), half + (word >> one))

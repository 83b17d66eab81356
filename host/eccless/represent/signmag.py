"""Sign-magnitude, made bijective: the top bit is the sign, the low n-1 bits the magnitude.

Plain sign-magnitude has two zeros and cannot store -2^(n-1). Here a negative level s is stored as sign 1 with
magnitude |s| - 1 ("minus one"), so the 2^n codewords cover exactly the levels -2^(n-1) .. 2^(n-1)-1:

    level  s >= 0:  codeword = s                       (sign 0, magnitude s)
    level  s <  0:  codeword = 2^(n-1) | (-s - 1)       (sign 1, magnitude |s| - 1)

so a sign flip maps s to -s-1: level 0 <-> -1, 1 <-> -2, ..., i.e. it moves a level by 2|s|+1 steps, small for
the small weights that dominate a trained network. In index terms the negative half is simply the bitwise NOT of
the index (codeword = 2^n - 1 - index), which is what the code below computes.
"""

from __future__ import annotations

import numpy as np

from .base import Representation


class SignMagnitude(Representation):
    name = "signmag"

    def _encode(self, index):
        half, top = np.uint64(self.size >> 1), np.uint64(self.size - 1)
        return np.where(index >= half, index - half, top - index)

    def _decode(self, word):
        # Sign bit clear: a non-negative level; set: the codeword is the NOT of the index, undone the same way.
        half, top = np.uint64(self.size >> 1), np.uint64(self.size - 1)
        return np.where(word < half, word + half, top - word)

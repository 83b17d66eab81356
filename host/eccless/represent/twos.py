"""Two's complement of the signed level: the codeword is the level modulo 2^n.

Since level = index - 2^(n-1), this is offset binary with the top bit inverted; a flip of bit b still moves the level
by exactly 2^b, except that the top-bit flip wraps between the two halves (0 <-> -2^(n-1), 2^(n-1)-1 <-> -1).
"""

from __future__ import annotations

import numpy as np

from .base import Representation


class TwosComplement(Representation):
    name = "twos"

    def _encode(self, index):
        return index ^ np.uint64(self.size >> 1)

    def _decode(self, word):
        return word ^ np.uint64(self.size >> 1)

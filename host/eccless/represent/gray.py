"""Binary-reflected Gray code of the index: neighbouring levels differ in exactly one bit.

The top-bit flip reflects the level about the middle (index i -> 2^n - 1 - i), so its damage is large for large
magnitudes and small near zero, much like sign-magnitude's sign bit.
"""

from __future__ import annotations

import numpy as np

from .base import Representation


class Gray(Representation):
    name = "gray"

    def _encode(self, index):
        return index ^ (index >> np.uint64(1))

    def _decode(self, word):
        # Prefix XOR from the top bit down, in log2(64) doubling steps.
        x = word.copy()
        for shift in (1, 2, 4, 8, 16, 32):
            x ^= x >> np.uint64(shift)
        return x

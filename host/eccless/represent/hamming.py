"""The paper's Hamming-weight order: index i is the i-th n-bit string when all strings are sorted by Hamming weight,
then lexicographically (= numerically) inside a weight class.

A flip changes the weight by exactly one, so the level can only move into a neighbouring weight class: the worst
case is about two class widths, O(2^n / sqrt(n)) instead of 2^(n-1) for plain binary. The price is a larger mean
and RMS error, since even a low-bit flip jumps a whole class (see analysis/distortion.py).

Enumerative coding, O(n) per value with binomial coefficients C(a, b) (Qin et al., US10727872):
  encode: w = the class holding i (subtract C(n,0), C(n,1), ... while i is past them); r = i - start of class w.
          For bit positions j = 0..n-1 from the most significant: C(n-1-j, w) strings of the class still have a
          0 here and come first, so if r >= C(n-1-j, w) set the bit, r -= C(n-1-j, w) and w -= 1.
  decode: the same walk with the weight known from the popcount, adding C(n-1-j, w) for every set bit.
All values stay below 2^32 for n <= 32 (C(32, 16) ~ 6e8), so uint64 arithmetic is exact.
"""

from __future__ import annotations

from math import comb

import numpy as np

from .base import MAX_BITS, Representation, popcount

# BINOM[a, b] = C(a, b), zero for b > a: the encoder then sets every remaining bit once w exceeds the positions left.
# Every entry for a <= 32 fits uint32; doing the walk in uint32 with intp weights is ~4x faster than in uint64.
BINOM = np.array([[comb(a, b) for b in range(MAX_BITS + 2)] for a in range(MAX_BITS + 1)], dtype=np.uint32)


class HammingOrder(Representation):
    name = "hamming"

    def __init__(self, n: int):
        super().__init__(n)
        # starts[w] = index of the first string of weight w (cumulative C(n, 0..w-1)); up to 2^32, so uint64.
        self._starts = np.concatenate([[0], np.cumsum(BINOM[self.n, : self.n + 1], dtype=np.uint64)]).astype(
            np.uint64
        )

    def _encode(self, index):
        w = np.searchsorted(self._starts[1:], index, side="right").astype(np.intp)
        r = (index - self._starts[w]).astype(np.uint32)  # rank inside the class, < C(32, 16) < 2^32
        word = np.zeros(index.shape, dtype=np.uint32)
        for j in range(self.n):
            c = BINOM[self.n - 1 - j].take(w)
            take = r >= c
            word |= take.astype(np.uint32) << np.uint32(self.n - 1 - j)
            r -= c * take
            w -= take
        return word.astype(np.uint64)

    def _decode(self, word):
        bits = word.astype(np.uint32)
        weight = popcount(word).astype(np.intp)
        w = weight.copy()
        rank = np.zeros(word.shape, dtype=np.uint32)
        for j in range(self.n):
            bit = (bits >> np.uint32(self.n - 1 - j)) & np.uint32(1)
            rank += BINOM[self.n - 1 - j].take(w) * bit
            w -= bit
        return self._starts[weight] + rank

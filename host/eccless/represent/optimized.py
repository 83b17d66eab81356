"""A code designed for a measured weight histogram: the bijection that (locally) minimizes the expected squared
level error of one random bit flip.

Objective, for a pmf p over indices and a code with decode table idx[codeword]:

    J = E_{i ~ p, b uniform} (idx[code(i) ^ 2^b] - i)^2  =  (1/n) * sum over hypercube edges {c, c'} of
        (p[idx c] + p[idx c']) * (idx c - idx c')^2

so designing the code is a quadratic assignment of indices to the corners of the n-cube. We solve it the way index
assignment for noisy channels is usually solved (Zeger & Gersho's binary switching algorithm), made exact and fast:

1. Start from the best fixed code under J (offset, twos, signmag, gray, hamming; first one on ties). For a uniform
   pmf that is offset binary, which is already optimal (Crimmins et al. 1969), and the search leaves it alone.
2. Sweep the codewords in order; for each codeword u evaluate swapping its index with *every* other codeword at once
   and apply the best swap if it lowers J. Repeat until a whole sweep changes nothing (a 2-swap local optimum).

Why this is fast: the local cost of index a at codeword c, L(c, a) = sum_b (p_a + p_m)(a - m)^2 over the indices m
of c's n neighbours, is a quadratic in a whose coefficients are five neighbour sums (sum m, sum m^2, sum p_m,
sum p_m m, sum p_m m^2). The gain of every swap (u, v) is L(u, idx v) + L(v, idx u) - L(u, idx u) - L(v, idx v),
plus 2 (p_a + p_b)(a - b)^2 when u and v are neighbours: one product of an 11 x 2^n matrix with a coefficient vector
per row, and a swap refreshes the sums of only 2n + 2 codewords. A sweep is O(4^n) arithmetic in 2^n numpy calls.

Why integers: the pmf is scaled to integer weights (20 bits of resolution at n = 12, more below), small enough that
every cost and gain is an integer below 2^53, exact in float64 whatever order BLAS sums in. So the search cannot
cycle on rounding noise, needs no tolerance, and gives the same table on any machine.

Measured (CPU time on this machine; Gaussian / Laplacian pmf over [-4 sigma, 4 sigma)):
  n = 8: ~0.2 s, J 5 % / 13 % below the best fixed code (sign-magnitude); simulated annealing from the same start
         found only 0.01 % more. n = 3: equal to the global optimum (all 8! codes enumerated) for both pmfs; for
         random multimodal pmfs the local optimum can be a few per cent above the global one.
  n = 10: ~1-2 s (~30,000 swaps); n = 12: ~10-20 s. A sweep costs 16x more per 2 extra bits and more sweeps are
  needed, so (extrapolated) n = 14 would take several minutes and n = 16 about an hour: designing is capped at
  MAX_SEARCH_BITS = 12 (UsageError above). A stored table (from_params) works for any n <= 16.
What it finds: the sign bit stays a folded sign (s <-> -s-1, as in signmag) and the magnitude bits drift towards
Hamming-weight order (small magnitudes on light words), with some interleaving of classes. The trade is deliberate:
lower RMS, but a higher mean |error| than sign-magnitude (0.86 vs 0.70 sigma at n = 8).
"""

from __future__ import annotations

import numpy as np

from ..errors import UsageError
from .base import TableRepresentation, check_pmf

MAX_SEARCH_BITS = 12


def fixed_codes() -> list:
    """Every fixed (not data-derived) code of the registry, by stable id: the search's starting points, the first
    one winning ties. A new fixed code joins the search by its registry line alone."""
    from . import REGISTRY   # the registry imports this module

    entries = sorted((REGISTRY.get(n) for n in REGISTRY), key=lambda e: e.stable_id)
    return [e.cls for e in entries if not e.cls.data_derived]


class Optimized(TableRepresentation):
    """The histogram-optimized code; params() is its decode table, from which from_params rebuilds it."""

    name = "optimized"
    data_derived = True

    @classmethod
    def build(cls, n: int, pmf=None) -> Optimized:
        if pmf is None:
            raise UsageError("representation 'optimized' is designed for a weight histogram: pass pmf=")
        return cls(n, design_table(pmf, n))


def integer_weights(p: np.ndarray, n: int) -> np.ndarray:
    """Scale a normalized pmf to integer weights (int64) small enough that the search's float64 sums stay exact.

    Every swap gain is a sum of terms bounded by 24 * n * 4^n * max weight (see _SwapSearch.gains); keeping that
    below 2^53 makes every value an exactly representable integer, so even BLAS (any summation order, FMA or not)
    computes the gains exactly. This leaves 29 bits of pmf resolution at n = 8, 24 at n = 10 and 20 at n = 12.
    """
    size = 1 << n
    bits = min(30, 53 - int(np.ceil(np.log2(32 * n * size * size))))
    return np.rint(p / p.max() * (1 << bits)).astype(np.int64)


def flip_cost(table: np.ndarray, weights: np.ndarray) -> int | float:
    """n * J for a decode table: sum_c weight[idx c] * sum_b (idx[c ^ 2^b] - idx c)^2 (exact for integer weights)."""
    idx = np.asarray(table).astype(np.int64)
    n = idx.size.bit_length() - 1
    codewords = np.arange(idx.size)
    total = 0
    for b in range(n):
        d = idx[codewords ^ (1 << b)] - idx
        total += (weights[idx] * d * d).sum().item()  # per-bit sums fit int64; Python ints add the rest
    return total


def design_table(pmf, n: int) -> np.ndarray:
    """The decode table (codeword -> index, uint32) of the optimized code for this pmf. Deterministic."""
    if not isinstance(n, (int, np.integer)) or not 2 <= n <= MAX_SEARCH_BITS:
        raise UsageError(
            f"representation 'optimized': designing a code for n={n} is supported for 2..{MAX_SEARCH_BITS} only "
            f"(the swap search costs O(4^n) per sweep); load a stored table with from_params instead"
        )
    weights = integer_weights(check_pmf(pmf, n), n)
    starts = [code for code in fixed_codes() if n <= code.max_n]
    costs = [flip_cost(code(n).decode_table(), weights) for code in starts]
    start = starts[int(np.argmin(costs))](n).decode_table().astype(np.int64)
    return _SwapSearch(start, weights).run().astype(np.uint32)


class _SwapSearch:
    """State of the pairwise-swap descent over codewords (see the module docstring for the algebra).

    M holds, per codeword c with index k, weight p_k and neighbour indices m (weights p_m), the rows
    0: p_k k^2   1: p_k k   2: p_k   3: k^2   4: k   5: sum p_m   6: sum p_m m   7: sum p_m m^2   8: sum m
    9: sum m^2   10: L(c, k), its current local cost.
    All entries are integers below 2^53 stored as float64 (see integer_weights), so arithmetic on them is exact.
    """

    def __init__(self, idx: np.ndarray, weights: np.ndarray):
        self.idx = idx.astype(np.int64)
        self.n = idx.size.bit_length() - 1
        self.w = weights
        # nbr[c] = the n codewords one flip away from c
        self.nbr = np.arange(idx.size)[:, None] ^ (1 << np.arange(self.n))[None, :]
        self.M = np.zeros((11, idx.size), dtype=np.float64)
        every = np.arange(idx.size)
        m = self.idx[self.nbr]
        pm = self.w[m]
        self.M[5:10] = [pm.sum(1), (pm * m).sum(1), (pm * m * m).sum(1), m.sum(1), (m * m).sum(1)]
        self._own(every)
        self._local_cost(every)

    def _own(self, cs: np.ndarray) -> None:
        """Rows 0..4 at codewords cs, from their current index."""
        k = self.idx[cs]
        pk = self.w[k]
        self.M[0:5, cs] = [pk * k * k, pk * k, pk, k * k, k]

    def _local_cost(self, cs: np.ndarray) -> None:
        """Row 10 = L(c, k) = p_k (n k^2 - 2 k s1 + s2) + p0 k^2 - 2 k p1 + p2, from the other rows."""
        pk, k, p0, p1, p2, s1, s2 = self.M[:, cs][[2, 4, 5, 6, 7, 8, 9]]
        self.M[10, cs] = pk * (self.n * k * k - 2 * k * s1 + s2) + p0 * k * k - 2 * k * p1 + p2

    def gains(self, u: int) -> np.ndarray:
        """Change of n*J for swapping the index at u with the index at every codeword v (0 at v = u).

        With a = idx u: L(u, idx v) is rows 0..4 weighted by u's neighbour sums, L(v, a) is rows 5..9 weighted by
        powers of a; the terms are bounded by 2n 4^n max-weight each, 24 n 4^n in all (hence integer_weights).
        """
        n = self.n
        _, _, pa, _, a, p0, p1, p2, s1, s2, cur = self.M[:, u].tolist()  # Python floats: exact, and fast
        coef = np.array([n, -2 * s1, s2, p0, -2 * p1, a * a, -2 * a, 1, -2 * a * pa, pa, -1])
        g = coef @ self.M
        g += p2 + pa * n * a * a - cur
        # u and v adjacent: each L above saw the other's old index; add the shared edge back twice.
        nb = self.nbr[u]
        pb, b = self.M[2:5:2, nb]
        g[nb] += 2 * (pa + pb) * (a - b) ** 2
        g[u] = 0
        return g

    def swap(self, u: int, v: int) -> None:
        """Exchange the indices at u and v and update M incrementally (only 2n + 2 columns change)."""
        idx, w = self.idx, self.w
        a, b = idx[u], idx[v]
        idx[u], idx[v] = b, a
        wa, wb = w[a], w[b]
        # The neighbour sums of u's neighbours see a -> b, those of v's neighbours b -> a.
        d = np.array(
            [wb - wa, wb * b - wa * a, wb * b * b - wa * a * a, b - a, b * b - a * a], dtype=np.float64
        )
        self.M[5:10, self.nbr[u]] += d[:, None]
        self.M[5:10, self.nbr[v]] -= d[:, None]
        self._own(np.array([u, v]))
        self._local_cost(np.concatenate(([u, v], self.nbr[u], self.nbr[v])))

    def run(self, max_sweeps: int = 100_000) -> np.ndarray:
        """Sweep until no swap lowers the cost; every applied swap lowers an integer, so this terminates."""
        for _ in range(max_sweeps):
            swapped = False
            for u in range(self.idx.size):
                g = self.gains(u)
                v = int(g.argmin())
                if g[v] < 0:
                    self.swap(u, v)
                    swapped = True
            if not swapped:
                break
        return self.idx

"""Arithmetic in binary extension fields GF(2^m) as numpy lookup tables, and binary BCH generator polynomials.

A Field holds the EXP/LOG tables of one field in the polynomial basis over a primitive polynomial, with the primitive
element alpha = x (the integer 2). Two fields are used: GF(2^11) over x^11 + x^2 + 1 for the protected region of an
image (the module-level names below; its tables are exported for the device, edge/image/ed_ecc_tables.c) and
GF(2^13) over x^13 + x^4 + x^3 + x + 1 for the sector BCH codes of the ECC baselines (storage/ecc/).

Vectorized multiplication uses a zero-aware table: LOGZ maps 0 to a sentinel 2N, and EXPZ is zero at every index
>= 2N, so EXPZ[LOGZ[a] + LOGZ[b]] is a * b for all a, b (zeros included) without branches.
"""

from __future__ import annotations

import numpy as np


class Field:
    """GF(2^m) over the primitive polynomial `prim_poly` (an int whose bit d is the coefficient of x^d)."""

    def __init__(self, m: int, prim_poly: int):
        self.m, self.prim_poly = m, prim_poly
        self.n = n = (1 << m) - 1  # multiplicative order of alpha
        exp = np.zeros(n, dtype=np.int64)
        log = np.zeros(n + 1, dtype=np.int64)
        x = 1
        for i in range(n):
            exp[i] = x
            log[x] = i
            x <<= 1
            if x >> m:
                x ^= prim_poly
        # alpha must generate every nonzero element once, or the polynomial is not primitive.
        if x != 1 or len(set(exp.tolist())) != n:
            raise AssertionError(f"0x{prim_poly:x} is not primitive")
        logz = log.copy()
        logz[0] = 2 * n
        expz = np.zeros(4 * n + 1, dtype=np.int64)
        expz[: 2 * n] = np.concatenate([exp, exp])
        for arr in (exp, log, logz, expz):
            arr.setflags(write=False)
        self.EXP, self.LOG, self.LOGZ, self.EXPZ = exp, log, logz, expz  # LOG[0] is meaningless: use LOGZ

    def mul(self, a, b):
        """Elementwise product of arrays (or ints) of field elements."""
        return self.EXPZ[self.LOGZ[a] + self.LOGZ[b]]

    def inv(self, a):
        """Elementwise inverse of nonzero field elements (0 maps to 0, which callers never use)."""
        a = np.asarray(a)
        return np.where(a == 0, 0, self.EXP[(self.n - self.LOG[a]) % self.n])

    def square(self, a):
        return self.mul(a, a)

    def minimal_polynomial(self, j: int) -> int:
        """The binary minimal polynomial of alpha^j, as an int whose bit d is the coefficient of x^d."""
        coset, c = [], j % self.n
        while c not in coset:
            coset.append(c)
            c = (2 * c) % self.n
        poly = [1]  # coefficients in GF(2^m), lowest degree first
        for c in coset:  # multiply by (x + alpha^c)
            root = int(self.EXP[c])
            shifted = [0, *poly]
            scaled = [int(self.mul(root, p)) for p in poly] + [0]
            poly = [s ^ q for s, q in zip(shifted, scaled)]
        if any(p > 1 for p in poly):
            raise AssertionError(f"minimal polynomial of alpha^{j} is not binary")
        return sum(p << d for d, p in enumerate(poly))

    def bch_generator(self, t: int) -> int:
        """Generator polynomial of the narrow-sense binary BCH code of length N correcting t errors."""
        g, seen = 1, set()
        for j in range(1, 2 * t, 2):
            mp = self.minimal_polynomial(j)
            if mp not in seen:  # conjugate powers share a minimal polynomial; multiply each one in once
                seen.add(mp)
                g = clmul(g, mp)
        return g


def clmul(a: int, b: int) -> int:
    """Product of two binary polynomials held as ints (carry-less multiplication)."""
    out = 0
    while b:
        if b & 1:
            out ^= a
        a <<= 1
        b >>= 1
    return out


# GF(2^11), the protected region's field: the names the region code and the device tables use.
M = 11
PRIM_POLY = (1 << 11) | (1 << 2) | 1  # x^11 + x^2 + 1
GF11 = Field(M, PRIM_POLY)
N = GF11.n  # 2047
EXP, LOG, LOGZ, EXPZ = GF11.EXP, GF11.LOG, GF11.LOGZ, GF11.EXPZ
mul, inv, square = GF11.mul, GF11.inv, GF11.square
minimal_polynomial, bch_generator = GF11.minimal_polynomial, GF11.bch_generator

# GF(2^13), the field of the 512-byte sector codes (4096 data bits + 13 t parity bits < 8191).
GF13 = Field(13, (1 << 13) | (1 << 4) | (1 << 3) | (1 << 1) | 1)

"""Arithmetic in GF(2^11), the field of the protected region's BCH code, as numpy lookup tables.

Elements are 11-bit integers in the polynomial basis over the primitive polynomial x^11 + x^2 + 1, with the
primitive element alpha = x (the integer 2). The same EXP and LOG tables are exported as const arrays for the
device (edge/src/ed_ecc_tables.c), so both sides compute every product identically.

Vectorized multiplication uses a zero-aware table: LOGZ maps 0 to a sentinel 2N, and EXPZ is zero at every index
>= 2N, so EXPZ[LOGZ[a] + LOGZ[b]] is a * b for all a, b (zeros included) without branches.
"""

from __future__ import annotations

import numpy as np

M = 11
N = (1 << M) - 1  # multiplicative order of alpha: 2047
PRIM_POLY = (1 << 11) | (1 << 2) | 1  # x^11 + x^2 + 1


def _build_tables() -> tuple[np.ndarray, np.ndarray]:
    exp = np.zeros(N, dtype=np.int64)
    log = np.zeros(N + 1, dtype=np.int64)
    x = 1
    for i in range(N):
        exp[i] = x
        log[x] = i
        x <<= 1
        if x >> M:
            x ^= PRIM_POLY
    # alpha must generate every nonzero element once, or the polynomial is not primitive.
    if x != 1 or len(set(exp.tolist())) != N:
        raise AssertionError("PRIM_POLY is not primitive")
    return exp, log


EXP, LOG = _build_tables()  # LOG[0] is meaningless (0); use LOGZ where zeros may occur
LOGZ = LOG.copy()
LOGZ[0] = 2 * N
EXPZ = np.zeros(4 * N + 1, dtype=np.int64)
EXPZ[: 2 * N] = np.concatenate([EXP, EXP])
EXP.setflags(write=False)
LOG.setflags(write=False)
LOGZ.setflags(write=False)
EXPZ.setflags(write=False)


def mul(a, b):
    """Elementwise product of arrays (or ints) of field elements."""
    return EXPZ[LOGZ[a] + LOGZ[b]]


def inv(a):
    """Elementwise inverse of nonzero field elements (0 maps to 0, which callers never use)."""
    a = np.asarray(a)
    return np.where(a == 0, 0, EXP[(N - LOG[a]) % N])


def square(a):
    return mul(a, a)


def minimal_polynomial(j: int) -> int:
    """The binary minimal polynomial of alpha^j, as an int whose bit d is the coefficient of x^d."""
    coset, c = [], j % N
    while c not in coset:
        coset.append(c)
        c = (2 * c) % N
    poly = [1]  # coefficients in GF(2^M), lowest degree first
    for c in coset:  # multiply by (x + alpha^c)
        root = int(EXP[c])
        shifted = [0, *poly]
        scaled = [int(mul(root, p)) for p in poly] + [0]
        poly = [s ^ q for s, q in zip(shifted, scaled)]
    if any(p > 1 for p in poly):
        raise AssertionError(f"minimal polynomial of alpha^{j} is not binary")
    return sum(p << d for d, p in enumerate(poly))


def clmul(a: int, b: int) -> int:
    """Product of two binary polynomials held as ints (carry-less multiplication)."""
    out = 0
    while b:
        if b & 1:
            out ^= a
        a <<= 1
        b >>= 1
    return out


def bch_generator(t: int) -> int:
    """Generator polynomial of the narrow-sense binary BCH code of length N correcting t errors."""
    g, seen = 1, set()
    for j in range(1, 2 * t, 2):
        mp = minimal_polynomial(j)
        if mp not in seen:  # conjugate powers share a minimal polynomial; multiply each one in once
            seen.add(mp)
            g = clmul(g, mp)
    return g

"""The protected-region code (eccless.image.ecc): layout, BCH algebra checked against naive arithmetic, correction up
to T errors per block, detection beyond, garbage handling, and the success rate at BER 1e-2."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from eccless.errors import ImageError, UsageError
from eccless.image.ecc import (
    CRC_BYTES,
    K_MAX_BYTES,
    PARITY_BYTES,
    T,
    bch,
    block_count,
    crc32,
    gf,
    protect,
    protected_size,
    recover,
)
from eccless.image.ecc.layout import layout
from eccless.image.ecc.measure import region_failure_probability, simulate

pytestmark = pytest.mark.unit


def random_bytes(n: int, seed: int) -> bytes:
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8).tobytes()


def flip_in_block(blob: bytes, data_len: int, block: int, nerr: int, rng) -> bytes:
    """blob with nerr distinct bits flipped among one block's bits (its data, CRC and parity bytes)."""
    lay = layout(data_len)
    offsets = lay.gather[block][lay.gather[block] < lay.size]
    bits = rng.choice(offsets.size * 8, size=nerr, replace=False)
    noisy = np.frombuffer(blob, dtype=np.uint8).copy()
    np.bitwise_xor.at(noisy, offsets[bits >> 3], (1 << (bits & 7)).astype(np.uint8))
    return noisy.tobytes()


# --- naive arithmetic, independent of the tables and matrices under test -------------------------------------------
def naive_mul(a: int, b: int) -> int:
    out = 0
    while b:
        if b & 1:
            out ^= a
        b >>= 1
        a <<= 1
        if a >> gf.M:
            a ^= gf.PRIM_POLY
    return out


def naive_pow(a: int, e: int) -> int:
    out = 1
    for _ in range(e % gf.N):
        out = naive_mul(out, a)
    return out


def poly_mod(a: int, g: int) -> int:
    """Remainder of binary polynomials held as ints."""
    dg = g.bit_length() - 1
    while a.bit_length() - 1 >= dg:
        a ^= g << (a.bit_length() - 1 - dg)
    return a


def eval_binary_poly(bits: int, x: int) -> int:
    """Horner evaluation in GF(2^11) of a binary polynomial (bit d = coefficient of x^d)."""
    acc = 0
    for d in range(bits.bit_length() - 1, -1, -1):
        acc = naive_mul(acc, x) ^ ((bits >> d) & 1)
    return acc


def test_crc32_is_zlibs():
    assert crc32(b"123456789") == 0xCBF43926
    rng = np.random.default_rng(3)
    for n in [0, 1, 5, 1000]:
        buf = rng.integers(0, 256, n, dtype=np.uint8)
        assert crc32(buf) == crc32(buf.tobytes()) == zlib.crc32(buf.tobytes())
        assert crc32(buf, 0x12345678) == zlib.crc32(buf.tobytes(), 0x12345678)
    with pytest.raises(UsageError, match="bytes-like"):
        crc32("text")
    with pytest.raises(UsageError, match="uint8"):
        crc32(np.zeros(3, dtype=np.int16))
    with pytest.raises(UsageError, match="32-bit"):
        crc32(b"x", -1)


def test_code_parameters_and_algebra():
    assert (T, PARITY_BYTES, K_MAX_BYTES, bch.CODEWORD_BYTES) == (50, 66, 189, 255)
    g = bch.GENERATOR
    # g(x) is binary, of degree 528, divides x^N - 1 and vanishes at alpha^1 .. alpha^(2T): a BCH code of distance
    # at least 2T + 1, checked with shift-and-add arithmetic only.
    assert g.bit_length() - 1 == 528
    assert poly_mod((1 << gf.N) | 1, g) == 0
    for j in range(1, 2 * T + 1):
        assert eval_binary_poly(g, naive_pow(2, j)) == 0, j
    assert gf.EXP[:12].tolist() == [naive_pow(2, e) for e in range(12)]
    assert [int(gf.mul(a, b)) for a, b in [(0, 5), (7, 0), (1234, 567), (2047, 2047)]] == \
        [0, 0, naive_mul(1234, 567), naive_mul(2047, 2047)]


def test_codewords_are_multiples_of_g_and_syndromes_match_horner():
    data = random_bytes(500, 1)
    blob = protect(data)
    lay = layout(500)
    padded = np.frombuffer(blob + b"\0", dtype=np.uint8)[lay.gather]
    for cw in padded:
        assert poly_mod(int.from_bytes(cw.tobytes(), "little"), bch.GENERATOR) == 0
    word = np.random.default_rng(2).integers(0, 256, (1, bch.CODEWORD_BYTES), dtype=np.uint8)
    poly = int.from_bytes(word.tobytes(), "little")
    synd = bch.syndromes(word)[0]
    assert synd[1:].tolist() == [eval_binary_poly(poly, naive_pow(2, j)) for j in range(1, 2 * T + 1)]


@pytest.mark.parametrize("n", [0, 1, 184, 185, 186, 378, 1000, 10_240])
def test_layout_and_round_trip(n):
    data = random_bytes(n, n)
    blob = protect(data)
    lay = layout(n)
    assert len(blob) == protected_size(n) == n + CRC_BYTES + PARITY_BYTES * block_count(n)
    assert block_count(n) == -(-(n + CRC_BYTES) // K_MAX_BYTES)
    assert blob[:n] == data and int.from_bytes(blob[n: n + 4], "little") == zlib.crc32(data)
    assert lay.lengths.max() - lay.lengths.min() <= 1 and lay.lengths.max() <= K_MAX_BYTES
    assert lay.lengths.sum() == n + CRC_BYTES
    assert recover(blob, n) == (data, 0)
    assert recover(bytearray(blob), n) == recover(np.frombuffer(blob, dtype=np.uint8), n) == (data, 0)


def test_corrects_up_to_t_errors_in_every_block_at_once():
    n = 1500
    data = random_bytes(n, 4)
    blob = protect(data)
    rng = np.random.default_rng(5)
    for nerr in [1, 2, T // 2, T - 1, T]:
        noisy = blob
        for b in range(layout(n).nblocks):
            noisy = flip_in_block(noisy, n, b, nerr, rng)
        assert recover(noisy, n) == (data, nerr * layout(n).nblocks), nerr


def test_more_than_t_errors_raise_never_wrong_data():
    n = 600
    data = random_bytes(n, 6)
    blob = protect(data)
    rng = np.random.default_rng(7)
    for trial in range(60):
        nerr = T + 1 + trial % 40
        noisy = flip_in_block(blob, n, trial % layout(n).nblocks, nerr, rng)
        with pytest.raises(ImageError, match="^protected region beyond repair: "):
            recover(noisy, n)


def test_crc_catches_what_the_code_accepts():
    # Valid codewords (parity recomputed) around a corrupted data byte: the BCH layer sees no error at all.
    n = 300
    blob = bytearray(protect(random_bytes(n, 8)))
    blob[17] ^= 0x40
    lay = layout(n)
    blocks = np.zeros((lay.nblocks, K_MAX_BYTES), dtype=np.uint8)
    for b, (start, length) in enumerate(zip(lay.starts, lay.lengths)):
        blocks[b, :length] = np.frombuffer(blob, dtype=np.uint8)[start: start + length]
    blob[n + CRC_BYTES:] = bch.parity_bytes(blocks).tobytes()
    with pytest.raises(ImageError, match="CRC-32 mismatch"):
        recover(bytes(blob), n)


def test_garbage_raises_only_image_error():
    rng = np.random.default_rng(9)
    for trial in range(40):
        n = int(rng.integers(0, 800))
        size = protected_size(n) if trial % 4 else int(rng.integers(0, 2 * protected_size(n)))
        blob = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
        with pytest.raises(ImageError):
            recover(blob, n)
    for fill in (0x00, 0xFF):
        with pytest.raises(ImageError):
            recover(bytes([fill]) * protected_size(100), 100)
    with pytest.raises(ImageError, match="truncated"):
        recover(protect(b"abc")[:-1], 3)
    with pytest.raises(ImageError, match="truncated"):
        recover(b"\0" * 100, 10**15)  # a corrupted length field: refused before any allocation
    with pytest.raises(UsageError, match="negative"):
        recover(b"", -1)
    with pytest.raises(UsageError, match="integer"):
        protected_size(1.5)
    with pytest.raises(UsageError, match="bytes-like"):
        recover([1, 2, 3], 0)


def test_success_rate_at_ber_1e_2():
    # 1,000 seeded trials of a 1 KB region (6 blocks): the binomial prediction of failure is 4e-9 per region.
    result = simulate(1024, 1e-2, trials=1000, seed=1)
    assert result.successes == result.trials and result.silent == 0 and result.agrees_with_block_counts
    assert 0.8e-2 < result.flips / (result.trials * 8 * protected_size(1024)) < 1.2e-2
    assert region_failure_probability(1024, 1e-2) < 1e-8
    assert region_failure_probability(102_400, 1e-2) < 1e-5


def test_failures_follow_the_block_error_counts():
    # At BER 2.2 % a lone block (about 45 errors on average) fails in about 20 % of trials; every failure must be
    # exactly a trial with more than T errors, and the rate must match the binomial prediction.
    result = simulate(185, 0.022, trials=1500, seed=2)
    assert result.agrees_with_block_counts and result.silent == 0
    predicted = 1.0 - region_failure_probability(185, 0.022)
    sigma = (predicted * (1 - predicted) / result.trials) ** 0.5
    assert abs(result.success_rate - predicted) < 4 * sigma
    assert result.detected == result.trials - result.successes > 100


@pytest.mark.slow
@pytest.mark.parametrize("n,trials", [(1024, 100_000), (10_240, 10_000)])
def test_success_rate_at_ber_1e_2_many_trials(n, trials):
    result = simulate(n, 1e-2, trials=trials, seed=3)
    assert result.success_rate >= 0.9999 and result.silent == 0 and result.agrees_with_block_counts

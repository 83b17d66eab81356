"""Unit tests of the storage error channel (host/eccless/channel): contract, reproducibility, statistics."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext

import numpy as np
import pytest

from eccless.channel import (
    BSC,
    ERROR_MODELS,
    K_NONE,
    KEEP_ALL,
    Asym,
    ChannelConstants,
    flip_bytes,
    flip_positions,
    flipped_positions,
    make_model,
    naive_flip_bytes,
)
from eccless.channel.constants import k_constant
from eccless.channel.fixedlog import gaps, neg_log2
from eccless.channel.prng import draws, mix64, mix64_int, stream_key
from eccless.errors import UsageError

pytestmark = pytest.mark.unit


def random_bytes(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8)


# --- input checking -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ber", [-0.1, 1.5, float("nan"), "high", None, 1e-10, 5e-10])
def test_bad_ber_is_a_usage_error(ber):
    with pytest.raises(UsageError):
        flip_bytes(random_bytes(16), ber, seed=1)


@pytest.mark.parametrize("seed", [-1, 1 << 64, 1.5, "7"])
def test_bad_seed_is_a_usage_error(seed):
    with pytest.raises(UsageError):
        flip_positions(1000, 1e-2, seed)


@pytest.mark.parametrize("kwargs", [{"start": -1}, {"stop": 129}, {"start": 10, "stop": 5}, {"stream": -1},
                                    {"stream": 1 << 32}, {"start": 1.0}])
def test_bad_range_or_stream_is_a_usage_error(kwargs):
    with pytest.raises(UsageError):
        flip_bytes(random_bytes(16), 1e-2, 3, **kwargs)


def test_bad_buffers_and_names_are_usage_errors():
    with pytest.raises(UsageError, match="uint8"):
        flip_bytes(np.zeros(4, dtype=np.float32), 1e-2, 1)
    with pytest.raises(UsageError):
        flip_bytes([1, 2, 3], 1e-2, 1)
    with pytest.raises(UsageError, match="unknown error model"):
        make_model("gilbert", ber=1e-3)
    with pytest.raises(UsageError, match="takes rates"):
        make_model("bsc", p10=1e-3)
    with pytest.raises(UsageError):
        flip_positions(-5, 1e-3, 1)


def test_registry_lists_every_model():
    assert ERROR_MODELS.names() == ["asym", "bsc", "burst", "stuck"]
    assert isinstance(make_model("bsc", ber=1e-3), BSC)
    assert isinstance(make_model("asym", p10=1e-3, p01=0), Asym)


# --- the contract ------------------------------------------------------------------------------------------------


def test_zero_rate_flips_nothing_and_returns_a_copy():
    buf = random_bytes(1024)
    noisy, positions = flip_bytes(buf, 0.0, seed=5)
    assert positions.size == 0
    assert np.array_equal(noisy, buf)
    noisy[0] ^= 1
    assert buf[0] != noisy[0]  # a copy, never the caller's buffer


def test_rate_one_flips_every_bit_of_the_range():
    buf = random_bytes(64)
    noisy, positions = flip_bytes(buf, 1.0, seed=5, start=13, stop=301)
    assert np.array_equal(positions, np.arange(13, 301))
    assert np.array_equal(flipped_positions(buf, noisy), positions)
    whole, _ = flip_bytes(buf, 1, seed=9)
    assert np.array_equal(whole, ~buf)


def test_bits_are_lsb_first():
    zeros = np.zeros(4, dtype=np.uint8)
    assert flip_bytes(zeros, 1.0, 0, start=0, stop=1)[0].tolist() == [1, 0, 0, 0]
    assert flip_bytes(zeros, 1.0, 0, start=9, stop=10)[0].tolist() == [0, 2, 0, 0]
    assert flip_bytes(zeros, 1.0, 0, start=31, stop=32)[0].tolist() == [0, 0, 0, 128]


def test_noisy_copy_differs_exactly_at_the_returned_positions():
    buf = random_bytes(4096, seed=3)
    for ber in (1e-4, 1e-2, 0.3, 0.9):
        noisy, positions = flip_bytes(buf, ber, seed=11)
        assert np.all(np.diff(positions) > 0)
        assert np.array_equal(flipped_positions(buf, noisy), positions)


def test_shape_and_input_kinds_are_kept():
    buf = random_bytes(6 * 8, seed=2).reshape(6, 8)
    noisy, positions = flip_bytes(buf, 0.05, seed=4)
    assert noisy.shape == (6, 8) and noisy.dtype == np.uint8
    from_bytes, same = flip_bytes(bytes(buf.reshape(-1)), 0.05, seed=4)
    assert np.array_equal(same, positions)
    assert np.array_equal(from_bytes, noisy.reshape(-1))


def test_same_seed_same_flips_and_different_seeds_or_streams_differ():
    a = flip_positions(1 << 20, 1e-3, seed=42)
    assert np.array_equal(a, flip_positions(1 << 20, 1e-3, seed=42))
    assert not np.array_equal(a, flip_positions(1 << 20, 1e-3, seed=43))
    assert not np.array_equal(a, flip_positions(1 << 20, 1e-3, seed=42, stream=1))
    assert stream_key(42, 0) != stream_key(42, 1) != stream_key(43, 1)


def test_positions_do_not_depend_on_range_length_or_batching():
    # Counter-based draws: a longer range only appends flips, and a sub-range is the same walk shifted.
    short = flip_positions(100_000, 2e-3, seed=8)
    long = flip_positions(10_000_000, 2e-3, seed=8)
    assert np.array_equal(long[: short.size], short)
    assert long[short.size] >= 100_000
    buf = random_bytes(1 << 16, seed=1)
    _, region = flip_bytes(buf, 2e-3, seed=8, start=777, stop=777 + 100_000)
    assert np.array_equal(region, short + 777)


def test_prng_matches_its_definition():
    z = np.array([0, 1, 2**63, 2**64 - 1, 0x0123456789ABCDEF], dtype=np.uint64)
    assert [int(v) for v in mix64(z)] == [mix64_int(int(v)) for v in z]
    key = stream_key(7, 3)
    gamma = 0x9E3779B97F4A7C15
    assert [int(v) for v in draws(key, np.arange(4, dtype=np.uint64))] == [
        mix64_int(key + (i + 1) * gamma) for i in range(4)
    ]
    # splitmix64 reference: state 0 -> first output 0xE220A8397B1DCDAF.
    assert mix64_int(0 + gamma) == 0xE220A8397B1DCDAF


# --- the fixed-point arithmetic ----------------------------------------------------------------------------------


def test_constants_are_exact_where_they_can_be():
    assert k_constant(0.5) == 1 << 32  # -log2(1/2) = 1
    assert k_constant(0.75) == 1 << 31
    assert k_constant(1.0) == 0 and k_constant(0.0) == K_NONE
    for p in (1e-9, 1e-5, 0.1):
        scaled = math.log(2) / -math.log1p(-p) * 2**32  # K in units of 2^-32, to float precision
        assert abs(k_constant(p) - scaled) <= 0.5 + scaled * 1e-15
    c = ChannelConstants.from_rates(1e-3, 2.5e-4)
    assert (c.keep_1to0, c.keep_0to1) == (KEEP_ALL, KEEP_ALL // 4)
    assert c.k_q32 == ChannelConstants.symmetric(1e-3).k_q32


def test_fixed_point_log2_is_never_low_and_at_most_1p6e9_high():
    rng = np.random.default_rng(5)
    edges = [0, 1, 2, 3, 2**64 - 1, 2**64 - 2, 2**64 - 2**32] + [(1 << k) + d for k in range(2, 64) for d in (-1, 0, 1)]
    near_one = rng.integers(0, 2**32, 500, dtype=np.uint64) | np.uint64(0xFFFFFFFF00000000)
    r = np.concatenate([rng.integers(0, 2**64, 3000, dtype=np.uint64), np.array(edges, np.uint64), near_one])
    ipart, phi = neg_log2(r)
    worst_low = worst_high = Decimal(0)
    with localcontext(prec=50):
        ln2 = Decimal(2).ln()
        for v, i, f in zip(r.tolist(), ipart.tolist(), phi.tolist()):
            exact = -(Decimal(max(v, 1)) / Decimal(2**64)).ln() / ln2
            err = Decimal(i) + Decimal(f) / Decimal(2**32) - exact
            worst_low, worst_high = min(worst_low, err), max(worst_high, err)
    assert worst_low >= 0
    assert worst_high <= Decimal("1.6e-9")


def test_gap_is_the_exact_floor_of_the_fixed_point_product():
    rng = np.random.default_rng(6)
    r = rng.integers(0, 2**64, 2000, dtype=np.uint64)
    ipart, phi = neg_log2(r)
    for ber in (1e-9, 3e-6, 0.01, 0.5, 0.999):
        kq = k_constant(ber)
        want = [((i << 32) + f) * kq >> 64 for i, f in zip(ipart.tolist(), phi.tolist())]
        assert gaps(r, kq).tolist() == want


def test_gaps_are_dense_at_the_smallest_rate():
    # G is non-increasing in the draw and never skips an integer at MIN_BER while the draw keeps 32 significant bits
    # (all but 2^-32 of draws), so every gap length, hence every first-flip position, stays reachable.
    kq = k_constant(1e-9)
    for lz in (0, 1, 17, 32):
        for top in (1 << 31, (1 << 32) - (1 << 17)):
            r = (np.arange(top, top + (1 << 17), dtype=np.uint64) << np.uint64(32)) >> np.uint64(lz)
            steps = np.diff(gaps(r, kq).astype(np.int64))
            assert steps.min() >= -1 and steps.max() <= 0


# --- statistics --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ber,nbits,seeds", [(1e-9, 10**11, 20), (1e-5, 1 << 24, 20), (1e-2, 1 << 16, 40),
                                             (0.3, 1 << 14, 40), (0.97, 1 << 12, 40)])
def test_flip_count_is_binomial(ber, nbits, seeds):
    counts = np.array([flip_positions(nbits, ber, seed=s).size for s in range(seeds)])
    mean, sigma = nbits * ber, math.sqrt(nbits * ber * (1 - ber))
    # The mean over `seeds` runs is within 4 standard errors, and the spread looks binomial.
    assert abs(counts.mean() - mean) < 4 * sigma / math.sqrt(seeds)
    assert 0.6 * sigma < counts.std() < 1.5 * sigma


@pytest.mark.parametrize("ber", [0.05, 1e-6])
def test_gaps_follow_the_geometric_distribution(ber):
    # Pool the gaps of many seeds and compare the counts in quantile bins with the geometric law (chi-square).
    nbits = int(4000 / ber)
    gaps_ = np.concatenate([np.diff(flip_positions(nbits, ber, seed=s), prepend=-1) - 1 for s in range(10)])
    edges = np.unique(np.floor(np.log(1 - np.linspace(0, 0.95, 20)) / math.log1p(-ber)).astype(np.int64))
    survival = np.exp(edges * math.log1p(-ber))  # P(G >= edge)
    expected = -np.diff(np.r_[survival, 0.0]) * gaps_.size
    observed = np.histogram(gaps_, bins=np.r_[edges, np.iinfo(np.int64).max])[0]
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    assert chi2 < 45.3  # 99.9 % quantile of chi-square with 19 degrees of freedom
    assert abs(gaps_.mean() * ber / (1 - ber) - 1) < 4 / math.sqrt(gaps_.size)


def test_asym_flips_each_direction_at_its_own_rate():
    buf = random_bytes(1 << 15, seed=9)  # 262,144 bits, about half ones
    model = Asym(p10=2e-2, p01=5e-3)
    ones = int(np.unpackbits(buf).sum())
    zeros = buf.size * 8 - ones
    n10 = n01 = 0
    for seed in range(8):
        _, positions = model.flip(buf, seed)
        clean = (buf[positions >> 3] >> (positions & 7).astype(np.uint8)) & 1
        n10 += int(clean.sum())
        n01 += int(clean.size - clean.sum())
    for n, bits, p in ((n10, ones, 2e-2), (n01, zeros, 5e-3)):
        assert abs(n - 8 * bits * p) < 4 * math.sqrt(8 * bits * p)


def test_asym_one_sided_and_symmetric_cases():
    buf = random_bytes(4096, seed=4)
    _, down = Asym(p10=0.05, p01=0.0).flip(buf, 3)
    assert down.size > 0 and np.all((buf[down >> 3] >> (down & 7).astype(np.uint8)) & 1 == 1)
    _, up = Asym(p10=0.0, p01=0.05).flip(buf, 3)
    assert up.size > 0 and np.all((buf[up >> 3] >> (up & 7).astype(np.uint8)) & 1 == 0)
    # Equal rates keep every candidate: exactly the symmetric channel's flips.
    assert np.array_equal(Asym(0.01, 0.01).flip(buf, 3)[1], BSC(0.01).flip(buf, 3)[1])
    assert Asym(0.0, 0.0).flip(buf, 3)[1].size == 0


def test_naive_injector_has_the_same_distribution():
    buf = random_bytes(1 << 13, seed=6)  # 65,536 bits
    nbits, p = buf.size * 8, 3e-3
    fast = [flip_bytes(buf, p, s)[1].size for s in range(30)]
    naive = [naive_flip_bytes(buf, p, s)[1].size for s in range(30)]
    sigma = math.sqrt(nbits * p) / math.sqrt(30)
    assert abs(np.mean(fast) - nbits * p) < 4 * sigma and abs(np.mean(naive) - nbits * p) < 4 * sigma
    noisy, positions = naive_flip_bytes(buf, p, 1, start=100, stop=60_000)
    assert positions.min() >= 100 and positions.max() < 60_000
    assert np.array_equal(flipped_positions(buf, noisy), positions)
    _, up = Asym(0.0, 0.2).naive_flip(buf, 2, start=5, stop=4001)
    assert np.all((buf[up >> 3] >> (up & 7).astype(np.uint8)) & 1 == 0)
    assert abs(up.size - 0.2 * 3996 / 2) < 0.2 * 3996 / 2 * 0.25


def test_sparse_path_equals_batched_path():
    """The one-candidate-at-a-time walk used at low expected flip counts gives the batched walk's positions."""
    from eccless.channel import process
    from eccless.channel.constants import ChannelConstants
    from eccless.channel.prng import stream_key

    for ber in (1e-9, 1e-6, 1e-4, 1e-3):
        constants = ChannelConstants.from_rates(ber, ber)
        for seed in range(40):
            key = stream_key(seed, seed % 3)
            for nbits in (1, 100, 5000, 200_000):
                sparse = process._sparse_candidates(nbits, constants.k_q32, key)
                saved, process.SPARSE_MEAN = process.SPARSE_MEAN, -1.0  # force the batched path
                try:
                    batched = process.candidate_positions(nbits, constants, key)
                finally:
                    process.SPARSE_MEAN = saved
                assert np.array_equal(sparse, batched), (ber, seed, nbits)


@pytest.mark.parametrize("ber", [1e-9, 1e-7, 1e-5, 1e-3, 0.01, 0.1, 0.5, 0.97])
def test_float_route_gives_the_integer_gaps(ber):
    """gap_steps/gap_int_fast (float64 estimate + integer fallback near boundaries) equal the integer spec."""
    from eccless.channel.constants import k_constant
    from eccless.channel.fixedlog import gap_int, gap_int_fast, gap_steps

    k = k_constant(ber)
    rng = np.random.default_rng(int(ber * 1e9) % 2**32)
    r = rng.integers(0, 2**63, 400_000, dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, 400_000, dtype=np.uint64)
    edge = np.array([0, 1, 2, 3, 2**32, 2**63, 2**64 - 1] + [1 << i for i in range(64)], dtype=np.uint64)
    r = np.concatenate([r, edge, edge + np.uint64(1), edge - np.uint64(1)])
    assert np.array_equal(gap_steps(r, k) - 1, gaps(r, k).astype(np.int64))
    for v in list(r[:2000]) + list(edge):
        assert gap_int_fast(int(v), k) == gap_int(int(v), k)


def test_float_route_near_integer_boundaries():
    """Draws whose product lands next to an integer take the integer route and still agree."""
    from eccless.channel.constants import k_constant
    from eccless.channel.fixedlog import gap_steps

    k = k_constant(1e-3)
    kf = k / 2**32
    # aim at L*K = n + tiny for many n: u = 2^-(n / K)
    n = np.arange(1, 20000, dtype=np.float64)
    r = np.clip(np.exp2(64.0 - n / kf), 4, 2**64 - 2048).astype(np.uint64)
    r = np.concatenate([r - np.uint64(2), r - np.uint64(1), r, r + np.uint64(1), r + np.uint64(2)])
    assert np.array_equal(gap_steps(r, k) - 1, gaps(r, k).astype(np.int64))

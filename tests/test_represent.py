"""The fixed representations and the registry: bijections, reference layouts, the Hamming-order coder, errors."""

import itertools
from math import comb

import numpy as np
import pytest

from eccless import represent
from eccless.errors import UsageError
from eccless.represent import build, from_params, is_data_derived, name_of, names, stable_id

pytestmark = pytest.mark.unit

FIXED = [n for n in represent.names() if not represent.is_data_derived(n)]
WIDE = [17, 20, 24, 31, 32]


def edge_and_random(n, count=20_000, seed=0):
    """Boundary indices plus a seeded random sample, for widths too large to enumerate."""
    size = 1 << n
    edges = np.array([0, 1, 2, size // 2 - 1, size // 2, size // 2 + 1, size - 2, size - 1], dtype=np.uint64)
    rng = np.random.default_rng(seed + n)
    return np.concatenate([edges, rng.integers(0, size, count, dtype=np.uint64)])


def popcount(x):
    return np.array([int(v).bit_count() for v in x])


def test_registry_lists_every_code_with_frozen_ids():
    assert names() == sorted(FIXED + ["optimized"])
    # These numbers are stored in images and compiled into the C decoder: never renumber.
    frozen = {"offset": 1, "twos": 2, "signmag": 3, "gray": 4, "hamming": 5, "optimized": 6, "zigzag": 7}
    assert {name: stable_id(name) for name in names()} == frozen
    assert all(name_of(i) == name for name, i in frozen.items())
    assert [is_data_derived(name) for name in FIXED] == [False] * 6
    assert is_data_derived("optimized")


@pytest.mark.parametrize("name", FIXED)
def test_every_code_is_a_bijection_for_every_small_width(name):
    for n in range(2, 17):
        rep = build(name, n)
        every = np.arange(1 << n, dtype=np.uint64)
        words = rep.encode(every)
        assert words.dtype == np.uint64
        assert np.array_equal(np.sort(words), every), n
        assert np.array_equal(rep.decode(words), every), n
        assert np.array_equal(rep.decode_table(), every[np.argsort(words)].astype(np.uint16)), n


@pytest.mark.parametrize("name", FIXED)
@pytest.mark.parametrize("n", WIDE)
def test_wide_codes_round_trip_and_stay_in_range(name, n):
    rep = build(name, n)
    index = edge_and_random(n)
    words = rep.encode(index)
    assert words.max() < (1 << n)
    assert np.array_equal(rep.decode(words), index)


def signed(index, n):
    return [int(i) - (1 << (n - 1)) for i in index]


@pytest.mark.parametrize("n", [2, 5, 8, 16, 32])
def test_layouts_match_their_definitions_on_python_ints(n):
    index = edge_and_random(n, count=2000)
    levels = signed(index, n)
    assert list(build("offset", n).encode(index)) == [int(i) for i in index]
    assert list(build("twos", n).encode(index)) == [s % (1 << n) for s in levels]
    half = 1 << (n - 1)
    assert list(build("signmag", n).encode(index)) == [s if s >= 0 else half | (-s - 1) for s in levels]
    assert list(build("gray", n).encode(index)) == [int(i) ^ (int(i) >> 1) for i in index]
    assert list(build("zigzag", n).encode(index)) == [2 * s if s >= 0 else -2 * s - 1 for s in levels]


@pytest.mark.parametrize("n", [3, 8, 32])
def test_zigzag_lsb_flip_maps_s_to_minus_s_minus_1_and_keeps_small_levels_low(n):
    rep = build("zigzag", n)
    index = edge_and_random(n, count=1000)
    assert signed(rep.decode(rep.encode(index) ^ np.uint64(1)), n) == [-s - 1 for s in signed(index, n)]
    half = 1 << (n - 1)
    small = np.arange(half - 2, half + 2, dtype=np.uint64)       # levels -2, -1, 0, 1
    assert list(rep.encode(small)) == [3, 1, 0, 2]


@pytest.mark.parametrize("n", [3, 8, 32])
def test_signmag_sign_flip_maps_s_to_minus_s_minus_1(n):
    rep = build("signmag", n)
    half = np.uint64(1 << (n - 1))
    index = edge_and_random(n, count=1000)
    flipped = rep.decode(rep.encode(index) ^ half)
    assert signed(flipped, n) == [-s - 1 for s in signed(index, n)]
    assert signed(rep.decode(rep.encode(np.array([half])) ^ half), n) == [
        -1
    ]  # level 0 -> -1, no negative zero


@pytest.mark.parametrize("n", [4, 9, 32])
def test_gray_neighbours_differ_in_one_bit(n):
    index = np.sort(edge_and_random(n, count=2000))
    index = index[index < (1 << n) - 1]
    rep = build("gray", n)
    assert set(popcount(rep.encode(index) ^ rep.encode(index + np.uint64(1)))) == {1}


def test_hamming_order_equals_brute_force_sort_for_every_n_up_to_16():
    for n in range(2, 17):
        every = np.arange(1 << n, dtype=np.uint64)
        brute = np.lexsort((every, np.bitwise_count(every)))  # i-th string by (weight, value)
        rep = build("hamming", n)
        assert np.array_equal(rep.encode(every), brute), n
        assert np.array_equal(rep.decode(brute.astype(np.uint64)), every), n


@pytest.mark.parametrize("n", [20, 31, 32])
def test_hamming_order_wide_is_rank_in_weight_then_value_order(n):
    rep = build("hamming", n)
    # Class boundaries: the first string of weight w is 2^w - 1, the last one (2^w - 1) << (n - w).
    first = np.array([sum(comb(n, k) for k in range(w)) for w in range(n + 1)], dtype=np.uint64)
    last = np.array([sum(comb(n, k) for k in range(w + 1)) - 1 for w in range(n + 1)], dtype=np.uint64)
    assert list(rep.encode(first)) == [(1 << w) - 1 for w in range(n + 1)]
    assert list(rep.encode(last)) == [((1 << w) - 1) << (n - w) for w in range(n + 1)]
    # A strictly increasing map into (weight, value) order that round-trips is the rank map: check on a sample.
    index = np.unique(edge_and_random(n))
    words = rep.encode(index)
    key = [(w, int(v)) for w, v in zip(popcount(words), words)]
    assert all(a < b for a, b in itertools.pairwise(key))
    assert np.array_equal(rep.decode(words), index)


@pytest.mark.parametrize("n", [8, 32])
def test_hamming_single_flip_moves_to_a_neighbouring_weight_class(n):
    rep = build("hamming", n)
    index = edge_and_random(n, count=500)
    words = rep.encode(index)
    for b in range(n):
        other = rep.encode(rep.decode(words ^ np.uint64(1 << b)))
        assert set(np.abs(popcount(other) - popcount(words))) == {1}


@pytest.mark.parametrize("name", FIXED)
def test_decode_ignores_bits_above_n_and_keeps_shape(name):
    rep = build(name, 6)
    words = np.arange(64, dtype=np.uint64).reshape(8, 8)
    dirty = words | (np.uint64(0xABCD) << np.uint64(6))
    assert rep.decode(dirty).shape == (8, 8)
    assert np.array_equal(rep.decode(dirty), rep.decode(words))
    assert np.array_equal(rep.encode(np.arange(64).reshape(8, 8)), rep.encode(words))
    assert int(rep.decode(rep.encode(37))) == 37  # scalars work too


@pytest.mark.parametrize("name", FIXED)
def test_fixed_codes_store_no_params_and_rebuild_from_them(name):
    rep = build(name, 10)
    assert rep.params().size == 0
    again = from_params(name, 10, rep.params())
    every = np.arange(1024, dtype=np.uint64)
    assert np.array_equal(again.encode(every), rep.encode(every))
    with pytest.raises(UsageError, match="takes no params"):
        from_params(name, 10, np.arange(3))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: build("nope", 8), "unknown representation 'nope'"),
        (lambda: build("gray", 1), "outside 2..32"),
        (lambda: build("gray", 33), "outside 2..32"),
        (lambda: build("gray", 8.0), "must be an integer"),
        (lambda: build("gray", True), "must be an integer"),
        (lambda: build("offset", 4).encode(np.array([3, 16])), "index 16 out of range"),
        (lambda: build("hamming", 32).encode(np.array([1 << 32], dtype=np.uint64)), "out of range"),
        (lambda: build("offset", 4).encode(np.array([-1, 2])), "non-negative"),
        (lambda: build("offset", 4).encode(np.array([1.0])), "integer array"),
        (lambda: build("offset", 4).decode(np.array([True])), "integer array"),
        (lambda: build("gray", 17).decode_table(), "n <= 16"),
        (lambda: build("gray", 4, pmf=np.ones(8)), "2\\^n = 16 entries"),
        (lambda: build("gray", 2, pmf=[0.5, -0.1, 0.3, 0.3]), "non-negative"),
        (lambda: build("gray", 2, pmf=[0, 0, 0, 0]), "sums to zero"),
        (lambda: name_of(0), "unknown representation id 0"),
    ],
)
def test_user_errors_are_usage_errors(call, message):
    with pytest.raises(UsageError, match=message):
        call()

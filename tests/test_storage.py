"""Stored models: packing, parity placement, detection rules, and the fast trial path against a full read."""

from __future__ import annotations

import numpy as np
import pytest

from eccless.errors import UsageError
from eccless.storage.bits import pack_words, parity, unpack_words
from eccless.storage.stored import StoredModel

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("width", [1, 3, 7, 8, 9, 13, 16, 31, 32, 33, 57])
def test_pack_unpack_roundtrip(width):
    rng = np.random.default_rng(width)
    words = rng.integers(0, 2**min(width, 63), 101, dtype=np.uint64) & np.uint64((1 << width) - 1)
    for start in (0, 5, 64):
        buf = pack_words(words, width, out=np.zeros((start + 101 * width) // 8 + 2, np.uint8), start=start)
        assert np.array_equal(unpack_words(buf, width, 101, start), words)


def test_pack_leaves_neighbours_alone():
    buf = np.full(8, 0xFF, np.uint8)
    pack_words(np.array([0], np.uint64), 5, out=buf, start=10)
    bits = np.unpackbits(buf, bitorder="little")
    assert bits[10:15].sum() == 0 and bits[:10].all() and bits[15:].all()


def test_parity():
    w = np.array([0, 1, 3, 7, 2**63, 2**63 + 1], np.uint64)
    assert parity(w).tolist() == [0, 1, 0, 1, 1, 0]


CONFIGS = [
    ("float32", "float32", "none", 32), ("float32", "float32", "parity-exp", 32),
    ("float32", "float32", "parity-lsb+range", 32), ("float32", "float32", "parity-extra", 32),
    ("uniform", "twos", "none", 8), ("uniform", "hamming", "parity-lsb", 6), ("uniform", "gray", "range", 12),
    ("uniform", "signmag", "parity-extra+range", 5), ("uniform", "offset", "parity-lsb+range", 16),
]


@pytest.mark.parametrize("fmt,rep,rule,n", CONFIGS)
def test_fast_trial_equals_full_read(tiny_graph, fmt, rep, rule, n):
    """apply_flips (re-decodes only touched words) must equal flipping the packed region and reading it all."""
    sm = StoredModel(tiny_graph, fmt, rep, rule, n=n)
    region = sm.region()
    clean = sm.decode_region(region)
    for a, b in zip(clean.values, (t.clean for t in sm.tensors)):
        assert np.array_equal(a, b, equal_nan=True)
    assert clean.zeroed == 0
    rng = np.random.default_rng(1)
    for _ in range(20):
        pos = np.unique(rng.integers(0, sm.total_bits, rng.integers(1, 40)))
        bits = np.unpackbits(region, bitorder="little")
        bits[pos] ^= 1
        full = sm.decode_region(np.packbits(bits, bitorder="little"))
        fast = sm.apply_flips(pos)
        for a, b in zip(full.values, fast.values):
            assert np.array_equal(a, b, equal_nan=True)
        assert (full.zeroed_parity, full.zeroed_range) == (fast.zeroed_parity, fast.zeroed_range)


def test_parity_zeroes_every_single_flip(tiny_graph):
    sm = StoredModel(tiny_graph, "uniform", "twos", "parity-extra", n=8)
    t = sm.tensors[0]
    for bit in range(t.width):
        d = sm.apply_flips(np.array([t.offset + 3 * t.width + bit]))
        assert d.values[0][3] == 0.0 and d.zeroed_parity == 1


def test_parity_exp_catches_exponent_msb(tiny_graph):
    plain = StoredModel(tiny_graph, "float32", "float32", "none")
    guarded = StoredModel(tiny_graph, "float32", "float32", "parity-exp")
    pos = np.array([30])  # exponent MSB of the first weight
    assert abs(plain.apply_flips(pos).values[0][0]) > 1e30
    d = guarded.apply_flips(pos)
    assert d.values[0][0] == 0.0 and d.zeroed_parity == 1


def test_parity_exp_bit_is_not_data(tiny_graph):
    """With parity in bit 30 the decoder clears that bit, so its flip alone can no longer scale a weight by 2^128."""
    sm = StoredModel(tiny_graph, "float32", "float32", "parity-exp")
    d = sm.apply_flips(np.array([1, 30]))  # even count: passes parity, and bit 30 is dropped on decode
    assert d.zeroed == 0 and abs(d.values[0][0]) < 1


def test_range_catches_even_flips_parity_misses(tiny_graph):
    w = tiny_graph.ops[0].weight.copy()
    w[0, 0] = 1e-3  # exponent 117 = 0b01110101: bits 24 and 26 are 0
    g = tiny_graph.with_params([(w, tiny_graph.ops[0].bias), (tiny_graph.ops[1].weight, tiny_graph.ops[1].bias)])
    pos = np.array([24, 26])  # two exponent flips (x 2^10): parity is even again
    undetected = StoredModel(g, "float32", "float32", "parity-exp").apply_flips(pos)
    assert undetected.zeroed == 0 and undetected.values[0][0] == np.float32(1e-3) * 2**10 > np.abs(w[0]).max()
    d = StoredModel(g, "float32", "float32", "parity-exp+range").apply_flips(pos)
    assert d.values[0][0] == 0.0 and d.zeroed_range == 1


def test_range_zeroes_nan(tiny_graph):
    sm = StoredModel(tiny_graph, "float32", "float32", "range")
    t = sm.tensors[0]
    # set every exponent bit of weight 0 and a mantissa bit -> NaN
    w = int(t.words[0])
    pos = np.array([b for b in list(range(23, 31)) + [0] if not (w >> b) & 1])
    d = sm.apply_flips(pos)
    assert d.values[0][0] == 0.0


def test_bad_combinations(tiny_graph):
    with pytest.raises(UsageError):
        StoredModel(tiny_graph, "uniform", "float32", "none", n=8)
    with pytest.raises(UsageError):
        StoredModel(tiny_graph, "float32", "twos", "none")
    with pytest.raises(UsageError):
        StoredModel(tiny_graph, "uniform", "twos", "parity-exp", n=8)
    with pytest.raises(UsageError):
        StoredModel(tiny_graph, "uniform", "twos", "none", n=33)
    with pytest.raises(UsageError):
        StoredModel(tiny_graph, "uniform", "nosuch", "none", n=8)
    with pytest.raises(UsageError):
        StoredModel(tiny_graph, "uniform", "twos", "nosuch", n=8)


def test_parity_exp_refuses_large_weights(tiny_graph):
    big = tiny_graph.with_params([(op.weight * 10, op.bias) for op in tiny_graph.weighted_ops()])
    with pytest.raises(UsageError, match="bit 30"):
        StoredModel(big, "float32", "float32", "parity-exp")


def test_atomic_outputs_have_usual_permissions(tmp_path):
    import os

    from eccless.fileio import write_text

    old = os.umask(0o022)
    try:
        write_text(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]  # no temporary left behind

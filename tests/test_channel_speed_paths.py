"""The channel's fast paths (float gap route, table-driven draws, many-stream batches, the sweep's prefetch) give
exactly the positions of the plain spec walk: prng.draws + fixedlog.gaps, the exact integer route."""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pytest

from eccless.channel import Asym, BSC, ChannelConstants, make_model
from eccless.channel import process
from eccless.channel.batch import candidate_positions_many, stream_keys
from eccless.channel.constants import k_constant
from eccless.channel.fixedlog import FEW_EXACT, gap_int, gap_steps, gaps, no_candidate_below
from eccless.channel.prng import (GAMMA, MASK64, WEYL_CACHE, draw_rows, draws, draws_at, stream_key,
                                  strided_draws)
from eccless.errors import UsageError

pytestmark = pytest.mark.fuzz

U64 = np.uint64


def spec_positions(data: np.ndarray, constants: ChannelConstants, seed: int, stream: int = 0, start: int = 0,
                   stop: int | None = None) -> np.ndarray:
    """The process as docs/CHANNEL.md states it, in big exact batches: c_j = c_{j-1} + 1 + gap(draw(key, 2j)),
    stop at the first c_j >= n, then keep candidate j iff draw(key, 2j + 1) >> 32 < keep[clean bit]."""
    stop = data.size * 8 if stop is None else stop
    nbits, key = stop - start, stream_key(seed, stream)
    if constants.silent or nbits == 0:
        return np.zeros(0, dtype=np.int64)
    found, end, j = [], -1, 0
    while end < nbits:
        batch = 4096
        g = gaps(draws(key, np.arange(j, j + batch, dtype=U64) * U64(2)), constants.k_q32).astype(np.int64)
        ends = end + np.cumsum(g + 1)
        found.append(ends[ends < nbits])
        end, j = int(ends[-1]), j + batch
    pos = np.concatenate(found) + start
    if constants.thinned:
        v = draws(key, np.arange(pos.size, dtype=U64) * U64(2) + U64(1)) >> U64(32)
        bits = (data[pos >> 3] >> (pos & 7).astype(np.uint8)) & 1
        keep = np.where(bits == 1, U64(constants.keep_1to0), U64(constants.keep_0to1))
        pos = pos[v < keep]
    return pos


BERS = [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1, 0.3]
SIZES = [1, 7, 100, 5000, 210_240, 1_000_000]  # bits


def models(ber: float):
    return [BSC(ber), Asym(ber, ber / 10), Asym(ber / 3, ber)]


@pytest.mark.parametrize("nbits", SIZES)
def test_one_and_many_streams_give_the_spec_positions(nbits):
    data = np.random.default_rng(nbits).integers(0, 256, (nbits + 7) // 8, dtype=np.uint8)
    stop = nbits if nbits % 8 else None
    for ber in BERS:
        seeds = [2**64 - 1, 2**63, *range(60 if nbits <= 5000 else 16 if nbits <= 210_240 else 4)]
        for model in models(ber):
            many = model.positions_many(data, seeds, stop=stop)
            for seed, got in zip(seeds, many):
                want = spec_positions(data, model.constants, seed, stop=stop)
                one = model.positions(data, seed, stop=stop)
                assert got.dtype == one.dtype == np.int64
                assert np.array_equal(one, want) and np.array_equal(got, want), (nbits, ber, model, seed)


def test_offsets_streams_and_edge_rates_agree_with_the_spec():
    data = np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8)
    for model in (BSC(1.0), BSC(0.0), Asym(1.0, 0.0), Asym(0.0, 0.5), BSC(0.97), BSC(1e-9), Asym(2e-3, 5e-4)):
        for stream, start, stop in ((0, 0, None), (5, 13, 31_999), (2**32 - 1, 8000, 8001), (1, 100, 100)):
            seeds = range(40, 52)
            many = model.positions_many(data, seeds, start=start, stop=stop, stream=stream)
            for seed, got in zip(seeds, many):
                want = spec_positions(data, model.constants, seed, stream, start, stop)
                one = model.positions(data, seed, start=start, stop=stop, stream=stream)
                assert np.array_equal(one, want) and np.array_equal(got, want), (model, stream, start, seed)
    # one seed and no seed take the one-stream path and still answer in a list
    assert [p.tolist() for p in BSC(1e-2).positions_many(data, [3])] == [BSC(1e-2).positions(data, 3).tolist()]
    assert BSC(1e-2).positions_many(data, []) == []


def test_a_stream_whose_draws_start_at_zero():
    """draw(key, 0) = 0 exactly when key = -GAMMA mod 2^64 (mix64 fixes 0): r = 0 reads as 1 on every route."""
    key = -GAMMA & MASK64
    assert int(draws(key, np.zeros(1, dtype=U64))[0]) == 0
    for ber in (1e-3, 0.1, 1e-7):
        constants = ChannelConstants.symmetric(ber)
        for nbits in (10, 5000, 200_000):
            one = process.candidate_positions(nbits, constants, key)
            many = candidate_positions_many(nbits, constants, np.array([key, key], dtype=U64))
            g0 = gap_int(1, constants.k_q32)
            assert (one.size == 0) == (g0 >= nbits) and (one.size == 0 or one[0] == g0)
            assert all(np.array_equal(m, one) for m in many)


@pytest.mark.parametrize("ber", [1e-9, 1e-7, 1e-6, 1e-4, 1e-3, 0.01, 0.1, 0.3, 0.5, 0.97])
def test_gap_steps_is_the_integer_gap_plus_one(ber):
    k = k_constant(ber)
    rng = np.random.default_rng(int(ber * 1e9) % 2**32)
    r = rng.integers(0, 2**64 - 1, 300_000, dtype=U64, endpoint=True)
    edge = np.array([0, 1, 2, 3, 2**32, 2**63, 2**64 - 1] + [1 << i for i in range(64)], dtype=U64)
    # draws whose product with K lands next to an integer n: u = 2^-(n / K)
    kf = k / 2**32
    n = np.arange(1, 3000, dtype=np.float64)
    near = np.clip(np.exp2(64.0 - n / kf), 4, 2**64 - 4096).astype(U64)
    r = np.concatenate([r, edge, edge + U64(1), edge - U64(1), near - U64(1), near, near + U64(1)])
    want = gaps(r, k).astype(np.int64) + 1
    assert np.array_equal(gap_steps(r, k), want)
    assert np.array_equal(gap_steps(r[:600].reshape(20, 30), k), want[:600].reshape(20, 30))
    for few in (r[:5], near[:FEW_EXACT], edge):  # small batches: the near-boundary draws go through gap_int
        assert np.array_equal(gap_steps(few, k), gaps(few, k).astype(np.int64) + 1)


def test_table_driven_draws_equal_the_definition():
    keys = np.array([0, 7, 2**64 - 1, -GAMMA & MASK64, 0x0123456789ABCDEF], dtype=U64)
    for key in keys.tolist():
        for first, count, odd in ((0, 300, 0), (0, 300, 1), (WEYL_CACHE - 5, 10, 0), (WEYL_CACHE + 3, 4, 1),
                                  (2**40, 3, 0), (9, 0, 1)):
            counters = np.arange(first, first + count, dtype=U64) * U64(2) + U64(odd)
            assert np.array_equal(strided_draws(key, first, count, odd), draws(key, counters))
    for count in (1, 50, WEYL_CACHE + 2):
        rows = draw_rows(keys, count, 1)
        assert rows.shape == (keys.size, count)
        assert all(np.array_equal(rows[i], draws(int(k), np.arange(count, dtype=U64) * U64(2) + U64(1)))
                   for i, k in enumerate(keys.tolist()))
    j = np.array([0, 5, 9, 1, 0], dtype=np.int64)
    for jj in (j, j + WEYL_CACHE):
        got = draws_at(keys, jj, 0)
        assert got.tolist() == [int(draws(int(k), np.array([2 * int(x)], dtype=U64))[0])
                                for k, x in zip(keys.tolist(), jj.tolist())]


def test_stream_keys_match_stream_key_and_check_seeds():
    seeds = [0, 1, 2**64 - 1, 2**63 + 5, 12345]
    for stream in (0, 1, 2**32 - 1):
        assert stream_keys(seeds, stream).tolist() == [stream_key(s, stream) for s in seeds]
    for bad in ([1, -1], [2**64], [1.5, 2], ["7", 8]):
        with pytest.raises(UsageError):
            BSC(1e-3).positions_many(np.zeros(16, np.uint8), bad)
    with pytest.raises(UsageError):
        stream_keys([1, 2], 2**32)


@pytest.mark.parametrize("ber", [1e-9, 1e-6, 1e-3, 0.3, 0.999])
def test_no_candidate_below_is_a_proven_and_tight_bound(ber):
    k = k_constant(ber)
    draws_sorted = np.sort(np.random.default_rng(5).integers(0, 2**64 - 1, 200_000, dtype=U64, endpoint=True))
    assert np.all(np.diff(gaps(draws_sorted, k).astype(np.int64)) <= 0)  # gaps never grow with the draw
    for nbits in (1, 2, 13, 100, 210_240, 10**6, 2**40):
        bound = no_candidate_below(nbits, k)
        assert bound == 0 or gap_int(bound - 1, k) >= nbits
        above = min(MASK64, int(bound * (1 + 1e-5)) + 2)
        assert gap_int(above, k) < nbits or above == MASK64


def test_sweep_noise_draws_many_seeds_as_one_call_each():
    from eccless.channel.spec import NoiseSpec

    region = np.random.default_rng(2).integers(0, 256, 26_280, dtype=np.uint8)
    for spec in (NoiseSpec.parse("bsc"), NoiseSpec.parse("asym:0.1")):
        for ber in (1e-3, 1e-6):
            plain = [spec.positions(region, ber, s) for s in range(70)]
            assert [p.tolist() for p in spec.positions_many(region, ber, range(70))] == [p.tolist() for p in plain]


def test_grouped_sweep_trials_equal_single_trials(tmp_path, digits_mlp):
    from eccless.sweep.executor import TRIAL_BATCH, TrialExecutor, trial_groups
    from eccless.sweep.experiment import Config, Experiment

    tasks = [("a", 1e-3, 0), ("a", 1e-3, 1), ("a", 1e-2, 2), ("b", 1e-2, 3), ("b", 1e-2, 4), ("a", 1e-2, 5)]
    assert trial_groups(tasks, 2) == [tasks[:2], [tasks[2]], tasks[3:5], [tasks[5]]]
    assert trial_groups(tasks, 1) == [[t] for t in tasks]
    config = Config("digits:mlp", "float32", 32, "float32", "none", channel="asym:0.5")
    exp = Experiment(config)
    todo = [(config.key(), ber, seed) for ber in (1e-4, 1e-3) for seed in range(TRIAL_BATCH + 3)]
    got = TrialExecutor({config.key(): exp}, tmp_path / "t.jsonl", quiet=True).run(todo)
    assert [seed for seed, _ in exp.trials(1e-3, [5, 2, 9])] == [5, 2, 9]
    assert [r for _, r in exp.trials(1e-3, [5, 2])] == [exp.trial(1e-3, 5), exp.trial(1e-3, 2)]
    for (_, ber, seed), rec in zip(todo, got):
        single = asdict(exp.trial(ber, seed))
        assert {k: rec[k] for k in single} == single
    assert len((tmp_path / "t.jsonl").read_text().splitlines()) == len(todo)
    assert json.loads((tmp_path / "t.jsonl").read_text().splitlines()[-1])["seed"] == TRIAL_BATCH + 2
    assert sum(r["flips"] for r in got) > 0


def test_make_model_paths_share_the_fast_routes():
    data = np.random.default_rng(9).integers(0, 256, 1000, dtype=np.uint8)
    model = make_model("asym", p10=0.02, p01=0.004)
    assert [p.tolist() for p in model.positions_many(data, range(8), stream=3)] == [
        spec_positions(data, model.constants, s, 3).tolist() for s in range(8)]

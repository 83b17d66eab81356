"""Correlated error models (host only): burst:L flips runs of L bits at about the swept BER, reproducibly;
stuck:F is one fixed stuck-at map per device seed, the same in every trial; neither reaches the device."""

from __future__ import annotations

import numpy as np
import pytest

from eccless.channel.spec import NoiseSpec
from eccless.channel.stuck import STUCK_STREAM
from eccless.commands.run import channel_constants, channel_model
from eccless.errors import UsageError

pytestmark = pytest.mark.unit
BUF = np.random.default_rng(0).integers(0, 256, 200_000, dtype=np.uint8)


def runs(positions: np.ndarray) -> list[int]:
    """Lengths of the maximal runs of consecutive positions."""
    if positions.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(positions) != 1)
    edges = np.concatenate([[-1], breaks, [positions.size - 1]])
    return np.diff(edges).tolist()


@pytest.mark.parametrize("length", [1, 8, 64])
def test_burst_flips_whole_runs_at_about_the_swept_rate(length):
    spec = NoiseSpec.parse(f"burst:{length}")
    nbits = BUF.size * 8
    pos = spec.positions(BUF, 1e-3, 4)
    assert np.all(np.diff(pos) > 0) and pos[-1] < nbits
    lengths = runs(pos)
    # overlapping or touching runs merge, and a run may be cut at the end: every run is a multiple-ish of L, >= L
    assert all(n >= length for n in lengths[:-1])
    assert 0.6e-3 < pos.size / nbits < 1.4e-3
    assert np.array_equal(pos, spec.positions(BUF, 1e-3, 4))
    assert not np.array_equal(pos, spec.positions(BUF, 1e-3, 5))
    many = spec.positions_many(BUF, 1e-3, [4, 5, 6])
    for seed, p in zip([4, 5, 6], many):
        assert np.array_equal(p, spec.positions(BUF, 1e-3, seed))


def test_burst_of_one_bit_is_the_bsc():
    a, b = NoiseSpec.parse("burst:1"), NoiseSpec.parse("bsc")
    assert np.array_equal(a.positions(BUF, 1e-3, 9), b.positions(BUF, 1e-3, 9))


def test_stuck_cells_are_one_fixed_map_per_device():
    spec = NoiseSpec.parse("stuck:3")
    nbits = BUF.size * 8
    pos = spec.positions(BUF, 1e-3, 0)
    for p in spec.positions_many(BUF, 1e-3, [1, 2, 3]):  # every trial: the same device
        assert np.array_equal(p, pos)
    assert not np.array_equal(pos, NoiseSpec.parse("stuck:4").positions(BUF, 1e-3, 0))
    assert 0.7e-3 < pos.size / nbits < 1.3e-3  # 2 x BER stuck, half of them at the stored value
    # a stuck map does not depend on the data: the cells that read wrong on the inverted data are the others
    inverted = NoiseSpec.parse("stuck:3").positions(~BUF, 1e-3, 0)
    assert np.intersect1d(pos, inverted).size == 0 and 1.5e-3 < (pos.size + inverted.size) / nbits < 2.5e-3


@pytest.mark.parametrize("spec", ["burst:0", "burst:2.5", "burst", "stuck:-1", "stuck:x"])
def test_bad_specs_are_usage_errors(spec):
    with pytest.raises(UsageError):
        NoiseSpec.parse(spec)


@pytest.mark.parametrize("spec,model,length", [("burst:8", 1, 8), ("stuck:3", 2, 0), ("asym:0.5", 0, 0)])
def test_every_model_has_a_device_twin(spec, model, length):
    """INJECT's fields of each model (the C twins: tests/test_channel_golden.py); constants alone describe only the
    i.i.d. models."""
    p = channel_model(spec, 1e-3).device_params(11, 1)
    assert (p["model"], p["length"]) == (model, length)
    assert (p["seed"], p["stream"]) == ((3, STUCK_STREAM + 1) if spec.startswith("stuck") else (11, 1))
    if model:
        with pytest.raises(UsageError, match="not i.i.d."):
            channel_constants(spec, 1e-3)
    else:
        assert channel_constants(spec, 1e-3) == channel_model(spec, 1e-3).constants

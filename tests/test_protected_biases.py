"""Biases in the protected region (`--biases protected`): out of the raw region, read exactly whatever flips, the
weights decoded as before, the cost counted as the bias bytes plus the BCH parity they add."""

from __future__ import annotations

import numpy as np
import pytest

from eccless.channel.buffers import xor_positions
from eccless.image.ecc import protected_size
from eccless.storage.ecc import EccSpec
from eccless.storage.ecc.protected import EccStored
from eccless.sweep.experiment import Config, Experiment

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def pair(digits_mlp):
    exposed = Experiment(Config("digits:mlp", "int8", 8, "twos", "range", samples=50))
    protected = Experiment(Config("digits:mlp", "int8", 8, "twos", "range", samples=50, biases="protected"))
    return exposed, protected


def test_biases_leave_the_region_and_are_read_exactly(pair):
    exposed, protected = pair
    biases = [t for t in protected.stored.tensors if t.code.role == "bias"]
    assert biases and all(t.protected for t in biases)
    assert protected.stored.total_bits < exposed.stored.total_bits
    assert protected.clean_accuracy == exposed.clean_accuracy
    region = protected.region
    rng = np.random.default_rng(1)
    positions = np.flatnonzero(rng.random(region.size * 8) < 2e-2)
    fast = protected.stored.apply_flips(positions)
    slow = protected.stored.decode_region(xor_positions(region, positions))
    for t, a, b in zip(protected.stored.tensors, fast.values, slow.values):
        assert np.array_equal(a, b)
        if t.protected:
            assert np.array_equal(a, t.clean)
    weights_hit = sum(int(np.sum(a != t.clean)) for t, a in zip(protected.stored.tensors, fast.values))
    assert weights_hit > 0


def test_their_cost_is_the_bias_bytes_and_their_parity(pair):
    _, protected = pair
    stored = protected.stored
    nbytes = sum(-(-t.bits // 8) for t in stored.tensors if t.protected)
    assert stored.protected_bits == 8 * (protected_size(nbytes) - 4) > 8 * nbytes
    params = sum(t.count for t in stored.tensors)
    assert stored.summary()["bits_per_parameter"] == (stored.total_bits + stored.protected_bits) / params
    coded = EccStored(stored, EccSpec("secded72"))
    assert coded.summary()["bits_per_parameter"] == (coded.total_bits + stored.protected_bits) / params


def test_the_critical_search_sees_them_as_a_new_configuration(pair):
    exposed, protected = pair
    assert exposed.config.key() != protected.config.key() and "protected" in protected.config.label()
    assert exposed.config.key() == "digits:mlp|int8|8|twos|range|bsc"  # keys of earlier runs unchanged

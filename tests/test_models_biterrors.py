"""Training for bit errors (models/biterrors.py): the perturbation flips stored int8 bits at the asked rate with
straight-through gradients, training is deterministic for a seed, clipping holds, bad values are one-line errors,
and models cached before the option existed keep their keys."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402

from eccless import models  # noqa: E402
from eccless.errors import UsageError  # noqa: E402
from eccless.models.biterrors import perturbed_weights  # noqa: E402
from eccless.models.cache import Recipe, model_key  # noqa: E402

pytestmark = pytest.mark.unit


def test_perturbation_flips_int8_bits_at_the_rate_and_passes_gradients_straight_through():
    torch.manual_seed(0)
    lin = nn.Linear(400, 100)
    with torch.no_grad():
        w = lin.weight.detach().clone()
        scale = w.abs().amax(dim=1, keepdim=True) / 127
        clean = torch.clamp(torch.round(w / scale), -127, 127)
    noisy = perturbed_weights(lin, 0.05)["weight"]
    words = lambda q: (q.to(torch.int16) & 0xFF).to(torch.uint8).numpy()  # noqa: E731
    got = torch.round(noisy.detach() / scale)
    flipped = np.unpackbits(words(clean) ^ words(got)).sum()
    assert 0.045 < flipped / (w.numel() * 8) < 0.055
    noisy.sum().backward()
    assert torch.equal(lin.weight.grad, torch.ones_like(w))  # d(noisy)/d(w) = 1: straight through
    assert perturbed_weights(lin, 0.0)["weight"].detach().equal((clean * scale))


@pytest.mark.parametrize("spec", ["twos", "signmag", "signmag+range", "gray+range"])
def test_perturbation_flips_the_words_of_the_named_representation_and_applies_the_range_rule(spec):
    """The noisy levels are the registry's decode of (its encode of the clean level) XOR the drawn flips, and with
    +range nothing lands outside a channel's clean [min, max] (out-of-range levels read as 0)."""
    from eccless import represent
    from eccless.models.noise import NoiseStorage

    storage = NoiseStorage.parse(spec)
    torch.manual_seed(1)
    lin = nn.Linear(300, 40)
    w = lin.weight.detach()
    scale = w.abs().amax(dim=1, keepdim=True) / 127
    clean = torch.clamp(torch.round(w / scale), -127, 127).to(torch.int64).numpy()
    torch.manual_seed(7)
    noisy = perturbed_weights(lin, 0.05, storage)["weight"].detach()
    got = torch.round(noisy / scale).to(torch.int64).numpy()
    torch.manual_seed(7)  # the same draw: one uniform per bit of every word
    flips = (torch.rand(w.shape + (8,)) < 0.05).numpy()
    mask = (flips.astype(np.uint64) << np.arange(8, dtype=np.uint64)).sum(axis=-1).astype(np.uint64)
    rep = represent.build(storage.repr, 8)
    want = rep.decode(rep.encode((clean + 128).astype(np.uint64)) ^ mask).astype(np.int64) - 128
    if storage.range_check:
        lo, hi = clean.min(axis=1, keepdims=True), clean.max(axis=1, keepdims=True)
        out = (want < lo) | (want > hi)
        assert out.any()
        want[out] = 0
        assert (got >= lo).all() and (got <= hi).all()
    assert np.array_equal(got, want)
    assert (got != clean).mean() > 0.2  # 8 bits at 5 %: about a third of the words change


@pytest.mark.parametrize("spec", ["nope", "signmag+parity", "optimized", "twos+range+range", ""])
def test_bad_stored_forms_are_usage_errors(spec):
    with pytest.raises(UsageError):
        models.trained_model("digits", "mlp", bit_errors=0.01, bit_errors_as=spec, cache=False)


def test_training_is_deterministic_and_clipped(digits):
    kw = dict(epochs=1, seed=3, threads=1, progress=False, train_subset=300, bit_errors=0.02, clip=0.1)
    a = models.fit(digits, "mlp", **kw)
    b = models.fit(digits, "mlp", **kw)
    plain = models.fit(digits, "mlp", **(kw | {"bit_errors": 0.0, "clip": 0.0}))
    for (name, pa), pb in zip(a.named_parameters(), b.parameters()):
        assert torch.equal(pa, pb)
        if name.endswith("weight"):
            assert pa.abs().max() <= 0.1 + 1e-7
    assert any(not torch.equal(pa, pp) for pa, pp in zip(a.parameters(), plain.parameters()))


@pytest.mark.parametrize("p,w", [(0.7, 0.0), (-0.1, 0.0), (float("nan"), 0.0), (0.01, -1.0), (0.01, float("inf"))])
def test_bad_rates_and_clips_are_usage_errors(digits, p, w):
    with pytest.raises(UsageError):
        models.trained_model("digits", "mlp", bit_errors=p, clip=w, cache=False)


def test_keys_of_models_cached_before_the_option_are_unchanged(digits):
    rec = Recipe(40, batch_size=32)
    assert rec.key_fields() == {"epochs": 40, "batch_size": 32, "lr": 2e-3, "train_subset": None}
    robust = Recipe(40, batch_size=32, bit_errors=0.01, clip=0.25)
    assert model_key(digits, "mlp", rec, 0) != model_key(digits, "mlp", robust, 0)
    # the default stored form (two's complement) leaves the keys of models trained before it existed alone
    assert Recipe(40, batch_size=32, bit_errors=0.01, clip=0.25, bit_errors_as="twos").key_fields() == \
        robust.key_fields()
    other = Recipe(40, batch_size=32, bit_errors=0.01, clip=0.25, bit_errors_as="signmag+range")
    assert model_key(digits, "mlp", other, 0) != model_key(digits, "mlp", robust, 0)


@pytest.mark.parametrize("arch", ["mlp", "lenet"])
def test_graph_to_torch_is_the_inverse_of_the_converter(digits, arch):
    from eccless.models import trained_model
    from eccless.models.convert import torch_to_graph
    from eccless.models.finetune import graph_to_torch
    from eccless.models.training import torch_logits

    graph = trained_model("digits", arch)
    module = graph_to_torch(graph)
    back = torch_to_graph(module, graph.input_shape, graph.num_classes)
    for a, b in zip(graph.weighted_ops(), back.weighted_ops()):
        assert np.array_equal(a.weight, b.weight) and np.array_equal(a.bias, b.bias) and a.act == b.act
    x = digits.x_test[:64]
    assert np.allclose(torch_logits(module, x), graph.forward(x), atol=1e-4)


def test_finetuning_is_cached_and_deterministic(digits, monkeypatch, tmp_path):
    from eccless.models import finetuned_model, trained_model

    monkeypatch.setattr("eccless.models.cache.cache_dir", lambda: tmp_path)
    source = trained_model("digits", "mlp")
    before = [op.weight.copy() for op in source.weighted_ops()]
    a = finetuned_model(source, "digits", epochs=1, bit_errors=0.01, clip=0.25)
    assert all(np.array_equal(w, op.weight) for w, op in zip(before, source.weighted_ops()))  # source untouched
    assert len(list((tmp_path / "models").glob("finetune-*.npz"))) == 1
    b = finetuned_model(source, "digits", epochs=1, bit_errors=0.01, clip=0.25, cache=False)
    for x, y in zip(a.weighted_ops(), b.weighted_ops()):
        assert np.array_equal(x.weight, y.weight)
        assert np.abs(x.weight).max() <= 0.25 + 1e-6
    with pytest.raises(UsageError):
        finetuned_model(source, "digits", bit_errors=0.9)

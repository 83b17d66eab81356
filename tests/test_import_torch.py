"""PyTorch checkpoints (.pt / .pth) import into the float Graph IR: a whole nn.Sequential (input shape from its
first Linear) or {'model', 'input_shape'}; the graph's logits equal torch's; `eccless eval` and `finetune` take
the file like an .onnx; anything else is one line."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from eccless import models
from eccless.errors import ModelError
from eccless.importers import load_model

pytestmark = pytest.mark.unit


def run_cli(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "eccless.cli", *args], capture_output=True, text=True,
                          timeout=600)


def test_a_saved_mlp_and_a_saved_lenet_import_with_torchs_logits(tmp_path):
    torch.manual_seed(1)
    mlp = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.1), nn.Linear(32, 10)).eval()
    torch.save(mlp, tmp_path / "mlp.pt")
    graph = load_model(tmp_path / "mlp.pt")
    x = np.random.default_rng(0).random((5, 64), dtype=np.float32)
    np.testing.assert_allclose(graph.forward(x), models.torch_logits(mlp, x), rtol=0, atol=1e-5)
    assert graph.input_shape == (64,) and graph.num_classes == 10

    lenet = models.build("lenet", (28, 28, 1), 10).eval()
    torch.save({"model": lenet, "input_shape": (28, 28, 1), "name": "mine"}, tmp_path / "lenet.pth")
    graph = load_model(tmp_path / "lenet.pth")
    x = np.random.default_rng(1).random((4, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(graph.forward(x), models.torch_logits(lenet, x), rtol=0, atol=1e-4)
    assert graph.name == "mine"


def test_bad_checkpoints_are_one_line_errors(tmp_path):
    torch.manual_seed(2)
    conv = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2 * 6 * 6, 3))
    cases = {
        "state.pt": (conv.state_dict(), "a state_dict has no layers"),
        "conv.pt": (conv, "input shape does not follow from a first Conv2d"),
        "nolinear.pt": (nn.Sequential(nn.ReLU()), "no nn.Linear"),
        "dict.pt": ({"model": conv}, "needs 'model'"),
        "shape.pt": ({"model": conv, "input_shape": (9, 9, 1)}, "bad input_shape"),
    }
    for name, (obj, message) in cases.items():
        torch.save(obj, tmp_path / name)
        with pytest.raises(ModelError, match=message):
            load_model(tmp_path / name)
    (tmp_path / "trunc.pt").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(ModelError, match="not a PyTorch checkpoint"):
        load_model(tmp_path / "trunc.pt")


def test_eval_and_finetune_take_a_torch_checkpoint(tmp_path):
    torch.manual_seed(3)
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 10)).eval()
    torch.save({"model": mlp, "input_shape": (8, 8, 1)}, tmp_path / "m.pt")  # digits' 8 x 8 images
    r = run_cli(["finetune", str(tmp_path / "m.pt"), "--dataset", "digits", "--epochs", "1", "--bit-errors", "0.01",
                 "--clip", "0.5", "-o", str(tmp_path / "ft.npz")])
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "ft.npz").is_file()
    bad = run_cli(["finetune", str(tmp_path / "missing.pt"), "--dataset", "digits", "-o", str(tmp_path / "x.npz")])
    assert bad.returncode != 0 and "not found" in bad.stderr and "Traceback" not in bad.stderr

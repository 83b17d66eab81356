"""The outside yardstick: TensorFlow Lite for Microcontrollers (PyPI `tflite-micro`), the runtime microcontroller
users compare against, gives byte for byte the int8 outputs of eccless's host reference inference.

LiteRT's default FULLY_CONNECTED rescales in double and differs by one step on some outputs (tests/test_tflite.py);
TFLM uses MultiplyByQuantizedMultiplier as eccless and CMSIS-NN do, so here nothing may differ, in either form the
exporter writes dense layers, on our trained models and on a converter-made model's weights and scales."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import zlib

import numpy as np
import pytest

from eccless.tflite import load_tflite, read_tflite, to_tflite_bytes

runtime = pytest.importorskip("tflite_micro.python.tflite_micro.runtime",
                              reason="tflite-micro not installed: pip install tflite-micro")

pytestmark = pytest.mark.unit


def tflm_run(data: bytes, xq: np.ndarray) -> np.ndarray:
    """TFLM's outputs, one sample per invoke (its interpreter has batch 1)."""
    it = runtime.Interpreter.from_bytes(data)
    out = []
    for x in xq:
        it.set_input(x[None], 0)
        it.invoke()
        out.append(it.get_output(0).copy())
    return np.concatenate(out)


def assert_bytes_equal(ours: np.ndarray, theirs: np.ndarray):
    assert theirs.dtype == ours.dtype == np.int8 and theirs.shape == ours.shape
    bad = np.argwhere(ours != theirs)
    assert bad.size == 0, f"{len(bad)} outputs differ, first (sample, logit): {bad[:10].tolist()}"


@pytest.mark.parametrize("arch", ["mlp", "lenet", "actmlp"])
def test_exported_model_equals_tflm_on_the_whole_test_set(arch, digits, tmp_path):
    path = tmp_path / f"{arch}.tflite"
    res = subprocess.run([sys.executable, "-m", "eccless.cli", "export-tflite", f"digits:{arch}", "-o", str(path)],
                         capture_output=True, text=True, timeout=600, env=dict(os.environ))
    assert res.returncode == 0, res.stderr
    qg = load_tflite(path)
    xq = qg.quantize_input(digits.x_test)
    ours = qg.forward(xq)
    assert_bytes_equal(ours, tflm_run(path.read_bytes(), xq))
    assert_bytes_equal(ours, tflm_run(to_tflite_bytes(qg, dense_as="fully_connected"), xq))
    assert len(np.unique(ours)) > 50


def test_converter_made_model_equals_tflm(digits):
    """The TFLite converter's CNN (per-channel FULLY_CONNECTED, where LiteRT's default kernels round differently),
    imported, written back with its FULLY_CONNECTED ops, run by TFLM."""
    sys.path.insert(0, os.path.dirname(__file__))
    from test_tflite_converter import CONVERTER_CNN

    qg = read_tflite(zlib.decompress(base64.b64decode("".join(CONVERTER_CNN))))
    xq = qg.quantize_input(digits.x_test)
    buf = to_tflite_bytes(qg, dense_as="fully_connected")
    assert_bytes_equal(qg.forward(xq), tflm_run(buf, xq))

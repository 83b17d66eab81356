"""Our trained models, quantized to int8 and exported as .tflite: LiteRT's reference kernels give exactly our
integer reference's outputs on the whole test set (the issue's yardstick, on real trained weights)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("ai_edge_litert")

from eccless.quant.int8 import quantize
from eccless.tflite.export import export_tflite
from eccless.tflite.import_ import load_tflite

from test_tflite import litert_run

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("arch", ["mlp", "lenet", "deepcnn"])
def test_trained_model_matches_litert_exactly(arch, digits, tmp_path):
    from eccless.models import trained_model

    qg = quantize(trained_model("digits", arch), digits.x_train[:512])
    path = export_tflite(qg, tmp_path / f"{arch}.tflite")
    x = qg.quantize_input(digits.x_test)
    ours = qg.forward(x)
    theirs = litert_run(path, x)
    mismatch = np.argwhere(ours != theirs)
    assert mismatch.size == 0, f"{len(mismatch)} logits differ, first at {mismatch[:5].tolist()}"
    # and the accuracy we report is the accuracy LiteRT gives
    assert np.mean(theirs.argmax(1) == digits.y_test) == np.mean(qg.predict(digits.x_test) == digits.y_test)
    # the file imports back into the same integer model
    assert np.array_equal(load_tflite(path).forward(x), ours)

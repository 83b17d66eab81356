"""Turn a loaded model into the model a number format stores (quantizing when the format asks for it)."""

from __future__ import annotations

import numpy as np

from ..detect import get_rule
from ..errors import UsageError
from ..graph import Graph

CALIBRATION_SAMPLES = 512


def prepare_model(model, quant: str, detect: str, calib_x: np.ndarray):
    """The Graph (float32, uniform) or QGraph (int8) whose parameters get stored."""
    spare = get_rule(detect).spare
    if quant in ("float32", "uniform"):
        if not isinstance(model, Graph):
            raise UsageError(f"an int8 model can only be stored as int8, not {quant}")
        return model
    if quant != "int8":
        raise UsageError(f"unknown quantization {quant!r} (known: float32, int8, uniform)")
    if isinstance(model, Graph):
        from ..quant.int8 import quantize

        return quantize(model, calib_x[:CALIBRATION_SAMPLES], weight_bits=8 - spare)
    if spare:
        from ..quant.int8 import narrow_weights

        return narrow_weights(model, 8 - spare)
    return model


def bits_for(quant: str, bits: int) -> int:
    """Stored bits per parameter of a format: float32 and int8 fix it; uniform takes the user's n."""
    return {"float32": 32, "int8": 8}.get(quant, bits)


def store_model(model, quant: str, repr_name: str, detect: str, bits: int, calib_x: np.ndarray):
    """The StoredModel of a loaded model: quantized as the format asks, laid out in `repr_name` with `detect`."""
    from .stored import StoredModel

    return StoredModel(prepare_model(model, quant, detect, calib_x), quant, repr_name, detect,
                       n=bits_for(quant, bits))

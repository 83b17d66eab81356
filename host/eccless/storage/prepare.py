"""Turn a loaded model into the model a number format stores (quantizing when the format asks for it)."""

from __future__ import annotations

import numpy as np

from ..detect import get_rule
from .formats import FORMATS
from .stored import StoredModel


def prepare_model(model, quant: str, detect: str, calib_x: np.ndarray):
    """The Graph (float32, uniform) or QGraph (int8) whose parameters get stored, as the format prepares it."""
    return FORMATS.get(quant).prepare(model, get_rule(detect).spare, calib_x)


def bits_for(quant: str, bits: int) -> int:
    """Stored bits per parameter of a format: float32 and int8 fix it; uniform takes the user's n."""
    return FORMATS.get(quant).stored_bits(bits)


def store_model(model, quant: str, repr_name: str, detect: str, bits: int, calib_x: np.ndarray,
                protect_biases: bool = False):
    """The StoredModel of a loaded model: quantized as the format asks, laid out in `repr_name` with `detect`;
    protect_biases: the biases kept in the (BCH-protected) metadata instead of the raw region."""
    return StoredModel(prepare_model(model, quant, detect, calib_x), quant, repr_name, detect,
                       n=bits_for(quant, bits), protect_biases=protect_biases)

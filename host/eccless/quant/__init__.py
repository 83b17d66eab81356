"""int8 quantization in TFLite's scheme and its integer reference (the specification of the C kernels)."""

from .int8 import QGraph, QOp, narrow_weights, quantize

__all__ = ["QGraph", "QOp", "narrow_weights", "quantize"]

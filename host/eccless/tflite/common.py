"""What the .tflite exporter and importer share: schema access, op names, activations and SAME/VALID padding.

TFLite has no explicit pads, only SAME and VALID (tflite/kernels/padding.h ComputePaddingHeightWidth):
SAME gives out = ceil(in / stride) with total = max((out - 1) * stride + k - in, 0) split as
(total // 2 before, the rest after); VALID gives out = (in - k) // stride + 1 and no padding.
"""

from __future__ import annotations

from ..errors import ModelError

try:  # the [tflite] extra; imported lazily so the rest of eccless works without it
    from ai_edge_litert import schema_py_generated as schema
except ImportError:  # pragma: no cover - exercised only without the extra
    schema = None

FILE_IDENTIFIER = b"TFL3"

ACT_TO_TFLITE = {"none": 0, "relu": 1, "relu6": 3}  # schema.ActivationFunctionType NONE / RELU / RELU6
TFLITE_TO_ACT = {v: k for k, v in ACT_TO_TFLITE.items()}


def require_schema():
    if schema is None:
        raise ModelError("reading or writing .tflite needs ai-edge-litert: pip install 'eccless[tflite]'")
    return schema


def builtin_names() -> dict[int, str]:
    """BuiltinOperator code -> name (e.g. 9 -> 'FULLY_CONNECTED')."""
    ops = require_schema().BuiltinOperator
    return {v: k for k, v in vars(ops).items() if not k.startswith("_") and isinstance(v, int)}


def same_pads(in_hw: tuple[int, int], kernel: tuple[int, int], stride: tuple[int, int]) -> tuple[int, ...]:
    """(top, bottom, left, right) TFLite applies for SAME padding."""
    pads = []
    for size, k, s in zip(in_hw, kernel, stride):
        out = -(-size // s)
        total = max((out - 1) * s + k - size, 0)
        pads += [total // 2, total - total // 2]
    return tuple(pads)


def padding_code(name: str, pads, in_hw, kernel, stride) -> int:
    """schema.Padding for our explicit pads, or ModelError when TFLite cannot express them."""
    pads = tuple(int(p) for p in pads)
    if not any(pads):
        return require_schema().Padding.VALID
    if pads == same_pads(in_hw, kernel, stride):
        return require_schema().Padding.SAME
    raise ModelError(
        f"{name}: pads {pads} are neither TFLite SAME {same_pads(in_hw, kernel, stride)} nor VALID"
    )


def explicit_pads(code: int, in_hw, kernel, stride) -> tuple[int, int, int, int]:
    """Explicit (top, bottom, left, right) for a schema.Padding code."""
    if code == require_schema().Padding.SAME:
        return same_pads(in_hw, kernel, stride)
    if code == require_schema().Padding.VALID:
        return (0, 0, 0, 0)
    raise ModelError(f"unknown TFLite padding code {code}")

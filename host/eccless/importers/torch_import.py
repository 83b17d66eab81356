"""Import a PyTorch checkpoint (.pt / .pth) into the float Graph IR, through models.convert.torch_to_graph.

The file is what `torch.save` wrote for one of:
- an `nn.Sequential` (the whole module): its input shape must follow from its first layer, so a model that starts
  with `nn.Linear` (input (in_features,)); or
- a dict {"model": nn.Sequential, "input_shape": (H, W, C) or (D,)} for any model the IR converts (convolutions,
  pools, Flatten, Linear, ReLU/ReLU6/Sigmoid/Hardswish, Dropout/Identity skipped); an optional "name".

Loading a whole module unpickles it (torch.load with weights_only=False), which runs code from the file: import
only checkpoints you trust, as with any pickle. The class count is the last Linear's out_features.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ModelError
from ..graph import Graph


def load_torch(path: str | Path) -> Graph:
    import torch
    from torch import nn

    from ..models.convert import torch_to_graph

    path = Path(path)
    try:
        obj = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as e:  # a truncated or foreign file: torch raises many kinds
        raise ModelError(f"{path}: not a PyTorch checkpoint torch.load can read ({type(e).__name__})") from None
    name = path.stem
    if isinstance(obj, dict) and "model" not in obj:
        raise ModelError(f"{path}: a dict without 'model' (a state_dict has no layers: save "
                         f"{{'model': module, 'input_shape': (H, W, C)}})")
    if isinstance(obj, dict):
        model, shape, name = obj.get("model"), obj.get("input_shape"), str(obj.get("name", name))
        if not isinstance(model, nn.Sequential) or shape is None:
            raise ModelError(f"{path}: a checkpoint dict needs 'model' (an nn.Sequential) and 'input_shape'")
    elif isinstance(obj, nn.Sequential):
        model, shape = obj, None
    else:
        raise ModelError(f"{path}: holds a {type(obj).__name__}; eccless imports an nn.Sequential or "
                         f"{{'model': nn.Sequential, 'input_shape': ...}}")
    linears = [m for m in model if isinstance(m, nn.Linear)]
    if not linears:
        raise ModelError(f"{path}: the model has no nn.Linear layer to give its class count")
    if shape is None:
        first = next((m for m in model if not isinstance(m, (nn.Dropout, nn.Identity))), None)
        if not isinstance(first, nn.Linear):
            raise ModelError(f"{path}: its input shape does not follow from a first {type(first).__name__}: save "
                             f"{{'model': model, 'input_shape': (H, W, C)}}")
        shape = (first.in_features,)
    try:
        return torch_to_graph(model.eval(), tuple(int(d) for d in shape), linears[-1].out_features, name=name)
    except (TypeError, ValueError) as e:
        raise ModelError(f"{path}: bad input_shape {shape!r} ({e})") from None

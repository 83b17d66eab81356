"""Training for bit errors (RandBET, Stutz et al., MLSys 2021): every step also runs the model with its weights as
stored int8 words in which each bit flipped with probability P, gradients passing straight through.

Per output channel the weight w is quantized symmetrically as the int8 format stores it (scale max|w| / 127,
two's complement words), each of the 8 bits of each word is flipped with probability P (torch's RNG, seeded by the
training seed), and the perturbed weights are dequantized; the forward pass uses w + (w_perturbed - w).detach(), so
the gradient is that of the clean weights. The loss is the clean loss plus the perturbed loss. With clip W > 0 the
weights are clamped to [-W, W] after every step, which keeps the quantization step (and so the damage of a flipped
high bit) small. Biases stay clean: the int8 format stores them as int32 words, which the range rule or the
protected region handles.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.func import functional_call

BITS = 8


def _is_weight(name: str, p: torch.Tensor) -> bool:
    return name.endswith("weight") and p.dim() >= 2


def perturbed_weights(model: nn.Module, p: float) -> dict[str, torch.Tensor]:
    """{name: straight-through perturbed weight} for every conv / dense weight of `model`."""
    out = {}
    for name, w in model.named_parameters():
        if not _is_weight(name, w):
            continue
        flat = w.reshape(w.shape[0], -1)
        scale = (flat.detach().abs().amax(dim=1, keepdim=True) / 127.0).clamp_min(1e-12)
        q = torch.clamp(torch.round(flat.detach() / scale), -127, 127).to(torch.int16)
        words = (q & 0xFF).to(torch.uint8)  # two's complement int8 words
        flips = torch.rand(words.shape + (BITS,)) < p
        mask = (flips.to(torch.uint8) << torch.arange(BITS, dtype=torch.uint8)).sum(dim=-1, dtype=torch.uint8)
        noisy = (words ^ mask).view(torch.int8).to(torch.float32) * scale
        out[name] = w + (noisy.reshape(w.shape) - w).detach()
    return out


def bit_error_loss(model: nn.Module, loss_fn, x: torch.Tensor, y: torch.Tensor, p: float) -> torch.Tensor:
    """Clean loss plus the loss of the model with perturbed stored weights."""
    clean = loss_fn(model(x), y)
    noisy = loss_fn(functional_call(model, perturbed_weights(model, p), (x,)), y)
    return clean + noisy


@torch.no_grad()
def clip_weights(model: nn.Module, clip: float) -> None:
    for name, w in model.named_parameters():
        if _is_weight(name, w):
            w.clamp_(-clip, clip)

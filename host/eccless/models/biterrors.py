"""Training for bit errors (RandBET, Stutz et al., MLSys 2021): every step also runs the model with its weights as
stored int8 words in which each bit flipped with probability P, gradients passing straight through.

Per output channel the weight w is quantized symmetrically as the int8 format stores it (scale max|w| / 127),
laid out as an 8-bit word by a representation of the registry (two's complement unless asked otherwise: the
`NoiseStorage`), each of the 8 bits of each word is flipped with probability P (torch's RNG, seeded by the training
seed), the words are decoded, and -- with the range rule -- a level outside its channel's clean [min, max] is zeroed,
as the loader's range check does. The perturbed weights are dequantized; the forward pass uses
w + (w_perturbed - w).detach(), so the gradient is that of the clean weights. The loss is the clean loss plus the
perturbed loss. With clip W > 0 the weights are clamped to [-W, W] after every step, which keeps the quantization
step (and so the damage of a flipped high bit) small. Biases stay clean: the int8 format stores them as int32
words, which the range rule or the protected region handles.

Training for the storage the model will be deployed in (`signmag+range`, say) matters: a two's complement MSB flip
moves a level by 128 steps, a sign-magnitude one only mirrors it, so a model trained for the first spends its
capacity on errors the second never makes.
"""

from __future__ import annotations

from functools import lru_cache

import torch
from torch import nn
from torch.func import functional_call

from .noise import BITS, NoiseStorage

TWOS = NoiseStorage()  # the default stored form: two's complement words, no rule


@lru_cache(maxsize=None)
def _tables(name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(encode, decode) of the 8-bit code as int64 lookup tables: index (= level + 128) <-> stored word."""
    import numpy as np

    from .. import represent

    rep = represent.build(name, BITS)
    index = np.arange(1 << BITS, dtype=np.uint64)
    enc = torch.from_numpy(rep.encode(index).astype(np.int64))
    dec = torch.from_numpy(rep.decode(index).astype(np.int64))
    return enc, dec


def _is_weight(name: str, p: torch.Tensor) -> bool:
    return name.endswith("weight") and p.dim() >= 2


def perturbed_weights(model: nn.Module, p: float,
                      storage: NoiseStorage = TWOS) -> dict[str, torch.Tensor]:
    """{name: straight-through perturbed weight} for every conv / dense weight of `model`."""
    enc, dec = _tables(storage.repr)
    out = {}
    for name, w in model.named_parameters():
        if not _is_weight(name, w):
            continue
        flat = w.reshape(w.shape[0], -1)
        scale = (flat.detach().abs().amax(dim=1, keepdim=True) / 127.0).clamp_min(1e-12)
        q = torch.clamp(torch.round(flat.detach() / scale), -127, 127).to(torch.int64)
        words = enc[q + (1 << (BITS - 1))]
        flips = torch.rand(words.shape + (BITS,)) < p
        mask = (flips.to(torch.uint8) << torch.arange(BITS, dtype=torch.uint8)).sum(dim=-1, dtype=torch.uint8)
        levels = dec[words ^ mask.to(torch.int64)] - (1 << (BITS - 1))
        if storage.range_check:
            lo, hi = q.amin(dim=1, keepdim=True), q.amax(dim=1, keepdim=True)
            levels = torch.where((levels < lo) | (levels > hi), torch.zeros_like(levels), levels)
        noisy = levels.to(torch.float32) * scale
        out[name] = w + (noisy.reshape(w.shape) - w).detach()
    return out


def bit_error_loss(model: nn.Module, loss_fn, x: torch.Tensor, y: torch.Tensor, p: float,
                   storage: NoiseStorage = TWOS) -> torch.Tensor:
    """Clean loss plus the loss of the model with perturbed stored weights."""
    clean = loss_fn(model(x), y)
    noisy = loss_fn(functional_call(model, perturbed_weights(model, p, storage), (x,)), y)
    return clean + noisy


@torch.no_grad()
def clip_weights(model: nn.Module, clip: float) -> None:
    for name, w in model.named_parameters():
        if _is_weight(name, w):
            w.clamp_(-clip, clip)

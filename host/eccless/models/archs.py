"""The model architectures eccless trains, as torch nn.Sequential builders over NCHW input.

Only layers the Graph IR can hold are used (Conv2d, Linear, ReLU, MaxPool2d, Flatten), so every model converts
without approximation. Each builder adapts its padding to the input size, so the same name works on 8x8 digits
and 28x28 MNIST-like images:

    mlp      flatten -> 64 -> 32 -> classes                         (6.6k params on digits, 53k on 28x28)
    widemlp  flatten -> 320 -> 64 -> classes                        (272k params on 28x28: more weights than a
             128 KB-RAM board holds decoded, the run-from-flash benchmark's model)
    lenet    LeNet-5: conv5x5x6 -> pool -> conv5x5x16 -> pool -> 120 -> 84 -> classes   (62k params on 28x28)
    deepcnn  six 3x3 convs (8, 8, 16, 16, 32, 32) with two max pools, then 320 -> 64 -> classes: 9 weight
             layers, 541k params on 28x28 of which 93 % sit in the first dense layer, but only ~2.4M MACs per
             image, so it tests the "big model is fragile" finding without being slow on a microcontroller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import nn

from ..errors import ModelError
from ..registry import Registry


@dataclass(frozen=True)
class Arch:
    build: Callable[[tuple[int, ...], int], nn.Sequential]  # (input_shape HWC or (D,), num_classes) -> model
    describe: str


def _hwc(input_shape: tuple[int, ...], arch: str) -> tuple[int, int, int]:
    if len(input_shape) != 3:
        raise ModelError(f"{arch} needs image input (H, W, C), got shape {tuple(input_shape)}")
    return tuple(int(d) for d in input_shape)


def mlp(input_shape: tuple[int, ...], num_classes: int) -> nn.Sequential:
    n_in = 1
    for d in input_shape:
        n_in *= int(d)
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(n_in, 64), nn.ReLU(),
        nn.Linear(64, 32), nn.ReLU(),
        nn.Linear(32, num_classes),
    )  # fmt: skip


def widemlp(input_shape: tuple[int, ...], num_classes: int) -> nn.Sequential:
    n_in = 1
    for d in input_shape:
        n_in *= int(d)
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(n_in, 320), nn.ReLU(),
        nn.Linear(320, 64), nn.ReLU(),
        nn.Linear(64, num_classes),
    )  # fmt: skip


def lenet(input_shape: tuple[int, ...], num_classes: int) -> nn.Sequential:
    h, w, c = _hwc(input_shape, "lenet")
    if min(h, w) < 4:
        raise ModelError(f"lenet needs images of at least 4x4, got {h}x{w}")
    # LeNet-5 pads 28x28 to 32x32 for conv1 ("same"); conv2 stays "valid" when the map is big enough (10x10
    # out of 14x14) and is padded to "same" on small inputs such as 8x8 digits, where a valid 5x5 cannot fit.
    h1, w1 = h // 2, w // 2
    pad2 = 0 if min(h1, w1) >= 5 + 4 else 2
    h2, w2 = (h1 - 4 + 2 * pad2) // 2, (w1 - 4 + 2 * pad2) // 2
    return nn.Sequential(
        nn.Conv2d(c, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5, padding=pad2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * h2 * w2, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, num_classes),
    )  # fmt: skip


def deepcnn(input_shape: tuple[int, ...], num_classes: int) -> nn.Sequential:
    h, w, c = _hwc(input_shape, "deepcnn")
    if min(h, w) < 4:
        raise ModelError(f"deepcnn needs images of at least 4x4, got {h}x{w}")

    def block(c_in, c_out):
        return [
            nn.Conv2d(c_in, c_out, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c_out, c_out, 3, padding=1),
            nn.ReLU(),
        ]

    return nn.Sequential(
        *block(c, 8), nn.MaxPool2d(2),
        *block(8, 16), nn.MaxPool2d(2),
        *block(16, 32),
        nn.Flatten(), nn.Dropout(0.25),
        nn.Linear(32 * (h // 4) * (w // 4), 320), nn.ReLU(), nn.Dropout(0.25),
        nn.Linear(320, 64), nn.ReLU(),
        nn.Linear(64, num_classes),
    )  # fmt: skip


ARCHS: Registry[Arch] = Registry("architecture")
ARCHS.add("mlp", Arch(mlp, "MLP in -> 64 -> 32 -> classes"))
ARCHS.add("widemlp", Arch(widemlp, "MLP in -> 320 -> 64 -> classes (272k params on 28x28)"))
ARCHS.add("lenet", Arch(lenet, "LeNet-5 CNN (2 conv + 3 dense)"))
ARCHS.add("deepcnn", Arch(deepcnn, "6 conv + 3 dense, >= 500k params on 28x28, cheap in MACs"))


def build(arch: str, input_shape: tuple[int, ...], num_classes: int) -> nn.Sequential:
    """A freshly initialised model (uses torch's global RNG: seed it, as train() does)."""
    return ARCHS.get(arch).build(tuple(input_shape), int(num_classes))

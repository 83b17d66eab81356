"""Train an architecture on a Dataset on the CPU and hand back the Graph, deterministically for a seed.

Adam with a cosine learning-rate decay and cross-entropy; initialisation comes from torch's RNG seeded inside
a forked RNG state (the caller's global state is left alone) and batch order from a numpy generator with the
same seed, so with the same thread count the same call gives bit-identical weights. A tqdm progress bar goes
to stderr when it is a terminal (or when asked).
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from ..data import Dataset, stratified_split
from ..errors import UsageError
from ..graph import Graph
from ..progress import progress as show_progress
from .archs import build
from .biterrors import bit_error_loss, clip_weights
from .cache import check_bit_errors
from .noise import NoiseStorage
from .convert import torch_to_graph


@contextmanager
def _threads(n: int):
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def to_torch(x: np.ndarray) -> torch.Tensor:
    """NHWC numpy images (or (N, D) vectors) to a float32 NCHW tensor."""
    x = np.asarray(x, dtype=np.float32)
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2) if x.ndim == 4 else x))


@torch.no_grad()
def torch_logits(model: nn.Module, x: np.ndarray, batch: int = 1024) -> np.ndarray:
    """Float32 logits of a torch model for NHWC numpy input, in eval mode."""
    model.eval()
    outs = [model(to_torch(x[i : i + batch])).numpy() for i in range(0, len(x), batch)]
    return np.concatenate(outs) if outs else np.zeros((0, 0), np.float32)


def fit(
    dataset: Dataset,
    arch: str,
    *,
    epochs: int,
    seed: int = 0,
    batch_size: int = 128,
    lr: float = 2e-3,
    train_subset: int | None = None,
    threads: int | None = None,
    progress: bool | None = None,
    bit_errors: float = 0.0,
    clip: float = 0.0,
    bit_errors_as: str = "twos",
    init: nn.Sequential | None = None,
) -> nn.Sequential:
    """Train a fresh `arch` model (or, given `init`, that model further: fine-tuning) on dataset (or on a seeded
    stratified subset of train_subset samples); with
    bit_errors P > 0 for stored int8 bit errors (biterrors.py) in the stored form bit_errors_as (REPR[+range]),
    with clip W > 0 clamping weights to [-W, W]."""
    if epochs < 1 or batch_size < 1 or not lr > 0:
        raise UsageError(f"need epochs >= 1, batch_size >= 1, lr > 0 (got {epochs}, {batch_size}, {lr})")
    check_bit_errors(bit_errors, clip)
    storage = NoiseStorage.parse(bit_errors_as)
    x, y = dataset.x_train, dataset.y_train
    if train_subset is not None and train_subset < len(y):
        _, keep = stratified_split(y, train_subset, seed=seed)  # the "test" side of the split is what we keep
        x, y = x[keep], y[keep]
    # One intra-op thread by default: on the shared 2-core machines two threads measured 2-5x *slower* under
    # load (their workers spin waiting for each other); one thread also keeps results independent of the core
    # count.
    threads = threads or 1
    rng = np.random.default_rng(seed)
    xt, yt = to_torch(x), torch.from_numpy(y)
    steps_per_epoch = -(-len(y) // batch_size)
    with _threads(threads), torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = build(arch, dataset.input_shape, dataset.num_classes) if init is None else init
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps_per_epoch)
        loss_fn = nn.CrossEntropyLoss()
        bar = show_progress(total=epochs * steps_per_epoch, desc=f"{dataset.name}/{arch}", show=progress, unit="batch")
        with bar:
            for epoch in range(epochs):
                model.train()
                order = torch.from_numpy(rng.permutation(len(y)))
                for start in range(0, len(y), batch_size):
                    idx = order[start : start + batch_size]
                    opt.zero_grad(set_to_none=True)
                    if bit_errors > 0:
                        loss = bit_error_loss(model, loss_fn, xt[idx], yt[idx], bit_errors, storage)
                    else:
                        loss = loss_fn(model(xt[idx]), yt[idx])
                    loss.backward()
                    opt.step()
                    sched.step()
                    if clip > 0:
                        clip_weights(model, clip)
                    bar.update(1)
                bar.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.3f}")
    model.eval()
    return model


def train(
    dataset: Dataset,
    arch: str,
    *,
    epochs: int,
    seed: int = 0,
    batch_size: int = 128,
    lr: float = 2e-3,
    train_subset: int | None = None,
    threads: int | None = None,
    progress: bool | None = None,
    bit_errors: float = 0.0,
    clip: float = 0.0,
    bit_errors_as: str = "twos",
) -> Graph:
    """fit(), then convert to a Graph whose meta records the recipe, test accuracy and training time."""
    t0 = time.perf_counter()
    model = fit(
        dataset,
        arch,
        epochs=epochs,
        seed=seed,
        batch_size=batch_size,
        lr=lr,
        train_subset=train_subset,
        threads=threads,
        progress=progress,
        bit_errors=bit_errors,
        clip=clip,
        bit_errors_as=bit_errors_as,
    )
    seconds = time.perf_counter() - t0
    meta = {
        "dataset": dataset.name,
        "arch": arch,
        "epochs": int(epochs),
        "seed": int(seed),
        "batch_size": int(batch_size),
        "lr": float(lr),
        "train_samples": int(min(train_subset or len(dataset.y_train), len(dataset.y_train))),
        "train_seconds": round(seconds, 2),
        "torch": torch.__version__,
    }
    if bit_errors or clip:
        meta.update(bit_errors=float(bit_errors), clip=float(clip), bit_errors_as=bit_errors_as)
    graph = torch_to_graph(
        model, dataset.input_shape, dataset.num_classes, name=f"{dataset.name}-{arch}", meta=meta
    )
    graph.meta["test_accuracy"] = float(np.mean(graph.predict(dataset.x_test) == dataset.y_test))
    return graph

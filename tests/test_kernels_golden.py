"""The C kernels (edge/kernels, both variants, built for the host) equal the numpy integer reference bit for bit.

Hundreds of seeded random cases per op (shapes, strides, pads, depth multipliers, zero points, multipliers,
clamps), then corrupted parameters: weights over the whole int8 range, biases next to the int32 limits so that
acc + bias wraps, and extreme requantization (every shift in [-31, 31], multipliers >= 1, 0, negative, INT32_MIN).
"""

from __future__ import annotations

import numpy as np
import pytest

from eccless.testing.kernels_host import VARIANTS, HostKernels, build_library
from eccless.quant.int8 import QOp
from eccless.quant.kernels import INT8_KERNELS

pytestmark = pytest.mark.golden

I32_MIN, I32_MAX = -(2**31), 2**31 - 1


@pytest.fixture(scope="module", params=VARIANTS)
def kern(request, tmp_path_factory) -> HostKernels:
    lib = HostKernels(build_library(request.param, tmp_path_factory.mktemp(request.param)))
    assert lib.variant == request.param
    return lib


@pytest.fixture(params=("checked", "prepared"))
def fc_kern(kern, request) -> HostKernels:
    """kern with fully connected calls through the checked entry point, or prepare + eval (the interpreter's)."""
    kern.fc_prepared = request.param == "prepared"
    yield kern
    kern.fc_prepared = False


def assert_same(ref: np.ndarray, got: np.ndarray, what: str):
    if ref.shape != got.shape:
        pytest.fail(f"{what}: C output shape {got.shape}, reference {ref.shape}")
    if not np.array_equal(ref, got):
        bad = np.argwhere(ref != got)
        first = ", ".join(f"{tuple(int(i) for i in b)}: ref {ref[tuple(b)]} C {got[tuple(b)]}" for b in bad[:5])
        pytest.fail(f"{what}: {len(bad)} of {ref.size} outputs differ; first {first}")


def requant(rng, channels: int, extreme: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel (multiplier, shift): QuantizeMultiplier-like, or anything the C accepts when extreme."""
    if not extreme:
        return (rng.integers(1 << 30, 1 << 31, channels).astype(np.int32),
                rng.integers(-14, 1, channels).astype(np.int32))
    pool = np.array([0, 1, 1 << 30, I32_MAX, I32_MIN, -1, -(1 << 30)], dtype=np.int64)
    mult = np.where(rng.random(channels) < 0.4, rng.choice(pool, channels),
                    rng.integers(I32_MIN, I32_MAX, channels, endpoint=True))
    return mult.astype(np.int32), rng.integers(-31, 32, channels).astype(np.int32)


def bias(rng, channels: int, extreme: bool) -> np.ndarray:
    if not extreme:
        return rng.integers(-20000, 20000, channels).astype(np.int32)
    near = rng.integers(0, 70000, channels)
    return np.where(rng.random(channels) < 0.5, I32_MAX - near, I32_MIN + near).astype(np.int32)


def random_op(rng, kind: str, extreme: bool = False) -> tuple[QOp, np.ndarray]:
    """A QOp of `kind` with random geometry and quantization, and a matching int8 input batch."""
    n = int(rng.integers(1, 3))
    h, w, c = (int(v) for v in rng.integers(1, 10, 3))
    kh, kw = int(rng.integers(1, min(h + 2, 5) + 1)), int(rng.integers(1, min(w + 2, 5) + 1))
    stride = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    if kind in ("maxpool", "avgpool"):  # pads below the window, so that no window is empty
        pads = (int(rng.integers(0, kh)), int(rng.integers(0, kh)), int(rng.integers(0, kw)), int(rng.integers(0, kw)))
    else:  # conv pads may exceed the kernel: whole windows in the padding
        pads = tuple(int(p) for p in rng.integers(0, 4, 4))
    h, w = max(h, kh - pads[0] - pads[1]), max(w, kw - pads[2] - pads[3])
    x = rng.integers(-128, 128, (n, h, w, c), dtype=np.int8)
    lo = int(rng.integers(-128, 128))
    hi = int(rng.integers(lo, 128))
    if rng.random() < 0.3:
        lo, hi = -128, 127
    q = dict(in_zp=int(rng.integers(-128, 128)), out_zp=int(rng.integers(-128, 128)), act_min=lo, act_max=hi)
    wlim = 128 if extreme else int(rng.integers(2, 128))
    if kind == "dense":
        x = x.reshape(n, -1)
        out = int(rng.integers(1, 13))
        weight = rng.integers(-wlim, wlim, (out, x.shape[1]), dtype=np.int8)
    elif kind == "conv2d":
        out = int(rng.integers(1, 10))
        weight = rng.integers(-wlim, wlim, (out, kh, kw, c), dtype=np.int8)
    elif kind == "dwconv2d":
        out = c * int(rng.choice([1, 1, 2, 3]))
        weight = rng.integers(-wlim, wlim, (1, kh, kw, out), dtype=np.int8)
    else:
        weight = None
    if weight is None:
        if kind == "relu":
            mult, shift = requant(rng, 1, extreme)
            if rng.random() < 0.3:  # QuantizeMultiplier(1.0): the pure-clamp fast path of the optimized variant
                mult, shift, q["out_zp"] = np.array([1 << 30], np.int32), np.array([1], np.int32), q["in_zp"]
            return QOp(kind, out_mult=mult, out_shift=shift, **q), x
        return QOp(kind, stride=stride, pads=pads, pool=(kh, kw), act_min=lo, act_max=hi), x
    mult, shift = requant(rng, out, extreme)
    return QOp(kind, stride=stride, pads=pads, weight=weight, bias=bias(rng, out, extreme), out_mult=mult,
               out_shift=shift, **q), x


def describe(op: QOp, x: np.ndarray) -> str:
    w = None if op.weight is None else op.weight.shape
    return f"{op.kind} x{x.shape} w{w} stride{op.stride} pads{op.pads} pool{op.pool} zp({op.in_zp},{op.out_zp})"


KINDS = ("dense", "conv2d", "dwconv2d", "maxpool", "avgpool", "relu")


@pytest.mark.parametrize("kind", KINDS)
def test_random_ops_equal_reference(kern, kind):
    rng = np.random.default_rng(1000 + KINDS.index(kind))
    for case in range(120):
        op, x = random_op(rng, kind)
        assert_same(INT8_KERNELS[kind](op, x), kern.run(op, x), f"{kern.variant} case {case}: {describe(op, x)}")


def test_random_dense_through_prepare_and_eval_equals_reference(fc_kern):
    """The interpreter's path (prepare once, then eval) and the checked call give the reference's bytes, on random
    and on corrupted parameters (full-range weights, wrapping biases, every shift, wild multipliers)."""
    rng = np.random.default_rng(1000)
    for case in range(160):
        op, x = random_op(rng, "dense", extreme=case % 2 == 1)
        assert_same(INT8_KERNELS["dense"](op, x), fc_kern.run(op, x),
                    f"{fc_kern.variant} {fc_kern.fc_prepared} case {case}: {describe(op, x)}")


@pytest.mark.parametrize("kind", ("dense", "conv2d", "dwconv2d", "relu"))
def test_corrupted_parameters_equal_reference(kern, kind):
    """Full-range weights, biases that make acc + bias wrap, shifts in [-31, 31] and wild multipliers."""
    rng = np.random.default_rng(2000 + KINDS.index(kind))
    for case in range(80):
        op, x = random_op(rng, kind, extreme=True)
        assert_same(INT8_KERNELS[kind](op, x), kern.run(op, x), f"{kern.variant} extreme {case}: {describe(op, x)}")


def test_accumulator_wraps_like_int32(kern):
    """acc + bias overflowing int32 wraps (not saturates): a bias of INT32_MAX plus a positive dot product."""
    x = np.full((1, 8), 127, np.int8)
    w = np.full((2, 8), 127, np.int8)
    op = QOp("dense", weight=w, bias=np.array([I32_MAX, I32_MIN], np.int32), in_zp=-128, out_zp=0,
             out_mult=np.array([1 << 30, 1 << 30], np.int32), out_shift=np.array([-24, -24], np.int32))
    ref = INT8_KERNELS["dense"](op, x)
    assert ref[0, 0] < 0  # wrapped around to a large negative accumulator
    assert_same(ref, kern.run(op, x), f"{kern.variant} wrap")


def test_left_shifts_wrap_like_int32(kern):
    """Multipliers >= 1 (shift > 0): x * 2^shift is an int32 product that wraps before the high multiply."""
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, -1)
    for shift in (1, 7, 17, 24, 30, 31):
        op = QOp("relu", in_zp=int(shift % 5) - 2, out_zp=3, out_mult=np.array([I32_MAX], np.int32),
                 out_shift=np.array([shift], np.int32))
        assert_same(INT8_KERNELS["relu"](op, x), kern.run(op, x), f"{kern.variant} left shift {shift}")


def test_high_mul_saturates(kern):
    """INT32_MIN * INT32_MIN saturates to INT32_MAX: an odd x - zp shifted left by 31 is INT32_MIN."""
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, -1)
    op = QOp("relu", in_zp=0, out_zp=0, out_mult=np.array([I32_MIN], np.int32), out_shift=np.array([31], np.int32))
    ref = INT8_KERNELS["relu"](op, x)
    assert set(np.unique(ref[0, 1::2])) == {127}  # every odd input saturated to the top
    assert_same(ref, kern.run(op, x), f"{kern.variant} saturation")


@pytest.mark.parametrize("value", (-128, 127))
@pytest.mark.parametrize("window", (16, 17))
def test_avg_pool_extreme_sums(kern, value, window):
    """Windows of 256 cells fill a 16-bit lane exactly (-32768); 289 cells take the 32-bit path."""
    x = np.full((1, window, window, 6), value, np.int8)
    x[0, 0, 0, 1] = -value - 1
    op = QOp("avgpool", pool=(window, window), stride=(1, 1))
    assert_same(INT8_KERNELS["avgpool"](op, x), kern.run(op, x), f"{kern.variant} avgpool {window}x{window}")


def test_wide_layers_equal_reference(kern):
    """Depths and channel counts beyond the blocking of the optimized kernels (tails, odd rows and pixels)."""
    rng = np.random.default_rng(3)
    for depth, out in ((1, 1), (3, 5), (403, 7), (1024, 33)):
        op = QOp("dense", weight=rng.integers(-128, 128, (out, depth), dtype=np.int8),
                 bias=rng.integers(-(10**6), 10**6, out).astype(np.int32), in_zp=5, out_zp=-7,
                 out_mult=np.full(out, 1 << 30, np.int32), out_shift=np.full(out, -10, np.int32))
        x = rng.integers(-128, 128, (3, depth), dtype=np.int8)
        assert_same(INT8_KERNELS["dense"](op, x), kern.run(op, x), f"{kern.variant} dense {depth}->{out}")
    op = QOp("conv2d", weight=rng.integers(-128, 128, (9, 3, 3, 13), dtype=np.int8), pads=(1, 1, 1, 1),
             bias=rng.integers(-(10**5), 10**5, 9).astype(np.int32), in_zp=-3, out_zp=2,
             out_mult=np.full(9, 1 << 30, np.int32), out_shift=np.full(9, -9, np.int32))
    x = rng.integers(-128, 128, (2, 7, 5, 13), dtype=np.int8)
    assert_same(INT8_KERNELS["conv2d"](op, x), kern.run(op, x), f"{kern.variant} conv 13ch odd pixels")


def test_fully_connected_row_tails_equal_reference(fc_kern):
    """Every number of rows left after the 4-row blocks (1-3, alone or after 1-3 blocks), with and without a bias,
    at depths around the 4-, 8- and 16-value steps of the column and packing loops, two batches, and extreme
    requantization on the tail rows: the small final layers (10 outputs) end in such a tail."""
    rng = np.random.default_rng(11)
    for out in range(1, 14):
        for depth in (1, 2, 4, 7, 8, 15, 16, 33, 84):
            w = rng.integers(-128, 128, (out, depth), dtype=np.int8)
            mult, shift = requant(rng, out, extreme=bool(out % 2))
            b = None if depth % 2 else bias(rng, out, extreme=bool(out % 3 == 0))
            zp_in, zp_out = (int(v) for v in rng.integers(-128, 128, 2))
            lo = int(rng.integers(-128, 0))
            x = rng.integers(-128, 128, (2, depth), dtype=np.int8)
            op = QOp("dense", weight=w, bias=np.zeros(out, np.int32) if b is None else b, in_zp=zp_in,
                     out_zp=zp_out, out_mult=mult, out_shift=shift, act_min=lo, act_max=127)
            ref = INT8_KERNELS["dense"](op, x)
            status, got = fc_kern.fully_connected(x, w, b, mult, shift, (zp_in, zp_out, lo, 127))
            assert status == 0, f"{fc_kern.variant} dense {depth}->{out}: status {status}"
            assert_same(ref, got, f"{fc_kern.variant} dense {depth}->{out} bias {b is not None}")


@pytest.mark.parametrize("kh,kw,cin,pads,stride", [(5, 5, 1, (2, 2, 2, 2), (1, 1)), (3, 3, 2, (0, 2, 1, 0), (2, 1)),
                                                   (1, 8, 1, (0, 0, 3, 9), (1, 2)), (4, 1, 8, (5, 1, 0, 0), (1, 1))])
def test_short_row_conv_equals_reference(kern, kh, kw, cin, pads, stride):
    """Few input channels (the rows cortex_m4 copies as words), odd filter and pixel counts, windows half outside
    the image, and padding beyond kernel - 1 (windows past the zero margin take the cell-by-cell path)."""
    rng = np.random.default_rng(kh * 100 + kw * 10 + cin)
    op = QOp("conv2d", weight=rng.integers(-128, 128, (7, kh, kw, cin), dtype=np.int8), pads=pads, stride=stride,
             bias=rng.integers(-(10**5), 10**5, 7).astype(np.int32), in_zp=-5, out_zp=3,
             out_mult=rng.integers(1 << 29, 1 << 31, 7, dtype=np.int64).astype(np.int32),
             out_shift=rng.integers(-12, 2, 7).astype(np.int32))
    x = rng.integers(-128, 128, (2, 9, 7, cin), dtype=np.int8)
    assert_same(INT8_KERNELS["conv2d"](op, x), kern.run(op, x), f"{kern.variant} conv {kh}x{kw}x{cin}")


def _levels(stored: np.ndarray, transform: int) -> np.ndarray:
    """The numpy twin of ed_inplace_level: XOR 0x80 (offset), then an arithmetic halving (parity-lsb)."""
    b = stored ^ np.uint8(0x80) if transform & 1 else stored
    v = b.view(np.int8).astype(np.int16)
    return (v >> 1 if transform & 2 else v).astype(np.int8)


@pytest.mark.parametrize("transform", [0, 1, 2, 3])
def test_inplace_fully_connected_equals_the_reference_on_corrected_levels(fc_kern, transform):
    """ed_fully_connected_inplace_s8 (run from flash), checked or as prepare + eval, reads stored bytes, maps them
    by the transform, adds the sorted corrections and must equal the reference dense kernel on the corrected
    levels -- rows in blocks of four and the 1..3 left over, depths with tails, corrections on any element (delta
    -255 .. 255)."""
    kern = fc_kern
    rng = np.random.default_rng(40 + transform)
    for depth, out, nfix in ((1, 1, 1), (3, 5, 4), (64, 10, 0), (84, 10, 13), (403, 7, 50), (400, 120, 300)):
        stored = rng.integers(0, 256, (out, depth), dtype=np.uint8)
        levels = _levels(stored, transform)
        elements = np.sort(rng.choice(out * depth, size=min(nfix, out * depth), replace=False))
        target = rng.integers(-128, 128, elements.size)
        delta = target - levels.reshape(-1)[elements].astype(np.int64)
        fixes = ((elements.astype(np.uint64) << 9) | (delta.astype(np.int64) & 0x1FF).astype(np.uint64))
        fixes = fixes.astype(np.uint32)
        corrected = levels.reshape(-1).copy()
        corrected[elements] = target
        op = QOp("dense", weight=corrected.reshape(out, depth),
                 bias=rng.integers(-(10**6), 10**6, out).astype(np.int32),
                 in_zp=int(rng.integers(-128, 128)), out_zp=int(rng.integers(-128, 128)),
                 out_mult=rng.integers(1 << 29, 1 << 31, out).astype(np.int32),
                 out_shift=rng.integers(-12, 2, out).astype(np.int32))
        x = rng.integers(-128, 128, (1, depth), dtype=np.int8)
        status, y = kern.fully_connected_inplace(x[0], stored, transform, fixes, op.bias, op.out_mult, op.out_shift,
                                                 (op.in_zp, op.out_zp, -128, 127))
        assert status == 0
        assert_same(INT8_KERNELS["dense"](op, x)[0], y,
                    f"{kern.variant} {'prepared' if kern.fc_prepared else 'checked'} in place t{transform} "
                    f"{depth}->{out}")

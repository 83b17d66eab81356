"""int8 quantization: the fixed-point primitives against a line-by-line transliteration of TFLite's C code,
the vectorized kernels against the reference kernels' loops, and quantize()/QGraph behaviour."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eccless.errors import UsageError
from eccless.graph import Graph, Op
from eccless.quant import QGraph, QOp, narrow_weights, quantize
from eccless.quant import fixedpoint as fp
from eccless.quant.kernels import INT8_KERNELS
from eccless.quant.qparams import activation_qparams, activation_range, quantize_weights

pytestmark = pytest.mark.unit
I32_MIN, I32_MAX = -(2**31), 2**31 - 1


# ---- scalar transliteration of the C code (Python ints, int32 semantics spelled out) -----------------------
def c_int32(v: int) -> int:
    return (v + 2**31) % 2**32 - 2**31


def c_div(n: int, d: int) -> int:  # C '/' truncates toward zero
    q = abs(n) // abs(d)
    return q if (n >= 0) == (d > 0) else -q


def c_srdhm(a: int, b: int) -> int:
    overflow = a == b == I32_MIN
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    return I32_MAX if overflow else c_int32(c_div(ab + nudge, 1 << 31))


def c_rdbpot(x: int, e: int) -> int:
    mask = (1 << e) - 1
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if (x & mask) > threshold else 0)


def c_mbqm(x: int, m: int, shift: int) -> int:
    left, right = max(shift, 0), max(-shift, 0)
    return c_rdbpot(c_srdhm(c_int32(x * (1 << left)), m), right)


def c_quantize_multiplier(real: float) -> tuple[int, int]:
    if real == 0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = math.floor(q * 2**31 + 0.5)  # exact: q * 2^31 >= 2^30 has no bits below 2^-22
    if q_fixed == 2**31:
        q_fixed, shift = q_fixed // 2, shift + 1
    if shift < -31:
        q_fixed, shift = 0, 0
    return q_fixed, shift


# ---- fixed point -------------------------------------------------------------------------------------------
def test_quantize_multiplier_known_values_and_scalar_reference():
    m, s = fp.quantize_multiplier([1.0, 0.5, 0.0, 2.0**-40, 0.75])
    assert m.tolist() == [2**30, 2**30, 0, 0, 3 * 2**29] and s.tolist() == [1, 0, 0, 0, 0]
    reals = np.random.default_rng(0).uniform(0, 1, 2000) ** 8 * 4  # many decades, some > 1
    m, s = fp.quantize_multiplier(reals)
    assert [(int(a), int(b)) for a, b in zip(m, s)] == [c_quantize_multiplier(float(r)) for r in reals]


def test_multiply_by_quantized_multiplier_matches_c_transliteration():
    rng = np.random.default_rng(1)
    n = 4000
    x = np.concatenate(
        [
            rng.integers(I32_MIN, I32_MAX, n, endpoint=True),
            rng.integers(-5000, 5000, n),
            [I32_MIN, I32_MAX, 0, 1, -1, 2, -2, 3, -3],
        ]
    )
    mult, shift = fp.quantize_multiplier(rng.uniform(0, 1, len(x)) ** 4 * 3)
    got = fp.multiply_by_quantized_multiplier(x, mult, shift)
    want = [c_mbqm(int(a), int(b), int(c)) for a, b, c in zip(x, mult, shift)]
    assert got.tolist() == want
    assert (shift > 0).any()  # the left-shift (multiplier > 1) path, where x * 2^left wraps for large x


def test_srdhm_and_rdbpot_edge_cases():
    rng = np.random.default_rng(6)
    a = np.concatenate(
        [[I32_MIN, I32_MIN, I32_MAX, 1, -1, 3, -3, -(2**30)], rng.integers(I32_MIN, I32_MAX, 3000)]
    )
    b = np.concatenate(
        [
            [I32_MIN, I32_MAX, I32_MAX, 2**30, 2**30, 2**30, 2**30, -(2**31 - 1)],
            rng.integers(I32_MIN, I32_MAX, 3000),
        ]
    )
    got = fp.saturating_rounding_doubling_high_mul(a, b)
    assert got.tolist() == [c_srdhm(int(p), int(q)) for p, q in zip(a, b)]
    assert got[3:7].tolist() == [1, 0, 2, -1]  # ties (+-0.5, +-1.5) round upward, not away from zero
    x = np.array([5, -5, 6, -6, 7, -7, I32_MIN, I32_MAX])
    for e in (0, 1, 2, 31):
        assert fp.rounding_divide_by_pot(x, e).tolist() == [c_rdbpot(int(v), e) for v in x]


def test_round_half_away_and_wrap():
    vals = [0.5, -0.5, 1.5, -2.5, float(np.float32(0.49999997)), -0.49999999999999994, 2.4999999]
    assert fp.round_half_away(vals).tolist() == [1, -1, 2, -3, 0, 0, 2]
    assert fp.wrap_int32([I32_MAX + 1, I32_MIN - 1, 2**32 + 5]).tolist() == [I32_MIN, I32_MAX, 5]


# ---- quantization parameters -------------------------------------------------------------------------------
def test_activation_qparams_nudges_zero_onto_a_level():
    assert activation_qparams(0.0, 1.0) == (float(np.float32(1 / 255)), -128)
    assert activation_qparams(-1.0, 1.0)[1] == -1
    assert activation_qparams(2.0, 3.0)[1] == -128  # the range is widened to contain 0
    rng = np.random.default_rng(2)
    for lo, hi in rng.normal(0, 3, (50, 2)):
        scale, zp = activation_qparams(min(lo, hi), max(lo, hi))
        assert -128 <= zp <= 127
        assert (-128 - zp) * scale <= min(lo, 0) + scale and (127 - zp) * scale >= max(hi, 0) - scale


def test_weights_per_channel_and_narrow_bits():
    w = np.random.default_rng(3).normal(0, 1, (6, 3, 3, 4)).astype(np.float32)
    w[2] = 0.0
    for bits, qmax in ((8, 127), (5, 15), (2, 1)):
        levels, scale = quantize_weights(w, 0, bits)
        assert levels.dtype == np.int8 and np.abs(levels).max() == qmax
        assert np.all(levels[2] == 0) and scale[2] > 0  # an all-zero channel keeps a usable scale
        live = [0, 1, 3, 4, 5]
        assert np.array_equal(np.abs(levels[live]).reshape(5, -1).max(axis=1), [qmax] * 5)
        assert np.allclose(levels[live] * scale[live, None, None, None], w[live], atol=scale.max() / 2 + 1e-6)


def test_activation_range_matches_tflite_formula():
    assert activation_range("none", 0.1, 5) == (-128, 127)
    assert activation_range("relu", 0.1, 5) == (5, 127)
    assert activation_range("relu6", 0.1, -128) == (-128, -68)  # -128 + round(6 / 0.1)
    assert activation_range("relu6", 0.01, 0) == (0, 127)


# ---- kernels against the reference loops ------------------------------------------------------------------
def loop_conv(op: QOp, x: np.ndarray, depthwise: bool) -> np.ndarray:
    """The reference ConvPerChannel / DepthwiseConvPerChannel, loop for loop; outside cells skipped."""
    n, h, w, c = x.shape
    kh, kw = op.weight.shape[1:3]
    out_c = op.weight.shape[3] if depthwise else op.weight.shape[0]
    top, _, left, _ = op.pads
    oh = (h + op.pads[0] + op.pads[1] - kh) // op.stride[0] + 1
    ow = (w + op.pads[2] + op.pads[3] - kw) // op.stride[1] + 1
    y = np.zeros((n, oh, ow, out_c), np.int8)
    for b in range(n):
        for oy in range(oh):
            for ox in range(ow):
                for oc in range(out_c):
                    acc = 0
                    for fy in range(kh):
                        for fx in range(kw):
                            iy, ix = oy * op.stride[0] - top + fy, ox * op.stride[1] - left + fx
                            if not (0 <= iy < h and 0 <= ix < w):
                                continue
                            if depthwise:
                                ic = oc // (out_c // c)
                                acc += int(op.weight[0, fy, fx, oc]) * (int(x[b, iy, ix, ic]) - op.in_zp)
                            else:
                                for ic in range(c):
                                    acc += int(op.weight[oc, fy, fx, ic]) * (int(x[b, iy, ix, ic]) - op.in_zp)
                    acc = c_int32(acc + int(op.bias[oc]))
                    v = c_mbqm(acc, int(op.out_mult[oc]), int(op.out_shift[oc])) + op.out_zp
                    y[b, oy, ox, oc] = min(max(v, op.act_min), op.act_max)
    return y


def loop_avgpool(op: QOp, x: np.ndarray) -> np.ndarray:
    n, h, w, c = x.shape
    (kh, kw), (sh, sw) = op.pool, op.stride
    oh = (h + op.pads[0] + op.pads[1] - kh) // sh + 1
    ow = (w + op.pads[2] + op.pads[3] - kw) // sw + 1
    y = np.zeros((n, oh, ow, c), np.int8)
    for b in range(n):
        for oy in range(oh):
            for ox in range(ow):
                for ch in range(c):
                    cells = [
                        int(x[b, iy, ix, ch])
                        for iy in range(oy * sh - op.pads[0], oy * sh - op.pads[0] + kh)
                        for ix in range(ox * sw - op.pads[2], ox * sw - op.pads[2] + kw)
                        if 0 <= iy < h and 0 <= ix < w
                    ]
                    acc, cnt = sum(cells), len(cells)
                    v = c_div(acc + cnt // 2, cnt) if acc > 0 else c_div(acc - cnt // 2, cnt)
                    y[b, oy, ox, ch] = min(max(v, op.act_min), op.act_max)
    return y


def _random_conv_op(rng, kind, in_c, mult=2):
    shape = (1, 3, 3, in_c * mult) if kind == "dwconv2d" else (5, 3, 3, in_c)
    out_c = shape[3] if kind == "dwconv2d" else shape[0]
    w = rng.integers(-127, 128, shape).astype(np.int8)
    bias = rng.integers(-(2**31), 2**31, out_c, endpoint=False).astype(np.int32)  # huge: the int32 add wraps
    bias[::2] = rng.integers(-3000, 3000, len(bias[::2]))
    mult, shift = fp.quantize_multiplier(rng.uniform(1e-4, 2e-2, out_c))
    return QOp(
        kind=kind,
        stride=(2, 1),
        pads=(1, 1, 0, 2),
        weight=w,
        bias=bias,
        in_zp=-7,
        out_zp=3,
        out_mult=mult.astype(np.int32),
        out_shift=shift.astype(np.int32),
        act_min=-100,
        act_max=120,
    )


@pytest.mark.parametrize("kind", ["conv2d", "dwconv2d"])
def test_conv_kernels_equal_reference_loops(kind):
    rng = np.random.default_rng(4)
    x = rng.integers(-128, 128, (2, 5, 6, 3)).astype(np.int8)
    op = _random_conv_op(rng, kind, 3)
    assert np.array_equal(INT8_KERNELS[kind](op, x), loop_conv(op, x, kind == "dwconv2d"))


def test_avgpool_rounds_like_reference_and_skips_padding():
    rng = np.random.default_rng(5)
    x = rng.integers(-128, 128, (3, 5, 5, 2)).astype(np.int8)
    op = QOp(kind="avgpool", pool=(3, 2), stride=(2, 2), pads=(1, 1, 0, 1))
    assert np.array_equal(INT8_KERNELS["avgpool"](op, x), loop_avgpool(op, x))
    ties = np.array([-3, -2, 3, 2], np.int8).reshape(
        1, 2, 2, 1
    )  # sums of pairs: -5 -> -3, 5 -> 3 (away from 0)
    pair = QOp(kind="avgpool", pool=(1, 2), stride=(1, 2))
    assert INT8_KERNELS["avgpool"](pair, ties).ravel().tolist() == [-3, 3]


# ---- quantize() and QGraph ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def digits_xy():
    from sklearn.datasets import load_digits

    d = load_digits()
    return (d.data / 16.0).astype(np.float32), d.target


def random_features_mlp(x, y, hidden=96, seed=0) -> Graph:
    """A float MLP fitted without training loops: random relu features, least-squares readout."""
    rng = np.random.default_rng(seed)
    w1 = rng.normal(0, 1 / np.sqrt(x.shape[1]), (hidden, x.shape[1])).astype(np.float32)
    b1 = rng.normal(0, 0.1, hidden).astype(np.float32)
    h = np.maximum(x @ w1.T + b1, 0)
    hb = np.hstack([h, np.ones((len(h), 1), np.float32)])
    sol = np.linalg.lstsq(hb, np.eye(10)[y], rcond=None)[0].astype(np.float32)
    ops = [
        Op("dense", "fc1", w1, b1),
        Op("relu", "act1"),
        Op("dense", "fc2", sol[:-1].T.copy(), sol[-1].copy()),
    ]
    return Graph((x.shape[1],), ops, 10, name="digits_rf")


def test_quantized_mlp_keeps_accuracy_and_fuses_relu(digits_xy):
    x, y = digits_xy
    g = random_features_mlp(x[:1200], y[:1200])
    qg = quantize(g, x[:1200])
    assert [op.kind for op in qg.ops] == ["dense", "dense"] and qg.ops[0].act == "relu"
    assert qg.ops[0].act_min == qg.ops[0].out_zp  # the fused relu is a clamp at the zero point
    float_acc = np.mean(g.predict(x[1200:]) == y[1200:])
    q_acc = np.mean(qg.predict(x[1200:]) == y[1200:])
    assert float_acc > 0.9 and abs(float_acc - q_acc) < 0.02
    q4 = quantize(g, x[:1200], weight_bits=4)
    assert max(np.abs(w).max() for w, _ in q4.params()) == 7 and q4.weight_bits == 4


def test_with_params_replaces_levels_and_checks_types(digits_xy):
    x, y = digits_xy
    qg = quantize(random_features_mlp(x[:500], y[:500], hidden=16), x[:500])
    xq = qg.quantize_input(x[:50])
    assert np.array_equal(qg.with_params(qg.params()).forward(xq), qg.forward(xq))
    zeroed = qg.with_params([(np.zeros_like(w), np.zeros_like(b)) for w, b in qg.params()])
    assert np.all(zeroed.forward(xq) == np.clip(qg.ops[-1].out_zp, -128, 127))
    with pytest.raises(UsageError, match="int8 weights"):
        qg.with_params([(w.astype(np.int16), b) for w, b in qg.params()])
    with pytest.raises(UsageError, match="pairs"):
        qg.with_params(qg.params()[:1])


def test_bias_add_wraps_like_int32():
    op = QOp(
        kind="dense",
        weight=np.full((1, 4), 127, np.int8),
        bias=np.array([I32_MAX - 100], np.int32),
        in_zp=-128,
        out_mult=np.array([2**30], np.int32),
        out_shift=np.array([-20], np.int32),
    )
    x = np.full((1, 4), 127, np.int8)  # acc = 4 * 127 * 255 = 129540 pushes the bias past INT32_MAX
    want = c_mbqm(c_int32(4 * 127 * 255 + I32_MAX - 100), 2**30, -20)
    assert want < 0 and INT8_KERNELS["dense"](op, x).item() == max(-128, min(127, want))


def test_bad_inputs_raise_usage_errors(digits_xy):
    x, y = digits_xy
    g = random_features_mlp(x[:300], y[:300], hidden=8)
    with pytest.raises(UsageError, match="weight_bits"):
        quantize(g, x, weight_bits=9)
    with pytest.raises(UsageError, match="does not match model input"):
        quantize(g, x.reshape(-1, 8, 8))
    qg: QGraph = quantize(g, x[:300])
    with pytest.raises(UsageError, match="int8 input"):
        qg.forward(x[:3])


def test_narrow_weights_keeps_the_model_with_fewer_levels(digits_xy):
    x, y = digits_xy
    g = random_features_mlp(x[:1200], y[:1200])
    qg = quantize(g, x[:1200])
    narrow = narrow_weights(qg, 7)
    assert narrow.weight_bits == 7 and max(np.abs(w).max() for w, _ in narrow.params()) == 63
    for a, b in zip(qg.weighted_ops(), narrow.weighted_ops(), strict=True):
        assert np.allclose(b.w_scale, a.w_scale * np.abs(a.weight).max(axis=1) / 63, rtol=1e-6)
    acc8, acc_narrow, acc_direct = (
        np.mean(m.predict(x[1200:]) == y[1200:]) for m in (qg, narrow, quantize(g, x[:1200], weight_bits=7))
    )
    assert abs(acc_narrow - acc_direct) < 0.015 and acc_narrow > acc8 - 0.02  # measured .893, .896, .903
    same = narrow_weights(narrow, 8)  # levels that already fit are left alone
    assert same.params()[0][0] is narrow.params()[0][0] and same.weight_bits == 8

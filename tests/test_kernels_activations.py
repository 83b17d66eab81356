"""Golden tests of the C sigmoid and hardswish kernels (edge/kernels/reference, used by every variant) against the
host reference (eccless.quant.activations): every int8 input, for parameters TFLite Micro's Prepare derives from
seeded random scales and for any parameters the loaders accept (what a corrupted image could carry), and the
argument checks the loaders mirror."""

from __future__ import annotations

import numpy as np
import pytest

from eccless.quant.int8 import QOp, activation_op
from eccless.quant.kernels import INT8_KERNELS
from eccless.testing.kernels_host import VARIANTS, HardSwishParams, HostKernels, P8, build_library

pytestmark = pytest.mark.golden
EVERY_INT8 = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
I32_MIN, I32_MAX = -(1 << 31), (1 << 31) - 1


@pytest.fixture(scope="module", params=VARIANTS)
def kern(request, tmp_path_factory) -> HostKernels:
    return HostKernels(build_library(request.param, tmp_path_factory.mktemp(f"act-{request.param}")))


LONG = np.random.default_rng(5).integers(-128, 128, (2, 700)).astype(np.int8)  # the tabulating path (> 256)


def assert_same(op: QOp, kern: HostKernels, x: np.ndarray = EVERY_INT8):
    ref, got = INT8_KERNELS[op.kind](op, x), kern.run(op, x)
    bad = np.flatnonzero(ref != got)
    assert bad.size == 0, (f"{kern.variant} {op.kind} in_zp={op.in_zp} out_zp={op.out_zp} mult={op.out_mult} "
                           f"shift={op.out_shift}: inputs {x.ravel()[bad].tolist()[:8]} differ")


@pytest.mark.parametrize("kind", ["sigmoid", "hardswish"])
def test_prepared_parameters_equal_reference(kern, kind):
    rng = np.random.default_rng(7 + len(kind))
    for _ in range(150):
        in_scale = float(np.float32(10 ** rng.uniform(-4, 1)))
        out = (float(np.float32(in_scale * 10 ** rng.uniform(-2, 0.5))), int(rng.integers(-128, 128)))
        op = activation_op(dict(kind=kind, name=kind, in_scale=in_scale, in_zp=int(rng.integers(-128, 128))),
                           out_qparams=out)
        assert_same(op, kern)
        assert_same(op, kern, LONG)


def accepted(rng, kind: str) -> QOp:
    """Parameters anywhere in the range the loaders accept, extremes included."""
    def pick(lo, hi):
        return int(rng.choice([lo, hi, int(rng.integers(lo, hi + 1))]))

    if kind == "sigmoid":
        mult = [pick(I32_MIN, I32_MAX), pick(0, I32_MAX)]
        shift = [pick(-31, 31), 0]
    else:
        mult = [pick(0, 32767), pick(0, 32767)]
        shift = [pick(-31, 0), pick(-31, 31)]
    return QOp(kind, name=kind, in_zp=pick(-128, 127), out_zp=-128 if kind == "sigmoid" else pick(-128, 127),
               out_mult=np.array(mult, np.int32), out_shift=np.array(shift, np.int32))


@pytest.mark.parametrize("kind", ["sigmoid", "hardswish"])
def test_any_accepted_parameters_equal_reference(kern, kind):
    rng = np.random.default_rng(99 + len(kind))
    for n in range(400):
        assert_same(accepted(rng, kind), kern, LONG if n % 4 == 0 else EVERY_INT8)


def test_argument_checks(kern):
    x = EVERY_INT8.copy()
    assert kern.logistic(x, 0, 1 << 30, 1, 7)[0] == 0
    assert kern.logistic(x, 128, 1 << 30, 1, 7)[0] == -2     # zero point outside int8
    assert kern.logistic(x, 0, 1 << 30, 32, 7)[0] == -2      # shift beyond 31
    assert kern.logistic(x, 0, 1 << 30, 1, -1)[0] == -2      # negative radius
    assert kern.hard_swish(x, 0, 0, 100, -3, 100, 2)[0] == 0
    assert kern.hard_swish(x, 0, 0, 100, 1, 100, 2)[0] == -2     # output exponent above 0
    assert kern.hard_swish(x, 0, 0, 32768, -3, 100, 2)[0] == -2  # multiplier beyond int16
    assert kern.hard_swish(x, 0, 0, 100, -3, -1, 2)[0] == -2     # negative multiplier
    assert kern.hard_swish(x, 0, 0, 100, -3, 100, 32)[0] == -2   # reluish exponent beyond 31


def test_in_place(kern):
    op = activation_op(dict(kind="hardswish", name="h", in_scale=0.05, in_zp=3), out_qparams=(0.03, -20))
    (out_m, rel_m), (out_e, rel_e) = op.out_mult.tolist(), op.out_shift.tolist()
    for x in (EVERY_INT8.copy(), LONG.copy()):   # computed element by element, and tabulated
        ref = INT8_KERNELS["hardswish"](op, x)
        p = x.ctypes.data_as(P8)
        status = kern.lib.ed_hard_swish_s8(HardSwishParams(3, -20, out_m, out_e, rel_m, rel_e), x.size, p, p)
        assert status == 0 and np.array_equal(x, ref)

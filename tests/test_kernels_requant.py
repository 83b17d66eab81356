"""The cortex_m4 requantization (edge/kernels/cortex_m4/ed_cm4_requant.h) against the Python fixed-point spec.

The cortex_m4 kernels requantize with SMULL + QADD and a branch-free RoundingDivideByPOT driven by the carry flag,
with a portable C twin on the host. These cases aim at its edges, through every kernel that uses it: accumulators
placed where the output crosses the int8 range and at both roundings' ties (each output channel gets a bias aimed
at a random target, and each pixel or batch row adds x - in_zp in [-255, 255] with unit weights), multipliers of
every kind (QuantizeMultiplier-like, negative, 0, +-1, powers of two, INT32_MIN, INT32_MAX, random), shifts over
[-31, 31], left shifts that wrap, INT32_MIN^2 saturation and + output_zp wrap-around. Host build: equality with
eccless.quant.fixedpoint; QEMU (the real DSP instructions): byte equality through tests/test_kernels_qemu.py's
bare-metal harness. The QEMU test runs every variant on a core that has it, so the same edges also hold the
armv6m requantizer (a 64-bit product from four 16 x 16 MULS) and the mve one (VQRDMULH, VRSHL with its fixup).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from eccless.testing import kernels_host as kh
from eccless.quant import fixedpoint as fp
from eccless.quant.int8 import QOp
from eccless.quant.kernels import INT8_KERNELS

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_kernels_qemu as tq  # noqa: E402  (the QEMU harness and its case encoding)

pytestmark = pytest.mark.golden

I32_MIN, I32_MAX = -(1 << 31), (1 << 31) - 1
KINDS = ("dense", "conv2d", "dwconv2d", "relu")
CHANNELS, OUTPUTS = 23, 7  # 23 rows: 4x1 and 2x2 blocks plus leftover rows; 7 pixels: an odd last one


def channel_params(rng, channels: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(multiplier, shift, centre accumulator) per channel, the centre mapping near a random int8-ish target."""
    mult = np.empty(channels, np.int64)
    shift = rng.integers(-31, 32, channels)
    centre = rng.integers(I32_MIN, I32_MAX, channels, endpoint=True)
    for c in range(channels):
        kind = rng.random()
        if kind < 0.45:  # QuantizeMultiplier output, maybe negated
            mult[c] = int(rng.integers(1 << 30, 1 << 31)) * (1 if rng.random() < 0.8 else -1)
            shift[c] = int(rng.integers(-20, 5))
        elif kind < 0.7:
            sign = 1 if rng.random() < 0.5 else -1
            mult[c] = int(rng.choice([0, 1, 1 << 30, I32_MAX, 1 << int(rng.integers(0, 31))])) * sign
        elif kind < 0.85:
            mult[c] = I32_MIN
        else:
            mult[c] = int(rng.integers(I32_MIN, I32_MAX, endpoint=True))
        m, s = int(mult[c]), int(shift[c])
        if m != 0 and rng.random() < 0.75:  # aim at target t: acc ~ t * 2^(31 - shift) / m
            t = float(rng.uniform(-300, 300))
            centre[c] = int(np.clip(round(t * 2.0 ** (31 - s) / m), I32_MIN, I32_MAX))
        elif m == I32_MIN and s >= 0 and rng.random() < 0.7:  # acc << left == INT32_MIN: the saturation
            centre[c] = -(1 << (31 - s)) if rng.random() < 0.5 else (1 << (31 - s)) * int(rng.integers(-3, 4) * 2 + 1)
    return mult.astype(np.int32), shift.astype(np.int32), fp.wrap_int32(centre)


def requant_case(rng, kind: str) -> tuple[QOp, np.ndarray]:
    """An op whose output (channel c, pixel or row p) is requant(centre[c] + x[p] - in_zp), unit weights."""
    in_zp = int(rng.integers(-128, 128))
    x = rng.integers(-128, 128, OUTPUTS).astype(np.int8)
    x[0] = in_zp  # the centre itself
    lo, hi = sorted(int(v) for v in rng.integers(-128, 128, 2))
    if rng.random() < 0.3:
        lo, hi = -128, 127
    out_zp = 0 if rng.random() < 0.2 else int(rng.integers(-128, 128))
    q = dict(in_zp=in_zp, out_zp=out_zp, act_min=lo, act_max=hi)
    channels = 1 if kind == "relu" else CHANNELS
    mult, shift, centre = channel_params(rng, channels)
    if kind == "relu":
        return QOp(kind, out_mult=mult, out_shift=shift, **q), x.reshape(1, 1, OUTPUTS, 1)
    if kind == "dense":
        op = QOp(kind, weight=np.ones((channels, 1), np.int8), bias=centre.astype(np.int32), out_mult=mult,
                 out_shift=shift, **q)
        return op, x.reshape(OUTPUTS, 1)
    weight = np.ones((channels, 1, 1, 1) if kind == "conv2d" else (1, 1, 1, channels), np.int8)
    xs = np.repeat(x.reshape(1, 1, OUTPUTS, 1), 1 if kind == "conv2d" else channels, axis=3)
    return QOp(kind, weight=weight, bias=centre.astype(np.int32), out_mult=mult, out_shift=shift, **q), xs


def spec(op: QOp, x: np.ndarray) -> np.ndarray:
    """The expected output straight from fixedpoint.py: clamp(wrap(MBQM(acc) + out_zp))."""
    d = x.reshape(OUTPUTS, -1)[:, :1].astype(np.int64) - op.in_zp  # (outputs, 1)
    acc = d if op.kind == "relu" else fp.wrap_int32(d + op.bias.astype(np.int64))
    y = fp.wrap_int32(fp.multiply_by_quantized_multiplier(acc, op.out_mult, op.out_shift).astype(np.int64)
                      + op.out_zp)
    return np.clip(y, op.act_min, op.act_max).astype(np.int8)


def cases(seed: int, per_kind: int):
    rng = np.random.default_rng(seed)
    return [requant_case(rng, kind) for _ in range(per_kind) for kind in KINDS]


@pytest.fixture(scope="module")
def m4(tmp_path_factory) -> kh.HostKernels:
    return kh.HostKernels(kh.build_library("cortex_m4", tmp_path_factory.mktemp("m4")))


def test_requant_edges_equal_fixedpoint_on_host(m4):
    for i, (op, x) in enumerate(cases(2024, 150)):
        want = spec(op, x)
        ref = INT8_KERNELS[op.kind](op, x).reshape(want.shape)
        assert np.array_equal(ref, want), f"case {i} {op.kind}: numpy kernels disagree with fixedpoint.py"
        got = m4.run(op, x).reshape(want.shape)
        bad = np.argwhere(got != want)
        assert bad.size == 0, (f"case {i} {op.kind}: {len(bad)} outputs differ, first at {tuple(bad[0])}: "
                               f"C {got[tuple(bad[0])]} spec {want[tuple(bad[0])]}")


def test_cases_reach_the_edges():
    """The generator does hit saturation, both signs of ties and clamped and unclamped outputs."""
    sat = ties = inside = 0
    for op, x in cases(2024, 150):
        d = x.reshape(OUTPUTS, -1)[:, :1].astype(np.int64) - op.in_zp
        acc = d if op.kind == "relu" else fp.wrap_int32(d + op.bias.astype(np.int64))
        left = np.maximum(op.out_shift.astype(np.int64), 0)
        xs = fp.wrap_int32(acc << left)
        sat += int(np.sum((xs == I32_MIN) & (op.out_mult == I32_MIN)))
        high = fp.saturating_rounding_doubling_high_mul(xs, op.out_mult).astype(np.int64)
        right = np.maximum(-op.out_shift.astype(np.int64), 0)
        ties += int(np.sum((right > 0) & (high < 0) & ((high & ((1 << right) - 1)) == (1 << right) >> 1)))
        inside += int(np.sum((spec(op, x) > op.act_min) & (spec(op, x) < op.act_max)))
    assert sat >= 20 and ties >= 50 and inside >= 1000, (sat, ties, inside)


@pytest.mark.qemu
@pytest.mark.parametrize("variant", kh.VARIANTS)  # each on a core that has it: armv6m's and mve's own requantizers
def test_requant_edges_on_their_core(variant, tmp_path):
    for tool in ("arm-none-eabi-gcc", "qemu-system-arm"):
        if subprocess.run(["which", tool], capture_output=True).returncode != 0:
            pytest.skip(f"{tool} not found")
    todo = cases(4048, 60)
    words = [w for op, x in todo for w in tq.emit(op, x)]
    body = ",\n".join(",".join(f"{w}u" for w in words[i:i + 16]) for i in range(0, len(words), 16))
    (tmp_path / "cases.c").write_text(f"#include <stdint.h>\n__attribute__((aligned(8))) const uint32_t blob[] = "
                                      f"{{\n{body}}};\nconst uint32_t blob_words = {len(words)}u;\n")
    board = tq.board_for(variant)
    for name, text in (("start.c", tq.START_C), ("main.c", tq.MAIN_C), ("link.ld", tq.link_ld(board))):
        (tmp_path / name).write_text(text)
    elf = tmp_path / "requant.elf"
    build = subprocess.run(["arm-none-eabi-gcc", *tq.arm_flags(board), "-T", str(tmp_path / "link.ld"),
                            *(f"-I{d}" for d in kh.include_dirs(variant)), str(tmp_path / "start.c"),
                            str(tmp_path / "main.c"), str(tmp_path / "cases.c"),
                            *map(str, kh.kernel_sources(variant)), "-o", str(elf)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    run = subprocess.run([*tq.qemu_cmd(board),
                          "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)],
                         capture_output=True, text=True, timeout=120)
    console = run.stdout + run.stderr
    assert f"{variant} cases {len(todo)} bad 0" in console, console[-2000:]

"""The kernels' contract beyond the arithmetic: argument checks and statuses (the same in both variants), scratch
buffer rules, in-place clamp, NULL bias, the variant layout and its refusal of unknown names, and a warning-free
Cortex-M4 build (arm-none-eabi-gcc, skipped when missing) that needs nothing from libc but memcpy/memset.
"""

from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from eccless.boards import DEFAULT_BOARD, load_board
from eccless.firmware import manifest
from eccless.testing import kernels_host as kh
from eccless.testing.kernels_host import (
    VARIANTS,
    Act,
    ClampParams,
    ConvParams,
    Dims,
    DwConvParams,
    FcParams,
    HostKernels,
    PoolParams,
    Requant,
    Scratch,
    Window,
    build_library,
)
from eccless.errors import DeviceError, UsageError

pytestmark = pytest.mark.golden

OK, ERR_ARG, ERR_QUANT, ERR_BUFFER = 0, -1, -2, -3
ARM_FLAGS = manifest.cflags("arm", load_board(DEFAULT_BOARD).arch_flags)
KERNELS_DIR = manifest.EDGE / "kernels"
P8, P32 = kh.P8, kh.P32


@pytest.fixture(scope="module")
def libs(tmp_path_factory) -> dict[str, HostKernels]:
    return {v: HostKernels(build_library(v, tmp_path_factory.mktemp(v))) for v in VARIANTS}


def ptr(a, t=P8):
    return a.ctypes.data_as(t)


class ConvCall:
    """A valid 1x5x5x3 -> 3x3 conv call whose fields a test can break one at a time."""

    def __init__(self):
        self.x = np.arange(75, dtype=np.int8).reshape(1, 5, 5, 3)
        self.w = np.ones((4, 3, 3, 3), np.int8)
        self.bias = np.zeros(4, np.int32)
        self.mult, self.shift = np.full(4, 1 << 30, np.int32), np.full(4, -2, np.int32)
        self.y = np.full((1, 3, 3, 4), 99, np.int8)
        self.params = ConvParams(Window(1, 1, 0, 0, 0, 0), Act(0, 0, -128, 127))
        self.in_dims, self.f_dims, self.out_dims = Dims(1, 5, 5, 3), Dims(4, 3, 3, 3), Dims(1, 3, 3, 4)
        self.buf = np.zeros(1024, np.uint32)
        self.scratch = Scratch(self.buf.ctypes.data, self.buf.nbytes)

    def __call__(self, lib: HostKernels, **override):
        a = dict(params=ctypes.byref(self.params), requant=ctypes.byref(Requant(ptr(self.mult, P32),
                                                                                ptr(self.shift, P32))),
                 in_dims=ctypes.byref(self.in_dims), x=ptr(self.x), f_dims=ctypes.byref(self.f_dims),
                 w=ptr(self.w), bias=ptr(self.bias, P32), out_dims=ctypes.byref(self.out_dims), y=ptr(self.y),
                 scratch=ctypes.byref(self.scratch))
        a.update(override)
        return lib.lib.ed_conv2d_s8(*a.values())


def conv_breakers():
    """(description, how to break a ConvCall, expected status)."""
    yield "ok", lambda c: {}, OK
    yield "NULL params", lambda c: {"params": None}, ERR_ARG
    yield "NULL input", lambda c: {"x": None}, ERR_ARG
    yield "NULL multipliers", lambda c: {"requant": ctypes.byref(Requant(None, ptr(c.shift, P32)))}, ERR_ARG
    yield "wrong output height", lambda c: {"out_dims": ctypes.byref(Dims(1, 4, 3, 4))}, ERR_ARG
    yield "channel mismatch", lambda c: {"f_dims": ctypes.byref(Dims(4, 3, 3, 2))}, ERR_ARG
    yield "zero stride", lambda c: {"params": ctypes.byref(ConvParams(Window(0, 1, 0, 0, 0, 0),
                                                                      Act(0, 0, -128, 127)))}, ERR_ARG
    yield "negative pad", lambda c: {"params": ctypes.byref(ConvParams(Window(1, 1, -1, 1, 0, 0),
                                                                       Act(0, 0, -128, 127)))}, ERR_ARG
    yield "input zp 128", lambda c: {"params": ctypes.byref(ConvParams(Window(1, 1, 0, 0, 0, 0),
                                                                       Act(128, 0, -128, 127)))}, ERR_QUANT
    yield "act_min > act_max", lambda c: {"params": ctypes.byref(ConvParams(Window(1, 1, 0, 0, 0, 0),
                                                                            Act(0, 0, 5, 4)))}, ERR_QUANT
    yield "shift 32", lambda c: {"requant": ctypes.byref(Requant(ptr(c.mult, P32),
                                                                 ptr(np.array([0, 0, 32, 0], np.int32), P32)))}, \
        ERR_QUANT


@pytest.mark.parametrize("case", list(conv_breakers()), ids=lambda c: c[0])
def test_conv_argument_checks_agree(libs, case):
    what, breaker, expected = case
    for variant, lib in libs.items():
        call = ConvCall()
        status = call(lib, **breaker(call))
        assert status == expected, f"{variant}: {what} gave {status}, expected {expected}"
        if expected != OK:
            assert np.all(call.y == 99), f"{variant}: {what} wrote output despite the error"


def test_other_kernels_reject_bad_arguments(libs):
    x = np.zeros((1, 4, 4, 4), np.int8)
    y = np.zeros((1, 2, 2, 4), np.int8)
    m, s = np.full(4, 1 << 30, np.int32), np.zeros(4, np.int32)
    rq = Requant(ptr(m, P32), ptr(s, P32))
    for variant, lib in libs.items():
        L = lib.lib
        fc = FcParams(Act(0, 0, -128, 127))
        assert L.ed_fully_connected_s8(fc, rq, 1, 16, 4, ptr(x), ptr(x), None, ptr(y), None) in (OK, ERR_BUFFER)
        assert L.ed_fully_connected_s8(fc, rq, 0, 16, 4, ptr(x), ptr(x), None, ptr(y), None) == ERR_ARG
        assert L.ed_fully_connected_s8(FcParams(Act(0, -129, -128, 127)), rq, 1, 16, 4, ptr(x), ptr(x), None,
                                       ptr(y), None) == ERR_QUANT
        dw = DwConvParams(Window(2, 2, 0, 0, 0, 0), 1, Act(0, 0, -128, 127))
        assert L.ed_depthwise_conv2d_s8(dw, rq, Dims(1, 4, 4, 4), ptr(x), Dims(1, 2, 2, 4), ptr(x), None,
                                        Dims(1, 2, 2, 4), ptr(y)) == OK
        assert L.ed_depthwise_conv2d_s8(DwConvParams(Window(2, 2, 0, 0, 0, 0), 2, Act(0, 0, -128, 127)), rq,
                                        Dims(1, 4, 4, 4), ptr(x), Dims(1, 2, 2, 4), ptr(x), None,
                                        Dims(1, 2, 2, 4), ptr(y)) == ERR_ARG  # 4 outputs != 4 inputs x 2
        for fn in (L.ed_max_pool_s8, L.ed_avg_pool_s8):
            assert fn(PoolParams(Window(2, 2, 0, 0, 0, 0), 2, 2, -128, 127), Dims(1, 4, 4, 4), ptr(x),
                      Dims(1, 2, 2, 4), ptr(y)) == OK
            # a pad as large as the window would leave an empty window
            assert fn(PoolParams(Window(2, 2, 2, 0, 0, 0), 2, 2, -128, 127), Dims(1, 4, 4, 4), ptr(x),
                      Dims(1, 3, 2, 4), ptr(y)) == ERR_ARG
            assert fn(PoolParams(Window(2, 2, 0, 0, 0, 0), 2, 2, 0, -1), Dims(1, 4, 4, 4), ptr(x),
                      Dims(1, 2, 2, 4), ptr(y)) == ERR_QUANT
        assert L.ed_clamp_s8(ClampParams(0, 0, 1 << 30, 1, 0, 127), 0, ptr(x), ptr(y)) == ERR_ARG
        assert L.ed_clamp_s8(ClampParams(0, 0, 1 << 30, -32, 0, 127), 4, ptr(x), ptr(y)) == ERR_QUANT
        assert L.ed_clamp_s8(None, 4, ptr(x), ptr(y)) == ERR_ARG, variant


def test_fully_connected_prepare_checks_what_the_call_checks(libs):
    """ed_fully_connected_s8_prepare (run once, at LOAD) refuses every bad configuration with the status the checked
    call gives it; the call checks only its data pointers besides. Nothing is written when a check fails."""
    x = np.arange(16, dtype=np.int8)
    m, s = np.full(4, 1 << 30, np.int32), np.full(4, -3, np.int32)
    bad_shift = np.array([0, 0, 0, 32], np.int32)
    buf = np.zeros(64, np.uint32)
    ok_act = Act(0, 0, -128, 127)
    cases = [  # (what, params, requant, batches, scratch, expected without the reference's scratch rule)
        ("ok", FcParams(ok_act), Requant(ptr(m, P32), ptr(s, P32)), 1, Scratch(buf.ctypes.data, buf.nbytes), OK),
        ("NULL params", None, Requant(ptr(m, P32), ptr(s, P32)), 1, Scratch(buf.ctypes.data, buf.nbytes), ERR_ARG),
        ("NULL shifts", FcParams(ok_act), Requant(ptr(m, P32), None), 1, Scratch(buf.ctypes.data, buf.nbytes),
         ERR_ARG),
        ("no batch", FcParams(ok_act), Requant(ptr(m, P32), ptr(s, P32)), 0, Scratch(buf.ctypes.data, buf.nbytes),
         ERR_ARG),
        ("output zp -129", FcParams(Act(0, -129, -128, 127)), Requant(ptr(m, P32), ptr(s, P32)), 1,
         Scratch(buf.ctypes.data, buf.nbytes), ERR_QUANT),
        ("act_min > act_max", FcParams(Act(0, 0, 5, 4)), Requant(ptr(m, P32), ptr(s, P32)), 1,
         Scratch(buf.ctypes.data, buf.nbytes), ERR_QUANT),
        ("shift 32", FcParams(ok_act), Requant(ptr(m, P32), ptr(bad_shift, P32)), 1,
         Scratch(buf.ctypes.data, buf.nbytes), ERR_QUANT),
        ("shift 32, no batch", FcParams(ok_act), Requant(ptr(m, P32), ptr(bad_shift, P32)), 0,
         Scratch(buf.ctypes.data, buf.nbytes), ERR_ARG),
        ("empty scratch", FcParams(ok_act), Requant(ptr(m, P32), ptr(s, P32)), 1,
         Scratch(buf.ctypes.data, 0), ERR_BUFFER),
        ("misaligned scratch", FcParams(ok_act), Requant(ptr(m, P32), ptr(s, P32)), 1,
         Scratch(buf.ctypes.data + 2, buf.nbytes - 4), ERR_BUFFER),
    ]
    for variant, lib in libs.items():
        L = lib.lib
        packed = lib.pack_fully_connected(np.ones((4, 16), np.int8))
        needs_scratch = L.ed_fully_connected_s8_get_buffer_size(16) > 0
        assert needs_scratch == (variant != "reference")
        for what, params, rq, batches, scratch, expected in cases:
            if expected == ERR_BUFFER and not needs_scratch:
                expected = OK  # no scratch needed: anything goes
            y = np.full(4, 99, np.int8)
            p = None if params is None else ctypes.byref(params)
            assert L.ed_fully_connected_s8_prepare(p, rq, batches, 16, 4, scratch) == expected, (variant, what)
            status = L.ed_fully_connected_s8(p, rq, batches, 16, 4, ptr(x), packed.ctypes.data, None, ptr(y),
                                             scratch)
            assert status == expected, (variant, what)
            assert (expected == OK) != np.all(y == 99), (variant, what)
        ok = cases[0]
        # the data pointers are the call's own checks: prepare never sees them
        assert L.ed_fully_connected_s8(FcParams(ok_act), ok[2], 1, 16, 4, None, packed.ctypes.data, None,
                                       ptr(x), ok[4]) == ERR_ARG
        assert L.ed_fully_connected_s8(FcParams(Act(0, -129, -128, 127)), ok[2], 1, 16, 4, ptr(x), None, None,
                                       ptr(x), ok[4]) == ERR_ARG  # pointers before quantization, as before


def test_inplace_prepare_checks_what_the_call_checks(libs):
    """ed_fully_connected_inplace_s8_prepare (run once, at LOAD, for a dense op read in place from flash) gives
    every configuration -- the fully connected ones, the transform, the fixes, the scratch -- the status the
    checked call gives it; the call checks only its data pointers besides. Nothing is written when a check fails."""
    x = np.arange(16, dtype=np.int8)
    stored = np.arange(64, dtype=np.uint8)
    m, s = np.full(4, 1 << 30, np.int32), np.full(4, -3, np.int32)
    fixes = np.array([(5 << 9) | 3], np.uint32)
    buf = np.zeros(64, np.uint32)
    ok_act, rq = Act(0, 0, -128, 127), Requant(ptr(m, P32), ptr(s, P32))
    good = Scratch(buf.ctypes.data, buf.nbytes)
    cases = [  # (what, params, transform, fixes, num_fixes, scratch, expected without the reference's scratch rule)
        ("ok", FcParams(ok_act), 3, fixes.ctypes.data, 1, good, OK),
        ("NULL params", None, 0, None, 0, good, ERR_ARG),
        ("output zp -129", FcParams(Act(0, -129, -128, 127)), 0, None, 0, good, ERR_QUANT),
        ("unknown transform", FcParams(ok_act), 4, None, 0, good, ERR_ARG),
        ("fixes counted, none given", FcParams(ok_act), 0, None, 1, good, ERR_ARG),
        ("quantization before transform", FcParams(Act(0, 0, 5, 4)), 4, None, 0, good, ERR_QUANT),
        ("empty scratch", FcParams(ok_act), 0, None, 0, Scratch(buf.ctypes.data, 0), ERR_BUFFER),
        ("transform before scratch", FcParams(ok_act), 4, None, 0, Scratch(buf.ctypes.data, 0), ERR_ARG),
    ]
    for variant, lib in libs.items():
        L = lib.lib
        needs_scratch = L.ed_fully_connected_inplace_s8_get_buffer_size(16) > 0
        assert needs_scratch == (variant != "reference")
        for what, params, transform, fix, nfix, scratch, expected in cases:
            if expected == ERR_BUFFER and not needs_scratch:
                expected = OK  # no scratch needed: anything goes
            y = np.full(4, 99, np.int8)
            p = None if params is None else ctypes.byref(params)
            got = L.ed_fully_connected_inplace_s8_prepare(p, rq, 16, 4, transform, fix, nfix, scratch)
            assert got == expected, (variant, what)
            status = L.ed_fully_connected_inplace_s8(p, rq, 16, 4, ptr(x), stored.ctypes.data, transform, None, fix,
                                                     nfix, ptr(y), scratch)
            assert status == expected, (variant, what)
            assert (expected == OK) != np.all(y == 99), (variant, what)
        # the data pointers are the call's own checks, before everything else
        assert L.ed_fully_connected_inplace_s8(FcParams(Act(0, -129, -128, 127)), rq, 16, 4, ptr(x), None, 0, None,
                                               None, 0, ptr(y), good) == ERR_ARG


def test_scratch_buffer_rules(libs):
    ref, opt = libs["reference"].lib, libs["cortex_m4"].lib
    assert ref.ed_conv2d_s8_get_buffer_size(Dims(1, 5, 5, 3), Dims(4, 3, 3, 3)) == 0
    assert ref.ed_fully_connected_s8_get_buffer_size(100) == 0
    k = 3 * 3 * 3
    # two int16 columns, 4 bytes, the widened 5x5x3 input image with a 2-cell margin (9x9x3 -> 486 bytes, 488),
    # 4 bytes, 16 per filter
    need = opt.ed_conv2d_s8_get_buffer_size(Dims(1, 5, 5, 3), Dims(4, 3, 3, 3))
    assert need == 16 * ((k + 3) // 4) + 4 + 488 + 4 + 16 * 4
    assert opt.ed_conv2d_s8_get_buffer_size(Dims(1, 0, 5, 3), Dims(4, 3, 3, 3)) == 0
    assert opt.ed_fully_connected_s8_get_buffer_size(100) == 8 * 25
    call = ConvCall()
    assert call(libs["reference"], scratch=None) == OK  # the reference needs no scratch
    need = opt.ed_conv2d_s8_get_buffer_size(Dims(1, 5, 5, 3), Dims(4, 3, 3, 3))
    base = call.buf.ctypes.data
    for what, scratch in [("NULL", None), ("too small", Scratch(base, need - 1)), ("NULL buf", Scratch(None, need)),
                          ("misaligned", Scratch(base + 2, need + 8))]:
        arg = None if scratch is None else ctypes.byref(scratch)
        assert call(libs["cortex_m4"], scratch=arg) == ERR_BUFFER, what
    assert call(libs["cortex_m4"], scratch=ctypes.byref(Scratch(base, need))) == OK


@pytest.mark.parametrize("variant", VARIANTS)
def test_clamp_in_place_and_null_bias(libs, variant):
    lib = libs[variant]
    x = np.arange(-128, 128, dtype=np.int8)
    for mult, shift in ((1 << 30, 1), (1 << 30, 0)):  # identity (pure clamp) and a real requantization
        _, expected = lib.clamp(x, 3, 3, mult, shift, -20, 90)
        inplace = x.copy()
        assert lib.lib.ed_clamp_s8(ClampParams(3, 3, mult, shift, -20, 90), x.size, ptr(inplace), ptr(inplace)) == OK
        assert np.array_equal(inplace, expected)
    assert np.array_equal(lib.clamp(x, 3, 3, 1 << 30, 1, -20, 90)[1], np.clip(x, -20, 90))
    rng = np.random.default_rng(0)
    xs, w = rng.integers(-128, 128, (2, 9), dtype=np.int8), rng.integers(-128, 128, (5, 9), dtype=np.int8)
    m, s = np.full(5, 1 << 30, np.int32), np.full(5, -8, np.int32)
    act = (4, -4, -128, 127)
    assert np.array_equal(lib.fully_connected(xs, w, None, m, s, act)[1],
                          lib.fully_connected(xs, w, np.zeros(5, np.int32), m, s, act)[1])


def public_functions() -> list[str]:
    header = (KERNELS_DIR / "include" / "ed_kernels.h").read_text()
    names = re.findall(r"^\S.*?\b(ed_\w+)\(", header, flags=re.M)
    # a kernel's companions (scratch size, packed weights, prepare / eval) live in the kernel's file
    return sorted({re.sub(r"_(get_buffer_size|weights_size|pack_weights|prepare|eval)$", "", n) for n in names})


def _with_included(path: Path) -> str:
    src = path.read_text()
    for inc in re.findall(r'^#include "(\.\./\w+/\w+\.c)"', src, flags=re.M):
        src += (path.parent / inc).read_text()
    return src


def test_every_public_function_has_one_file_per_variant():
    """The reference variant defines every public function, each in a file of its name; a tuned variant's folder
    holds only the files it tunes (the build takes the rest from reference), each defining what it is named."""
    names = public_functions()
    assert "ed_conv2d_s8" in names and "ed_fully_connected_inplace_s8" in names and len(names) == 10
    for variant in VARIANTS:
        files = {p.stem for p in (KERNELS_DIR / variant).glob("*.c")}
        if variant == "reference":
            assert set(names) <= files, f"{variant} lacks {set(names) - files}"
        # a variant may take another's file as it is: #include "../<variant>/<same name>.c"
        text = {p.stem: _with_included(p) for p in (KERNELS_DIR / variant).glob("*.c")}
        for name in set(names) & files:  # each public function is defined in its own file and nowhere else
            where = [stem for stem, src in text.items() if re.search(rf"^\S.*\b{name}\(", src, flags=re.M)]
            assert where == [name], f"{variant}: {name} defined in {where}"


def test_unknown_variant_is_refused(tmp_path):
    with pytest.raises(UsageError, match="unknown ISA variant 'cmsis'"):
        kh.kernel_sources("cmsis")
    with pytest.raises(UsageError):
        build_library("", tmp_path)


def test_build_failure_is_a_device_error(tmp_path):
    with pytest.raises(DeviceError, match="not found"):
        build_library("reference", tmp_path, cc="no-such-cc")


@pytest.mark.parametrize("variant", VARIANTS)
def test_cortex_m4_build_is_warning_free(variant, tmp_path):
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc not found: apt-get install --no-install-recommends gcc-arm-none-eabi")
    includes = [f"-I{d}" for d in kh.include_dirs(variant)]
    for src in kh.kernel_sources(variant):
        run = subprocess.run(["arm-none-eabi-gcc", *ARM_FLAGS, *includes, "-c", str(src), "-o",
                              str(tmp_path / f"{src.stem}.o")], capture_output=True, text=True)
        assert run.returncode == 0 and run.stderr == "", f"{src.name}: {run.stderr}"
    nm = subprocess.run(["arm-none-eabi-nm", "-u", *map(str, tmp_path.glob("*.o"))], capture_output=True, text=True)
    undefined = {ln.split()[-1] for ln in nm.stdout.splitlines() if ln.strip().startswith("U ")}
    external = {s for s in undefined if not s.startswith("ed_")}
    assert external <= {"memcpy", "memset"}, f"{variant} needs {external} from the C library"


def _unpack_cm4(packed: np.ndarray, rows: int, depth: int, height: int, natural: bool = False) -> np.ndarray:
    """Inverse of the cortex_m4 packed layout documented in ed_cm4_support.h: int16 pairs (k, k+2), (k+1, k+3)
    (fully connected, the last rows % 4 rows in a block of their own height) or, natural, (k, k+1), (k+2, k+3)
    (conv, the last block completed by a zero row)."""
    groups = (depth + 3) // 4
    blocks = -(-rows // height)
    if not natural and rows % height:  # fully connected: the last rows % 4 rows are one block of their own height
        full = rows - rows % height
        head = _unpack_cm4(packed, full, depth, height) if full else np.zeros((0, depth), np.int8)
        tail = packed.view(np.int16)[full * groups * 4:]
        rest = _unpack_cm4(tail, rows % height, depth, rows % height)
        unused = tail[(rows % height) * groups * 4: height * groups * 4]
        assert not unused.any(), "the rest of the last block's room is zero"
        return np.concatenate([head, rest])
    h = packed.view(np.int16)[: blocks * groups * height * 4].reshape(blocks, groups, height, 2, 2)
    # h[b, g, j, word, lane] holds k = 4g + word + 2 lane, or 4g + 2 word + lane when natural
    vals = h.transpose(0, 2, 1, 3, 4) if natural else h.transpose(0, 2, 1, 4, 3)
    return vals.reshape(blocks * height, groups * 4)[:rows, :depth]


def _unpack_v6m(packed: np.ndarray, rows: int, depth: int) -> np.ndarray:
    """Inverse of the armv6m packed layout documented in ed_v6m_support.h: blocks of 4 rows, their 4 weight sums,
    then per pair of inputs the words W(r0,r1;i) W(r2,r3;i) W(r0,r1;i+1) W(r2,r3;i+1), W = -w_a + (-w_b) 2^16."""
    pairs, blocks = (depth + 1) // 2, -(-rows // 4)
    b = packed[: blocks * (4 + 4 * pairs)].astype(np.int64).reshape(blocks, 4 + 4 * pairs)
    sums = b[:, :4].astype(np.uint32).view(np.int32)
    words = b[:, 4:].reshape(blocks, pairs, 2, 2)              # [block, pair, which input, row pair]
    lo = ((words & 0xFFFF) ^ 0x8000) - 0x8000                  # -w of rows 0 and 2, as int16
    hi = (((words - lo) >> 16) & 0xFFFF ^ 0x8000) - 0x8000      # -w of rows 1 and 3
    rowsw = -np.stack([lo[..., 0], hi[..., 0], lo[..., 1], hi[..., 1]], axis=1)  # [block, row, pair, input]
    w = rowsw.reshape(blocks * 4, pairs * 2)[:rows, :depth]
    assert np.array_equal(sums.reshape(-1)[:rows], w.sum(axis=1).astype(np.int32))
    return w


def _unpack_mve(packed: np.ndarray, rows: int, depth: int) -> np.ndarray:
    """Inverse of the mve packed layout documented in ed_mve_support.h: blocks of 4 rows, their 4 weight sums, then
    per 16 inputs the 16 int8 weights of each of the 4 rows."""
    d16, blocks = -(-depth // 16) * 16, -(-rows // 4)
    b = packed[: blocks * (4 + d16)].reshape(blocks, 4 + d16)
    sums = b[:, :4].view(np.int32)
    w = b[:, 4:].copy().view(np.int8).reshape(blocks, d16 // 16, 4, 16).transpose(0, 2, 1, 3)
    w = w.reshape(blocks * 4, d16)[:rows, :depth]
    assert np.array_equal(sums.reshape(-1)[:rows], w.astype(np.int32).sum(axis=1))
    return w


@pytest.mark.parametrize("rows,depth", [(1, 1), (3, 5), (4, 8), (10, 33), (7, 150)])
def test_packed_weights_hold_the_int8_weights(libs, rows, depth):
    rng = np.random.default_rng(rows * 1000 + depth)
    w = rng.integers(-128, 128, (rows, depth), dtype=np.int8)
    for variant, lib in libs.items():
        fc = lib.pack_fully_connected(w)
        conv = lib.pack_conv2d(w.reshape(rows, 1, 1, depth))
        if variant == "reference":
            assert np.array_equal(fc.view(np.int8)[: w.size].reshape(w.shape), w)
            assert np.array_equal(conv.view(np.int8)[: w.size].reshape(w.shape), w)
        elif variant == "armv6m":  # fully connected and conv alike: 4-row blocks of negated int16 lane pairs
            assert np.array_equal(_unpack_v6m(fc, rows, depth), w)
            assert np.array_equal(_unpack_v6m(conv, rows, depth), w)
            assert lib.lib.ed_fully_connected_s8_weights_size(rows, depth) == -(-rows // 4) * (16 + 16 * -(-depth // 2))
        elif variant == "mve":  # 4-row blocks of int8 in 16-input steps; a narrow conv: row sums, then OHWI rows
            assert np.array_equal(_unpack_mve(fc, rows, depth), w)  # of 32 bytes, zero padded to 4 rows
            if depth <= 32:
                assert np.array_equal(conv[:rows].view(np.int32), w.astype(np.int32).sum(axis=1))
                padded = conv[rows:].view(np.int8)[: -(-rows // 4) * 4 * 32].reshape(-1, 32)
                assert np.array_equal(padded[:rows, :depth], w)
                assert not padded[:rows, depth:].any() and not padded[rows:].any()
            else:
                assert np.array_equal(_unpack_mve(conv, rows, depth), w)
            blocks, steps = -(-rows // 4), -(-depth // 16)
            assert lib.lib.ed_fully_connected_s8_weights_size(rows, depth) == blocks * (16 + 64 * steps)
        else:  # fully connected in 4-row blocks, conv in 2-row blocks, zero padded
            assert np.array_equal(_unpack_cm4(fc, rows, depth, 4), w)
            assert np.array_equal(_unpack_cm4(conv, rows, depth, 2, natural=True), w)
            assert lib.lib.ed_fully_connected_s8_weights_size(rows, depth) == -(-rows // 4) * 4 * -(-depth // 4) * 8


def test_pack_weights_rejects_bad_arguments(libs):
    w = np.ones((4, 8), np.int8)
    buf = np.zeros(64, np.uint32)
    for variant, lib in libs.items():
        L = lib.lib
        size = L.ed_fully_connected_s8_weights_size(4, 8)
        assert size >= 32 and L.ed_fully_connected_s8_weights_size(0, 8) == 0
        assert L.ed_fully_connected_s8_pack_weights(4, 8, ptr(w), buf.ctypes.data, size) == OK
        assert L.ed_fully_connected_s8_pack_weights(4, 8, None, buf.ctypes.data, size) == ERR_ARG
        assert L.ed_fully_connected_s8_pack_weights(0, 8, ptr(w), buf.ctypes.data, size) == ERR_ARG
        assert L.ed_fully_connected_s8_pack_weights(4, 8, ptr(w), buf.ctypes.data, size - 1) == ERR_BUFFER
        assert L.ed_fully_connected_s8_pack_weights(4, 8, ptr(w), buf.ctypes.data + 2, size) == ERR_BUFFER
        f = Dims(2, 2, 2, 2)
        csize = L.ed_conv2d_s8_weights_size(f)
        assert csize >= 16 and L.ed_conv2d_s8_weights_size(Dims(2, 0, 2, 2)) == 0
        assert L.ed_conv2d_s8_pack_weights(f, ptr(w), buf.ctypes.data, csize) == OK
        assert L.ed_conv2d_s8_pack_weights(Dims(2, 2, 2, 0), ptr(w), buf.ctypes.data, csize) == ERR_ARG
        assert L.ed_conv2d_s8_pack_weights(f, ptr(w), buf.ctypes.data, csize - 1) == ERR_BUFFER, variant

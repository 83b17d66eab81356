"""The kernel variants with their real instructions (DSP: SMLAD, SXTB16, SSUB8/SEL, LDRD; Armv6-M: the Thumb-1
MULS core; Helium: VMLADAVA, VQRDMULH, VRSHL) on an emulated core.

The host tests run the portable C twins of the ISA-specific code; this one builds every variant for the default
QEMU board, or for the first QEMU board with the capabilities it needs (mve: the Cortex-M55), into a tiny
bare-metal program (its own vector table and linker script, nothing from the firmware), feeds it seeded
random cases of every op (normal and corrupted parameters) with the expected outputs of the numpy reference, and
requires every output byte to match in QEMU. Skipped without arm-none-eabi-gcc or qemu-system-arm.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from eccless.boards import DEFAULT_BOARD, boards_with, load_board
from eccless.firmware import manifest
from eccless.testing import kernels_host as kh
from eccless.quant.int8 import QOp
from eccless.quant.kernels import INT8_KERNELS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_kernels_golden import KINDS, _levels, bias, random_op, requant  # noqa: E402  (the same case generator as the host tests)

pytestmark = pytest.mark.qemu

# the firmware's flags; the test's own start-up and main files define their functions without prototypes


def board_for(variant: str):
    """A QEMU board with a semihosting exit that has the variant's capabilities: the default one if it has them."""
    needs = manifest.VARIANTS.get(variant).needs
    boards = [load_board(DEFAULT_BOARD), *map(load_board, boards_with("qemu"))]
    return next(b for b in boards if b.has("semihosting") and all(b.has(c) for c in needs))


def arm_flags(board) -> list[str]:
    return [*manifest.cflags("arm", board.arch_flags), "-Wno-missing-prototypes", "-nostartfiles"]


def qemu_cmd(board) -> list[str]:
    return ["qemu-system-arm", "-M", board.qemu["machine"], "-nographic", "-monitor", "none"]

HEADER_WORDS = 30

START_C = r"""
#include <stdint.h>
extern uint32_t _stack_top[];
int main(void);
static int semi(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
void put(const char *s) { (void)semi(0x04, s); }
void quit(int code)
{
    uint32_t b[2] = {0x20026u, (uint32_t)code};
    (void)semi(0x20, b);
    for (;;) {
    }
}
static void reset(void)
{
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20; /* CPACR: FPU on (hard-float ABI) */
    __asm__ volatile("dsb\n\tisb");
    quit(main());
}
static void fault(void) { put("FAULT\n"); quit(99); }
__attribute__((section(".vectors"), used)) void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)_stack_top, reset, fault, fault, fault, fault, fault, 0, 0, 0, 0, fault, fault, 0,
    fault, fault};
"""

LINK_LD = """
MEMORY { FLASH (rx) : ORIGIN = %(code_base)#x, LENGTH = %(code_size)#x
         RAM (rw) : ORIGIN = %(ram_base)#x, LENGTH = %(ram_size)#x }
SECTIONS {
  .text : { KEEP(*(.vectors)) *(.text*) *(.rodata*) } > FLASH
  .bss (NOLOAD) : { *(.bss*) *(COMMON) } > RAM
  _stack_top = ORIGIN(RAM) + LENGTH(RAM);
}
"""


def link_ld(board) -> str:
    """The board's code region, and its image region too where that follows it (the cases are large)."""
    size = board.code.size + (board.image.size if board.image.base == board.code.base + board.code.size else 0)
    return LINK_LD % {"code_base": board.code.base, "code_size": size, "ram_base": board.ram.base,
                      "ram_size": board.ram.size}

# Each case: 30 int32 header words (see emit), then x, w (bytes, padded to words), bias, multipliers, shifts
# (int32), for kind 6 (fully connected read in place, emit_inplace) its h[7] corrections, expected output (bytes,
# padded).
MAIN_C = r"""
#include <stdint.h>
#include <string.h>
#include "ed_kernels.h"
void put(const char *s);
extern const uint32_t blob[];
extern const uint32_t blob_words;
static uint32_t scratch[16384];
static uint32_t packed[32768]; /* the weights in the variant's packed form, as the loader keeps them */
static int8_t out[65536];
static void putu(const char *label, uint32_t v)
{
    char b[12];
    int i = 11;
    b[i] = 0;
    do {
        b[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    put(label);
    put(b + i);
}
/* The shift check on this core (Helium has a vector one): ED_ERR_QUANT exactly when one of 1-9 channels' shifts,
 * first or last, lies outside [-31, 31]; the others alternate between -31 and 31. Returns the failures. */
static uint32_t shift_checks(void)
{
    static const int32_t bad_values[5] = {0, 32, -32, INT32_MIN, INT32_MAX};
    static int32_t mult[9], shift[9];
    static const int8_t x[4] = {1, 2, 3, 4}, w[36] = {1};
    ed_fc_params_t fp = {{0, 0, -128, 127}};
    ed_requant_t rq = {mult, shift};
    ed_scratch_t sc = {scratch, sizeof scratch};
    uint32_t fails = 0;
    int32_t n, k, b, i;
    for (n = 1; n <= 9; n++) {
        if (ed_fully_connected_s8_pack_weights(n, 4, w, packed, sizeof packed) != ED_OK) {
            fails++;
        }
        for (k = 0; k < n; k += n - 1 > 0 ? n - 1 : 1) {
            for (b = 0; b < 5; b++) {
                for (i = 0; i < n; i++) {
                    mult[i] = 1 << 30;
                    shift[i] = i % 2 ? 31 : -31;
                }
                if (b > 0) {
                    shift[k] = bad_values[b];
                }
                const int expect = b > 0 ? ED_ERR_QUANT : ED_OK;
                if (ed_fully_connected_s8(&fp, &rq, 1, 4, n, x, packed, 0, out, &sc) != expect) {
                    fails++;
                }
            }
        }
    }
    return fails;
}
int main(void)
{
    const uint32_t *p = blob;
    uint32_t n = 0, bad = shift_checks();
    while (p < blob + blob_words) {
        const int32_t *h = (const int32_t *)p;
        const int32_t xl = h[25], wl = h[26], bl = h[27], rl = h[28], yl = h[29];
        const int8_t *x = (const int8_t *)(p + 30), *w = (const int8_t *)(p + 30 + (xl + 3) / 4);
        const int32_t *bias = (const int32_t *)(p + 30 + (xl + 3) / 4 + (wl + 3) / 4);
        const int32_t *mult = bias + bl, *shift = mult + rl, nfix = h[0] == 6 ? h[7] : 0;
        const uint32_t *fixes = (const uint32_t *)(shift + rl);
        const int8_t *y = (const int8_t *)(fixes + nfix);
        ed_dims_t in = {h[1], h[2], h[3], h[4]}, od = {h[21], h[22], h[23], h[24]};
        ed_window_t win = {h[8], h[9], h[10], h[11], h[12], h[13]};
        ed_act_t act = {h[15], h[16], h[17], h[18]};
        ed_requant_t rq = {mult, shift};
        ed_scratch_t sc = {scratch, sizeof scratch};
        int status = -100;
        memset(out, 0x55, (size_t)yl);
        if (h[0] == 0) {
            ed_fc_params_t fp = {act};
            status = ed_fully_connected_s8_pack_weights(h[5], h[4], w, packed, sizeof packed);
            if (status == 0) {
                status = ed_fully_connected_s8(&fp, &rq, h[1], h[4], h[5], x, packed, bias, out, &sc);
            }
        } else if (h[0] == 1) {
            ed_conv_params_t cp = {win, act};
            ed_dims_t f = {h[5], h[6], h[7], h[4]};
            status = ed_conv2d_s8_pack_weights(&f, w, packed, sizeof packed);
            if (status == 0) {
                status = ed_conv2d_s8(&cp, &rq, &in, x, &f, packed, bias, &od, out, &sc);
            }
        } else if (h[0] == 2) {
            ed_dw_conv_params_t dp = {win, h[14], act};
            ed_dims_t f = {1, h[6], h[7], h[5]};
            status = ed_depthwise_conv2d_s8(&dp, &rq, &in, x, &f, w, bias, &od, out);
        } else if (h[0] == 6) { /* stored bytes read in place: transform h[6], corrections, bias unless h[14] */
            ed_fc_params_t fp = {act};
            status = ed_fully_connected_inplace_s8(&fp, &rq, h[4], h[5], x, (const uint8_t *)w, (uint32_t)h[6],
                                                   h[14] ? 0 : bias, fixes, (uint32_t)nfix, out, &sc);
        } else if (h[0] == 3 || h[0] == 4) {
            ed_pool_params_t pp = {win, h[6], h[7], h[17], h[18]};
            status = h[0] == 3 ? ed_max_pool_s8(&pp, &in, x, &od, out) : ed_avg_pool_s8(&pp, &in, x, &od, out);
        } else {
            ed_clamp_params_t cp = {h[15], h[16], h[19], h[20], h[17], h[18]};
            status = ed_clamp_s8(&cp, yl, x, out);
        }
        if (status != 0 || memcmp(out, y, (size_t)yl) != 0) {
            bad++;
            putu("MISMATCH case ", n);
            putu(" kind ", (uint32_t)h[0]);
            put("\n");
        }
        n++;
        p += 30 + (xl + 3) / 4 + (wl + 3) / 4 + bl + 2 * rl + nfix + (yl + 3) / 4;
    }
    put(ed_kernels_variant());
    putu(" cases ", n);
    putu(" bad ", bad);
    put("\n");
    return bad != 0u;
}
"""


def _words(data: bytes) -> list[int]:
    return np.frombuffer(data + b"\0" * (-len(data) % 4), np.uint32).tolist()


def emit(op, x) -> list[int]:
    """One case as words: the header the harness reads, the operands and the reference output."""
    y = INT8_KERNELS[op.kind](op, x)
    h = [0] * HEADER_WORDS
    h[0] = KINDS.index(op.kind)
    if op.kind == "dense":
        h[1:6] = [x.shape[0], 1, 1, x.shape[1], op.weight.shape[0]]
    elif op.kind != "relu":
        h[1:5] = x.shape
    if op.kind == "conv2d":
        h[5:8] = op.weight.shape[:3]
    elif op.kind == "dwconv2d":
        h[5:8] = [op.weight.shape[3], op.weight.shape[1], op.weight.shape[2]]
        h[14] = op.weight.shape[3] // x.shape[3]
    elif op.kind in ("maxpool", "avgpool"):
        h[6:8] = op.pool
    h[8:14] = [*op.stride, *op.pads]
    h[15:19] = [op.in_zp, op.out_zp, op.act_min, op.act_max]
    weighted = op.weight is not None
    if op.kind == "relu":
        h[19:21] = [int(op.out_mult[0]), int(op.out_shift[0])]
    if y.ndim == 4:
        h[21:25] = y.shape
    rq = [op.out_mult, op.out_shift] if weighted else []
    h[25:30] = [x.size, op.weight.size if weighted else 0, op.bias.size if weighted else 0,
                op.out_mult.size if weighted else 0, y.size]
    words = _words(np.array(h, np.int32).tobytes()) + _words(x.tobytes())
    if weighted:
        words += _words(op.weight.tobytes()) + _words(op.bias.astype(np.int32).tobytes())
        words += [w for a in rq for w in _words(a.astype(np.int32).tobytes())]
    return words + _words(y.tobytes())


def emit_inplace(rng, depth: int, out: int, transform: int, fixed_rows, no_bias: bool = False) -> list[int]:
    """A fully connected layer read in place (kind 6): random stored bytes under the transform, corrections on
    random elements of `fixed_rows`, and the reference dense kernel on the corrected levels as the expected
    output."""
    stored = rng.integers(0, 256, (out, depth), dtype=np.uint8)
    levels = _levels(stored, transform).reshape(-1)
    rows = [r for r in fixed_rows if r < out]
    elements = np.unique(np.array([r * depth + int(rng.integers(0, depth)) for r in rows for _ in range(2)],
                                  dtype=np.int64))
    target = rng.integers(-128, 128, elements.size)
    delta = target - levels[elements].astype(np.int64)
    fixes = ((elements << 9) | (delta & 0x1FF)).astype(np.uint32)
    corrected = levels.copy()
    corrected[elements] = target
    mult, shift = requant(rng, out, extreme=transform % 2 == 1)
    op = QOp("dense", weight=corrected.reshape(out, depth), bias=np.zeros(out, np.int32) if no_bias else
             bias(rng, out, extreme=transform % 2 == 1), in_zp=int(rng.integers(-128, 128)),
             out_zp=int(rng.integers(-128, 128)), out_mult=mult, out_shift=shift)
    x = rng.integers(-128, 128, (1, depth)).astype(np.int8)
    y = INT8_KERNELS["dense"](op, x)[0]
    h = [0] * HEADER_WORDS
    h[0], h[4], h[5], h[6], h[7], h[14] = 6, depth, out, transform, fixes.size, int(no_bias)
    h[15:19] = [op.in_zp, op.out_zp, op.act_min, op.act_max]
    h[25:30] = [x.size, stored.size, out, out, y.size]
    words = _words(np.array(h, np.int32).tobytes()) + _words(x.tobytes()) + _words(stored.tobytes())
    words += _words(op.bias.astype(np.int32).tobytes()) + _words(mult.astype(np.int32).tobytes())
    words += _words(shift.astype(np.int32).tobytes()) + fixes.tolist()
    return words + _words(y.tobytes())


# (depth, out, rows with corrections, no bias): whole-word rows in runs of blocks broken by corrections (first,
# middle, last and neighbouring blocks), row tails, the 1..3 rows after the blocks, no bias
INPLACE_SHAPES = [(64, 16, (), False), (64, 64, (0, 9, 10, 13, 63), False), (84, 10, (4, 5, 9), False),
                  (120, 84, (3, 40, 41, 42, 43, 44, 83), False), (32, 7, (6,), False), (4, 4, (0,), False),
                  (7, 9, (2, 8), False), (403, 7, (0, 6), False), (64, 12, (5,), True), (400, 120, range(0, 120, 7),
                                                                                        False)]
TAIL_SHAPES = [(out, depth) for out in (1, 2, 3, 5, 6, 7, 9, 10, 11) for depth in (7, 32, 84)]
# (input h, w, c), kernel, filters, pads (top, bottom, left, right), stride: LeNet's one-channel 5x5 first conv,
# depths 16, 25 and 32 around the two column vectors, 1-9 filters (partial blocks of 4), strides, a window just
# within and one past the column path's 255-byte reach (the pixel-parallel loop then), pads past kernel - 1
NARROW_CONVS = [((28, 28, 1), (5, 5), 6, (2, 2, 2, 2), (1, 1)), ((8, 8, 1), (5, 5), 6, (2, 2, 2, 2), (1, 1)),
                ((9, 7, 1), (4, 4), 1, (0, 0, 0, 0), (1, 1)), ((9, 12, 1), (2, 16), 5, (0, 0, 3, 3), (1, 1)),
                ((6, 9, 2), (4, 4), 9, (1, 2, 3, 0), (2, 3)), ((10, 10, 3), (3, 3), 7, (1, 1, 1, 1), (2, 2)),
                ((20, 54, 1), (5, 5), 3, (2, 2, 2, 2), (1, 1)), ((20, 55, 1), (5, 5), 4, (2, 2, 2, 2), (1, 1)),
                ((7, 7, 1), (3, 3), 8, (4, 3, 3, 5), (1, 2))]
CASES = 30 * len(KINDS) + len(TAIL_SHAPES) + len(NARROW_CONVS) + 4 * len(INPLACE_SHAPES)


@pytest.fixture(scope="module")
def blob_c(tmp_path_factory) -> Path:
    rng = np.random.default_rng(77)
    words = []
    for kind in KINDS:
        for i in range(30):
            words += emit(*random_op(rng, kind, extreme=i % 2 == 1 and kind in ("dense", "conv2d", "dwconv2d",
                                                                                   "relu")))
    for out, depth in TAIL_SHAPES:  # every row tail of the 4-row fully connected blocks, on the real DSP asm
        op, _ = random_op(rng, "dense", extreme=out % 2 == 1)
        op.weight = rng.integers(-128, 128, (out, depth)).astype(np.int8)
        op.bias = bias(rng, out, extreme=out % 2 == 1)
        op.out_mult, op.out_shift = requant(rng, out, extreme=out % 2 == 1)
        words += emit(op, rng.integers(-128, 128, (2, depth)).astype(np.int8))
    for (h, w, c), (fh, fw), out, pads, stride in NARROW_CONVS:  # mve's column path (depth <= 32) and its edges
        extreme = out % 2 == 0
        mult, shift = requant(rng, out, extreme)
        op = QOp("conv2d", weight=rng.integers(-128, 128, (out, fh, fw, c)).astype(np.int8), pads=pads,
                 stride=stride, bias=bias(rng, out, extreme), in_zp=int(rng.integers(-128, 128)),
                 out_zp=int(rng.integers(-128, 128)), out_mult=mult, out_shift=shift)
        words += emit(op, rng.integers(-128, 128, (2, h, w, c)).astype(np.int8))
    for transform in range(4):  # every transform of the in-place kernel (its asm runs on the DSP cores)
        for depth, out, fixed_rows, no_bias in INPLACE_SHAPES:
            words += emit_inplace(rng, depth, out, transform, fixed_rows, no_bias)
    path = tmp_path_factory.mktemp("qemu") / "cases.c"
    body = ",\n".join(",".join(f"{w}u" for w in words[i:i + 16]) for i in range(0, len(words), 16))
    path.write_text(f"#include <stdint.h>\n__attribute__((aligned(8))) const uint32_t blob[] = {{\n{body}}};\n"
                    f"const uint32_t blob_words = {len(words)}u;\n")
    return path


@pytest.mark.parametrize("variant", kh.VARIANTS)
def test_kernels_bit_exact_on_their_core(variant, blob_c, tmp_path):
    for tool, pkg in (("arm-none-eabi-gcc", "gcc-arm-none-eabi"), ("qemu-system-arm", "qemu-system-arm")):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not found: apt-get install --no-install-recommends {pkg}")
    board = board_for(variant)
    for name, text in (("start.c", START_C), ("main.c", MAIN_C), ("link.ld", link_ld(board))):
        (tmp_path / name).write_text(text)
    elf = tmp_path / "kernels.elf"
    build = subprocess.run(["arm-none-eabi-gcc", *arm_flags(board), "-T", str(tmp_path / "link.ld"),
                            *(f"-I{d}" for d in kh.include_dirs(variant)), str(tmp_path / "start.c"),
                            str(tmp_path / "main.c"), str(blob_c), *map(str, kh.kernel_sources(variant)), "-o",
                            str(elf)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    run = subprocess.run([*qemu_cmd(board),
                          "-semihosting-config", "enable=on,target=native", "-kernel", str(elf)],
                         capture_output=True, text=True, timeout=120)
    console = run.stdout + run.stderr  # QEMU prints semihosting SYS_WRITE0 on stderr
    assert f"{variant} cases {CASES} bad 0" in console, console[-2000:]
    assert run.returncode == 0

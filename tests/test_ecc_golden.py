"""The device decoder (edge/image/ed_ecc.c, ed_crc32.c) is bit-exact with eccless.image.ecc: same corrected bytes
(parity included), same correction counts, same failure decisions; it builds warning-free for a Cortex-M4."""

from __future__ import annotations

import ctypes
import re
import shutil
import subprocess
import zlib

import numpy as np
import pytest

from eccless.boards import DEFAULT_BOARD, load_board
from eccless.firmware import manifest
from eccless.testing.harness import build_shared
from eccless.channel import flip_bytes
from eccless.image.ecc import (
    CRC_BYTES,
    K_MAX_BYTES,
    PARITY_BYTES,
    STATUS_CRC_MISMATCH,
    STATUS_OK,
    STATUS_UNCORRECTABLE,
    T,
    bch,
    block_count,
    cexport,
    correct_many,
    crc32,
    gf,
    protect,
    protected_size,
)
from eccless.image.ecc.layout import layout

pytestmark = pytest.mark.golden

EDGE = manifest.EDGE
SOURCES = manifest.sources(["image"], "reference")
ARM_FLAGS = manifest.compile_flags("arm", ["image"], "reference", load_board(DEFAULT_BOARD).arch_flags)
BAD_ARG = -1
u8p, size_t, u32 = ctypes.POINTER(ctypes.c_uint8), ctypes.c_size_t, ctypes.c_uint32


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    so = ctypes.CDLL(str(build_shared(tmp_path_factory.mktemp("ed_ecc") / "libed_ecc.so", ["image"])))
    for name, res, args in [
        ("ed_ecc_recover", ctypes.c_int, [ctypes.c_void_p, size_t, size_t, ctypes.POINTER(u32)]),
        ("ed_ecc_protected_size", size_t, [size_t]),
        ("ed_ecc_block_count", size_t, [size_t]),
        ("ed_crc32", u32, [ctypes.c_void_p, size_t]),
        ("ed_crc32_update", u32, [u32, ctypes.c_void_p, size_t]),
    ]:
        fn = getattr(so, name)
        fn.restype, fn.argtypes = res, args
    return so


def c_recover(lib, blob: np.ndarray, data_len: int, extra: int = 0):
    """Run ed_ecc_recover on a copy: (status, corrected, buffer after the call)."""
    buf = np.concatenate([blob, np.full(extra, 0xA5, dtype=np.uint8)])
    count = u32(12345)
    status = lib.ed_ecc_recover(buf.ctypes.data, data_len, buf.size, ctypes.byref(count))
    return status, count.value, buf


def inject(blob: np.ndarray, data_len: int, block: int, nerr: int, rng) -> np.ndarray:
    """A copy of blob with exactly nerr flipped bits among the bits of one block (data, CRC or parity)."""
    lay = layout(data_len)
    offsets = lay.gather[block][lay.gather[block] < lay.size]
    bits = rng.choice(offsets.size * 8, size=nerr, replace=False)
    noisy = blob.copy()
    np.bitwise_xor.at(noisy, offsets[bits >> 3], (1 << (bits & 7)).astype(np.uint8))
    return noisy


def assert_same(lib, stack: np.ndarray, data_len: int, what: str) -> np.ndarray:
    """C and Python agree on every copy of the stack; returns the Python statuses."""
    fixed, corrected, status = correct_many(stack, data_len)
    for i, noisy in enumerate(stack):
        c_status, c_count, c_buf = c_recover(lib, noisy, data_len)
        assert (c_status, c_count) == (int(status[i]), int(corrected[i])), f"{what} copy {i}"
        if not np.array_equal(c_buf, fixed[i]):
            bad = np.flatnonzero(c_buf != fixed[i])
            pytest.fail(f"{what} copy {i}: {bad.size} bytes differ, first at {bad[:5].tolist()}")
    return status


def test_header_constants_match_python():
    header = (EDGE / "image" / "ed_ecc.h").read_text()
    defines = {m[1]: int(m[2]) for m in re.finditer(r"#define (ED_ECC_\w+) (\d+)", header)}
    assert defines == {"ED_ECC_GF_M": gf.M, "ED_ECC_GF_N": gf.N, "ED_ECC_T": T, "ED_ECC_PARITY_BYTES": PARITY_BYTES,
                       "ED_ECC_BLOCK_PAYLOAD_MAX": K_MAX_BYTES, "ED_ECC_CRC_BYTES": CRC_BYTES,
                       "ED_ECC_REM_WORDS": cexport.REM_WORDS}
    assert re.search(r"ED_ECC_UNCORRECTABLE = (\d)", header)[1] == str(STATUS_UNCORRECTABLE)
    assert re.search(r"ED_ECC_CRC_MISMATCH = (\d)", header)[1] == str(STATUS_CRC_MISMATCH)



def test_sizes_and_crc_match(lib):
    for n in [0, 1, 184, 185, 186, 189, 374, 1000, 10_240, 102_400, 1 << 20]:
        assert lib.ed_ecc_protected_size(n) == protected_size(n), n
        assert lib.ed_ecc_block_count(n) == block_count(n), n
    assert lib.ed_ecc_protected_size(2**64 - 1) == 0
    rng = np.random.default_rng(11)
    for n in [0, 1, 2, 3, 9, 255, 1000, 4097]:
        buf = rng.integers(0, 256, n, dtype=np.uint8)
        assert lib.ed_crc32(buf.ctypes.data, n) == zlib.crc32(buf) == crc32(buf), n
        seed = int(rng.integers(0, 2**32))
        assert lib.ed_crc32_update(seed, buf.ctypes.data, n) == zlib.crc32(buf, seed), n
    check = np.frombuffer(b"123456789", dtype=np.uint8)
    assert lib.ed_crc32(check.ctypes.data, 9) == 0xCBF43926


@pytest.mark.parametrize("data_len", [0, 185, 186, 1000, 3000])
def test_exact_error_counts_around_t(lib, data_len):
    rng = np.random.default_rng(data_len + 1)
    blob = np.frombuffer(protect(rng.integers(0, 256, data_len, dtype=np.uint8).tobytes()), dtype=np.uint8)
    nblk = layout(data_len).nblocks
    stack = []
    for nerr in [0, 1, 2, 7, T - 1, T, T + 1, T + 2, T + 10, 2 * T, 3 * T]:
        for _ in range(2):
            block = int(rng.integers(nblk))
            noisy = inject(blob, data_len, block, nerr, rng)
            if nblk > 1:  # another block with up to T errors is corrected whatever happens to the first
                other = (block + 1 + int(rng.integers(nblk - 1))) % nblk
                noisy = inject(noisy, data_len, other, int(rng.integers(T + 1)), rng)
            stack.append(noisy)
    status = assert_same(lib, np.stack(stack), data_len, f"data_len={data_len}")
    assert np.all(status[:12] == STATUS_OK)  # up to T errors per block: always corrected
    assert np.all(status[12:] != STATUS_OK)  # more than T errors in a block: never accepted


@pytest.mark.parametrize("ber", [1e-3, 1e-2, 2e-2, 2.4e-2, 5e-2])
def test_channel_corruptions(lib, ber):
    data_len = 700
    blob = np.frombuffer(protect(np.random.default_rng(5).integers(0, 256, data_len, dtype=np.uint8).tobytes()),
                         dtype=np.uint8)
    stack = np.stack([flip_bytes(blob, ber, seed=21, stream=s)[0] for s in range(12)])
    status = assert_same(lib, stack, data_len, f"ber={ber}")
    assert (ber > 1e-2) or np.all(status == STATUS_OK)
    assert (ber < 2.4e-2) or np.any(status != STATUS_OK)  # the failure path was exercised too


def test_garbage_and_crc_mismatch(lib):
    rng = np.random.default_rng(9)
    data_len = 400
    garbage = rng.integers(0, 256, (6, protected_size(data_len)), dtype=np.uint8)
    assert np.all(assert_same(lib, garbage, data_len, "garbage") != STATUS_OK)
    # Valid BCH codewords around a wrong CRC: only the CRC can tell.
    payload = rng.integers(0, 256, (1, K_MAX_BYTES), dtype=np.uint8)
    blob = np.concatenate([payload[0], bch.parity_bytes(payload)[0]])
    noisy = inject(blob, K_MAX_BYTES - CRC_BYTES, 0, 5, rng)
    status = assert_same(lib, np.stack([blob, noisy]), K_MAX_BYTES - CRC_BYTES, "bad crc")
    assert status.tolist() == [STATUS_CRC_MISMATCH, STATUS_CRC_MISMATCH]


def test_bad_arguments_and_untouched_tail(lib):
    blob = np.frombuffer(protect(bytes(range(200))), dtype=np.uint8)
    count = u32()
    assert lib.ed_ecc_recover(None, 200, blob.size, ctypes.byref(count)) == BAD_ARG
    assert lib.ed_ecc_recover(blob.copy().ctypes.data, 200, blob.size - 1, ctypes.byref(count)) == BAD_ARG
    assert lib.ed_ecc_recover(blob.copy().ctypes.data, 200, blob.size, None) == BAD_ARG
    assert lib.ed_ecc_recover(blob.copy().ctypes.data, 2**64 - 2, 2**64 - 1, ctypes.byref(count)) == BAD_ARG
    status, fixed, buf = c_recover(lib, inject(blob, 200, 1, 9, np.random.default_rng(1)), 200, extra=37)
    assert (status, fixed) == (STATUS_OK, 9)
    assert np.array_equal(buf[: blob.size], blob) and np.all(buf[blob.size:] == 0xA5)


def test_compiles_warning_free_for_cortex_m4(tmp_path):
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc not found: apt-get install --no-install-recommends gcc-arm-none-eabi")
    undefined = set()
    for source in SOURCES:
        obj = tmp_path / (source.stem + ".o")
        result = subprocess.run(["arm-none-eabi-gcc", *ARM_FLAGS,
                                 "-c", str(source), "-o", str(obj)], check=False, capture_output=True, text=True)
        assert result.returncode == 0 and result.stderr == "", result.stderr
        if shutil.which("arm-none-eabi-nm"):
            nm = subprocess.run(["arm-none-eabi-nm", "-u", str(obj)], capture_output=True, text=True, check=True)
            undefined |= {line.split()[-1] for line in nm.stdout.splitlines() if line.strip()}
    # Only our own symbols and the <string.h> routines GCC may emit for copy loops: no libgcc, no malloc.
    allowed = {"ed_crc32", "ed_ecc_gf_exp", "ed_ecc_gf_log", "ed_ecc_rem_nibble", "memcpy", "memmove", "memset"}
    assert undefined <= allowed, undefined

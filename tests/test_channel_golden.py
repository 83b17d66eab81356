"""The C channel (edge/channel/ed_channel.c) replays the Python channel bit-exactly: same draws, gaps, flips."""

from __future__ import annotations

import ctypes
import shutil
import subprocess

import numpy as np
import pytest

from eccless.boards import DEFAULT_BOARD, load_board
from eccless.firmware import manifest
from eccless.testing.harness import build_shared
from eccless.channel import BSC, K_NONE, KEEP_ALL, Asym, ChannelConstants, flip_positions, make_model
from eccless.channel.constants import k_constant
from eccless.channel.fixedlog import gaps, neg_log2
from eccless.channel.prng import draws, mix64_int, stream_key
from eccless.channel.spec import NoiseSpec

pytestmark = pytest.mark.golden

SOURCE = manifest.sources(["channel"], "reference")[0]
ARM_FLAGS = manifest.compile_flags("arm", ["channel"], "reference", load_board(DEFAULT_BOARD).arch_flags)
OK, END, ERR_ARG, ERR_RANGE, ERR_FULL = 0, 1, -1, -2, -3

u64, u32, c_int = ctypes.c_uint64, ctypes.c_uint32, ctypes.c_int


class Params(ctypes.Structure):  # mirrors ed_channel_params_t
    _fields_ = [("seed", u64), ("stream", u32), ("k_q32", u64), ("keep_1to0", u64), ("keep_0to1", u64),
                ("model", u32), ("length", u32)]


READ_BIT = ctypes.CFUNCTYPE(c_int, ctypes.c_void_p, u64)
VISIT = ctypes.CFUNCTYPE(c_int, ctypes.c_void_p, u64)


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    so = ctypes.CDLL(str(build_shared(tmp_path_factory.mktemp("ed_channel") / "libed_channel.so", ["channel"])))
    for name, res, args in [
        ("ed_channel_mix64", u64, [u64]),
        ("ed_channel_key", u64, [u64, u32]),
        ("ed_channel_draw", u64, [u64, u64]),
        ("ed_channel_gap", u64, [u64, u64]),
        ("ed_channel_neg_log2", None, [u64, ctypes.POINTER(u32), ctypes.POINTER(u32)]),
        ("ed_channel_flip_buffer", c_int, [ctypes.POINTER(Params), ctypes.c_void_p, ctypes.c_size_t, u64, u64,
                                           ctypes.POINTER(u64), ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)]),
        ("ed_channel_foreach", c_int, [ctypes.POINTER(Params), u64, u64, READ_BIT, VISIT, ctypes.c_void_p]),
    ]:
        fn = getattr(so, name)
        fn.restype, fn.argtypes = res, args
    return so


def params(constants: ChannelConstants, seed: int, stream: int = 0) -> Params:
    return Params(seed, stream, constants.k_q32, constants.keep_1to0, constants.keep_0to1)


def c_flip(lib, constants, buf: np.ndarray, seed: int, start: int = 0, stop: int | None = None, stream: int = 0):
    """Run ed_channel_flip_buffer on a copy of buf: (status, noisy, positions)."""
    stop = buf.size * 8 if stop is None else stop
    capacity = max(16, int((stop - start) * constants.candidate_rate * 2 + 64))
    return c_flip_params(lib, params(constants, seed, stream), buf, start, stop, capacity)


def c_flip_params(lib, p: Params, buf: np.ndarray, start: int, stop: int, capacity: int):
    noisy = buf.copy()
    out = (u64 * capacity)()
    count = ctypes.c_size_t()
    status = lib.ed_channel_flip_buffer(ctypes.byref(p), noisy.ctypes.data, buf.size, start, stop, out, capacity,
                                        ctypes.byref(count))
    return status, noisy, np.array(out[: min(count.value, capacity)], dtype=np.int64)


def assert_same_positions(c_pos: np.ndarray, py_pos: np.ndarray, what: str):
    if not np.array_equal(c_pos, py_pos):
        n = min(c_pos.size, py_pos.size)
        bad = np.flatnonzero(c_pos[:n] != py_pos[:n])
        first = int(bad[0]) if bad.size else n
        pytest.fail(f"{what}: C has {c_pos.size} flips, Python {py_pos.size}; first mismatch at index {first}: "
                    f"C {c_pos[first:first + 3].tolist()} vs Python {py_pos[first:first + 3].tolist()}")


def test_prng_words_match(lib):
    rng = np.random.default_rng(1)
    for z in rng.integers(0, 2**64, 200, dtype=np.uint64).tolist() + [0, 2**64 - 1]:
        assert lib.ed_channel_mix64(z) == mix64_int(z)
    for seed, stream in [(0, 0), (1, 0), (2**64 - 1, 2**32 - 1), (123456789, 7)]:
        key = stream_key(seed, stream)
        assert lib.ed_channel_key(seed, stream) == key
        counters = np.array([0, 1, 2, 3, 1000, 2**40], dtype=np.uint64)
        assert [lib.ed_channel_draw(key, int(i)) for i in counters] == draws(key, counters).tolist()


def test_log2_and_gaps_match(lib):
    rng = np.random.default_rng(2)
    r = np.concatenate([rng.integers(0, 2**64, 3000, dtype=np.uint64),
                        np.array([0, 1, 2, 2**63, 2**64 - 1, 2**32, 2**32 - 1], dtype=np.uint64)])
    ipart, phi = neg_log2(r)
    ci, cf = u32(), u32()
    for v, i, f in zip(r.tolist(), ipart.tolist(), phi.tolist()):
        lib.ed_channel_neg_log2(v, ctypes.byref(ci), ctypes.byref(cf))
        assert (ci.value, cf.value) == (i, f), f"neg_log2({v:#x})"
    for ber in (1e-9, 1e-6, 1e-3, 0.5, 0.999, 1.0):
        kq = k_constant(ber)
        assert [lib.ed_channel_gap(v, kq) for v in r[:500].tolist()] == gaps(r[:500], kq).tolist(), ber


@pytest.mark.parametrize("ber,nbytes", [(1e-6, 1 << 21), (1e-5, 1 << 18), (1e-4, 1 << 16), (1e-3, 1 << 14),
                                        (1e-2, 1 << 12), (0.1, 1 << 10), (0.5, 1 << 10), (1.0, 64), (0.0, 64)])
def test_bsc_flips_match(lib, ber, nbytes):
    buf = np.random.default_rng(3).integers(0, 256, nbytes, dtype=np.uint8)
    model = BSC(ber)
    total = 0
    for seed in (0, 1, 2**63 + 5):
        status, c_noisy, c_pos = c_flip(lib, model.constants, buf, seed)
        py_noisy, py_pos = model.flip(buf, seed)
        assert status == OK
        assert_same_positions(c_pos, py_pos, f"bsc ber={ber} seed={seed}")
        assert np.array_equal(c_noisy, py_noisy)
        total += py_pos.size
    assert total > 0 or ber == 0.0  # the comparison must have had flips to compare


@pytest.mark.parametrize("p10,p01", [(1e-3, 1e-5), (1e-5, 1e-3), (0.3, 0.01), (0.0, 2e-2), (5e-2, 0.0), (1.0, 0.5)])
def test_asym_flips_match_on_a_subrange(lib, p10, p01):
    buf = np.random.default_rng(4).integers(0, 256, 1 << 14, dtype=np.uint8)
    model = make_model("asym", p10=p10, p01=p01)
    for seed, stream, start, stop in [(7, 0, 0, None), (8, 3, 1001, 90_001), (2**64 - 1, 2**32 - 1, 5, 6)]:
        status, c_noisy, c_pos = c_flip(lib, model.constants, buf, seed, start, stop, stream)
        py_noisy, py_pos = model.flip(buf, seed, start=start, stop=stop, stream=stream)
        assert status == OK
        assert_same_positions(c_pos, py_pos, f"asym p10={p10} p01={p01} seed={seed}")
        assert np.array_equal(c_noisy, py_noisy)


@pytest.mark.parametrize("spec,ber", [("burst:1", 1e-3), ("burst:8", 1e-3), ("burst:64", 5e-3), ("burst:7", 0.2),
                                      ("burst:4096", 0.5), ("burst:65536", 1.0), ("burst:3", 1.0),
                                      ("stuck:0", 1e-3), ("stuck:7", 0.3), ("stuck:2", 0.5)])
def test_burst_and_stuck_flips_match_on_subranges(lib, spec, ber):
    """The device twins of burst:L (runs cut at the range's end, overlapping runs flipped once) and stuck:F (the
    device seed's map, read wrong where the clean bit differs) replay the host's positions from INJECT's fields."""
    buf = np.random.default_rng(5).integers(0, 256, 1 << 14, dtype=np.uint8)
    model = NoiseSpec.parse(spec).model(ber)
    total = 0
    for seed, stream, start, stop in [(7, 0, 0, None), (8, 3, 1001, 90_001), (2**64 - 1, 2**31, 5, 6),
                                      (9, 1, 130_000, 131_072)]:
        stop = buf.size * 8 if stop is None else stop
        status, c_noisy, c_pos = c_flip_params(lib, Params(**model.device_params(seed, stream)), buf, start, stop,
                                               stop - start + 16)
        py_noisy, py_pos = model.flip(buf, seed, start=start, stop=stop, stream=stream)
        assert status == OK
        assert_same_positions(c_pos, py_pos, f"{spec} ber={ber} seed={seed} [{start}, {stop})")
        assert np.array_equal(c_noisy, py_noisy)
        total += py_pos.size
    assert total > 0


def test_burst_and_stuck_argument_checks(lib):
    buf = np.zeros(64, np.uint8)
    burst = NoiseSpec.parse("burst:8").model(1e-2).device_params(1, 0)
    for bad in ({"length": 0}, {"length": 65537}, {"model": 3}):
        assert c_flip_params(lib, Params(**{**burst, **bad}), buf, 0, 512, 600)[0] == ERR_ARG
    visit = VISIT(lambda ctx, pos: OK)
    stuck = Params(**NoiseSpec.parse("stuck:0").model(1e-2).device_params(1, 0))
    assert lib.ed_channel_foreach(ctypes.byref(stuck), 0, 512, ctypes.cast(None, READ_BIT), visit, None) == ERR_ARG


def test_foreach_replays_without_a_buffer(lib):
    # 2^40 bits at the smallest supported rate: about 1,100 flips, only possible because cost follows the flips.
    got = []
    visit = VISIT(lambda ctx, pos: got.append(pos) or OK)
    status = lib.ed_channel_foreach(ctypes.byref(params(BSC(1e-9).constants, 99)), 0, 1 << 40,
                                    ctypes.cast(None, READ_BIT), visit, None)
    assert status == OK
    assert_same_positions(np.array(got, dtype=np.int64), flip_positions(1 << 40, 1e-9, 99), "foreach 1e-9")
    assert len(got) > 900

    buf = np.random.default_rng(5).integers(0, 256, 4096, dtype=np.uint8)
    model = Asym(2e-2, 1e-3)
    got.clear()
    read_bit = READ_BIT(lambda ctx, pos: int(buf[pos >> 3] >> (pos & 7)) & 1)
    assert lib.ed_channel_foreach(ctypes.byref(params(model.constants, 5, 2)), 64, 30_000, read_bit, visit,
                                  None) == OK
    assert_same_positions(np.array(got, dtype=np.int64), model.positions(buf, 5, start=64, stop=30_000, stream=2),
                          "foreach asym")


def test_status_codes(lib):
    buf = np.zeros(16, dtype=np.uint8)
    bad_k = ChannelConstants(1 << 62, KEEP_ALL, KEEP_ALL)
    bad_keep = ChannelConstants(k_constant(0.1), KEEP_ALL + 1, KEEP_ALL)
    assert c_flip(lib, bad_k, buf, 1)[0] == ERR_ARG
    assert c_flip(lib, bad_keep, buf, 1)[0] == ERR_ARG
    assert c_flip(lib, BSC(0.1).constants, buf, 1, start=0, stop=129)[0] == ERR_RANGE
    assert c_flip(lib, BSC(0.1).constants, buf, 1, start=9, stop=8)[0] == ERR_RANGE
    asym = Asym(0.1, 0.2).constants
    visit = VISIT(lambda ctx, pos: OK)
    assert lib.ed_channel_foreach(ctypes.byref(params(asym, 1)), 0, 64, ctypes.cast(None, READ_BIT), visit,
                                  None) == ERR_ARG
    # Too small a positions array: every flip is still applied and counted.
    out, count, noisy = (u64 * 2)(), ctypes.c_size_t(), buf.copy()
    status = lib.ed_channel_flip_buffer(ctypes.byref(params(BSC(1.0).constants, 1)), noisy.ctypes.data, 16, 0, 128,
                                        out, 2, ctypes.byref(count))
    assert (status, count.value, list(out)) == (ERR_FULL, 128, [0, 1])
    assert np.all(noisy == 255)
    silent = ChannelConstants(K_NONE, KEEP_ALL, KEEP_ALL)
    assert c_flip(lib, silent, buf, 1)[2].size == 0


def test_compiles_warning_free_for_cortex_m4(tmp_path):
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc not found: apt-get install --no-install-recommends gcc-arm-none-eabi")
    obj = tmp_path / "ed_channel.o"
    result = subprocess.run(["arm-none-eabi-gcc", *ARM_FLAGS, "-c", str(SOURCE), "-o", str(obj)], check=False,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    # No helper calls (no libgcc, no libc): every 64-bit operation is inline on a Cortex-M4.
    nm = shutil.which("arm-none-eabi-nm")
    if nm:
        undefined = subprocess.run([nm, "-u", str(obj)], capture_output=True, text=True, check=True).stdout
        assert undefined.strip() == ""

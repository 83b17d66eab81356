"""The firmware's int8 kernels (edge/kernels) built for the host: a shared library called through ctypes.

The golden tests use it to prove the C kernels bit-exact with the numpy reference (eccless.quant.kernels), and any
host code can run a QOp through the very C the board runs:

    lib = HostKernels(build_library("cortex_m4", out_dir))
    y = lib.run(qop, x)                        # same result as INT8_KERNELS[qop.kind](qop, x)
    status, y = lib.conv2d(x, w, bias, ...)    # raw calls return the ed_kernel_status_t too

The kernel variant is one of the manifest's (eccless.firmware.manifest): one directory of edge/kernels, plus
edge/kernels/common; an unknown name is refused, never replaced by another.
The ctypes Structures below mirror edge/kernels/include/ed_kernels.h field by field.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np

from eccless.errors import DeviceError, UsageError
from eccless.firmware import manifest

VARIANTS = manifest.VARIANT_ORDER
STATUS = {0: "ED_OK", -1: "ED_ERR_ARG", -2: "ED_ERR_QUANT", -3: "ED_ERR_BUFFER"}

i32 = ctypes.c_int32
P8, P32 = ctypes.POINTER(ctypes.c_int8), ctypes.POINTER(ctypes.c_int32)


def kernel_sources(variant: str) -> list[Path]:
    """The C files of one variant plus the shared ones (the manifest's "kernels" component)."""
    return manifest.sources(["kernels"], variant)


def include_dirs(variant: str = "reference") -> list[Path]:
    return manifest.include_dirs(["kernels"], variant)


def build_library(variant: str, out_dir: str | Path, cc: str = "gcc") -> Path:
    """Compile one variant with the host compiler into out_dir/libed_kernels_<variant>.so; returns its path."""
    sources = kernel_sources(variant)
    if shutil.which(cc) is None:
        raise DeviceError(f"{cc} not found: apt-get install gcc")
    out = Path(out_dir) / f"libed_kernels_{variant}.so"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [cc, *manifest.compile_flags("host", ["kernels"], variant), "-shared", *map(str, sources), "-o", str(out)]
    run = subprocess.run(cmd, capture_output=True, text=True)
    if run.returncode != 0:
        first = next((ln for ln in run.stderr.splitlines() if "error" in ln), run.stderr.strip()[:200])
        raise DeviceError(f"building the {variant} kernels failed: {first}")
    return out


class Dims(ctypes.Structure):
    _fields_ = [("n", i32), ("h", i32), ("w", i32), ("c", i32)]


class Requant(ctypes.Structure):
    _fields_ = [("multiplier", P32), ("shift", P32)]


class Window(ctypes.Structure):
    _fields_ = [("stride_h", i32), ("stride_w", i32), ("pad_top", i32), ("pad_bottom", i32), ("pad_left", i32),
                ("pad_right", i32)]


class Act(ctypes.Structure):
    _fields_ = [("input_zp", i32), ("output_zp", i32), ("act_min", i32), ("act_max", i32)]


class FcParams(ctypes.Structure):
    _fields_ = [("act", Act)]


class ConvParams(ctypes.Structure):
    _fields_ = [("window", Window), ("act", Act)]


class DwConvParams(ctypes.Structure):
    _fields_ = [("window", Window), ("depth_multiplier", i32), ("act", Act)]


class PoolParams(ctypes.Structure):
    _fields_ = [("window", Window), ("filter_h", i32), ("filter_w", i32), ("act_min", i32), ("act_max", i32)]


class ClampParams(ctypes.Structure):
    _fields_ = [("input_zp", i32), ("output_zp", i32), ("multiplier", i32), ("shift", i32), ("act_min", i32),
                ("act_max", i32)]


class LogisticParams(ctypes.Structure):
    _fields_ = [("input_zp", i32), ("input_multiplier", i32), ("input_left_shift", i32), ("input_range_radius", i32)]


class HardSwishParams(ctypes.Structure):
    _fields_ = [("input_zp", i32), ("output_zp", i32), ("output_multiplier", i32), ("output_exponent", i32),
                ("reluish_multiplier", i32), ("reluish_exponent", i32)]


class Scratch(ctypes.Structure):
    _fields_ = [("buf", ctypes.c_void_p), ("size", ctypes.c_size_t)]


_PROTOS = {
    "ed_kernels_variant": (ctypes.c_char_p, []),
    "ed_fully_connected_s8_get_buffer_size": (ctypes.c_size_t, [i32]),
    "ed_fully_connected_s8": (ctypes.c_int, [ctypes.POINTER(FcParams), ctypes.POINTER(Requant), i32, i32, i32, P8,
                                             ctypes.c_void_p, P32, P8, ctypes.POINTER(Scratch)]),
    "ed_fully_connected_s8_prepare": (ctypes.c_int, [ctypes.POINTER(FcParams), ctypes.POINTER(Requant), i32, i32, i32,
                                                     ctypes.POINTER(Scratch)]),
    "ed_fully_connected_s8_eval": (None, [ctypes.POINTER(FcParams), ctypes.POINTER(Requant), i32, i32, i32, P8,
                                          ctypes.c_void_p, P32, P8, ctypes.POINTER(Scratch)]),
    "ed_fully_connected_inplace_s8_get_buffer_size": (ctypes.c_size_t, [i32]),
    "ed_fully_connected_inplace_s8": (ctypes.c_int, [ctypes.POINTER(FcParams), ctypes.POINTER(Requant), i32, i32, P8,
                                                     ctypes.c_void_p, ctypes.c_uint32, P32, ctypes.c_void_p,
                                                     ctypes.c_uint32, P8, ctypes.POINTER(Scratch)]),
    "ed_fully_connected_inplace_s8_prepare": (ctypes.c_int, [ctypes.POINTER(FcParams), ctypes.POINTER(Requant), i32,
                                                             i32, ctypes.c_uint32, ctypes.c_void_p, ctypes.c_uint32,
                                                             ctypes.POINTER(Scratch)]),
    "ed_fully_connected_inplace_s8_eval": (None, [ctypes.POINTER(FcParams), ctypes.POINTER(Requant), i32, i32, P8,
                                                  ctypes.c_void_p, ctypes.c_uint32, P32, ctypes.c_void_p,
                                                  ctypes.c_uint32, P8, ctypes.POINTER(Scratch)]),
    "ed_fully_connected_s8_weights_size": (ctypes.c_size_t, [i32, i32]),
    "ed_fully_connected_s8_pack_weights": (ctypes.c_int, [i32, i32, P8, ctypes.c_void_p, ctypes.c_size_t]),
    "ed_conv2d_s8_get_buffer_size": (ctypes.c_size_t, [ctypes.POINTER(Dims), ctypes.POINTER(Dims)]),
    "ed_conv2d_s8_weights_size": (ctypes.c_size_t, [ctypes.POINTER(Dims)]),
    "ed_conv2d_s8_pack_weights": (ctypes.c_int, [ctypes.POINTER(Dims), P8, ctypes.c_void_p, ctypes.c_size_t]),
    "ed_conv2d_s8": (ctypes.c_int, [ctypes.POINTER(ConvParams), ctypes.POINTER(Requant), ctypes.POINTER(Dims), P8,
                                    ctypes.POINTER(Dims), ctypes.c_void_p, P32, ctypes.POINTER(Dims), P8,
                                    ctypes.POINTER(Scratch)]),
    "ed_depthwise_conv2d_s8": (ctypes.c_int, [ctypes.POINTER(DwConvParams), ctypes.POINTER(Requant),
                                              ctypes.POINTER(Dims), P8, ctypes.POINTER(Dims), P8, P32,
                                              ctypes.POINTER(Dims), P8]),
    "ed_max_pool_s8": (ctypes.c_int, [ctypes.POINTER(PoolParams), ctypes.POINTER(Dims), P8, ctypes.POINTER(Dims),
                                      P8]),
    "ed_avg_pool_s8": (ctypes.c_int, [ctypes.POINTER(PoolParams), ctypes.POINTER(Dims), P8, ctypes.POINTER(Dims),
                                      P8]),
    "ed_clamp_s8": (ctypes.c_int, [ctypes.POINTER(ClampParams), i32, P8, P8]),
    "ed_logistic_s8": (ctypes.c_int, [ctypes.POINTER(LogisticParams), i32, P8, P8]),
    "ed_hard_swish_s8": (ctypes.c_int, [ctypes.POINTER(HardSwishParams), i32, P8, P8]),
}


def _ptr(a: np.ndarray | None, ptype):
    return None if a is None else a.ctypes.data_as(ptype)


def _c(a, dtype) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=dtype)


def out_extent(size: int, before: int, after: int, kernel: int, stride: int) -> int:
    return (size + before + after - kernel) // stride + 1


class HostKernels:
    """ctypes front end of one built kernel library. Raw calls return (status, output); run(op, x) raises.
    fc_prepared: fully connected calls, in RAM and in place, go through their _prepare, then (when it returns ED_OK)
    their _eval -- the interpreter's path -- instead of the checked ed_fully_connected_s8 / _inplace_s8."""

    fc_prepared = False

    def __init__(self, path: str | Path):
        self.lib = ctypes.CDLL(str(path))
        for name, (res, args) in _PROTOS.items():
            fn = getattr(self.lib, name)
            fn.restype, fn.argtypes = res, args
        self.variant = self.lib.ed_kernels_variant().decode()

    def _scratch(self, size: int):
        buf = np.zeros(max(1, (size + 3) // 4), dtype=np.uint32)  # uint32: the 4-byte alignment the API asks
        return buf, Scratch(buf.ctypes.data, size)

    def _packed(self, size: int, pack, w: np.ndarray) -> np.ndarray:
        """The kernels' packed form of int8 weights w (4-byte aligned: uint32), as the loader makes it."""
        buf = np.zeros(max(1, (size + 3) // 4), dtype=np.uint32)
        status = pack(_ptr(w, P8), buf.ctypes.data, size)
        if status != 0:
            raise DeviceError(f"packing weights of shape {w.shape} failed: {STATUS.get(status, status)}")
        return buf

    def pack_fully_connected(self, w) -> np.ndarray:
        w = _c(w, np.int8)
        size = self.lib.ed_fully_connected_s8_weights_size(w.shape[0], w.shape[1])
        return self._packed(size, lambda *a: self.lib.ed_fully_connected_s8_pack_weights(*w.shape, *a), w)

    def pack_conv2d(self, w) -> np.ndarray:
        w = _c(w, np.int8)
        fdims = Dims(*w.shape)
        size = self.lib.ed_conv2d_s8_weights_size(fdims)
        return self._packed(size, lambda *a: self.lib.ed_conv2d_s8_pack_weights(fdims, *a), w)

    def fully_connected(self, x, w, bias, mult, shift, act: tuple[int, int, int, int]):
        x, w = _c(x, np.int8), _c(w, np.int8)
        packed = self.pack_fully_connected(w)
        bias = None if bias is None else _c(bias, np.int32)
        mult, shift = _c(mult, np.int32), _c(shift, np.int32)
        y = np.zeros((x.shape[0], w.shape[0]), np.int8)
        buf, scratch = self._scratch(self.lib.ed_fully_connected_s8_get_buffer_size(w.shape[1]))  # buf: kept alive
        params, rq = FcParams(Act(*act)), Requant(_ptr(mult, P32), _ptr(shift, P32))
        args = (x.shape[0], w.shape[1], w.shape[0], _ptr(x, P8), packed.ctypes.data, _ptr(bias, P32), _ptr(y, P8),
                scratch)
        if not self.fc_prepared:
            return self.lib.ed_fully_connected_s8(params, rq, *args), y
        status = self.lib.ed_fully_connected_s8_prepare(params, rq, *args[:3], scratch)
        if status == 0:
            self.lib.ed_fully_connected_s8_eval(params, rq, *args)
        return status, y

    def fully_connected_inplace(self, x, stored, transform: int, fixes, bias, mult, shift,
                                act: tuple[int, int, int, int]):
        """One sample through ed_fully_connected_inplace_s8: stored (out, in) uint8 bytes, fixes uint32 entries."""
        x, stored = _c(x, np.int8), _c(stored, np.uint8)
        fixes = _c(fixes, np.uint32)
        bias = None if bias is None else _c(bias, np.int32)
        mult, shift = _c(mult, np.int32), _c(shift, np.int32)
        y = np.zeros(stored.shape[0], np.int8)
        buf, scratch = self._scratch(self.lib.ed_fully_connected_inplace_s8_get_buffer_size(stored.shape[1]))
        params, rq = FcParams(Act(*act)), Requant(_ptr(mult, P32), _ptr(shift, P32))
        fix_ptr = fixes.ctypes.data if fixes.size else None
        if not self.fc_prepared:
            return self.lib.ed_fully_connected_inplace_s8(params, rq, stored.shape[1], stored.shape[0], _ptr(x, P8),
                                                          stored.ctypes.data, transform, _ptr(bias, P32), fix_ptr,
                                                          fixes.size, _ptr(y, P8), scratch), y
        status = self.lib.ed_fully_connected_inplace_s8_prepare(params, rq, stored.shape[1], stored.shape[0],
                                                                transform, fix_ptr, fixes.size, scratch)
        if status == 0:
            self.lib.ed_fully_connected_inplace_s8_eval(params, rq, stored.shape[1], stored.shape[0], _ptr(x, P8),
                                                        stored.ctypes.data, transform, _ptr(bias, P32), fix_ptr,
                                                        fixes.size, _ptr(y, P8), scratch)
        return status, y

    def conv2d(self, x, w, bias, mult, shift, stride, pads, act):
        x, w = _c(x, np.int8), _c(w, np.int8)
        bias = None if bias is None else _c(bias, np.int32)
        mult, shift = _c(mult, np.int32), _c(shift, np.int32)
        n, h, wd, _ = x.shape
        oc, kh, kw, ic = w.shape
        y = np.zeros((n, out_extent(h, pads[0], pads[1], kh, stride[0]),
                      out_extent(wd, pads[2], pads[3], kw, stride[1]), oc), np.int8)
        fdims = Dims(oc, kh, kw, ic)
        packed = self.pack_conv2d(w)
        buf, scratch = self._scratch(self.lib.ed_conv2d_s8_get_buffer_size(Dims(*x.shape), fdims))  # kept alive
        status = self.lib.ed_conv2d_s8(ConvParams(Window(*stride, *pads), Act(*act)),
                                       Requant(_ptr(mult, P32), _ptr(shift, P32)), Dims(*x.shape), _ptr(x, P8),
                                       fdims, packed.ctypes.data, _ptr(bias, P32), Dims(*y.shape), _ptr(y, P8),
                                       scratch)
        return status, y

    def depthwise_conv2d(self, x, w, bias, mult, shift, stride, pads, act):
        x, w = _c(x, np.int8), _c(w, np.int8)
        bias = None if bias is None else _c(bias, np.int32)
        mult, shift = _c(mult, np.int32), _c(shift, np.int32)
        n, h, wd, c = x.shape
        _, kh, kw, oc = w.shape
        y = np.zeros((n, out_extent(h, pads[0], pads[1], kh, stride[0]),
                      out_extent(wd, pads[2], pads[3], kw, stride[1]), oc), np.int8)
        status = self.lib.ed_depthwise_conv2d_s8(
            DwConvParams(Window(*stride, *pads), oc // c, Act(*act)), Requant(_ptr(mult, P32), _ptr(shift, P32)),
            Dims(*x.shape), _ptr(x, P8), Dims(*w.shape), _ptr(w, P8), _ptr(bias, P32), Dims(*y.shape), _ptr(y, P8))
        return status, y

    def pool(self, kind: str, x, pool, stride, pads, act_min: int, act_max: int):
        x = _c(x, np.int8)
        n, h, wd, c = x.shape
        y = np.zeros((n, out_extent(h, pads[0], pads[1], pool[0], stride[0]),
                      out_extent(wd, pads[2], pads[3], pool[1], stride[1]), c), np.int8)
        fn = self.lib.ed_max_pool_s8 if kind == "maxpool" else self.lib.ed_avg_pool_s8
        status = fn(PoolParams(Window(*stride, *pads), *pool, act_min, act_max), Dims(*x.shape), _ptr(x, P8),
                    Dims(*y.shape), _ptr(y, P8))
        return status, y

    def clamp(self, x, in_zp: int, out_zp: int, mult: int, shift: int, act_min: int, act_max: int):
        x = _c(x, np.int8)
        y = np.zeros_like(x)
        status = self.lib.ed_clamp_s8(ClampParams(in_zp, out_zp, mult, shift, act_min, act_max), x.size,
                                      _ptr(x, P8), _ptr(y, P8))
        return status, y

    def logistic(self, x, in_zp: int, mult: int, shift: int, radius: int):
        x = _c(x, np.int8)
        y = np.zeros_like(x)
        status = self.lib.ed_logistic_s8(LogisticParams(in_zp, mult, shift, radius), x.size, _ptr(x, P8), _ptr(y, P8))
        return status, y

    def hard_swish(self, x, in_zp: int, out_zp: int, out_m: int, out_e: int, rel_m: int, rel_e: int):
        x = _c(x, np.int8)
        y = np.zeros_like(x)
        status = self.lib.ed_hard_swish_s8(HardSwishParams(in_zp, out_zp, out_m, out_e, rel_m, rel_e), x.size,
                                           _ptr(x, P8), _ptr(y, P8))
        return status, y

    def run(self, op, x: np.ndarray) -> np.ndarray:
        """One QOp (eccless.quant.QOp) on an int8 batch, in C; the twin of INT8_KERNELS[op.kind](op, x)."""
        act = (op.in_zp, op.out_zp, op.act_min, op.act_max)
        if op.kind == "reshape":
            return x.reshape((x.shape[0],) + tuple(op.shape))
        if op.kind == "dense":
            status, y = self.fully_connected(x, op.weight, op.bias, op.out_mult, op.out_shift, act)
        elif op.kind == "conv2d":
            status, y = self.conv2d(x, op.weight, op.bias, op.out_mult, op.out_shift, op.stride, op.pads, act)
        elif op.kind == "dwconv2d":
            status, y = self.depthwise_conv2d(x, op.weight, op.bias, op.out_mult, op.out_shift, op.stride, op.pads,
                                              act)
        elif op.kind in ("maxpool", "avgpool"):
            status, y = self.pool(op.kind, x, op.pool, op.stride, op.pads, op.act_min, op.act_max)
        elif op.kind in ("relu", "relu6"):
            status, y = self.clamp(x, op.in_zp, op.out_zp, int(op.out_mult[0]), int(op.out_shift[0]), op.act_min,
                                   op.act_max)
        elif op.kind == "sigmoid":
            m, sh = (int(v) for v in op.out_mult), (int(v) for v in op.out_shift)
            (mult, radius), (shift, _) = m, sh
            status, y = self.logistic(x, op.in_zp, mult, shift, radius)
        elif op.kind == "hardswish":
            (out_m, rel_m), (out_e, rel_e) = (int(v) for v in op.out_mult), (int(v) for v in op.out_shift)
            status, y = self.hard_swish(x, op.in_zp, op.out_zp, out_m, out_e, rel_m, rel_e)
        else:
            raise UsageError(f"{op.name or op.kind}: no C kernel for op kind {op.kind!r}")
        if status != 0:
            raise DeviceError(f"{op.name or op.kind}: C kernel returned {STATUS.get(status, status)}")
        return y

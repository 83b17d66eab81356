"""The host-side image loader: parse, repair the protected region, rebuild the model, decode and detect weights.

Every field read from an image is checked before it is used (lengths against the file, offsets against their
region, counts against fixed limits), so a damaged or hostile image raises ImageError — never another exception,
never a large allocation. The weights are decoded by the same RegionCodec the in-memory sweep uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import represent
from ..detect import rule_from_code
from ..errors import EcclessError, ImageError
from ..fileio import read_regular
from ..graph import Op
from ..quant.int8 import QOp
from ..storage.formats import FORMATS as FORMAT_IMPLS
from ..storage.formats import TensorCode, out_channel
from ..storage.ecc import EccSpec, scheme_from_id
from ..storage.ecc import code as ecc_code
from ..storage.ecc.protected import EccLayout, finish
from ..storage.bits import unpack_words
from ..storage.stored import Decoded, RegionCodec, StoredTensor, _Identity
from . import ecc
from .limits import board_limits, check_image_size, check_model
from .records import (FLAG_ECC_MASK, FLAG_ECC_SHIFT, FLAG_ECC_ZERO, VERSION_ECC, FLAG_TESTSET, FORMATS, KINDS,
                      KNOWN_VERSIONS, MAGIC, MAX_CHANNELS, MAX_META_BYTES, MAX_OPS,
                      MAX_TENSORS, META, OP, OP_PARAMS, PROTECTED_OFFSET, ROLES, SUPER_COPIES, SUPERBLOCK, TENSOR, ACTS,
                      TENSOR_PROTECTED, VERSION_TENSOR_FLAGS)

MAX_IMAGE_BYTES = 256 << 20
WEIGHTED = ("dense", "conv2d", "dwconv2d")
WEIGHT_RANK = {"dense": 2, "conv2d": 4, "dwconv2d": 4}
REQUANT_KINDS = ("relu", "relu6", "sigmoid", "hardswish")  # parameter-free ops that carry per-channel arrays
_NAMES = {v: k for k, v in KINDS.items()}
_ACTS = {v: k for k, v in ACTS.items()}
_ROLES = {v: k for k, v in ROLES.items()}
_FORMATS = {v: k for k, v in FORMATS.items()}


def _check(cond: bool, message: str):
    if not cond:
        raise ImageError(message)


def text_field(raw: bytes) -> str:
    """A NUL-padded name from the image as text; bytes that are not UTF-8 are shown escaped (\\xNN), never raised."""
    return raw.rstrip(b"\0").decode("utf-8", "backslashreplace")


def read_superblock(image: bytes) -> dict:
    """Bitwise majority over the copies, then magic, version and CRC checks."""
    _check(len(image) >= PROTECTED_OFFSET, f"truncated image: {len(image)} bytes, the superblock alone needs "
                                           f"{PROTECTED_OFFSET}")
    copies = np.frombuffer(image, np.uint8, PROTECTED_OFFSET).reshape(SUPER_COPIES, SUPERBLOCK.size)
    bits = np.unpackbits(copies, axis=1).sum(axis=0) > SUPER_COPIES // 2
    head = np.packbits(bits.astype(np.uint8)).tobytes()
    sb = SUPERBLOCK.unpack(head)
    _check(sb["magic"] == MAGIC, f"not an eccless image (magic {sb['magic']!r}, expected {MAGIC!r})")
    _check(sb["version"] in KNOWN_VERSIONS, f"unknown image format version {sb['version']} "
                                            f"(this eccless reads {', '.join(map(str, KNOWN_VERSIONS))})")
    _check(ecc.crc32(head[:-4]) == sb["crc32"], "superblock beyond repair (CRC mismatch after majority vote)")
    _check(sb["image_len"] <= len(image), f"truncated image: {len(image)} bytes, header says {sb['image_len']}")
    _check(0 < sb["meta_len"] <= MAX_META_BYTES, f"corrupted metadata length {sb['meta_len']}")
    _check(sb["meta_blob_len"] == ecc.protected_size(sb["meta_len"]),
           f"corrupted header: protected blob of {sb['meta_blob_len']} bytes for {sb['meta_len']} bytes of data")
    _check(PROTECTED_OFFSET + sb["meta_blob_len"] <= sb["weights_offset"], "corrupted header: regions overlap")
    _check(sb["weights_offset"] + sb["weights_len"] <= sb["image_len"], "corrupted header: weights beyond the end")
    scheme = ecc_scheme_from_flags(sb["version"], sb["flags"])
    _check(scheme is not None, f"weight-region ECC scheme {(sb['flags'] & FLAG_ECC_MASK) >> FLAG_ECC_SHIFT} unknown "
                               f"to this loader (image version {sb['version']})")
    _check(scheme == "none" or EccLayout.for_stored_bytes(ecc_code(scheme), sb["weights_len"]) is not None,
           f"corrupted header: a weight region of {sb['weights_len']} bytes is no whole number of {scheme} blocks")
    return sb


def ecc_scheme_from_flags(version: int, flags: int) -> str | None:
    """The weight region's ECC scheme name ("none" for a version-2 image), None for a scheme this loader lacks
    or one that does not fit the version."""
    sid = (flags & FLAG_ECC_MASK) >> FLAG_ECC_SHIFT
    if version < VERSION_ECC or (version >= VERSION_TENSOR_FLAGS and sid == 0):  # version 4: ECC is optional
        return "none" if sid == 0 and not flags & FLAG_ECC_ZERO else None
    name = scheme_from_id(sid)
    return name if name not in (None, "none") else None


def _array(payload: bytes, offset: int, count: int, dtype: str, what: str) -> np.ndarray:
    size = np.dtype(dtype).itemsize * count
    _check(0 < offset and offset + size <= len(payload) and offset % np.dtype(dtype).itemsize == 0,
           f"corrupted metadata: {what} array at {offset} (+{size}) outside the payload")
    return np.frombuffer(payload, dtype, count, offset).copy()


@dataclass
class LoadedImage:
    superblock: dict
    meta: dict
    model: object  # a Graph (float32, uniform) or QGraph (int8) with placeholder parameters
    format: object
    codec: RegionCodec
    weights: np.ndarray  # the raw weight region
    corrected_bits: int  # bit errors the ECC repaired in the protected region
    testset: tuple[np.ndarray, np.ndarray] | None
    ecc: EccSpec = EccSpec("none")  # the weight region's ECC baseline (version 3)
    ecc_layout: EccLayout | None = None

    @property
    def rule(self):
        return self.codec.rule

    def weights_intact(self) -> bool:
        return ecc.crc32(self.weights.tobytes()) == self.meta["weights_crc32"]

    def decode(self) -> tuple[object, Decoded]:
        """The model with its decoded, detection-filtered parameters (ECC-corrected first, for version 3)."""
        if self.ecc_layout is None:
            decoded = self.codec.decode_region(self.weights)
        else:
            data, failed, corrected = self.ecc_layout.correct(self.weights)
            decoded = finish(self.codec.decode_region(data), self.ecc.policy, self.codec.tensors, failed, corrected,
                             0, self.ecc_layout.code.k)
        return self.format.rebuild(self.model, decoded.values), decoded

    def predict(self, model, x: np.ndarray) -> np.ndarray:
        """Predicted classes for float inputs (a dataset's) or for the image's stored test set (int8 for int8
        models: taken as already quantized, never quantized twice)."""
        return self.format.predict(model, x)


def _params_ok(kind: str, rec: dict, mult: np.ndarray, shift: np.ndarray) -> bool:
    """relu/relu6/sigmoid/hardswish: exactly the channels records.OP_PARAMS names, in the ranges the kernels take
    (the device loader's rule, ed_loader_quant)."""
    if rec["channels"] != len(OP_PARAMS[kind]):
        return False
    m, s = [int(v) for v in mult], [int(v) for v in shift]
    if kind == "sigmoid":
        return rec["out_zp"] == -128 and m[1] >= 0 and s[1] == 0
    if kind == "hardswish":
        return 0 <= min(m) and max(m) <= 32767 and s[0] <= 0
    return True


def _op(rec: dict, meta: dict, payload: bytes, fi, name: str):
    kind = _NAMES.get(rec["kind"])
    _check(kind is not None, f"corrupted metadata: unknown op kind {rec['kind']} in {name}")
    act = _ACTS.get(rec["act"])
    _check(act is not None, f"corrupted metadata: unknown activation {rec['act']} in {name}")
    _check(1 <= rec["out_rank"] <= 3 and rec["channels"] <= MAX_CHANNELS, f"corrupted metadata in {name}")
    weighted = kind in WEIGHTED
    # weighted ops name both tensors; an op without parameters names no weight (the firmware's rule too)
    _check(rec["weight"] < 0 if not weighted else (rec["weight"] >= 0 and rec["bias"] >= 0),
           f"corrupted metadata: {name} ({kind}) has weight/bias tensors {rec['weight']}/{rec['bias']}")
    if kind in ("conv2d", "dwconv2d", "maxpool", "avgpool"):  # the only ops that slide a window
        _check(min(rec["stride"]) >= 1, f"corrupted metadata: {name} has a zero stride")
    if kind in ("maxpool", "avgpool"):
        (ph, pw), pads = rec["pool"], rec["pads"]
        _check(min(ph, pw) >= 1 and max(pads[:2]) < ph and max(pads[2:]) < pw,
               f"corrupted metadata: {name} has an empty window or pads as large as it")
    if fi.quantized and kind != "reshape":  # every int8 kernel but reshape clamps its output
        _check(-128 <= rec["act_min"] <= rec["act_max"] <= 127,
               f"corrupted metadata: {name} has invalid quantization parameters")
    if fi.quantized and (weighted or kind in REQUANT_KINDS):
        _check(-128 <= rec["out_zp"] <= 127 and -128 <= rec["in_zp"] <= 127 and rec["arrays"] > 0
               and rec["channels"] >= 1, f"corrupted metadata: {name} has invalid quantization parameters")
    common = dict(kind=kind, name=name, act=act, stride=tuple(rec["stride"]), pads=tuple(rec["pads"]),
                  pool=tuple(rec["pool"]), shape=tuple(rec["out_shape"][: rec["out_rank"]]) if kind == "reshape"
                  else ())
    if not fi.quantized:
        return Op(**common)
    extra = {}
    if rec["arrays"]:
        c = rec["channels"]
        with np.errstate(over="ignore"):  # a scale beyond float32 is only used to dequantize, never to index
            w_scale = _array(payload, rec["arrays"], c, "<f8", name).astype(np.float32)
        extra = dict(w_scale=w_scale,
                     out_mult=_array(payload, rec["arrays"] + 8 * c, c, "<i4", name),
                     out_shift=_array(payload, rec["arrays"] + 12 * c, c, "<i4", name))
        # in int64: np.abs of an int32 -2^31 is -2^31, which would pass
        _check(np.all(np.abs(extra["out_shift"].astype(np.int64)) <= 31),
               f"corrupted metadata: {name} has a shift beyond 31")
        if kind in OP_PARAMS:
            _check(_params_ok(kind, rec, extra["out_mult"], extra["out_shift"]),
                   f"corrupted metadata: {name} ({kind}) has invalid quantization parameters")
    return QOp(**common, in_scale=rec["in_scale"], in_zp=rec["in_zp"], out_scale=rec["out_scale"],
               out_zp=rec["out_zp"], act_min=rec["act_min"], act_max=rec["act_max"], **extra)


def parse_image(image: bytes) -> LoadedImage:
    try:
        return _parse(image)
    except ImageError:
        raise
    except EcclessError as e:  # e.g. a representation table or a graph that does not fit together
        raise ImageError(f"corrupted metadata: {e}") from None


def _parse(image: bytes) -> LoadedImage:
    sb = read_superblock(image)
    blob = image[PROTECTED_OFFSET:PROTECTED_OFFSET + sb["meta_blob_len"]]
    payload, corrected = ecc.recover(blob, sb["meta_len"])
    meta = META.unpack(payload)
    fmt = _FORMATS.get(meta["format"])
    rule = rule_from_code(meta["rule"])
    _check(fmt is not None, f"corrupted metadata: unknown number format {meta['format']}")
    _check(rule is not None, f"corrupted metadata: unknown detection rule {meta['rule']:#04x}")
    _check(meta["num_ops"] <= MAX_OPS and meta["num_tensors"] <= MAX_TENSORS, "corrupted metadata: too many ops")
    _check(meta["input_rank"] in (1, 3), f"corrupted metadata: input rank {meta['input_rank']}")
    _check(min(meta["input_shape"][: meta["input_rank"]]) >= 1, f"corrupted metadata: input shape "
                                                                f"{meta['input_shape'][: meta['input_rank']]}")
    spec = EccSpec(ecc_scheme_from_flags(sb["version"], sb["flags"]),
                   "zero" if sb["flags"] & FLAG_ECC_ZERO else "asread")
    lay, data_bits = None, 8 * sb["weights_len"]
    if spec.enabled:  # read_superblock checked that the length fits
        lay = EccLayout.for_stored_bytes(spec.code, sb["weights_len"])
        data_bits = lay.data_bits
    limits = board_limits(text_field(meta["board"]))
    check_image_size(sb["image_len"], limits)
    ops_at = META.size
    tensors_at = ops_at + OP.size * meta["num_ops"]
    op_recs = [OP.unpack(payload, ops_at + i * OP.size) for i in range(meta["num_ops"])]
    t_recs = [TENSOR.unpack(payload, tensors_at + i * TENSOR.size) for i in range(meta["num_tensors"])]
    fi = FORMAT_IMPLS.get(fmt)
    ops = [_op(r, meta, payload, fi, f"op{i}") for i, r in enumerate(op_recs)]
    weighted = [i for i, op in enumerate(ops) if op.kind in WEIGHTED]
    input_shape = tuple(meta["input_shape"][: meta["input_rank"]])
    name = text_field(meta["name"])
    tensors = []
    for i, r in enumerate(t_recs):
        role = _ROLES.get(r["role"])
        _check(role is not None and r["op"] < len(weighted) and 1 <= r["ndim"] <= 4, f"corrupted tensor record {i}")
        shape = tuple(r["shape"][: r["ndim"]])
        # math.prod: four u16 dimensions overflow an int64 product
        _check(min(shape) >= 1 and math.prod(shape) == r["count"],
               f"corrupted tensor record {i}: shape {shape} vs {r['count']} words")
        _check(2 <= r["m"] <= 32 and r["width"] == r["m"] + (rule.placement.extra_bits if rule.placement else 0),
               f"corrupted tensor record {i}: {r['width']}-bit words for {r['m']}-bit indices")
        protected = r["flags"] == TENSOR_PROTECTED
        _check(r["flags"] == 0 or (protected and role == "bias" and sb["version"] >= VERSION_TENSOR_FLAGS),
               f"corrupted tensor record {i} (flags {r['flags']:#x})")
        _check(r["bit_offset"] + r["count"] * r["width"] <= (8 * len(payload) if protected else data_bits),
               f"corrupted tensor record {i}: words beyond the " + ("payload" if protected else "weight region"))
        kind = _NAMES[op_recs[weighted[r["op"]]]["kind"]]
        # the layout the kernels take (dense (out, in), conv2d OHWI, dwconv2d 1HWO, bias (out,)), checked before
        # the shape is used: an op kind changed under its tensors must not reach out_channel
        rank = WEIGHT_RANK[kind] if role == "weight" else 1
        _check(len(shape) == rank and not (role == "weight" and kind == "dwconv2d" and shape[0] != 1),
               f"corrupted tensor record {i}: a {kind} {role} of shape {shape}")
        channel = out_channel(kind, shape) if role == "weight" else np.zeros(r["count"], np.int64)
        code = TensorCode(f"op{weighted[r['op']]}.{role}", role, r["op"], shape, np.zeros(0, np.uint64), r["m"],
                          fi.value_map(r["m"], r["spare"], r["value_lo"], r["value_step"]), channel,
                          0.0 if fi.float_model else 0, r["spare"], r["value_lo"], r["value_step"])
        if r["repr"] == 0:
            _check(fi.raw_words, f"corrupted tensor record {i}: raw float32 words in a {fmt} image")
            rep = _Identity(r["m"])
        else:
            params = _array(payload, r["repr_params"], r["repr_params_len"], "<u4", f"tensor {i} representation") \
                if r["repr_params_len"] else np.zeros(0, np.uint32)
            rep = represent.from_params(represent.name_of(r["repr"]), r["m"], params)
        # a protected tensor's words come with the payload: read once, clean (the BCH repaired them)
        words = (unpack_words(np.frombuffer(payload, np.uint8), r["width"], r["count"], r["bit_offset"])
                 if protected else np.zeros(r["count"], np.uint64))
        t = StoredTensor(code, rep, r["width"], r["bit_offset"], words, protected=protected)
        if rule.range_check:
            c = r["range_channels"]
            _check(c == int(channel.max()) + 1, f"corrupted tensor record {i}: {c} range channels")
            t.lo = _array(payload, r["ranges"], c, "<f8", f"tensor {i} ranges")
            t.hi = _array(payload, r["ranges"] + 8 * c, c, "<f8", f"tensor {i} ranges")
        tensors.append(t)
    # the op records name their tensors: each weighted op owns exactly its (weight, bias) pair, in order
    order = []
    for k, op_index in enumerate(weighted):
        rec = op_recs[op_index]
        for role, idx in (("weight", rec["weight"]), ("bias", rec["bias"])):
            _check(idx < len(tensors) and tensors[idx].code.role == role and tensors[idx].code.op == k,
                   f"corrupted metadata: op{op_index}'s {role} tensor record {idx} does not belong to it")
        order += [rec["weight"], rec["bias"]]
    _check(order == list(range(len(tensors))), "corrupted metadata: tensor records out of order")
    for k, op_index in enumerate(weighted):
        op, w, b = ops[op_index], tensors[2 * k].code, tensors[2 * k + 1].code
        _check(len(w.shape) == WEIGHT_RANK[op.kind] and len(b.shape) == 1
               and b.shape[0] == (w.shape[3] if op.kind == "dwconv2d" else w.shape[0]),
               f"corrupted metadata: op{op_index} ({op.kind}) weight {w.shape} / bias {b.shape} do not fit")
        _check(not fi.quantized or op_recs[op_index]["channels"] == b.shape[0],
               f"corrupted metadata: op{op_index} has {op_recs[op_index]['channels']} requantization channels")
        wd, bd = fi.param_dtypes
        op.weight = np.zeros(w.shape, wd)
        op.bias = np.zeros(b.shape, bd)
    model = fi.skeleton(input_shape, meta["num_classes"], name, meta, ops)
    _check(len(ops) > 0, "corrupted metadata: no ops")
    shapes = model.shapes()
    for i, (s, r) in enumerate(zip(shapes, op_recs)):
        _check(tuple(s) == tuple(r["out_shape"][: r["out_rank"]]) and min(s) >= 1,
               f"inconsistent shapes at op{i}: {s}")
    check_model(input_shape, ops, shapes, np.dtype(fi.input_dtype).itemsize, limits)
    _check(shapes[-1] == (meta["num_classes"],), f"inconsistent shapes: the model ends in {shapes[-1]}, "
                                                 f"not {meta['num_classes']} classes")
    _smoke(model, fi)
    weights = np.frombuffer(image, np.uint8, sb["weights_len"], sb["weights_offset"])
    testset = _testset(image, sb, meta, input_shape, fi) if sb["flags"] & FLAG_TESTSET else None
    codec = RegionCodec(tensors, rule)
    for t in tensors:
        if t.protected:
            t.clean = codec.decode_values(t, t.words)
    return LoadedImage(sb, meta, model, fi, codec, weights, corrected, testset, spec, lay)


def _smoke(model, fi):
    """One zero sample through the skeleton: the checks above should make this pass; if a combination they miss
    still breaks a kernel, the image is refused here instead of failing later in eval."""
    x = np.zeros((1,) + tuple(model.input_shape), fi.input_dtype)
    try:
        with np.errstate(all="ignore"):
            model.forward(x)
    except (ValueError, ArithmeticError, IndexError, TypeError) as e:
        raise ImageError(f"inconsistent model structure: {e.__class__.__name__}: {e}") from None


def _testset(image: bytes, sb: dict, meta: dict, input_shape, fi):
    count, off = meta["testset_count"], meta["testset_offset"]
    per = int(np.prod(input_shape))
    dtype = np.dtype(fi.input_dtype).newbyteorder("<")
    size = count * (per * np.dtype(dtype).itemsize + 1)
    # the image as the header bounds it, not the file (a longer file is flash beyond the image; the firmware's rule)
    _check(0 < count and off >= sb["weights_offset"] + sb["weights_len"] and off + size <= sb["image_len"],
           "corrupted metadata: test set region outside the image")
    _check(ecc.crc32(image[off:off + size]) == meta["testset_crc32"], "test set region CRC mismatch")
    x = np.frombuffer(image, dtype, count * per, off).reshape((count,) + input_shape)
    y = np.frombuffer(image, np.uint8, count, off + count * per * np.dtype(dtype).itemsize).astype(np.int64)
    return x, y


def read_image(path) -> LoadedImage:
    path = Path(path)
    data = read_regular(path, MAX_IMAGE_BYTES, ImageError, "image")
    try:
        return parse_image(data)
    except ImageError as e:
        raise ImageError(f"{path}: {e}") from None

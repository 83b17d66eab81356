"""`eccless pack`: a stored model -> the bytes that sit in a board's flash (see records.py for the layout).

The weight region is StoredModel.region() verbatim, so an image read back and an in-memory sweep trial see the
same bits. Everything else — shapes, quantization parameters, per-channel ranges, representation tables — goes
into the protected payload, which is ECC-protected (eccless.image.ecc).
"""

from __future__ import annotations

import numpy as np

from .. import represent
from ..detect import rule_code
from ..boards import Board
from ..errors import ImageError
from ..storage.stored import FLOAT_REPR, StoredModel
from . import ecc
from .limits import check_fits_run_from_flash
from ..storage.bits import pack_words
from .records import (FLAG_ECC_SHIFT, FLAG_ECC_ZERO, FLAG_TESTSET, VERSION_ECC, VERSION_TENSOR_FLAGS, FORMATS, KINDS,
                      META, OP, PROTECTED_OFFSET, ROLES, SUPER_COPIES, SUPERBLOCK, TENSOR, TENSOR_PROTECTED, ACTS,
                      MAGIC, VERSION)


def _pad3(shape) -> tuple[int, int, int]:
    s = tuple(int(v) for v in shape) + (1, 1, 1)
    return s[:3]


def _align(x: int, page: int) -> int:
    return -(-x // page) * page


class _Payload:
    """Records first, arrays after them; array offsets are relative to the payload start."""

    def __init__(self, head_size: int):
        self.arrays = bytearray()
        self.head_size = head_size

    def add(self, *arrays: np.ndarray) -> int:
        """Append arrays back to back, the first one 8-byte aligned in the payload; returns its offset."""
        while (self.head_size + len(self.arrays)) % 8:
            self.arrays.append(0)
        off = self.head_size + len(self.arrays)
        for arr in arrays:
            self.arrays += np.ascontiguousarray(arr).tobytes()
        return off


def build_payload(stored: StoredModel, *, board: Board, testset: tuple[int, int, int] = (0, 0, 0),
                  weights_crc: int = 0) -> bytes:
    model = stored.model
    ops = model.ops
    shapes = model.shapes()
    head = META.size + OP.size * len(ops) + TENSOR.size * len(stored.tensors)
    payload = _Payload(head)
    tensor_index = {(t.code.op, t.code.role): i for i, t in enumerate(stored.tensors)}
    weighted = [i for i, op in enumerate(ops) if op.weight is not None]
    op_records = []
    for i, op in enumerate(ops):
        k = weighted.index(i) if i in weighted else -1
        channels, arrays = 0, 0
        if getattr(op, "out_mult", None) is not None:  # int8: per-channel requantization
            channels = len(op.out_mult)
            w_scale = op.w_scale if op.w_scale is not None else np.zeros(channels)
            arrays = payload.add(np.asarray(w_scale, "<f8"), np.asarray(op.out_mult, "<i4"),
                                 np.asarray(op.out_shift, "<i4"))
        out = shapes[i]
        op_records.append(OP.pack(
            kind=KINDS[op.kind], act=ACTS[op.act], stride=op.stride, pool=op.pool, pads=op.pads,
            out_shape=_pad3(out), out_rank=len(out), reserved=0,
            weight=tensor_index.get((k, "weight"), -1), bias=tensor_index.get((k, "bias"), -1), channels=channels,
            in_scale=float(getattr(op, "in_scale", 0.0)), out_scale=float(getattr(op, "out_scale", 0.0)),
            in_zp=int(getattr(op, "in_zp", 0)), out_zp=int(getattr(op, "out_zp", 0)),
            act_min=int(getattr(op, "act_min", 0)), act_max=int(getattr(op, "act_max", 0)), arrays=arrays))
    tensor_records = []
    for t in stored.tensors:
        ranges = 0
        if t.lo is not None:
            ranges = payload.add(np.asarray(t.lo, "<f8"), np.asarray(t.hi, "<f8"))
        params = np.asarray(t.rep.params(), "<u4")
        repr_params = payload.add(params) if params.size else 0
        shape = tuple(t.code.shape) + (1,) * (4 - len(t.code.shape))
        bit_offset = t.offset
        if t.protected:  # its words in the payload, packed as the region would hold them
            words = pack_words(t.words, t.width, out=np.zeros(-(-t.bits // 8), np.uint8), start=0)
            bit_offset = 8 * payload.add(words)
        tensor_records.append(TENSOR.pack(
            role=ROLES[t.code.role], repr=0 if t.rep.name == FLOAT_REPR else represent.stable_id(t.rep.name),
            m=t.code.m, width=t.width, op=t.code.op, ndim=len(t.code.shape), spare=t.code.spare, shape=shape,
            count=t.count, bit_offset=bit_offset, value_lo=t.code.lo, value_step=t.code.step,
            ranges=ranges, range_channels=0 if t.lo is None else len(t.lo),
            flags=TENSOR_PROTECTED if t.protected else 0,
            repr_params=repr_params, repr_params_len=int(params.size)))
    meta = META.pack(
        name=model.name.encode()[:24], format=FORMATS[stored.format.name], n=stored.n, rule=rule_code(stored.rule),
        input_rank=len(model.input_shape), input_shape=_pad3(model.input_shape), num_classes=model.num_classes,
        num_ops=len(ops), num_tensors=len(stored.tensors), in_scale=float(getattr(model, "in_scale", 0.0)),
        in_zp=int(getattr(model, "in_zp", 0)), weights_crc32=weights_crc, testset_offset=testset[0],
        testset_count=testset[1], testset_crc32=testset[2], page=board.image.page,
        board=board.name.encode()[:24])
    return meta + b"".join(op_records) + b"".join(tensor_records) + bytes(payload.arrays)


def testset_bytes(stored: StoredModel, x: np.ndarray, y: np.ndarray) -> bytes:
    """int8 models: quantized int8 inputs; float models: float32 inputs; then one uint8 label per sample."""
    model = stored.model
    inputs = model.quantize_input(x) if hasattr(model, "quantize_input") else np.asarray(x, "<f4")
    return np.ascontiguousarray(inputs).tobytes() + np.asarray(y, np.uint8).tobytes()


def pack_image(stored: StoredModel, board: Board, testset: tuple[np.ndarray, np.ndarray] | None = None) -> bytes:
    """`stored` may be an EccStored (storage/ecc/): its coded region is the weight region, version 3."""
    page = board.image.page
    weights = stored.region().tobytes()
    spec = getattr(stored, "spec", None)
    ecc_flags = 0
    if spec is not None and spec.enabled:
        ecc_flags = spec.stable_id << FLAG_ECC_SHIFT | (FLAG_ECC_ZERO if spec.policy == "zero" else 0)
        stored = stored.inner
    tests = testset_bytes(stored, *testset) if testset is not None else b""
    # the payload's size does not depend on the offsets inside it, so lay out with a first pass
    draft = build_payload(stored, board=board)
    blob_len = ecc.protected_size(len(draft))
    weights_offset = _align(PROTECTED_OFFSET + blob_len, page)
    test_offset = _align(weights_offset + len(weights), page) if tests else 0
    total = (test_offset + len(tests)) if tests else weights_offset + len(weights)
    if total > board.image.size:
        raise ImageError(f"image of {total:,} bytes does not fit the {board.image.size:,}-byte image region of "
                         f"board {board.name}")
    check_fits_run_from_flash(stored.model, board, itemsize=1 if stored.format.quantized else 4)
    count = len(testset[1]) if testset is not None else 0
    payload = build_payload(stored, board=board, testset=(test_offset, count, ecc.crc32(tests) if tests else 0),
                            weights_crc=ecc.crc32(weights))
    assert len(payload) == len(draft)
    blob = ecc.protect(payload)
    protected = any(t.protected for t in stored.tensors)
    version = VERSION_TENSOR_FLAGS if protected else VERSION_ECC if ecc_flags else VERSION
    head = SUPERBLOCK.pack(magic=MAGIC, version=version,
                           flags=(FLAG_TESTSET if tests else 0) | ecc_flags, meta_len=len(payload),
                           meta_blob_len=len(blob), weights_offset=weights_offset, weights_len=len(weights),
                           image_len=total, crc32=0)
    head = head[:-4] + ecc.crc32(head[:-4]).to_bytes(4, "little")
    image = bytearray(total)
    image[:PROTECTED_OFFSET] = head * SUPER_COPIES
    image[PROTECTED_OFFSET:PROTECTED_OFFSET + len(blob)] = blob
    image[weights_offset:weights_offset + len(weights)] = weights
    if tests:
        image[test_offset:test_offset + len(tests)] = tests
    return bytes(image)

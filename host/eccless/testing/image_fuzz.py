"""Hostile flash images for testing a loader (the firmware's, or the host's): seeded mutations of a valid image.

A mutation that only flipped bits would mostly test the ECC -- the BCH code repairs it or the CRC rejects it --
so the interesting ones change the metadata and then **re-seal** it: a fresh BCH parity and CRC-32 for the
payload, a superblock rewritten to match (all 11 copies, CRC recomputed). The parser then sees well-protected
nonsense: lengths, offsets, counts, shapes, ids and quantization fields it must check.

    image = reseal(image, payload)                        # new protected payload, same or other length
    kind, bad = mutate(image, random.Random(seed))        # one seeded mutation and its kind
"""

from __future__ import annotations

import random

from eccless.image import ecc
from eccless.image.records import KINDS as OP_KINDS
from eccless.image.records import META, OP, PROTECTED_OFFSET, SUPER_COPIES, SUPERBLOCK, TENSOR

BOUNDARY = (0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000,
            0xFFFFFFFF)


def superblock(image: bytes) -> dict:
    """The first superblock copy, unvoted (mutations start from clean images)."""
    return SUPERBLOCK.unpack(image[:SUPERBLOCK.size])


def payload(image: bytes) -> bytes:
    return image[PROTECTED_OFFSET:PROTECTED_OFFSET + superblock(image)["meta_len"]]


def with_superblock(image: bytes, **fields) -> bytes:
    """The image with superblock fields replaced and the CRC recomputed, in every copy."""
    sb = {**superblock(image), **fields, "crc32": 0}
    head = SUPERBLOCK.pack(**sb)
    head = head[:-4] + ecc.crc32(head[:-4]).to_bytes(4, "little")
    return head * SUPER_COPIES + image[PROTECTED_OFFSET:]


def reseal(image: bytes, new_payload: bytes) -> bytes:
    """The image with `new_payload` protected by fresh parity and CRC. A longer blob overwrites the start of the
    weight region (the superblock keeps the old weights offset, so the parser must notice the overlap)."""
    sb = superblock(image)
    blob = ecc.protect(bytes(new_payload))
    body = bytearray(image)
    end = PROTECTED_OFFSET + max(len(blob), sb["meta_blob_len"])
    if len(body) < end:
        body.extend(bytes(end - len(body)))
    body[PROTECTED_OFFSET:PROTECTED_OFFSET + sb["meta_blob_len"]] = bytes(sb["meta_blob_len"])
    body[PROTECTED_OFFSET:PROTECTED_OFFSET + len(blob)] = blob
    return with_superblock(bytes(body), meta_len=len(new_payload), meta_blob_len=len(blob))


def _record_fields(image: bytes) -> list[tuple[int, int]]:
    """(payload offset, byte size) of every integer field of the META, OP and TENSOR records."""
    meta = META.unpack(payload(image))
    out = []
    starts = [(META, 0)] + [(OP, META.size + i * OP.size) for i in range(meta["num_ops"])]
    starts += [(TENSOR, META.size + meta["num_ops"] * OP.size + i * TENSOR.size) for i in range(meta["num_tensors"])]
    for rec, base in starts:
        for f, off in rec.offsets():
            if f.code.endswith("s") or f.code[-1] == "d":
                continue
            item = {"B": 1, "H": 2, "h": 2, "I": 4, "i": 4}[f.code[-1]]
            out += [(base + off + k * item, item) for k in range(f.count)]
    return out


def _field(rng: random.Random, image: bytes) -> bytes:
    """One integer field of a record set to a boundary or random value, re-sealed."""
    data = bytearray(payload(image))
    at, size = rng.choice(_record_fields(image))
    value = rng.choice(BOUNDARY) if rng.random() < 0.6 else rng.getrandbits(8 * size)
    if rng.random() < 0.3:   # a neighbour of the real value: the subtle off-by-ones
        value = int.from_bytes(data[at:at + size], "little") + rng.choice((-1, 1))
    data[at:at + size] = (value % (1 << (8 * size))).to_bytes(size, "little")
    return reseal(image, data)


def _payload_bits(rng: random.Random, image: bytes) -> bytes:
    data = bytearray(payload(image))
    for _ in range(rng.randrange(1, 9)):
        i = rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)
    return reseal(image, data)


def _payload_length(rng: random.Random, image: bytes) -> bytes:
    data = payload(image)
    n = rng.choice((0, 1, 95, 96, len(data) // 2, len(data) - 1, len(data) + rng.randrange(1, 64)))
    return reseal(image, (data + bytes(max(0, n - len(data))))[:max(1, n)])


def _superblock_field(rng: random.Random, image: bytes) -> bytes:
    name = rng.choice(["version", "flags", "meta_len", "meta_blob_len", "weights_offset", "weights_len",
                       "image_len"])
    value = superblock(image)[name]
    value = rng.choice((*BOUNDARY, value + 1, value - 1, value * 2, len(image), len(image) + 1))
    width = 16 if name in ("version", "flags") else 32
    return with_superblock(image, **{name: value % (1 << width)})


def _truncate(rng: random.Random, image: bytes) -> bytes:
    return image[:rng.randrange(0, len(image))]


def _raw_bits(rng: random.Random, image: bytes) -> bytes:
    """Flips anywhere without re-sealing: the majority vote, the BCH code and the CRCs must cope."""
    data = bytearray(image)
    for _ in range(rng.choice((1, 10, 100, 1000))):
        i = rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)
    return bytes(data)


def _records(image: bytes):
    """(payload bytearray, META dict, offset of op i, offset of tensor i)."""
    data = bytearray(payload(image))
    meta = META.unpack(data)
    return data, meta, (lambda i: META.size + i * OP.size), (lambda i: META.size + meta["num_ops"] * OP.size
                                                              + i * TENSOR.size)


def _put(data: bytearray, rec, base: int, **fields) -> None:
    data[base:base + rec.size] = rec.pack(**{**rec.unpack(bytes(data), base), **fields})


def _zero_dim(rng: random.Random, image: bytes) -> bytes:
    """A zero dimension (and a zero count) where a size is declared: a tensor, the input, or an op's output."""
    data, meta, op_at, tensor_at = _records(image)
    where = rng.choice(["tensor", "input", "op"] if meta["num_tensors"] else ["input", "op"])
    if where == "tensor":
        at = tensor_at(rng.randrange(meta["num_tensors"]))
        t = TENSOR.unpack(bytes(data), at)
        shape = list(t["shape"])
        shape[rng.randrange(t["ndim"])] = 0
        _put(data, TENSOR, at, shape=tuple(shape), count=0)
    elif where == "input":
        shape = list(meta["input_shape"])
        shape[rng.randrange(meta["input_rank"])] = 0
        _put(data, META, 0, input_shape=tuple(shape))
    else:
        at = op_at(rng.randrange(meta["num_ops"]))
        o = OP.unpack(bytes(data), at)
        shape = list(o["out_shape"])
        shape[rng.randrange(o["out_rank"])] = 0
        _put(data, OP, at, out_shape=tuple(shape))
    return reseal(image, data)


def _op_kind(rng: random.Random, image: bytes) -> bytes:
    """An op record's kind byte changed (dense -> depthwise conv, conv -> pooling, ...), its tensors kept."""
    data, meta, op_at, _ = _records(image)
    at = op_at(rng.randrange(meta["num_ops"]))
    kind = OP.unpack(bytes(data), at)["kind"]
    _put(data, OP, at, kind=rng.choice([k for k in OP_KINDS.values() if k != kind]))
    return reseal(image, data)


PARAM_VALUES = (-(1 << 31), -32768, -129, -128, -32, -31, -1, 0, 1, 2, 7, 31, 32, 127, 128, 32767, 32768, 1 << 30,
                (1 << 31) - 1)


def _op_params(rng: random.Random, image: bytes) -> bytes:
    """One integer of an op's per-channel arrays (multiplier or shift; for sigmoid/hardswish the parameters of
    records.OP_PARAMS), its zero points or its channel count set to a boundary value, activation ops first."""
    data, meta, op_at, _ = _records(image)
    recs = [(op_at(i), OP.unpack(bytes(data), op_at(i))) for i in range(meta["num_ops"])]
    with_arrays = [(at, r) for at, r in recs if r["arrays"] and r["channels"]]
    if not with_arrays:
        return _field(rng, image)
    act = [(at, r) for at, r in with_arrays if r["kind"] in (OP_KINDS["sigmoid"], OP_KINDS["hardswish"])]
    at, r = rng.choice(act if act and rng.random() < 0.8 else with_arrays)
    value = rng.choice(PARAM_VALUES) if rng.random() < 0.7 else rng.randrange(-64, 64)
    what = rng.choice(("mult", "shift", "shift", "zp", "channels"))
    if what == "zp":
        _put(data, OP, at, **{rng.choice(("in_zp", "out_zp")): max(-(1 << 31), min(value, (1 << 31) - 1))})
    elif what == "channels":
        _put(data, OP, at, channels=rng.choice((0, 1, 2, 3)))
    else:
        c = r["channels"]
        pos = r["arrays"] + (8 if what == "mult" else 12) * c + 4 * rng.randrange(c)
        if pos + 4 > len(data):
            return _field(rng, image)
        data[pos:pos + 4] = (value & 0xFFFFFFFF).to_bytes(4, "little")
    return reseal(image, data)


def _board_name(rng: random.Random, image: bytes) -> bytes:
    """Model and board names that are not UTF-8."""
    data, _, _, _ = _records(image)
    junk = bytes(rng.choice((0x80, 0xC3, 0xFF, 0xFE, 0xE2)) for _ in range(rng.randrange(1, 24)))
    _put(data, META, 0, **{rng.choice(("board", "name")): junk})
    return reseal(image, data)


def _huge_shape(rng: random.Random, image: bytes) -> bytes:
    """No weights, a huge input pooled down to the classes: a few KB of metadata declaring up to 4 G inputs.

    input (H, W, 1) -> maxpool 255x255 stride 255 -> (a, b, 1) -> maxpool (a, b - 9) -> (1, 10, 1) -> (10,)"""
    data, meta, _, _ = _records(image)
    h, w = rng.choice((32768, 65025, 4096, 1024)), rng.choice((8192, 65025, 2550, 4096))
    a, b = (h - 255) // 255 + 1, (w - 255) // 255 + 1
    common = dict(act=0, pads=(0, 0, 0, 0), reserved=0, weight=-1, bias=-1, channels=0, in_scale=1.0,
                  out_scale=1.0, in_zp=0, out_zp=0, act_min=-128, act_max=127, arrays=0)
    ops = [OP.pack(kind=OP_KINDS["maxpool"], stride=(255, 255), pool=(255, 255), out_shape=(a, b, 1), out_rank=3,
                   **common),
           OP.pack(kind=OP_KINDS["maxpool"], stride=(1, 1), pool=(a, b - 9), out_shape=(1, 10, 1), out_rank=3,
                   **common),
           OP.pack(kind=OP_KINDS["reshape"], stride=(1, 1), pool=(1, 1), out_shape=(10, 1, 1), out_rank=1,
                   **common)]
    head = META.pack(**{**meta, "input_rank": 3, "input_shape": (h, w, 1), "num_classes": 10, "num_ops": 3,
                        "num_tensors": 0})
    return reseal(image, head + b"".join(ops) + bytes(data[META.size + meta["num_ops"] * OP.size
                                                           + meta["num_tensors"] * TENSOR.size:]))


KINDS = (("field", _field, 40), ("payload_bits", _payload_bits, 15), ("payload_length", _payload_length, 10),
         ("superblock", _superblock_field, 15), ("truncate", _truncate, 8), ("raw_bits", _raw_bits, 12),
         ("zero_dim", _zero_dim, 6), ("op_kind", _op_kind, 6), ("board_name", _board_name, 3),
         ("huge_shape", _huge_shape, 3), ("op_params", _op_params, 8))


def mutate(image: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One seeded mutation of a valid image: (kind, mutated bytes)."""
    names, makers, weights = zip(*KINDS)
    k = rng.choices(range(len(KINDS)), weights)[0]
    return names[k], makers[k](rng, image)

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


KINDS = (("field", _field, 40), ("payload_bits", _payload_bits, 15), ("payload_length", _payload_length, 10),
         ("superblock", _superblock_field, 15), ("truncate", _truncate, 8), ("raw_bits", _raw_bits, 12))


def mutate(image: bytes, rng: random.Random) -> tuple[str, bytes]:
    """One seeded mutation of a valid image: (kind, mutated bytes)."""
    names, makers, weights = zip(*KINDS)
    k = rng.choices(range(len(KINDS)), weights)[0]
    return names[k], makers[k](rng, image)

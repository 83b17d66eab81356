"""The flash image format, defined once: every fixed-size record as a table of (field, type, meaning).

Python packs and parses with these tables; docs/FORMAT.md and the C header edge/include/ed_image_format.h are
generated from them (a test fails when either is stale). All integers are little-endian.

Image layout (offsets in bytes):

    0                SUPERBLOCK x SUPER_COPIES   32-byte superblock, repeated; read by bitwise majority + CRC-32
    PROTECTED_OFFSET protected blob              ECC-protected: META header, OP and TENSOR records, arrays
    weights_offset   weight region               page-aligned; unprotected words of every parameter tensor, or
                                                 (version 3) those words under an ECC baseline: the data in place,
                                                 zero padded to whole blocks, then every block's check bits
                                                 (storage/ecc/protected.py), scheme in the superblock flags
    testset_offset   test set region             page-aligned, optional; int8 inputs then uint8 labels, CRC-checked
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ..errors import ImageError
from ..storage.ecc import SCHEMES as ECC_REGISTRY
from ..storage.formats import FORMATS as NUMBER_FORMATS

MAGIC = b"ECCL"
VERSION = 2  # 2: the rule byte encodes (parity placement id | range flag) instead of an ordered list of rules
VERSION_ECC = 3  # 3: the weight region is ECC-coded (flags bits 8-12); images without ECC stay version 2
# 4: TENSOR.flags may mark a bias tensor whose words sit in the protected payload (TENSOR_PROTECTED), the ECC flags
# of version 3 allowed too; images without protected tensors stay version 2 or 3
VERSION_TENSOR_FLAGS = 4
KNOWN_VERSIONS = (2, 3, 4)  # a loader accepts exactly the versions it knows; a new layout bumps VERSION
SUPER_COPIES = 11  # majority of 11 copies: P(bit wrong) ~ 462 p^6 = 5e-10 at p = 1e-2
PROTECTED_OFFSET = 32 * SUPER_COPIES
MAX_OPS = 256
MAX_TENSORS = 2 * MAX_OPS
MAX_CHANNELS = 4096
MAX_META_BYTES = 4 << 20  # a length field can never make a reader allocate more than this

# codes stored in records (never renumber); number formats come from their registry (storage/formats.py)
FORMATS = {name: NUMBER_FORMATS.get(name).stable_id for name in NUMBER_FORMATS}
KINDS = {"dense": 1, "conv2d": 2, "dwconv2d": 3, "maxpool": 4, "avgpool": 5, "reshape": 6, "relu": 7, "relu6": 8,
         "sigmoid": 9, "hardswish": 10}
# What an int8 op's per-channel arrays hold (out_mult[i], out_shift[i] for each i < channels). Weighted ops: one
# requantization per output channel. The parameter-free ops below store exactly as many channels as they have rows
# here (a loader refuses another count): relu/relu6 one requantization, sigmoid and hardswish (TFLite's int8
# LOGISTIC and HARD_SWISH) two channels of the integers TFLite Micro's Prepare derives (w_scale unused, 0; their
# act_min/act_max are -128/127 and unused, sigmoid's out_zp is -128).
OP_PARAMS = {
    "relu": (("multiplier", "shift, [-31, 31]"),),
    "relu6": (("multiplier", "shift, [-31, 31]"),),
    "sigmoid": (("input multiplier", "input left shift, [-31, 31]"), ("input range radius, >= 0", "0")),
    "hardswish": (("output multiplier, int16 in [0, 32767]", "output exponent, [-31, 0]"),
                  ("reluish multiplier, int16 in [0, 32767]", "reluish exponent, [-31, 31]")),
}
ACTS = {"none": 0, "relu": 1, "relu6": 2}
ROLES = {"weight": 0, "bias": 1}
FLAG_TESTSET = 1
FLAG_ECC_SHIFT = 8  # flags bits 8-11: the weight region's ECC scheme (storage/ecc/ stable id; 0: none)
FLAG_ECC_MASK = 0x0F00
FLAG_ECC_ZERO = 0x1000  # the policy for uncorrectable blocks: zero their parameters (else use them as read)
TENSOR_PROTECTED = 1  # TENSOR.flags bit 0 (version 4, bias records only): words in the protected payload
ECC_SCHEMES = {name: ECC_REGISTRY.get(name).stable_id for name in ECC_REGISTRY}

# Why a loader refuses an image, one code per check (a device reports (record index << 8) | reason). The reasons
# follow the checks of the host loader (eccless.image.load), in the order the firmware makes them.
LOAD_ERRORS = {
    1: ("TRUNCATED", "image region smaller than the superblock"),
    2: ("BAD_MAGIC", "not an eccless image (bad magic after the majority vote)"),
    3: ("BAD_VERSION", "unknown image format version"),
    4: ("SUPER_CRC", "superblock beyond repair (CRC mismatch after majority vote)"),
    5: ("IMAGE_LEN", "image length in the header exceeds the board's image region"),
    6: ("META_LEN", "corrupted metadata length"),
    7: ("BLOB_LEN", "corrupted header: protected blob size does not match the metadata length"),
    8: ("OVERLAP", "corrupted header: regions overlap"),
    9: ("WEIGHTS_END", "corrupted header: weights beyond the end"),
    10: ("ECC_UNCORRECTABLE", "protected region beyond repair: more than 50 bit errors in a block"),
    11: ("ECC_CRC", "protected region beyond repair: CRC-32 mismatch after correction"),
    12: ("META_TRUNC", "truncated metadata: records beyond the payload"),
    13: ("FORMAT", "corrupted metadata: unknown number format"),
    14: ("RULE", "corrupted metadata: unknown detection rule"),
    15: ("COUNTS", "corrupted metadata: too many ops or tensors"),
    16: ("INPUT", "corrupted metadata: input rank or shape"),
    17: ("OP_KIND", "corrupted metadata: unknown op kind in op{index}"),
    18: ("OP_ACT", "corrupted metadata: unknown activation in op{index}"),
    19: ("OP_FIELDS", "corrupted metadata in op{index} (rank, channels, stride or window)"),
    20: ("OP_ARRAYS", "corrupted metadata: op{index} per-channel arrays outside the payload"),
    21: ("TENSOR_RECORD", "corrupted tensor record {index} (role, op, rank or order)"),
    22: ("TENSOR_SHAPE", "corrupted tensor record {index}: shape does not match its word count or its op"),
    23: ("TENSOR_WIDTH", "corrupted tensor record {index}: word width does not fit the index bits and rule"),
    24: ("TENSOR_BOUNDS", "corrupted tensor record {index}: words beyond the weight region"),
    25: ("REPR_UNKNOWN", "corrupted tensor record {index}: unknown representation id"),
    26: ("REPR_PARAMS", "corrupted tensor record {index}: representation table invalid"),
    27: ("RANGES", "corrupted tensor record {index}: range-check channels or arrays"),
    28: ("PAIRING", "corrupted metadata: op{index} lacks its weight or bias"),
    29: ("SHAPES", "inconsistent shapes at op{index}"),
    30: ("TESTSET", "corrupted metadata: test set region outside the image"),
    31: ("TESTSET_CRC", "test set region CRC mismatch"),
    32: ("QUANT", "op{index}: quantization parameters out of range (zero point, clamp or shift)"),
    33: ("CLASSES", "corrupted metadata: the last op's outputs differ from num_classes"),
    34: ("BOARD", "image packed for another board (META.board differs from the firmware's board)"),
    35: ("ECC_SCHEME", "weight-region ECC scheme unknown, or not implemented by this loader"),
    36: ("ECC_LAYOUT", "corrupted header: weight region length is no whole number of ECC blocks"),
}


@dataclass(frozen=True)
class Field:
    name: str
    code: str  # struct code, e.g. "I", "3H" (an array of 3), "24s" (bytes)
    doc: str

    @property
    def count(self) -> int:
        """Values this field packs: 1 for scalars and byte strings, N for "NX" arrays."""
        return 1 if self.code.endswith("s") or not self.code[0].isdigit() else int(self.code[:-1])


class Record:
    """A fixed-size little-endian record described by a field table."""

    def __init__(self, name: str, doc: str, fields: list[tuple[str, str, str]]):
        self.name = name
        self.doc = doc
        self.fields = [Field(*f) for f in fields]
        self.struct = struct.Struct("<" + "".join(f.code for f in self.fields))
        self.size = self.struct.size

    def pack(self, **values) -> bytes:
        flat = []
        try:
            for f in self.fields:
                v = values[f.name]
                flat.extend(v if f.count > 1 else [v])
            return self.struct.pack(*flat)
        except (KeyError, TypeError, struct.error) as e:
            raise ValueError(f"{self.name}: cannot pack ({e})") from None

    def unpack(self, buf: bytes, offset: int = 0) -> dict:
        if offset < 0 or offset + self.size > len(buf):
            raise ImageError(f"truncated image: {self.name} record at byte {offset} needs {self.size} bytes")
        flat = self.struct.unpack_from(buf, offset)
        out, i = {}, 0
        for f in self.fields:
            out[f.name] = flat[i] if f.count == 1 else tuple(flat[i:i + f.count])
            i += f.count
        return out

    def offsets(self) -> list[tuple[Field, int]]:
        out, off = [], 0
        for f in self.fields:
            out.append((f, off))
            off += struct.calcsize("<" + f.code)
        return out


SUPERBLOCK = Record("superblock", "Where everything is; stored SUPER_COPIES times, read by bitwise majority.", [
    ("magic", "4s", "b'ECCL'"),
    ("version", "H", "format version (KNOWN_VERSIONS)"),
    ("flags", "H", "bit 0: a test set region is present; bits 8-11: weight-region ECC scheme (0: none); "
                   "bit 12: zero the parameters of ECC blocks found uncorrectable"),
    ("meta_len", "I", "bytes of protected payload (before ECC)"),
    ("meta_blob_len", "I", "bytes of the ECC-protected blob at PROTECTED_OFFSET"),
    ("weights_offset", "I", "byte offset of the weight region (page-aligned)"),
    ("weights_len", "I", "bytes in the weight region"),
    ("image_len", "I", "total image bytes"),
    ("crc32", "I", "CRC-32 of the 28 bytes before this field"),
])

META = Record("meta", "Model header: the first record of the protected payload.", [
    ("name", "24s", "model name, NUL-padded UTF-8"),
    ("format", "B", "number format: 0 float32, 1 int8, 2 uniform"),
    ("n", "B", "bits per parameter of the format (32, 8, or uniform n)"),
    ("rule", "B", "detection rule: parity placement id (bits 0-3, 0 = none) | 0x10 range check"),
    ("input_rank", "B", "1 (vector) or 3 (H, W, C)"),
    ("input_shape", "3H", "per-sample input shape, unused dims 1"),
    ("num_classes", "H", "outputs of the last op"),
    ("num_ops", "H", "OP records that follow"),
    ("num_tensors", "H", "TENSOR records after the ops"),
    ("in_scale", "d", "int8: input quantization scale"),
    ("in_zp", "i", "int8: input zero point"),
    ("weights_crc32", "I", "CRC-32 of the clean weight region (tells corrupted from clean; never used to repair)"),
    ("testset_offset", "I", "byte offset of the test set region (0: none)"),
    ("testset_count", "I", "samples in the test set region"),
    ("testset_crc32", "I", "CRC-32 of the test set region"),
    ("page", "I", "alignment of the sections (the board's flash page)"),
    ("board", "24s", "board the image was laid out for, NUL-padded"),
])

OP = Record("op", "One op of the sequential graph.", [
    ("kind", "B", "KINDS"),
    ("act", "B", "fused activation: 0 none, 1 relu, 2 relu6"),
    ("stride", "2B", "stride (h, w)"),
    ("pool", "2B", "pooling window (h, w)"),
    ("pads", "4B", "padding top, bottom, left, right"),
    ("out_shape", "3H", "per-sample output shape (unused dims 1)"),
    ("out_rank", "B", "rank of out_shape"),
    ("reserved", "B", "0"),
    ("weight", "h", "TENSOR index of the weight (-1: none)"),
    ("bias", "h", "TENSOR index of the bias (-1: none)"),
    ("channels", "H", "output channels (length of the per-channel arrays)"),
    ("in_scale", "d", "int8: input scale"),
    ("out_scale", "d", "int8: output scale"),
    ("in_zp", "i", "int8: input zero point"),
    ("out_zp", "i", "int8: output zero point"),
    ("act_min", "i", "int8: output clamp low"),
    ("act_max", "i", "int8: output clamp high"),
    ("arrays", "I", "payload offset of w_scale f64[channels], out_mult i32[channels], out_shift i32[channels]"),
])

TENSOR = Record("tensor", "One parameter tensor's words in the weight region.", [
    ("role", "B", "0 weight, 1 bias"),
    ("repr", "B", "representation stable id (0: IEEE-754 float32 bit pattern)"),
    ("m", "B", "index bits"),
    ("width", "B", "stored bits per word (m, or m + 1 with a parity bit)"),
    ("op", "H", "OP index"),
    ("ndim", "B", "rank of shape"),
    ("spare", "B", "index bits given up to a parity bit (parity-lsb)"),
    ("shape", "4H", "shape, unused dims 1"),
    ("count", "I", "words"),
    ("bit_offset", "I", "first bit in the weight region (TENSOR_PROTECTED: in the protected payload)"),
    ("value_lo", "d", "uniform: value of index 0's bin start"),
    ("value_step", "d", "uniform: bin width"),
    ("ranges", "I", "payload offset of range lo f64[channels], hi f64[channels] (range rules), else 0"),
    ("range_channels", "H", "channels of the range check"),
    ("flags", "H", "version 4: bit 0 (TENSOR_PROTECTED, biases only) the words sit in the protected payload, "
                   "bit_offset counting payload bits; else 0"),
    ("repr_params", "I", "payload offset of the representation's params (u32 each), else 0"),
    ("repr_params_len", "I", "number of u32 params"),
])

RECORDS = [SUPERBLOCK, META, OP, TENSOR]

"""Error correction for the protected region of an eccless flash image (header, tables, scales, biases, ...).

The weight region of an image is read raw (its bit flips are the experiment); the protected region must survive the
same channel. It is stored as a shortened binary BCH code over GF(2^11) correcting 50 bit errors per block of up to
189 payload bytes (66 parity bytes per block), with a CRC-32 over the data inside the payload so that anything the
code cannot correct is detected. docs/ECC.md gives the choice, the numbers and the byte layout; the device decoder is
edge/src/ed_ecc.c, bit-exact with this package (tests/test_ecc_golden.py).

    blob = protect(data)                       # len(blob) == protected_size(len(data)); blob starts with data
    data, nfixed = recover(noisy_blob, len(data))   # ImageError("protected region beyond repair: ...") if lost
    crc32(data)                                # IEEE CRC-32, equal to zlib.crc32
"""

from .bch import K_MAX_BYTES, PARITY_BYTES, T
from .crc import crc32
from .layout import CRC_BYTES, block_count, protected_size
from .region import (
    STATUS_CRC_MISMATCH,
    STATUS_OK,
    STATUS_UNCORRECTABLE,
    correct_many,
    protect,
    recover,
    recover_many,
)

__all__ = [
    "CRC_BYTES",
    "K_MAX_BYTES",
    "PARITY_BYTES",
    "STATUS_CRC_MISMATCH",
    "STATUS_OK",
    "STATUS_UNCORRECTABLE",
    "T",
    "block_count",
    "correct_many",
    "crc32",
    "protect",
    "protected_size",
    "recover",
    "recover_many",
]

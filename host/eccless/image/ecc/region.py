"""protect / recover: the protected region of a flash image, encoded with the BCH code plus a CRC-32 over the data.

recover() corrects up to T = 50 bit errors in every block of 189 payload bytes + 66 parity bytes, then checks the
CRC-32, so a block the decoder gave up on and a miscorrection (a block with more than T errors decoded to a wrong
codeword) are both reported as ImageError instead of returning wrong data. recover_many() does the same for a stack of
noisy copies in one vectorized pass (Monte Carlo measurements) and reports per-copy statuses instead of raising;
correct_many() also returns the corrected parity, as the device leaves its buffer (the golden tests compare it).
Statuses equal the device's ed_ecc_status_t values (edge/include/ed_ecc.h).
"""

from __future__ import annotations

import zlib

import numpy as np

from ...errors import ImageError, UsageError
from . import bch
from .crc import as_bytes, crc32
from .layout import CRC_BYTES, layout, protected_size

STATUS_OK = 0
STATUS_UNCORRECTABLE = 1  # some block has more errors than the code corrects (detected by the BCH decoder)
STATUS_CRC_MISMATCH = 2  # every block decoded, but the CRC-32 disagrees: a miscorrection


def _check_size(nbytes: int, data_len) -> None:
    # Before any layout is built: a corrupted length field must not make us allocate for a huge region.
    expected = protected_size(data_len)
    if nbytes != expected:
        raise ImageError(f"protected region truncated: {nbytes} bytes, {expected} expected for {data_len} data bytes")


def protect(data) -> bytes:
    """Systematic encoding: data, its CRC-32, then 66 parity bytes per block (length protected_size(len(data)))."""
    data = as_bytes(data)
    lay = layout(len(data))
    payload = np.frombuffer(data + crc32(data).to_bytes(CRC_BYTES, "little"), dtype=np.uint8)
    blocks = np.zeros((lay.nblocks, bch.K_MAX_BYTES), dtype=np.uint8)
    col = np.arange(bch.K_MAX_BYTES)[None, :]
    inside = col < lay.lengths[:, None]
    blocks[inside] = payload[(lay.starts[:, None] + col)[inside]]
    return payload.tobytes() + bch.parity_bytes(blocks).tobytes()


def correct_many(blobs, data_len: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decode a stack of protected regions (copies, protected_size(data_len)) uint8 of one data_len.

    Returns (fixed (copies, size) uint8, corrected (copies,) int64, status (copies,) int8). Corrections are applied
    to every block that decodes, also in a copy whose status is not STATUS_OK (as the device does in place);
    `corrected` counts the bits flipped, parity and CRC bits included. Never raises for any content of `blobs`.
    """
    blobs = np.asarray(blobs)
    if blobs.dtype != np.uint8 or blobs.ndim != 2:
        raise UsageError(f"blobs must be a 2-D uint8 array, got {blobs.dtype} with shape {blobs.shape}")
    _check_size(blobs.shape[1], data_len)
    lay = layout(data_len)
    copies, nblk = blobs.shape[0], lay.nblocks
    fixed = np.concatenate([blobs, np.zeros((copies, 1), dtype=np.uint8)], axis=1)
    codewords = fixed[:, lay.gather].reshape(copies * nblk, bch.CODEWORD_BYTES)
    ok, corrected, fixes = bch.decode(codewords, np.tile(lay.nbits, copies))
    # Each fix (block row, exponent) flips bit exponent % 8 of codeword byte exponent // 8, wherever that byte lives.
    copy, blk = np.divmod(fixes[:, 0], nblk)
    flat = copy * fixed.shape[1] + lay.gather[blk, fixes[:, 1] >> 3]
    np.bitwise_xor.at(fixed.reshape(-1), flat, (1 << (fixes[:, 1] & 7)).astype(np.uint8))
    fixed = fixed[:, : lay.size]

    status = np.where(ok.reshape(copies, nblk).all(axis=1), STATUS_OK, STATUS_UNCORRECTABLE).astype(np.int8)
    stored = fixed[:, data_len: data_len + CRC_BYTES].astype(np.uint32) << (8 * np.arange(CRC_BYTES, dtype=np.uint32))
    stored = np.bitwise_or.reduce(stored, axis=1)
    for c in np.flatnonzero(status == STATUS_OK):
        if zlib.crc32(fixed[c, :data_len]) != stored[c]:
            status[c] = STATUS_CRC_MISMATCH
    return fixed, corrected.reshape(copies, nblk).sum(axis=1), status


def recover_many(blobs, data_len: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """correct_many() reduced to the data: (data (copies, data_len) uint8, corrected, status)."""
    fixed, corrected, status = correct_many(blobs, data_len)
    return fixed[:, :data_len].copy(), corrected, status


def recover(blob, data_len: int) -> tuple[bytes, int]:
    """Corrected data and the number of bit errors corrected; ImageError when the region is beyond repair."""
    raw = np.frombuffer(as_bytes(blob, "blob"), dtype=np.uint8)
    _check_size(raw.size, data_len)
    lay = layout(data_len)
    data, corrected, status = recover_many(raw[None, :], data_len)
    if status[0] == STATUS_UNCORRECTABLE:
        nblk = lay.nblocks
        raise ImageError(f"protected region beyond repair: more than {bch.T} bit errors in a block "
                         f"({nblk} block{'s' if nblk > 1 else ''} of up to {bch.K_MAX_BYTES} bytes)")
    if status[0] == STATUS_CRC_MISMATCH:
        raise ImageError("protected region beyond repair: CRC-32 mismatch after correction (a block miscorrected)")
    return data[0].tobytes(), int(corrected[0])

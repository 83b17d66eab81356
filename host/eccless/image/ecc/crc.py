"""CRC-32 of the protected data: the IEEE 802.3 / zlib polynomial (reflected 0xEDB88320, init and xorout ~0).

Python takes zlib's implementation (it is the standard); the device's twin is edge/src/ed_crc32.c, checked against
this function in tests/test_ecc_golden.py. Check value: crc32(b"123456789") == 0xCBF43926.
"""

from __future__ import annotations

import zlib

import numpy as np

from ...errors import UsageError

POLY_REFLECTED = 0xEDB88320


def as_bytes(data, what: str = "data") -> bytes:
    """Accept bytes-like objects and uint8 numpy arrays; anything else is a UsageError."""
    if isinstance(data, np.ndarray):
        if data.dtype != np.uint8:
            raise UsageError(f"{what} must be uint8, got a {data.dtype} array")
        return data.tobytes()
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise UsageError(f"{what} must be bytes-like, got {type(data).__name__}")


def crc32(data, value: int = 0) -> int:
    """Standard CRC-32 of `data` (continuing from `value`, as zlib.crc32), an unsigned 32-bit int."""
    if not isinstance(value, (int, np.integer)) or not 0 <= value <= 0xFFFFFFFF:
        raise UsageError(f"crc32 start value must be an unsigned 32-bit integer, got {value!r}")
    return zlib.crc32(as_bytes(data), int(value)) & 0xFFFFFFFF

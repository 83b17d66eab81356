"""Byte layouts of request and response payloads: a fixed part of little-endian fields plus an optional tail.

A Layout is data, read by three consumers: the Python client packs and unpacks payloads with it, the C header
generator turns it into byte offsets (`ED_<CMD>_REQ_<FIELD>`), and docs/PROTOCOL.md renders it as a table. There is
no padding: fields follow each other in order, and C reads them with byte-wise accessors, so alignment never matters.

The tail is a repeated element after the fixed part, e.g. the bytes of ECHO or the per-layer counts of LOAD:
`fmt="B"` unpacks to bytes, `fmt="s"` to text (UTF-8), one other struct code to a list of ints, several codes (such
as "II") to a list of tuples.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from eccless.errors import UsageError

# struct code -> C type, for the generated header and the docs
C_TYPES = {"B": "uint8_t", "b": "int8_t", "H": "uint16_t", "h": "int16_t", "I": "uint32_t", "i": "int32_t",
           "Q": "uint64_t", "q": "int64_t", "s": "char"}


@dataclass(frozen=True)
class Field:
    name: str
    fmt: str
    doc: str = ""

    def __post_init__(self):
        if not self.fmt or any(c not in C_TYPES for c in self.fmt):
            raise ValueError(f"field {self.name!r}: struct codes must come from {''.join(C_TYPES)}")

    @property
    def size(self) -> int:
        return 1 if self.fmt == "s" else struct.calcsize("<" + self.fmt)


@dataclass(frozen=True)
class Layout:
    fields: tuple[Field, ...] = ()
    tail: Field | None = None

    def __post_init__(self):
        if any(len(f.fmt) != 1 or f.fmt == "s" for f in self.fields):
            raise ValueError("fixed fields take exactly one numeric struct code each")

    @property
    def _struct(self) -> struct.Struct:
        return struct.Struct("<" + "".join(f.fmt for f in self.fields))

    @property
    def size(self) -> int:
        """Bytes of the fixed part."""
        return self._struct.size

    @property
    def tail_size(self) -> int:
        """Bytes of one tail element, 0 when the layout has no tail."""
        return self.tail.size if self.tail else 0

    def offsets(self) -> list[tuple[Field, int]]:
        out, at = [], 0
        for f in self.fields:
            out.append((f, at))
            at += f.size
        return out

    def fits(self, n: int) -> bool:
        """Whether a payload of n bytes has this layout's shape (the check the device makes)."""
        if n < self.size:
            return False
        return (n - self.size) % self.tail_size == 0 if self.tail else n == self.size

    def pack(self, what: str, values: dict) -> bytes:
        """values by field name (the tail under its own name) -> payload bytes; UsageError names a bad field."""
        unknown = set(values) - {f.name for f in self.fields} - ({self.tail.name} if self.tail else set())
        if unknown:
            raise UsageError(f"{what}: unknown field(s) {', '.join(sorted(unknown))}")
        try:
            fixed = self._struct.pack(*(values[f.name] for f in self.fields))
        except KeyError as e:
            raise UsageError(f"{what}: missing field {e.args[0]!r}") from None
        except struct.error:
            bad = next((f for f in self.fields if not _packs(f.fmt, values[f.name])), self.fields[0])
            raise UsageError(f"{what}: field {bad.name!r}={values[bad.name]!r} does not fit {C_TYPES[bad.fmt]}") \
                from None
        return fixed + (self._pack_tail(what, values.get(self.tail.name, b"")) if self.tail else b"")

    def _pack_tail(self, what: str, value) -> bytes:
        fmt = self.tail.fmt
        if fmt == "s":
            return str(value).encode()
        if fmt == "B" and isinstance(value, (bytes, bytearray, memoryview)):
            return bytes(value)
        items = list(value)
        try:
            if len(fmt) == 1:
                return struct.pack(f"<{len(items)}{fmt}", *items)
            return b"".join(struct.pack("<" + fmt, *item) for item in items)
        except (struct.error, TypeError):
            raise UsageError(f"{what}: {self.tail.name} elements do not fit {fmt!r}") from None

    def unpack(self, what: str, payload: bytes) -> dict:
        if not self.fits(len(payload)):
            raise ValueError(f"{what}: payload of {len(payload)} bytes does not fit the layout "
                             f"({self.size} + k x {self.tail_size})")
        out = dict(zip((f.name for f in self.fields), self._struct.unpack_from(payload)))
        if self.tail:
            rest = bytes(payload[self.size:])
            fmt = self.tail.fmt
            if fmt == "s":
                out[self.tail.name] = rest.decode(errors="replace")
            elif fmt == "B":
                out[self.tail.name] = rest
            elif len(fmt) == 1:
                out[self.tail.name] = list(struct.unpack(f"<{len(rest) // self.tail_size}{fmt}", rest))
            else:
                out[self.tail.name] = [t for t in struct.iter_unpack("<" + fmt, rest)]
        return out


def _packs(fmt: str, value) -> bool:
    try:
        struct.pack("<" + fmt, value)
        return True
    except struct.error:
        return False

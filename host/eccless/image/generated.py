"""Files generated from the image format definition (records.py): the firmware's C header and the byte tables of
docs/FORMAT.md. `python -m eccless.firmware.codegen --write` rewrites them; a test fails while they are stale."""

from __future__ import annotations

import struct
from pathlib import Path

from ..detect import RULES, get_rule, rule_code
from .records import (OP_PARAMS, ACTS, ECC_SCHEMES, FLAG_ECC_MASK, FLAG_ECC_SHIFT, FLAG_ECC_ZERO, FLAG_TESTSET,
                      VERSION_ECC, FORMATS, KINDS, KNOWN_VERSIONS, LOAD_ERRORS, MAGIC, MAX_CHANNELS,
                      MAX_META_BYTES, MAX_OPS, MAX_TENSORS, PROTECTED_OFFSET, RECORDS, ROLES, SUPER_COPIES,
                      TENSOR_PROTECTED, VERSION, VERSION_TENSOR_FLAGS)

ROOT = Path(__file__).resolve().parents[3]
HEADER = ROOT / "edge" / "image" / "ed_image_format.h"
FORMAT_DOC = ROOT / "docs" / "FORMAT.md"
BEGIN, END = "<!-- BEGIN GENERATED: records -->", "<!-- END GENERATED: records -->"


def c_ident(s: str) -> str:
    """A registry name as the tail of a C macro name (parity-lsb+range -> PARITY_LSB_RANGE)."""
    return s.upper().replace("-", "_").replace("+", "_")


def c_header() -> str:
    lines = ["/* GENERATED from host/eccless/image/records.py by eccless.firmware.codegen. Do not edit. */",
             "#ifndef ED_IMAGE_FORMAT_H", "#define ED_IMAGE_FORMAT_H", "",
             f"#define ED_IMG_MAGIC 0x{int.from_bytes(MAGIC, 'little'):08X}u /* {MAGIC.decode()!r} little-endian */",
             f"#define ED_IMG_VERSION {VERSION}u",
             f"#define ED_IMG_VERSION_MIN {min(KNOWN_VERSIONS)}u",
             f"#define ED_IMG_VERSION_MAX {max(KNOWN_VERSIONS)}u",
             f"#define ED_IMG_SUPER_COPIES {SUPER_COPIES}u",
             f"#define ED_IMG_PROTECTED_OFFSET {PROTECTED_OFFSET}u",
             f"#define ED_IMG_MAX_OPS {MAX_OPS}u",
             f"#define ED_IMG_MAX_TENSORS {MAX_TENSORS}u",
             f"#define ED_IMG_MAX_CHANNELS {MAX_CHANNELS}u",
             f"#define ED_IMG_MAX_META_BYTES {MAX_META_BYTES}u",
             f"#define ED_IMG_FLAG_TESTSET {FLAG_TESTSET}u",
             f"#define ED_IMG_VERSION_ECC {VERSION_ECC}u",
             f"#define ED_IMG_VERSION_TENSOR_FLAGS {VERSION_TENSOR_FLAGS}u",
             f"#define ED_IMG_TENSOR_PROTECTED {TENSOR_PROTECTED}u",
             f"#define ED_IMG_FLAG_ECC_SHIFT {FLAG_ECC_SHIFT}u",
             f"#define ED_IMG_FLAG_ECC_MASK 0x{FLAG_ECC_MASK:04X}u",
             f"#define ED_IMG_FLAG_ECC_ZERO 0x{FLAG_ECC_ZERO:04X}u", ""]
    for prefix, table in (("FORMAT", FORMATS), ("KIND", KINDS), ("ACT", ACTS), ("ROLE", ROLES),
                          ("ECC", ECC_SCHEMES)):
        for name, value in table.items():
            lines.append(f"#define ED_IMG_{prefix}_{c_ident(name)} {value}u")
        lines.append("")
    lines.append("/* why a loader refuses an image: (record index << 8) | reason */")
    lines += [f"#define ED_LOAD_ERR_{name} {code}u /* {text.replace('{index}', 'N')} */"
              for code, (name, text) in LOAD_ERRORS.items()]
    lines.append("")
    for rec in RECORDS:
        r = rec.name.upper()
        lines.append(f"/* {rec.name}: {rec.doc} */")
        lines.append(f"#define ED_IMG_{r}_SIZE {rec.size}u")
        for f, off in rec.offsets():
            lines.append(f"#define ED_IMG_{r}_{f.name.upper()} {off}u /* {f.code:<4} {f.doc} */")
            if f.code.endswith("s"):        # byte strings: their length too
                lines.append(f"#define ED_IMG_{r}_{f.name.upper()}_LEN {struct.calcsize('<' + f.code)}u")
        lines.append("")
    lines.append("#endif /* ED_IMAGE_FORMAT_H */")
    return "\n".join(lines) + "\n"


_TYPES = {"B": "u8", "H": "u16", "h": "i16", "I": "u32", "i": "i32", "d": "f64", "s": "bytes"}


def doc_tables() -> str:
    out = [BEGIN, ""]
    for rec in RECORDS:
        out += [f"### `{rec.name}` ({rec.size} bytes)", "", rec.doc, "", "| offset | size | type | field | meaning |",
                "|---|---|---|---|---|"]
        for f, off in rec.offsets():
            size = struct.calcsize("<" + f.code)
            kind = _TYPES[f.code[-1]] + (f"[{f.count}]" if f.count > 1 else "")
            out.append(f"| {off} | {size} | {kind} | `{f.name}` | {f.doc} |")
        out.append("")
    codes = [("number formats", FORMATS), ("op kinds", KINDS), ("activations", ACTS), ("roles", ROLES),
             ("weight-region ECC schemes (superblock flags bits 8-11, version 3)", ECC_SCHEMES),
             ("detection rules (placement id | 0x10 range)", {n: rule_code(get_rule(n)) for n in RULES})]
    for title, table in codes:
        out.append(f"**{title}**: " + ", ".join(f"{v} = `{k}`" for k, v in table.items()) + "  ")
    out += ["", "**per-channel arrays of the activation ops** (`out_mult[i]` / `out_shift[i]`):", "",
            "| kind | channel | out_mult | out_shift |", "|---|---|---|---|"]
    for kind, slots in OP_PARAMS.items():
        out += [f"| `{kind}` | {i} | {m} | {s} |" for i, (m, s) in enumerate(slots)]
    out += ["", END]
    return "\n".join(out)


def format_doc(current: str) -> str:
    """FORMAT.md with its generated section replaced."""
    if BEGIN not in current or END not in current:
        return current.rstrip() + "\n\n" + doc_tables() + "\n"
    head, rest = current.split(BEGIN, 1)
    return head + doc_tables() + rest.split(END, 1)[1]

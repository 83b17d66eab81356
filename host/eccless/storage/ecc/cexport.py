"""Renders edge/loader/ed_ecc_weights_tables.h, the device's SEC-DED tables, from hamming.py (the single source).

Per scheme the device implements: a syndrome table per data byte (byte i holding value v adds
bytes[i][v] = XOR of the columns of its set bits) and the position table (syndrome -> local bit to flip, -1 where
none). eccless.firmware.codegen writes the file and fails its check while it is stale.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import SCHEMES, code

TABLES_H = Path(__file__).resolve().parents[4] / "edge" / "loader" / "ed_ecc_weights_tables.h"
DEVICE_SCHEMES = ("secded72", "secded39")  # the sector BCH codes are host-only for now (ED_LOAD_ERR_ECC_SCHEME)
PER_LINE = 16


def _rows(values) -> list[str]:
    values = [int(v) for v in values]
    return ["    " + ", ".join(str(v) for v in values[i: i + PER_LINE]) + "," for i in range(0, len(values), PER_LINE)]


def byte_tables(name: str) -> np.ndarray:
    """(k / 8, 256): the syndrome contribution of each data byte value at each byte position."""
    c = code(name)
    cols = c.data_columns.reshape(c.k // 8, 8)
    v = np.arange(256)[:, None] >> np.arange(8)[None, :] & 1
    return np.bitwise_xor.reduce(np.where(v[None, :, :] == 1, cols[:, None, :], 0), axis=2)


def render() -> str:
    out = ["/* GENERATED from host/eccless/storage/ecc/hamming.py by eccless.firmware.codegen. Do not edit. */",
           "/* Included by ed_ecc_weights.c only. */", "#ifndef ED_ECC_WEIGHTS_TABLES_H",
           "#define ED_ECC_WEIGHTS_TABLES_H", "", "#include <stdint.h>", "",
           "typedef struct {", "    uint8_t id;        /* superblock flags bits 8-11 */",
           "    uint8_t r;         /* check bits per block, stored back to back after the padded data */",
           "    uint16_t k;        /* data bits per block */",
           "    const uint8_t *bytes;    /* [k / 8][256] syndrome of each data byte value */",
           "    const int8_t *position;  /* [1 << r] local bit to flip (check bits from k), -1: uncorrectable */",
           "} ed_wecc_scheme_t;", ""]
    entries = []
    for name in DEVICE_SCHEMES:
        c = code(name)
        ident = f"ed_wecc_{name}"
        out.append(f"static const uint8_t {ident}_bytes[{c.k // 8} * 256] = {{")
        out += _rows(byte_tables(name).reshape(-1))
        out += ["};", f"static const int8_t {ident}_position[{1 << c.r}] = {{"]
        out += _rows(c.table)
        out += ["};", ""]
        entries.append(f"    {{{SCHEMES.get(name).stable_id}u, {c.r}u, {c.k}u, {ident}_bytes, {ident}_position}},"
                       f" /* {name} */")
    out += [f"#define ED_WECC_NUM_SCHEMES {len(entries)}u",
            "static const ed_wecc_scheme_t ed_wecc_schemes[ED_WECC_NUM_SCHEMES] = {", *entries, "};", "",
            "#endif /* ED_ECC_WEIGHTS_TABLES_H */"]
    return "\n".join(out) + "\n"

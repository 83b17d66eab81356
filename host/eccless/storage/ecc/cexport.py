"""Renders edge/loader/ed_ecc_weights_tables.h, the device's tables for the ECC baselines (the single sources are
hamming.py and bch_sector.py with image/ecc/gf.py). eccless.firmware.codegen writes it and fails its check while
it is stale.

SEC-DED: a syndrome table per data byte (byte i holding value v adds bytes[i][v] = XOR of the columns of its set
bits) and the position table (syndrome -> local bit to flip, -1 where none).

Sector BCH over GF(2^13): multiplications by a constant c are linear over GF(2), so each is four look-ups in a
nibble-split table (c x = n0[x & 15] ^ n1[x >> 4 & 15] ^ n2[x >> 8 & 15] ^ n3[x >> 12], 16 + 16 + 16 + 2 entries:
small enough for the 64 KB boards). Per odd j = 1, 3, .., 15: the byte table T_j[v] = sum_b v_b alpha^(b j), split
by nibble too (16 + 16), and the split table of alpha^(8 j) (Horner over bytes, most significant byte first); per
scheme the split table of alpha^(R j) (where the data bits' exponents start); for the Chien search the split tables
of alpha^(-k), k = 1 .. 8.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ...image.ecc.gf import GF13
from . import SCHEMES, code

TABLES_H = Path(__file__).resolve().parents[4] / "edge" / "loader" / "ed_ecc_weights_tables.h"
DEVICE_SCHEMES = ("secded72", "secded39", "bch512t4", "bch512t8")
BCH_T_MAX = 8
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


SPLIT = 50  # entries of a nibble-split constant-multiplication table


def split_table(c: int) -> list[int]:
    """n0[16], n1[16], n2[16], n3[2]: c * x = n0[x & 15] ^ n1[x >> 4 & 15] ^ n2[x >> 8 & 15] ^ n3[x >> 12]."""
    return [int(GF13.mul(c, v << shift)) for shift, count in ((0, 16), (4, 16), (8, 16), (12, 2)) for v in range(count)]


def alpha(e: int) -> int:
    return int(GF13.EXP[e % GF13.n])


def byte_value(v: int, j: int) -> int:
    """T_j[v] = sum of alpha^(b j) over the set bits b of the byte v."""
    return int(np.bitwise_xor.reduce([alpha(b * j) for b in range(8) if v >> b & 1] or [0]))


def _array(ctype: str, name: str, values, decl: str = "") -> list[str]:
    values = list(values)
    return [f"static const {ctype} {name}[{decl or len(values)}] = {{", *_rows(values), "};"]


def render() -> str:
    out = ["/* GENERATED from host/eccless/storage/ecc/hamming.py, bch_sector.py by eccless.firmware.codegen. Do not "
           "edit. */", "/* Included by ed_ecc_weights.c only. */", "#ifndef ED_ECC_WEIGHTS_TABLES_H",
           "#define ED_ECC_WEIGHTS_TABLES_H", "", "#include <stdint.h>", "",
           f"#define ED_WECC_GF_POLY 0x{GF13.prim_poly:04X}u /* GF(2^13) */",
           f"#define ED_WECC_BCH_T_MAX {BCH_T_MAX}u", "",
           "typedef struct {", "    uint8_t id;        /* superblock flags bits 8-11 */",
           "    uint8_t r;         /* check bits of the code per block */",
           "    uint8_t slot;      /* check-field bits stored per block (r rounded up to bytes for BCH) */",
           "    uint8_t t;         /* BCH: errors corrected per block; 0: SEC-DED */",
           "    uint16_t k;        /* data bits per block */",
           "    const uint8_t *bytes;    /* SEC-DED: [k / 8][256] syndrome of each data byte value */",
           "    const int8_t *position;  /* SEC-DED: [1 << r] local bit to flip (check bits from k), -1: none */",
           "    const uint16_t *alpha_r; /* BCH: [t][ED_WECC_SPLIT] split tables of alpha^(R j), j = 1, 3, .. */",
           "} ed_wecc_scheme_t;", ""]
    # shared BCH tables
    t_rows, m8_rows = [], []
    for jj in range(BCH_T_MAX):
        j = 2 * jj + 1

        t_rows += [byte_value(v, j) for v in range(16)] + [byte_value(v << 4, j) for v in range(16)]
        m8_rows += split_table(alpha(8 * j))
    chien = [v for k in range(1, BCH_T_MAX + 1) for v in split_table(alpha(-k))]
    out += [f"#define ED_WECC_SPLIT {SPLIT}u /* entries of a nibble-split multiplication table */"]
    out += _array("uint16_t", "ed_wecc_bch_byte", t_rows, f"{BCH_T_MAX} * 32")
    out += _array("uint16_t", "ed_wecc_bch_mul8", m8_rows, f"{BCH_T_MAX} * ED_WECC_SPLIT")
    out += _array("uint16_t", "ed_wecc_bch_chien", chien, f"{BCH_T_MAX} * ED_WECC_SPLIT")
    out.append("")
    entries = []
    for name in DEVICE_SCHEMES:
        c = code(name)
        ident = f"ed_wecc_{name}"
        sid = SCHEMES.get(name).stable_id
        if getattr(c, "t", 0):
            out += _array("uint16_t", f"{ident}_alpha_r",
                          [v for jj in range(c.t) for v in split_table(alpha(c.r * (2 * jj + 1)))])
            entries.append(f"    {{{sid}u, {c.r}u, {c.slot}u, {c.t}u, {c.k}u, 0, 0, {ident}_alpha_r}}, /* {name} */")
        else:
            out += _array("uint8_t", f"{ident}_bytes", byte_tables(name).reshape(-1), f"{c.k // 8} * 256")
            out += _array("int8_t", f"{ident}_position", c.table)
            entries.append(f"    {{{sid}u, {c.r}u, {c.slot}u, 0u, {c.k}u, {ident}_bytes, {ident}_position, 0}},"
                           f" /* {name} */")
        out.append("")
    out += [f"#define ED_WECC_NUM_SCHEMES {len(entries)}u",
            "static const ed_wecc_scheme_t ed_wecc_schemes[ED_WECC_NUM_SCHEMES] = {", *entries, "};", "",
            "#endif /* ED_ECC_WEIGHTS_TABLES_H */"]
    return "\n".join(out) + "\n"

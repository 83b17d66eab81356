"""Every file generated from a Python definition, in one table, with one staleness check.

    python -m eccless.firmware.codegen --write     # rewrite the stale files
    python -m eccless.firmware.codegen --check     # exit 1 (naming them) when any is stale

tests/test_codegen.py fails while any committed file differs from what its definition gives now, and the firmware
build refuses a stale protocol header. Each entry is (path, render): render takes the file's current text (the
Markdown documents keep their hand-written prose around a GENERATED section) and returns the new text.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from eccless.firmware import c_tables, manifest, protocol_header
from eccless.image import generated as image_generated
from eccless.image.ecc import cexport
from eccless.storage.ecc import cexport as weights_ecc_cexport

ROOT = manifest.EDGE.parent


@dataclass(frozen=True)
class Generated:
    path: Path
    render: Callable[[str], str]
    source: str     # what it is generated from


GENERATED = [
    Generated(image_generated.HEADER, lambda _: image_generated.c_header(), "image/records.py"),
    Generated(image_generated.FORMAT_DOC, image_generated.format_doc, "image/records.py"),
    Generated(protocol_header.HEADER_PATH, lambda _: protocol_header.c_header(), "protocol/__init__.py"),
    Generated(protocol_header.DOC_PATH, protocol_header.render_doc, "protocol/__init__.py"),
    Generated(cexport.TABLES_C, lambda _: cexport.render(), "image/ecc/gf.py, bch.py"),
    Generated(weights_ecc_cexport.TABLES_H, lambda _: weights_ecc_cexport.render(), "storage/ecc/hamming.py"),
    Generated(c_tables.REPRESENT_H, lambda _: c_tables.represent_header(), "represent/__init__.py"),
    Generated(c_tables.RULES_H, lambda _: c_tables.rules_header(), "detect/__init__.py, detect/parity.py"),
    Generated(c_tables.BINOMIALS_H, lambda _: c_tables.binomials_header(), "represent/hamming.py"),
    Generated(c_tables.SOURCES_MK, lambda _: c_tables.sources_mk(), "firmware/manifest.py"),
    Generated(c_tables.SOURCES_CMAKE, lambda _: c_tables.sources_cmake(), "firmware/manifest.py"),
]


def _current(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def stale() -> list[Path]:
    return [g.path for g in GENERATED if _current(g.path) != g.render(_current(g.path))]


def write() -> list[Path]:
    out = []
    for g in GENERATED:
        text = g.render(_current(g.path))
        if _current(g.path) != text:
            g.path.write_text(text)
            out.append(g.path)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eccless.firmware.codegen", description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="rewrite the stale files")
    ap.add_argument("--check", action="store_true", help="exit 1 when a generated file is stale")
    args = ap.parse_args(argv)
    if args.write:
        for p in write():
            print(f"wrote {p.relative_to(ROOT)}")
        return 0
    paths = stale()
    for p in paths:
        print(f"stale: {p.relative_to(ROOT)} (run python -m eccless.firmware.codegen --write)", file=sys.stderr)
    if not paths:
        print(f"{len(GENERATED)} generated files are current")
    return 1 if paths else 0


if __name__ == "__main__":
    sys.exit(main())

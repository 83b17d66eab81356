"""Every generated file is what its Python definition gives now (one check for all of them), staleness is caught,
and the generated C tables say what the registries say."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from eccless import detect, represent
from eccless.detect.parity import PLACEMENTS, WORD_LAYOUTS
from eccless.firmware import c_tables, codegen, manifest
from eccless import protocol as P

pytestmark = pytest.mark.unit


def _defines(text: str) -> dict[str, int]:
    return {m[1]: int(m[2], 0) for m in re.finditer(r"^#define (ED_\w+) (0x[0-9A-Fa-f]+|\d+)u?\b", text, re.M)}


def test_every_generated_file_is_current():
    stale = [str(p.relative_to(codegen.ROOT)) for p in codegen.stale()]
    assert stale == [], f"stale: {stale}; run python -m eccless.firmware.codegen --write"
    assert codegen.main(["--check"]) == 0


def test_staleness_is_detected(monkeypatch, capsys):
    monkeypatch.setattr(P, "VERSION", P.VERSION + 1)
    assert {g.path.name for g in codegen.GENERATED if g.path in codegen.stale()} == {"ed_protocol.h", "PROTOCOL.md"}
    assert codegen.main(["--check"]) == 1
    assert "stale: edge/protocol/ed_protocol.h (run python -m eccless.firmware.codegen --write)" in \
        capsys.readouterr().err


def test_representation_ids_come_from_the_registry():
    text = c_tables.REPRESENT_H.read_text()
    d = _defines(text)
    for name in represent.names():
        assert d[f"ED_REPR_{name.upper()}"] == represent.stable_id(name)
        assert f"X({represent.stable_id(name)}, {name})" in text
        # each representation has its own C file defining its decoder
        src = (manifest.EDGE / "represent" / f"ed_repr_{name}.c").read_text()
        assert re.search(rf"^uint32_t ed_decode_{name}\(const ed_tensor_t \*t, uint32_t code\)$", src, re.M), name
    assert d["ED_REPR_MAX"] == max(represent.stable_id(n) for n in represent.names())


def test_rule_byte_encoding_round_trips_and_matches_the_c_tables():
    d = _defines(c_tables.RULES_H.read_text())
    assert d["ED_RULE_RANGE"] == detect.RANGE_FLAG and d["ED_RULE_PLACEMENT_MASK"] == detect.PLACEMENT_MASK
    codes = {detect.rule_code(detect.get_rule(n)) for n in detect.RULES}
    assert len(codes) == len(list(detect.RULES))                        # no two rules share a byte
    for name in detect.RULES:
        rule = detect.get_rule(name)
        assert detect.rule_from_code(detect.rule_code(rule)) is rule
    for name in PLACEMENTS:
        p = PLACEMENTS.get(name)
        assert d[f"ED_PLACEMENT_{name.upper()}"] == p.stable_id and d[f"ED_PARITY_{p.layout.upper()}"] == \
            WORD_LAYOUTS[p.layout]
        assert f"parity-{name}" in detect.RULES and f"parity-{name}+range" in detect.RULES
    assert detect.rule_from_code(0x20) is None and detect.rule_from_code(0x0F) is None


def test_sources_mk_lists_what_the_manifest_builds(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make not found: apt-get install make")
    mk = tmp_path / "Makefile"
    mk.write_text(f"include {c_tables.SOURCES_MK}\nall:\n\t@echo $(ECCLESS_LIBRARY_SRCS)\n")
    for variant in manifest.VARIANT_ORDER:
        run = subprocess.run(["make", "-s", "-f", str(mk), f"ECCLESS_VARIANT={variant}"], capture_output=True,
                             text=True)
        assert run.returncode == 0, run.stderr
        assert run.stdout.split() == [str(p) for p in manifest.sources(manifest.LIBRARY, variant)]
    bad = subprocess.run(["make", "-s", "-f", str(mk), "ECCLESS_VARIANT=cmsis"], capture_output=True, text=True)
    assert bad.returncode != 0 and "unknown ECCLESS_VARIANT 'cmsis'" in bad.stderr


def test_sources_cmake_lists_what_the_manifest_builds(tmp_path):
    if shutil.which("cmake") is None:
        pytest.skip("cmake not found: apt-get install cmake")
    script = tmp_path / "print.cmake"
    script.write_text(f"include({c_tables.SOURCES_CMAKE})\n"
                      "foreach(v ${ECCLESS_VARIANTS})\n"
                      "  string(JOIN \" \" s ${ECCLESS_LIBRARY_SRCS_${v}})\n"
                      "  message(STATUS \"${v}: ${s}\")\n"
                      "endforeach()\n")
    run = subprocess.run(["cmake", "-P", str(script)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    lines = dict(line.removeprefix("-- ").split(": ", 1) for line in run.stdout.splitlines() if ": " in line)
    assert list(lines) == list(manifest.VARIANT_ORDER)
    for variant in manifest.VARIANT_ORDER:
        assert lines[variant].split() == [str(p) for p in manifest.sources(manifest.LIBRARY, variant)]

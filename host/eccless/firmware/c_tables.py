"""C tables generated from the Python registries, so a representation, a parity placement or a C source file is
declared once (eccless.firmware.codegen writes them; a test fails while a committed copy is stale):

    edge/represent/ed_represent_ids.h   representation ids, their decoders' prototypes and the X-macro list that
                                        edge/represent/ed_represent.c turns into the decoder table
    edge/detect/ed_rules.h              the rule byte's encoding, parity placements and word layouts
    edge/represent/ed_binomials.h       the Hamming-weight order's binomial coefficients, in flash (const)
    edge/sources.mk                     the manifest's source lists and flags for Make users

A representation's C decoder is `ed_decode_<name>` in edge/represent/ed_repr_<name>.c (a missing one fails the
link naming the symbol).
"""

from __future__ import annotations

from eccless import detect, represent
from eccless.detect.parity import PLACEMENTS, WORD_LAYOUTS
from eccless.firmware import manifest
from eccless.image.generated import c_ident

REPRESENT_H = manifest.EDGE / "represent" / "ed_represent_ids.h"
BINOMIALS_H = manifest.EDGE / "represent" / "ed_binomials.h"
RULES_H = manifest.EDGE / "detect" / "ed_rules.h"
SOURCES_MK = manifest.EDGE / "sources.mk"
SOURCES_CMAKE = manifest.EDGE / "sources.cmake"


def _banner(what: str, source: str, guard: str) -> list[str]:
    return ["/*", f" * {what}", f" * GENERATED from host/eccless/{source} by eccless.firmware.codegen -- do not edit:",
            " * change the Python registry, then run `python -m eccless.firmware.codegen --write`.", " */",
            f"#ifndef {guard}", f"#define {guard}", ""]


def represent_header() -> str:
    ids = sorted((represent.stable_id(n), n) for n in represent.names())
    out = _banner("ed_represent_ids.h: representation ids (TENSOR.repr) and their decoders.", "represent/__init__.py",
                  "ED_REPRESENT_IDS_H")
    out += ["#include <stdint.h>", "", "struct ed_tensor; /* ed_model.h */", ""]
    out += [f"#define ED_REPR_{c_ident(n)} {i}u" for i, n in ids]
    out += [f"#define ED_REPR_MAX {max(i for i, _ in ids)}u", ""]
    out += ["/* stored m-bit code -> level index, one function per representation (edge/represent/ed_repr_<name>.c) */"]
    out += [f"uint32_t ed_decode_{n}(const struct ed_tensor *t, uint32_t code);" for _, n in ids]
    out += ["", "/* X(id, name) for every representation */", "#define ED_REPR_LIST(X) \\"]
    cont = " \\"
    out += [f"    X({i}, {n})" + ("" if k + 1 == len(ids) else cont) for k, (i, n) in enumerate(ids)]
    out += ["", "#endif /* ED_REPRESENT_IDS_H */", ""]
    return "\n".join(out)


def binomials_header() -> str:
    """C(a, b) for a <= 32, b <= 33 as a const table: 4.5 KB of flash where a table filled at run time took RAM."""
    from eccless.represent.hamming import BINOM
    out = _banner("ed_binomials.h: C(a, b) for the Hamming-weight order's enumerative decoder (ed_repr_hamming.c).",
                  "represent/hamming.py (BINOM)", "ED_BINOMIALS_H")
    out += ["#include <stdint.h>", "", f"static const uint32_t ed_binom[{BINOM.shape[0]}][{BINOM.shape[1]}] = {{"]
    for a, row in enumerate(BINOM):
        vals = [f"{int(v)}u" for v in row]
        lines = [", ".join(vals[i:i + 8]) for i in range(0, len(vals), 8)]
        out += [f"    {{/* a = {a} */ " + lines[0] + ","] + [f"     {line}," for line in lines[1:-1]] + \
               [f"     {lines[-1]}}},"]
    out += ["};", "", "#endif /* ED_BINOMIALS_H */", ""]
    return "\n".join(out)


def rules_header() -> str:
    places = sorted((PLACEMENTS.get(n).stable_id, PLACEMENTS.get(n)) for n in PLACEMENTS)
    count = max(i for i, _ in places) + 1
    layout = [0] * count
    extra = [0] * count
    for i, p in places:
        layout[i], extra[i] = WORD_LAYOUTS[p.layout], p.extra_bits
    out = _banner("ed_rules.h: the detection rule byte (META.rule), parity placements and word layouts.",
                  "detect/__init__.py and detect/parity.py", "ED_RULES_H")
    out += ["/* rule byte = placement id | ED_RULE_RANGE when the range check follows */",
            f"#define ED_RULE_PLACEMENT_MASK 0x{detect.PLACEMENT_MASK:02X}u",
            f"#define ED_RULE_RANGE 0x{detect.RANGE_FLAG:02X}u",
            f"#define ED_RULE_KNOWN_BITS 0x{detect.PLACEMENT_MASK | detect.RANGE_FLAG:02X}u", "",
            "/* where a word's parity bit sits (ed_tensor_t.parity) */"]
    out += [f"#define ED_PARITY_{c_ident(n)} {v}u" for n, v in WORD_LAYOUTS.items()]
    out += ["", "/* parity placements: id 0 is none */"]
    out += [f"#define ED_PLACEMENT_{c_ident(p.name)} {i}u /* {p.summary} */" for i, p in places]
    out += [f"#define ED_PLACEMENT_COUNT {count}u", "",
            "/* per placement id: its word layout (ED_PARITY_*) and the stored bits beyond the index bits */",
            f"#define ED_PLACEMENT_LAYOUTS {{{', '.join(f'{v}u' for v in layout)}}}",
            f"#define ED_PLACEMENT_EXTRA_BITS {{{', '.join(f'{v}u' for v in extra)}}}", "",
            "#endif /* ED_RULES_H */", ""]
    return "\n".join(out)


def sources_mk() -> str:
    """Make variables for building the library or the firmware's portable part into another project."""
    rel = lambda p: "$(ECCLESS_EDGE)/" + str(p.relative_to(manifest.EDGE))   # noqa: E731
    out = ["# sources.mk: the C of edge/ for Make users, one list per ISA variant.",
           "# GENERATED from host/eccless/firmware/manifest.py by eccless.firmware.codegen -- do not edit.",
           "#", "#   ECCLESS_VARIANT := cortex_m4        # " + " | ".join(manifest.VARIANT_ORDER),
           "#   include path/to/edge/sources.mk", "#   SRCS += $(ECCLESS_LIBRARY_SRCS)      # the loader library",
           "#   CFLAGS += $(ECCLESS_CFLAGS) $(ECCLESS_LIBRARY_INCLUDES)", "#",
           "# An unknown variant stops the build; nothing falls back to another.", "",
           "ECCLESS_EDGE := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))",
           f"ECCLESS_VARIANTS := {' '.join(manifest.VARIANT_ORDER)}",
           "ifneq ($(words $(ECCLESS_VARIANT))$(filter-out $(ECCLESS_VARIANTS),$(ECCLESS_VARIANT)),1)",
           "$(error unknown ECCLESS_VARIANT '$(ECCLESS_VARIANT)': choose one of $(ECCLESS_VARIANTS))", "endif",
           f"ECCLESS_CFLAGS := {' '.join(manifest.WARNINGS)}", ""]
    for variant in manifest.VARIANT_ORDER:
        for what, comps in (("LIBRARY", manifest.LIBRARY), ("FIRMWARE", manifest.FIRMWARE)):
            srcs = " \\\n    ".join(rel(p) for p in manifest.sources(comps, variant))
            incs = " ".join("-I" + rel(p) for p in manifest.include_dirs(comps, variant))
            out += [f"ECCLESS_{what}_SRCS_{variant} := \\\n    {srcs}",
                    f"ECCLESS_{what}_INCLUDES_{variant} := {incs}"]
        out.append("")
    out += ["ECCLESS_LIBRARY_SRCS := $(ECCLESS_LIBRARY_SRCS_$(ECCLESS_VARIANT))",
            "ECCLESS_LIBRARY_INCLUDES := $(ECCLESS_LIBRARY_INCLUDES_$(ECCLESS_VARIANT))",
            "ECCLESS_FIRMWARE_SRCS := $(ECCLESS_FIRMWARE_SRCS_$(ECCLESS_VARIANT))",
            "ECCLESS_FIRMWARE_INCLUDES := $(ECCLESS_FIRMWARE_INCLUDES_$(ECCLESS_VARIANT))", ""]
    return "\n".join(out)


def sources_cmake() -> str:
    """The same lists for CMake (edge/CMakeLists.txt includes it): one list of sources and of include folders per
    variant, paths relative to edge/."""
    rel = lambda p: "${ECCLESS_EDGE}/" + str(p.relative_to(manifest.EDGE))   # noqa: E731
    out = ["# sources.cmake: the C of edge/ for CMake, one list per ISA variant (edge/CMakeLists.txt uses it).",
           "# GENERATED from host/eccless/firmware/manifest.py by eccless.firmware.codegen -- do not edit.", "",
           "set(ECCLESS_EDGE ${CMAKE_CURRENT_LIST_DIR})",
           f"set(ECCLESS_VARIANTS {' '.join(manifest.VARIANT_ORDER)})",
           f"set(ECCLESS_CFLAGS {' '.join(manifest.WARNINGS)})", ""]
    for variant in manifest.VARIANT_ORDER:
        srcs = "\n    ".join(rel(p) for p in manifest.sources(manifest.LIBRARY, variant))
        incs = "\n    ".join(rel(p) for p in manifest.include_dirs(manifest.LIBRARY, variant))
        out += [f"set(ECCLESS_LIBRARY_SRCS_{variant}\n    {srcs})",
                f"set(ECCLESS_LIBRARY_INCLUDES_{variant}\n    {incs})", ""]
    return "\n".join(out)

"""The C of edge/, declared once: which folders make up the loader library and the protocol firmware, which files
each compiles, which ISA variant a board gets, and the one set of compiler flags.

Every consumer builds from here: the firmware build (firmware/build.py), the host ctypes kernel library and ASan
harnesses (eccless/testing/), the golden tests, and the generated edge/sources.mk for Make users. A component is a
folder of edge/ named after its pipeline stage; a component with variants also compiles exactly one sibling
folder of ISA-specific files under the same file names (detect/reference/ed_detect_words.c and
detect/cortex_m4/ed_detect_words.c), and puts that folder on the include path first, so a variant header such as
ed_lanes.h is found by its plain name. The variant comes from the board's capabilities (`variant_for`), never from
its name; an unknown variant is refused, never replaced by another.

    srcs = sources(FIRMWARE, variant_for(board))            # the firmware's portable + variant C files
    incs = include_dirs(LIBRARY, "reference")               # -I folders for a host harness of the loader
    cmd = ["gcc", *cflags("sanitize"), *map("-I{}".format, incs), *srcs]
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import DeviceError, UsageError
from ..registry import Registry

EDGE = Path(__file__).resolve().parents[3] / "edge"
COMMON_INCLUDE = "include"      # edge/include: byte helpers and the platform interface every component may use


@dataclass(frozen=True)
class Component:
    name: str               # the pipeline stage, also the folder under edge/
    includes: tuple[str, ...] = (".",)       # folders on the include path, relative to the component
    shared: tuple[str, ...] = ("*.c",)       # globs of the files every variant compiles
    variants: bool = False                   # compiles <component>/<variant>/*.c as well

    @property
    def root(self) -> Path:
        return EDGE / self.name


COMPONENTS: Registry[Component] = Registry("C component")
for _c in (Component("image"), Component("represent"), Component("detect", variants=True), Component("channel"),
           Component("loader"), Component("kernels", includes=("include", "common"), shared=("common/*.c",),
                                          variants=True),
           Component("protocol"), Component("firmware")):
    COMPONENTS.add(_c.name, _c)

# the embeddable loader (parse, repair, decode, detect, infer) and the protocol firmware that is one user of it
LIBRARY = ("image", "represent", "detect", "channel", "loader", "kernels")
FIRMWARE = (*LIBRARY, "protocol", "firmware")


@dataclass(frozen=True)
class Variant:
    name: str
    needs: tuple[str, ...]      # board capabilities it requires
    summary: str
    base: str | None = "reference"  # where the files it does not tune come from (None: it is the base)


# most specific first: a board gets the first variant whose capabilities it has
VARIANTS: Registry[Variant] = Registry("ISA variant")
for _v in (Variant("mve", ("mve",), "Helium (Armv8.1-M MVE): VMLADAVA kernels, 16 multiply-accumulates per "
                                   "instruction, int8 weights as stored (M55)", base="cortex_m4"),
           Variant("cortex_m4", ("dsp",), "Armv7E-M DSP extension: SIMD word loops, SMLAD kernels (M4, M7, M33)"),
           Variant("armv6m", (), "Thumb-1 MULS kernels, two multiply-accumulates per MULS (M0, M0+, M3: any core "
                                 "without the DSP extension)"),
           Variant("reference", (), "portable C99 loops: the specification, any core and the host", base=None)):
    VARIANTS.add(_v.name, _v)
# reference needs nothing either but comes last: it is the specification, chosen explicitly (--variant reference)
VARIANT_ORDER = ("mve", "cortex_m4", "armv6m", "reference")


def variant_for(board) -> str:
    """The most specific variant whose required capabilities the board has."""
    for name in VARIANT_ORDER:
        if all(board.has(cap) for cap in VARIANTS.get(name).needs):
            return name
    raise UsageError(f"board {board.name}: no ISA variant fits its capabilities")  # unreachable: reference needs none


def check_variant(variant: str) -> str:
    VARIANTS.get(variant)           # a one-line UsageError naming the known ones
    return variant


BASE_VARIANT = "reference"   # the end of every variant's chain of bases: the specification


def variant_chain(variant: str) -> list[str]:
    """The variant, then its base, its base's base, ... down to reference: a variant folder holds only what it
    tunes, and every other file comes from the first folder down the chain that has it."""
    chain = [variant]
    while VARIANTS.get(chain[-1]).base is not None:
        chain.append(VARIANTS.get(chain[-1]).base)
    return chain


def _component_files(c: Component, variant: str) -> list[Path]:
    """The component's shared files, then for each file name the first variant folder down the chain that has it
    (a tuned variant overrides its base's loops file by file)."""
    files = [p for glob in c.shared for p in sorted(c.root.glob(glob))]
    if c.variants:
        folder = c.root / variant
        if not folder.is_dir():
            raise DeviceError(f"no {variant} variant of edge/{c.name} (sources not found at {folder})")
        names: set[str] = set()
        for v in variant_chain(variant):
            taken = [p for p in sorted((c.root / v).glob("*.c")) if p.name not in names]
            files += taken
            names |= {p.name for p in taken}
    return files


def sources(components, variant: str) -> list[Path]:
    """The .c files of `components` (names) for one ISA variant, in a stable order."""
    check_variant(variant)
    return [p for name in components for p in _component_files(COMPONENTS.get(name), variant)]


def include_dirs(components, variant: str) -> list[Path]:
    """-I folders: each variant's chain of folders (for the files a variant takes from its bases), before the
    component's own folders, then edge/include."""
    check_variant(variant)
    out = []
    for name in components:
        c = COMPONENTS.get(name)
        if c.variants:
            out += [c.root / v for v in variant_chain(variant)]
        out += [c.root / inc if inc != "." else c.root for inc in c.includes]
    return [*out, EDGE / COMMON_INCLUDE]


# One set of flags. C99 with every warning an error, for every build of edge/; the target adds its own.
WARNINGS = ("-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-Wshadow", "-Wstrict-prototypes",
            "-Wmissing-prototypes")
TARGETS = {
    # bare metal: no libc beyond memcpy/memset (nano.specs at link), unused sections dropped
    "arm": ("-O2", "-g", "-ffreestanding", "-fno-common", "-ffunction-sections", "-fdata-sections"),
    # a host shared library called through ctypes
    "host": ("-O2", "-fPIC"),
    # a host executable under AddressSanitizer and UBSan (fuzz and fast-path harnesses)
    "sanitize": ("-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer"),
}


def cflags(target: str, arch_flags=()) -> list[str]:
    """Compiler flags for `target` (arm | host | sanitize); arch_flags come from the board file for arm."""
    if target not in TARGETS:
        raise UsageError(f"unknown build target {target!r} (known: {', '.join(TARGETS)})")
    return [*arch_flags, *WARNINGS, *TARGETS[target]]


def compile_flags(target: str, components, variant: str, arch_flags=()) -> list[str]:
    """cflags plus the -I folders of the components."""
    return [*cflags(target, arch_flags), *(f"-I{d}" for d in include_dirs(components, variant))]

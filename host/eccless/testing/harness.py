"""Host executables and shared libraries of the firmware's C, built from the source manifest with its one set of
flags (eccless.firmware.manifest): the loader library under AddressSanitizer and UBSan around a test's own main(),
and any components as a ctypes shared library. Shared by the fuzz, fast-path and golden tests; skips (pytest) name
what is missing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from eccless.firmware import manifest


def _need_gcc() -> None:
    if shutil.which("gcc") is None:
        pytest.skip("gcc not found: apt-get install gcc")


def build_loader_harness(out: Path, main_c: str, variant: str = "reference", detect: str | None = None) -> Path:
    """Compile `main_c` with the loader library (manifest.LIBRARY) under ASan + UBSan; skips when gcc or libasan
    is missing. detect: another variant's detection word loops (the kernels, whose packed weights the loader's
    values show, stay `variant`'s)."""
    _need_gcc()
    (out / "harness.c").write_text(main_c)
    exe = out / "harness"
    pick = {c: (detect or variant) if c == "detect" else variant for c in manifest.LIBRARY}
    srcs = [p for c in manifest.LIBRARY for p in manifest.sources([c], pick[c])]
    incs = [d for c in manifest.LIBRARY for d in manifest.include_dirs([c], pick[c])]
    incs = list(dict.fromkeys(incs))  # edge/include once
    cmd = ["gcc", *manifest.cflags("sanitize"), *(f"-I{d}" for d in incs), "-Wno-missing-prototypes",
           str(out / "harness.c"), *map(str, srcs), "-o", str(exe)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0 and "sanitize" in res.stderr and "cannot find" in res.stderr:
        pytest.skip("the host gcc lacks AddressSanitizer (libasan)")
    assert res.returncode == 0, res.stderr[-3000:]
    return exe


def build_shared(out: Path, components, sources=None, variant: str = "reference", extra=()) -> Path:
    """A host shared library of `components` (all their files, or the given `sources`), for ctypes."""
    _need_gcc()
    srcs = sources if sources is not None else manifest.sources(components, variant)
    cmd = ["gcc", *manifest.compile_flags("host", components, variant), *extra, "-shared", *map(str, srcs),
           "-o", str(out)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr[-3000:]
    return out

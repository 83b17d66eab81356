"""Builds a host executable of the firmware's loader (edge/src) with AddressSanitizer and UBSan around a test's own
C main(), so tests can drive the very loader the board runs without QEMU. Shared by the fuzz and fast-path tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from eccless.device import kernels_host

EDGE = Path(__file__).resolve().parents[1] / "edge"
# the loader, its decoders and detectors, inference, and what they call (channel, ECC, CRC)
SOURCES = ["ed_model.c", "ed_loader.c", "ed_loader_graph.c", "ed_decode.c", "ed_detect.c", "ed_detect_words.c",
           "ed_infer.c", "ed_channel.c", "ed_ecc.c", "ed_ecc_tables.c", "ed_crc32.c"]


def build_loader_harness(out: Path, main_c: str) -> Path:
    """Compile `main_c` with the loader sources and the reference kernels; skips when gcc or libasan is missing."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc not found: apt-get install gcc")
    (out / "harness.c").write_text(main_c)
    srcs = [str(EDGE / "src" / s) for s in SOURCES] + [str(p) for p in kernels_host.kernel_sources("reference")]
    inc = [f"-I{EDGE / 'include'}", *(f"-I{d}" for d in kernels_host.include_dirs())]
    exe = out / "harness"
    cmd = ["gcc", "-std=c99", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined",
           "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", *inc, str(out / "harness.c"), *srcs, "-o",
           str(exe)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0 and "sanitize" in res.stderr and "cannot find" in res.stderr:
        pytest.skip("the host gcc lacks AddressSanitizer (libasan)")
    assert res.returncode == 0, res.stderr[-3000:]
    return exe

"""The embeddable library: edge/ built as a static library per CPU class behind one header (eccless.h), consumed by
examples/classify with plain Make (edge/library.mk over the generated edge/sources.mk) and with CMake
(add_subdirectory(edge), the generated edge/sources.cmake), for two CPUs. Each build runs in QEMU on a corrupted
image and must report exactly what the host loader computes: correct predictions and values zeroed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from eccless.commands.image import corrupt_image, evaluate_image, pack_model
from eccless.link.qemu import missing_tools

pytestmark = pytest.mark.golden
ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "classify"
IMAGE_BASE = 0x18000            # examples/classify/link.ld
# CPU -> (ISA variant of the library, QEMU machine and cpu that run it)
CPUS = {"cortex-m4": ("cortex_m4", "mps2-an386", "cortex-m4"), "cortex-m0": ("reference", "lm3s6965evb", "cortex-m0")}
needs_tools = pytest.mark.skipif(shutil.which("arm-none-eabi-gcc") is None or shutil.which("make") is None,
                                 reason="arm-none-eabi-gcc or make not found: apt-get install gcc-arm-none-eabi make")


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    """A digits MLP with a stored test set, corrupted at BER 1e-3 (seeded), and what the host loader makes of it."""
    tmp = tmp_path_factory.mktemp("lib")
    clean, bad = tmp / "m.img", tmp / "bad.img"
    pack_model("digits:mlp", clean, repr_name="hamming", detect="parity-lsb+range", testset=100,
               board="qemu-lm3s6965evb-m0")
    corrupt_image(clean, bad, ber=1e-3, seed=3)
    host = evaluate_image(bad)
    return bad, host


def _run(elf: Path, cpu: str, image: Path) -> str:
    _, machine, qcpu = CPUS[cpu]
    res = subprocess.run(["qemu-system-arm", "-M", machine, "-cpu", qcpu, "-nographic", "-monitor", "none",
                          "-serial", "null", "-semihosting-config", "enable=on,target=native", "-kernel", str(elf),
                          "-device", f"loader,file={image},addr={IMAGE_BASE:#x}"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    return res.stdout + res.stderr        # semihosting writes to QEMU's stderr


def _check(out: str, host: dict) -> None:
    m = re.search(r"classify: correct (\d+) of (\d+), params (\d+), zeroed parity (\d+) range (\d+)", out)
    assert m, out
    correct, n, params, parity, rng = map(int, m.groups())
    assert n == host["samples"] and correct == round(host["accuracy"] * n)
    assert (parity, rng) == (host["zeroed_parity"], host["zeroed_range"]) and parity > 0 and params == 6570


@needs_tools
@pytest.mark.parametrize("cpu", CPUS)
def test_make_builds_the_library_and_the_example_per_cpu(cpu, image, tmp_path):
    build = tmp_path / cpu
    res = subprocess.run(["make", "-s", "-C", str(EXAMPLE), f"CPU={cpu}", f"BUILD={build}", "-j2"],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    members = subprocess.run(["arm-none-eabi-ar", "t", str(build / "libeccless.a")], capture_output=True,
                             text=True, check=True).stdout.split()
    variant = CPUS[cpu][0]
    assert "ed_eccless.o" in members and "ed_model.o" in members and "ed_server.o" not in members   # no protocol
    kernels = sorted((build / "obj" / "kernels").iterdir())
    assert [p.name for p in kernels] == sorted(["common", variant])       # exactly one ISA variant compiled
    if missing_tools():
        pytest.skip(missing_tools())
    _check(_run(build / "classify.elf", cpu, image[0]), image[1])


@needs_tools
def test_cmake_add_subdirectory_builds_and_runs(image, tmp_path):
    if shutil.which("cmake") is None:
        pytest.skip("cmake not found: apt-get install cmake")
    build = tmp_path / "cmake-m0"
    conf = subprocess.run(["cmake", "-S", str(EXAMPLE), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                           f"-DCMAKE_TOOLCHAIN_FILE={ROOT / 'examples' / 'cmake' / 'arm-none-eabi.cmake'}",
                           "-DECCLESS_CPU=cortex-m0", "-DECCLESS_VARIANT=reference"],
                          capture_output=True, text=True, timeout=300)
    assert conf.returncode == 0, conf.stderr
    res = subprocess.run(["cmake", "--build", str(build), "-j2"], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr
    if missing_tools():
        pytest.skip(missing_tools())
    _check(_run(build / "classify.elf", "cortex-m0", image[0]), image[1])


@needs_tools
def test_an_unknown_variant_or_cpu_stops_the_build(tmp_path):
    make = subprocess.run(["make", "-s", "-C", str(EXAMPLE), "CPU=cortex-a53", f"BUILD={tmp_path}"],
                          capture_output=True, text=True, timeout=60)
    assert make.returncode != 0 and "unknown CPU 'cortex-a53'" in make.stderr
    if shutil.which("cmake"):
        conf = subprocess.run(["cmake", "-S", str(EXAMPLE), "-B", str(tmp_path / "c"), "-DECCLESS_VARIANT=fast",
                               f"-DCMAKE_TOOLCHAIN_FILE={ROOT / 'examples' / 'cmake' / 'arm-none-eabi.cmake'}"],
                              capture_output=True, text=True, timeout=300)
        assert conf.returncode != 0 and "unknown ECCLESS_VARIANT 'fast'" in conf.stderr


def test_the_public_header_is_the_examples_only_view_of_the_loader():
    includes = re.findall(r'#include "([^"]+)"', (EXAMPLE / "main.c").read_text())
    assert includes == ["eccless.h"]
    header = (ROOT / "edge" / "include" / "eccless.h").read_text()
    assert '#include "' not in header            # self-contained: no internal header leaks through it

"""Build the bare-metal firmware in edge/ for a board with arm-none-eabi-gcc, incrementally, into build/<board>/.

Sources: the manifest's FIRMWARE components (eccless.firmware.manifest: portable files plus the ISA variant the
board's capabilities select), edge/port/<cpu family>/*.c, and the drivers the board file names by kind
(edge/drivers/ed_uart_<kind>.c, ed_timer_<kind>.c, and drivers/common/), all compiled with the manifest's flags.
The linker script and ed_board.h are generated from the board file into the build directory, and so is the boot
block a board's ROM needs before the vector table (firmware/bootblock.py: the RP2040's checksummed boot2). An object
is rebuilt when the hash of its command line, its source and every header gcc reported it including (-MMD) changes;
the ELF is relinked when any object or the linker script changes.

    fw = build_firmware("qemu-mps2-an386")            # -> Firmware(elf=..., sizes=Sizes(text, data, bss, stack))
    fw = build_firmware(board, debug=True)            # debug commands (FAULT, SPIN) built in: build/<board>-debug/
    fw = build_firmware(board, variant="reference")   # the portable variant instead of the board's own
    fw = build_firmware(board, arena_size=64 << 10)   # cap the model arena (default: all RAM after .bss)

Every build links one ISA variant of each component that has them (edge/kernels, edge/detect): the one
manifest.variant_for(board) picks from the board's capabilities, unless `variant` names another.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from eccless.boards import Board, load_board
from eccless.errors import DeviceError, UsageError
from eccless.firmware import bootblock, manifest, protocol_header
from eccless.firmware.bootblock import build_boot_block
from eccless.firmware.boardgen import DEFAULT_STACK, board_header, linker_script

ROOT = Path(__file__).resolve().parents[3]
EDGE = ROOT / "edge"
BUILD_DIR = ROOT / "build"
APT_HINT = "apt-get install --no-install-recommends gcc-arm-none-eabi libnewlib-arm-none-eabi"
# nano.specs: newlib-nano's memcpy/memset only; there are no syscall stubs, so anything reaching for malloc or
# stdio fails to link (undefined _sbrk/_write), which is how "no heap" is enforced.
LDFLAGS = ("-nostartfiles", "--specs=nano.specs", "-Wl,--gc-sections", "-Wl,--no-warn-rwx-segments")


@dataclass(frozen=True)
class Sizes:
    text: int    # code + read-only data + .data's initial values, in the code region
    data: int
    bss: int
    stack: int

    def __str__(self) -> str:
        return f"text {self.text} B, data {self.data} B, bss {self.bss} B, stack {self.stack} B"


@dataclass(frozen=True)
class Firmware:
    elf: Path
    board: Board
    debug: bool
    build_id: int
    sizes: Sizes
    compiled: tuple[str, ...]   # sources recompiled by this call (empty when everything was up to date)
    linked: bool


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DeviceError(f"{name} not found: {APT_HINT}")
    return path


def _family(board: Board) -> str:
    """The port directory for the board's CPU (edge/port/<family>/)."""
    family = "cortex-m" if board.cpu.startswith("cortex-m") else board.cpu
    if not (EDGE / "port" / family).is_dir():
        known = ", ".join(sorted(p.name for p in (EDGE / "port").iterdir()))
        raise UsageError(f"board {board.name}: no firmware port for cpu {board.cpu!r} (ports: {known})")
    return family


def sources(board: Board, variant: str | None = None) -> list[Path]:
    out = manifest.sources(manifest.FIRMWARE, variant or manifest.variant_for(board))
    out += sorted((EDGE / "port" / _family(board)).glob("*.c"))
    out += sorted((EDGE / "drivers" / "common").glob("*.c"))    # what every driver kind shares
    for device, table in (("uart", board.uart), ("timer", board.timer)):
        path = EDGE / "drivers" / f"ed_{device}_{table.get('kind')}.c"
        if not path.exists():
            known = sorted(p.stem.split("_", 2)[2] for p in (EDGE / "drivers").glob(f"ed_{device}_*.c"))
            raise UsageError(f"board {board.name}: no {device} driver for kind {table.get('kind')!r} "
                             f"(known: {', '.join(known)})")
        out.append(path)
    return out


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def _digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(len(p).to_bytes(8, "little") + p)
    return h.hexdigest()


def _deps(dep_file: Path) -> list[Path]:
    """Prerequisites listed in a gcc -MMD file (the object's own source first)."""
    if not dep_file.exists():
        return []
    text = dep_file.read_text().replace("\\\n", " ")
    return [Path(p) for p in text.split(":", 1)[1].split()] if ":" in text else []


def _stamp(cmd: list[str], deps: list[Path]) -> str | None:
    try:
        return _digest(" ".join(cmd).encode(), *(str(p).encode() + p.read_bytes() for p in deps))
    except OSError:
        return None     # a header vanished: rebuild


def _run(cmd: list[str], what: str, log: Path) -> None:
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        log.write_text(" ".join(cmd) + "\n" + res.stderr)
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        first = next((ln for ln in lines if "error" in ln), lines[0] if lines else f"exit {res.returncode}")
        raise DeviceError(f"firmware build failed ({what}): {first.strip()} (full log: {log})")


def _sizes(elf: Path) -> Sizes:
    out = subprocess.run([tool("arm-none-eabi-size"), "-A", str(elf)], capture_output=True, text=True, check=True)
    sec = {}
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit():
            sec[parts[0]] = int(parts[1])
    data = sec.get(".data", 0)
    text = sec.get(".boot_block", 0) + sec.get(".text", 0) + sec.get(".ARM.exidx", 0) + data
    return Sizes(text, data, sec.get(".bss", 0), sec.get(".stack", 0))


def build_firmware(board: str | Board, *, debug: bool = False, out_dir: Path | None = None,
                   stack_size: int | None = None, variant: str | None = None,
                   arena_size: int | None = None, tile_bytes: int | None = None) -> Firmware:
    """Build (incrementally) and return the Firmware. variant: the ISA variant of the manifest ("reference",
    "cortex_m4"; None: the one the board's capabilities select). arena_size: cap the model loader's arena in
    bytes (None: all RAM after the firmware's data), e.g. to test a model that does not fit. tile_bytes: the
    budget of a layer's tile from flash (ED_FLASH_TILE_BYTES; None: its default, 4 KB) -- RAM against speed."""
    for what, value in (("arena size", arena_size), ("tile bytes", tile_bytes)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):
            raise UsageError(f"{what} must be a positive number of bytes, got {value!r}")
    board = load_board(board) if isinstance(board, str) else board
    gcc = tool("arm-none-eabi-gcc")
    header = protocol_header.HEADER_PATH
    if header.exists() and header.read_text() != protocol_header.c_header():
        raise DeviceError("edge/protocol/ed_protocol.h is stale: run python -m eccless.firmware.codegen --write")
    chosen = manifest.check_variant(variant) if variant else manifest.variant_for(board)  # before anything is written
    out = Path(out_dir) if out_dir else BUILD_DIR / "-".join([board.name, *(["debug"] if debug else []),
                                                             *([variant] if variant else []),
                                                             *([f"arena{arena_size}"] if arena_size else []),
                                                             *([f"tile{tile_bytes}"] if tile_bytes else [])])
    (out / "obj").mkdir(parents=True, exist_ok=True)
    with open(out / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)    # two test sessions building the same board must not interleave
        return _build(board, gcc, out, debug, stack_size or board.stack or DEFAULT_STACK, chosen, arena_size or 0,
                      tile_bytes or 0)


def _build(board: Board, gcc: str, out: Path, debug: bool, stack_size: int, variant: str,
           arena_size: int = 0, tile_bytes: int = 0) -> Firmware:
    (out / "build.log").unlink(missing_ok=True)      # only a failed build leaves a log
    _write_if_changed(out / "ed_board.h", board_header(board, debug=debug, stack_size=stack_size,
                                                       arena_size=arena_size))
    _write_if_changed(out / "link.ld", linker_script(board, stack_size=stack_size))
    srcs = sources(board, variant)
    flags = [*manifest.compile_flags("arm", manifest.FIRMWARE, variant, board.arch_flags),
             f"-I{EDGE / 'port' / _family(board)}", f"-I{EDGE / 'drivers' / 'common'}", f"-I{out}",
             *([f"-DED_FLASH_TILE_BYTES={tile_bytes}u"] if tile_bytes else [])]
    inputs = sorted({*srcs, *EDGE.rglob("*.h")})
    build_id = int(_digest(" ".join(flags).encode(), (out / "ed_board.h").read_bytes(),
                           (out / "link.ld").read_bytes(),
                           *(str(p.relative_to(EDGE)).encode() + p.read_bytes() for p in inputs))[:8], 16)
    _write_if_changed(out / "ed_build_id.c", '#include "ed_platform.h"\n\n'
                      f"const uint32_t ed_build_id = 0x{build_id:08X}u;\n")
    generated = [out / "ed_build_id.c"]
    if board.boot_block:            # the ROM's boot block, sealed with its checksum, linked before the vectors
        block = build_boot_block(board.boot_block, out)
        _write_if_changed(out / "ed_boot_block.c", bootblock.c_source(board.boot_block, block))
        generated.append(out / "ed_boot_block.c")
    objects, compiled = [], []
    for src in [*srcs, *generated]:
        rel = src.relative_to(EDGE) if src.is_relative_to(EDGE) else Path("gen") / src.name
        obj = out / "obj" / (str(rel).replace("/", "__") + ".o")
        cmd = [gcc, *flags, "-MMD", "-MF", str(obj.with_suffix(".d")), "-c", str(src), "-o", str(obj)]
        stamp_file = obj.with_suffix(".stamp")
        old = _stamp(cmd, _deps(obj.with_suffix(".d")) or [src])
        if not (obj.exists() and stamp_file.exists() and old is not None and stamp_file.read_text() == old):
            _run(cmd, str(rel), out / "build.log")
            stamp_file.write_text(_stamp(cmd, _deps(obj.with_suffix(".d"))) or "")
            compiled.append(str(rel))
        objects.append(obj)
    elf = out / "firmware.elf"
    link = [gcc, *board.arch_flags, *LDFLAGS, f"-T{out / 'link.ld'}", f"-Wl,-Map={out / 'firmware.map'}",
            *map(str, objects), "-o", str(elf)]
    link_stamp = _digest(" ".join(link).encode(), (out / "link.ld").read_bytes(),
                         *(o.with_suffix(".stamp").read_bytes() for o in objects))
    stamp_file = out / "firmware.stamp"
    linked = not (elf.exists() and stamp_file.exists() and stamp_file.read_text() == link_stamp)
    if linked:
        _run(link, "link", out / "build.log")
        stamp_file.write_text(link_stamp)
    return Firmware(elf, board, debug, build_id, _sizes(elf), tuple(compiled), linked)

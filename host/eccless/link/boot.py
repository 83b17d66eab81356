"""Build the firmware for a board, boot it in QEMU and print what it reports (INFO):

    python -m eccless.link.boot [--board NAME|FILE] [--image model.img] [--debug]

firmware_sim/run.py is the same command from the source tree. The launcher is eccless.link.qemu.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from eccless.boards import DEFAULT_BOARD
from eccless.errors import EcclessError
from eccless.firmware.build import build_firmware
from eccless.link.qemu import Qemu
from eccless.protocol import INFO_FLAGS


def format_info(info: dict) -> list[str]:
    fw = info["firmware"]
    flags = [name for name, bit in INFO_FLAGS.items() if info["flags"] >> bit & 1]
    return [
        f"board        {info['board']}",
        f"firmware     {fw >> 16}.{fw >> 8 & 0xFF}.{fw & 0xFF} (build {info['build_id']:08x}), protocol "
        f"{info['protocol']}, max payload {info['max_payload']} B, flags {', '.join(flags) or '-'}",
        f"timer        {info['timer_hz']} Hz",
        f"code         {info['code_base']:#010x} + {info['code_size']:#x}",
        f"image        {info['image_base']:#010x} + {info['image_size']:#x}, first word {info['image_head']:#010x}, "
        f"holds {info['image_bytes']:,} B with CRC-32 {info['image_crc']:08x}",
        f"boot         #{info['boot_count']} since power-on, up {info['uptime']:,} ticks"
        + (f" ({info['uptime'] / info['timer_hz']:.3f} s)" if info["timer_hz"] else ""),
        f"ram          {info['ram_base']:#010x} + {info['ram_size']:#x}, free arena {info['arena_base']:#010x}"
        f" + {info['arena_size']:#x}",
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eccless.link.boot", description=__doc__.splitlines()[0])
    ap.add_argument("--board", default=DEFAULT_BOARD, help="board name (boards/*.toml) or path")
    ap.add_argument("--image", help="model image to load at the board's image base")
    ap.add_argument("--debug", action="store_true", help="build with the debug commands (FAULT)")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the reply")
    args = ap.parse_args(argv)
    try:
        fw = build_firmware(args.board, debug=args.debug)
        print(f"built        {fw.elf.relative_to(Path.cwd()) if fw.elf.is_relative_to(Path.cwd()) else fw.elf}"
              f" ({fw.sizes}; {len(fw.compiled)} file(s) compiled)")
        t0 = time.monotonic()
        with Qemu(fw.board, fw.elf, image=args.image, timeout=args.timeout) as q:
            info = q.client.info()
            first = time.monotonic() - t0
        print("\n".join(format_info(info)))
        print(f"qemu         launch to UART {q.launch_seconds * 1e3:.0f} ms, to first reply {first * 1e3:.0f} ms")
    except EcclessError as e:
        print(f"eccless.link.boot: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:  # QEMU was stopped by the with block on the way out
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

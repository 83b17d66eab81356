#!/usr/bin/env python3
"""Build the firmware for a board, boot it in QEMU and print what it reports (INFO):

    python firmware_sim/run.py [--board qemu-mps2-an386] [--image model.img] [--debug]

The same as `python -m eccless.link.boot`; the harness itself is eccless.link.qemu (see firmware_sim/README.md).
"""

import sys

try:
    from eccless.link.boot import main
except ImportError:
    sys.exit("run.py: the eccless package is not importable: run ./bootstrap, then . .venv/bin/activate")

if __name__ == "__main__":
    sys.exit(main())

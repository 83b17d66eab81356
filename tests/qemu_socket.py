"""A QEMU whose console UART listens on a local TCP port and waits (wait=on) for one client: what a board behind a
serial-to-TCP bridge looks like. Shared by the socket-URL and hardware-in-the-loop tests."""

from __future__ import annotations

import socket
import subprocess
import time
from contextlib import contextmanager

from eccless.link.qemu import Qemu


def listening(port: int) -> bool:
    """A local TCP port in LISTEN state (/proc/net/tcp), without connecting: QEMU takes exactly one client."""
    with open("/proc/net/tcp") as f:
        return any(int(row.split()[1].split(":")[1], 16) == port and row.split()[3] == "0A" for row in list(f)[1:])


@contextmanager
def qemu_on_socket(board, elf, image):
    """Boot `elf` on `board` with `image` in its image region; yields socket://127.0.0.1:PORT once QEMU listens,
    and kills QEMU on the way out."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = Qemu(board, elf).command(port, [(image, board.image.base)])
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not listening(port) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        yield f"socket://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()

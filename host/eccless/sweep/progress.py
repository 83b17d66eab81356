"""Progress bars on stderr for long work (tqdm when installed and stderr is a terminal or forced)."""

from __future__ import annotations

import os
import sys


class _Silent:
    def __init__(self, iterable=None):
        self.iterable = iterable

    def __iter__(self):
        return iter(self.iterable)

    def update(self, n=1):
        pass

    def close(self):
        pass


def progress(iterable=None, *, total=None, desc="", quiet=False):
    """A tqdm bar, or a silent stand-in when quiet, when tqdm is missing, or when stderr is not a terminal
    (set ECCLESS_PROGRESS=1 to force bars into logs)."""
    show = not quiet and (sys.stderr.isatty() or os.environ.get("ECCLESS_PROGRESS") == "1")
    if show:
        try:
            from tqdm import tqdm

            return tqdm(iterable, total=total, desc=desc, file=sys.stderr, dynamic_ncols=True, leave=False)
        except ImportError:
            pass
    return _Silent(iterable)

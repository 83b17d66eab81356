"""Progress bars on stderr for long work (tqdm when installed and stderr is a terminal, or when forced)."""

from __future__ import annotations

import os
import sys


class _Silent:
    """Stands in for a tqdm bar: iterates, counts nothing, prints nothing."""

    def __init__(self, iterable=None):
        self.iterable = iterable

    def __iter__(self):
        return iter(self.iterable)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n=1):
        pass

    def set_postfix(self, **kw):
        pass

    def close(self):
        pass


def progress(iterable=None, *, total=None, desc="", quiet=False, show=None, unit="it"):
    """A tqdm bar, or a silent stand-in. `show` None: only when stderr is a terminal (ECCLESS_PROGRESS=1 forces bars
    into logs); True/False force it; `quiet` always wins. Silent too when tqdm is not installed."""
    if show is None:
        show = sys.stderr.isatty() or os.environ.get("ECCLESS_PROGRESS") == "1"
    if show and not quiet:
        try:
            from tqdm import tqdm

            return tqdm(iterable, total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=False)
        except ImportError:
            pass
    return _Silent(iterable)

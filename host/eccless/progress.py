"""Progress on stderr for long work.

On a terminal: a tqdm bar (when tqdm is installed). Not on a terminal (a pipe, a log file, CI): one line every
ECCLESS_PROGRESS_EVERY seconds (default 10), e.g. `eccless: trials 120/1300 (9 %)`, so a long piped run is not
silent until its end. ECCLESS_PROGRESS=1 forces bars, ECCLESS_PROGRESS=0 turns progress off; `quiet` always wins.
"""

from __future__ import annotations

import os
import sys
import time

DEFAULT_EVERY = 10.0  # seconds between progress lines when stderr is not a terminal


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


class _Lines(_Silent):
    """A progress line on stderr at most every `every` seconds (and none for work that ends sooner)."""

    def __init__(self, iterable=None, *, total=None, desc="", every=DEFAULT_EVERY):
        super().__init__(iterable)
        self.total = total if total is not None else (len(iterable) if hasattr(iterable, "__len__") else None)
        self.desc, self.every, self.n = desc or "progress", every, 0
        self.last = time.monotonic()

    def __iter__(self):
        for item in self.iterable:
            yield item
            self.update(1)

    def update(self, n=1):
        self.n += n
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            done = f"{self.n}/{self.total} ({100 * self.n // max(1, self.total)} %)" if self.total else f"{self.n}"
            try:
                print(f"eccless: {self.desc} {done}", file=sys.stderr, flush=True)
            except (OSError, ValueError):
                pass  # stderr closed: progress is not worth an error


def _every() -> float:
    try:
        return max(0.0, float(os.environ.get("ECCLESS_PROGRESS_EVERY", DEFAULT_EVERY)))
    except ValueError:
        return DEFAULT_EVERY


def progress(iterable=None, *, total=None, desc="", quiet=False, show=None, unit="it"):
    """A tqdm bar on a terminal, periodic lines elsewhere, or a silent stand-in (see the module docstring).
    `show` True/False forces bars on/off."""
    setting = os.environ.get("ECCLESS_PROGRESS")
    if quiet or show is False or (setting == "0" and not show):  # an explicit show=True beats the environment
        return _Silent(iterable)
    if show or sys.stderr.isatty() or setting == "1":
        try:
            from tqdm import tqdm

            return tqdm(iterable, total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True, leave=False)
        except ImportError:
            pass
    return _Lines(iterable, total=total, desc=desc, every=_every())

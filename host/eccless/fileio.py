"""File input and output for every command.

Outputs are atomic: written to a temporary file beside the target, then renamed, so nothing is half-written. Only
the file the user named is created -- never its directory -- and a target that cannot be a file (a directory, an
empty name, an unwritable place) is refused in one line before any work. Inputs must be regular files of bounded
size: /dev/zero, a FIFO or a terminal would otherwise be read forever.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

from .errors import UsageError


def check_output(path: str | os.PathLike, what: str = "output") -> Path:
    """Refuse (UsageError) a target that cannot become a regular file; create nothing."""
    if not str(path).strip():
        raise UsageError(f"{what}: an empty file name")
    path = Path(path)
    if path.is_dir():
        raise UsageError(f"{what} {path} is a directory: give a file name")
    if path.exists() and not path.is_file():
        raise UsageError(f"{what} {path} exists and is not a regular file")
    parent = path.parent
    if not parent.is_dir():
        raise UsageError(f"{what} {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(f"{what} {path}: directory {parent} is not writable")
    return path


def output_dir(path: str | os.PathLike, what: str = "--out") -> Path:
    """The output directory a command owns (e.g. a sweep's --out), created if missing; one line if it cannot be."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{what} {path} exists and is not a directory")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageError(f"{what} {path}: cannot create the directory ({e.strerror})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UsageError(f"{what} {path}: directory is not writable")
    return path


@contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "", *, make_parents: bool = False):
    """Yield a temporary path in the target's directory; on success it replaces `path`, on error it vanishes.

    The directory must exist unless `make_parents` (for output trees a command owns, e.g. a sweep's --out)."""
    path = Path(path)
    if make_parents:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise UsageError(f"cannot create directory {path.parent}: {e.strerror}") from None
    check_output(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix or path.suffix, dir=path.parent)
    except OSError as e:
        raise UsageError(f"cannot write {path}: {e.strerror}") from None
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual permissions
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {e.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path, data: bytes, *, make_parents: bool = False) -> None:
    with atomic_path(path, make_parents=make_parents) as tmp:
        Path(tmp).write_bytes(data)


def write_text(path, text: str, *, make_parents: bool = False) -> None:
    with atomic_path(path, make_parents=make_parents) as tmp:
        Path(tmp).write_text(text)


def write_json(path, obj, *, make_parents: bool = False) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=False) + "\n", make_parents=make_parents)


def read_regular(path: str | os.PathLike, max_bytes: int, error=UsageError, what: str = "file") -> bytes:
    """The bytes of a regular file of at most `max_bytes`; anything else raises `error` with one line."""
    path = Path(path)
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise error(f"{path} is a directory, not an {what} file")
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{path} is not a regular file (a device, FIFO or socket): give an {what} file")
        if st.st_size > max_bytes:
            raise error(f"{path}: {st.st_size:,} bytes is larger than any {what} ({max_bytes:,})")
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)  # st_size can lie (/proc files say 0): never read past the bound
    except FileNotFoundError:
        raise error(f"{what} file not found: {path}") from None
    except OSError as e:
        raise error(f"cannot read {what} {path}: {e.strerror}") from None
    if len(data) > max_bytes:
        raise error(f"{path}: more than {max_bytes:,} bytes is larger than any {what}")
    return data


def remove_temporaries(path: str | os.PathLike) -> None:
    """Remove the atomic writer's leftovers for `path` (`.NAME.*` beside it) from a run killed with SIGKILL, which
    no handler sees. Only for outputs one command owns (a sweep's summary files)."""
    path = Path(path)
    for tmp in path.parent.glob(f".{path.name}.*"):
        tmp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_dirs(prefix: str) -> None:
    """Remove temporary directories `<tmp>/<prefix><pid>-*` whose process is gone (it was killed with SIGKILL)."""
    import shutil

    for d in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        pid = d.name[len(prefix):].split("-", 1)[0]
        if d.is_dir() and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(d, ignore_errors=True)

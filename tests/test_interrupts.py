"""Interrupted runs (issue 15, items 10 and 11): SIGTERM is one line and cleans up like Ctrl-C; what a SIGKILL leaves
(QEMU's temporary directory, the atomic writer's temporaries) is removed by the next run; sweep workers do not
outlive their parent to print BrokenPipeError tracebacks. Results and resume stay as they were.

Signals are sent once the process has reached a known state (a file or directory exists), never after a delay."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from eccless.commands.image import pack_model


def _start(args, tmp_path, **env):
    return subprocess.Popen([sys.executable, "-m", "eccless.cli", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env=dict(os.environ, TMPDIR=str(tmp_path / "tmp"), **env))


def _wait_for(condition, what: str, limit: float = 300.0):
    """Poll until `condition()` holds (a state, not a time: the limit only turns a hang into a failure)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"never reached: {what}"
        time.sleep(0.05)


def _qemu_dirs(tmp_path):
    return sorted(p.name for p in (tmp_path / "tmp").glob("eccless-qemu-*"))


@pytest.fixture
def image(tmp_path):
    (tmp_path / "tmp").mkdir()
    path = tmp_path / "m.img"
    pack_model("digits:mlp", path, testset=300)
    return path


def _needs_qemu():
    if shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("qemu-system-arm or arm-none-eabi-gcc not found: apt-get install --no-install-recommends "
                    "qemu-system-arm gcc-arm-none-eabi libnewlib-arm-none-eabi")


@pytest.mark.qemu
def test_sigterm_of_run_is_one_line_and_leaves_no_directory(image, tmp_path):
    _needs_qemu()
    proc = _start(["run", image, "--ber", "1e-3", "--trials", "100000"], tmp_path)
    _wait_for(lambda: _qemu_dirs(tmp_path), "QEMU's temporary directory")
    os.kill(proc.pid, signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert (proc.returncode, err, out) == (130, "eccless: interrupted\n", "")
    assert _qemu_dirs(tmp_path) == []


@pytest.mark.qemu
def test_the_next_run_removes_what_a_sigkill_left(image, tmp_path):
    _needs_qemu()
    proc = _start(["run", image, "--ber", "1e-3", "--trials", "100000"], tmp_path)
    _wait_for(lambda: _qemu_dirs(tmp_path), "QEMU's temporary directory")
    left = _qemu_dirs(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=120)
    assert _qemu_dirs(tmp_path) == left and left[0].startswith(f"eccless-qemu-{proc.pid}-")
    res = subprocess.run([sys.executable, "-m", "eccless.cli", "run", str(image)], capture_output=True, text=True,
                         timeout=300, env=dict(os.environ, TMPDIR=str(tmp_path / "tmp")))
    assert res.returncode == 0, res.stderr
    assert _qemu_dirs(tmp_path) == []


def test_sigint_while_the_modules_load_is_one_line(tmp_path):
    """Ctrl-C in the first ~0.1 s (numpy still importing) printed a KeyboardInterrupt traceback."""
    code = ("import sys; sys.argv[0] = 'eccless'; import eccless.cli, os, signal; os.kill(os.getpid(), signal.SIGINT);"
            "import time; time.sleep(60)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (res.returncode, res.stderr) == (130, "eccless: interrupted\n")


SWEEP = ["sweep", "--model", "digits:lenet", "--quant", "int8", "--repr", "twos,gray", "--detect", "none,range",
         "--ber", "1e-6:1e-1:12", "--trials", "40", "--jobs", "2"]


def _log_has_lines(log, n=20):
    return log.exists() and len(log.read_text().splitlines()) >= n


@pytest.mark.cli
def test_sigterm_of_a_parallel_sweep_is_one_line_and_resumes(tmp_path):
    (tmp_path / "tmp").mkdir()
    out = tmp_path / "sw"
    proc = _start([*SWEEP, "--out", out], tmp_path)
    log = out / "trials.jsonl"
    _wait_for(lambda: _log_has_lines(log), "20 finished trials")
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.startswith("eccless: error: interrupted after ") and err.endswith(
        f"trials; rerun the same command to resume from {log}\n") and err.count("\n") == 1
    done = len(log.read_text().splitlines())
    res = subprocess.run([sys.executable, "-m", "eccless.cli", *SWEEP, "--out", str(out)], capture_output=True,
                         text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert done < len(log.read_text().splitlines()) == 4 * 12 * 40


@pytest.mark.cli
def test_sigkill_of_a_parallel_sweep_leaves_no_worker_tracebacks(tmp_path):
    (tmp_path / "tmp").mkdir()
    out = tmp_path / "sw"
    proc = _start([*SWEEP, "--out", out], tmp_path)
    _wait_for(lambda: _log_has_lines(out / "trials.jsonl"), "20 finished trials")
    os.kill(proc.pid, signal.SIGKILL)
    _, err = proc.communicate(timeout=120)   # EOF only once every worker (holding stderr too) has exited
    assert proc.returncode == -signal.SIGKILL and err == ""


@pytest.mark.cli
def test_a_sweep_removes_summary_temporaries_a_sigkill_left(tmp_path):
    out = tmp_path / "sw"
    out.mkdir()
    for name in (".sweep.png.x1y2z3.png", ".sweep.json.abc.json", ".sweep.csv.q.csv"):
        (out / name).write_bytes(b"half")
    res = subprocess.run([sys.executable, "-m", "eccless.cli", "sweep", "--ber", "1e-3", "--trials", "1",
                          "--samples", "20", "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []

"""`eccless run --trials N --log FILE` (commands/run_log.py): a run killed mid-campaign resumes from its log
without losing or repeating a trial, and its result equals one uninterrupted run trial for trial; a log of another
run (image, arguments, BER, firmware build) is refused in one line. The farm's side is in test_cluster_farm.py.
Skipped (naming the install) without the ARM toolchain or QEMU.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eccless.boards import DEFAULT_BOARD
from eccless.commands.image import pack_model
from eccless.commands.run import run_image
from eccless.commands.run_log import LocalTrials, read_records, run_logged
from eccless.errors import DeviceError, Interrupted, UsageError
from eccless.firmware.build import build_firmware
from eccless.link.qemu import missing_tools

pytestmark = pytest.mark.qemu
if missing_tools():
    pytest.skip(missing_tools(), allow_module_level=True)

HOST = str(Path(__file__).resolve().parents[1] / "host")
SEED, TRIALS = 3, 40


def per_trial(res, predictions: bool = True) -> dict:
    """What a run reports per trial (instruction counts are measurements: they differ by a fraction of an
    instruction per inference between QEMU boots)."""
    out = {"accuracy": res["accuracy"], "detection": res["detection"], "layers": res["layers"],
           "fixes": res["fixes"], "trials": res["trials"], "seed": res["seed"], "samples": res["samples"],
           "build_id": res["build_id"]}
    if predictions:
        out["predictions"] = [list(map(int, p)) for p in res["predictions"]]
    return out


def logged_seeds(log: Path) -> list[int]:
    return [r["seed"] for r in read_records(log)]


@pytest.fixture(scope="module")
def image(tmp_path_factory, digits_mlp):
    build_firmware(DEFAULT_BOARD)
    path = tmp_path_factory.mktemp("runlog") / "mlp.img"
    pack_model("digits:mlp", path, repr_name="twos", detect="parity-lsb+range", testset=60)
    return path


@pytest.fixture(scope="module")
def reference(image):
    """One uninterrupted run on one device, no log."""
    return run_image(image, ber=1e-3, seed=SEED, trials=TRIALS, quiet=True)


def test_a_killed_run_resumes_from_its_log_trial_for_trial(image, reference, tmp_path):
    """SIGKILL to the client mid-run (its QEMU dies with it); the same command again runs exactly the rest."""
    log = tmp_path / "run.jsonl"
    cmd = [sys.executable, "-m", "eccless.cli", "run", str(image), "--ber", "1e-3", "--seed", str(SEED), "--trials",
           str(TRIALS), "--log", str(log), "--json"]
    env = dict(os.environ, PYTHONPATH=HOST)
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not (log.exists() and log.read_text().count("\n") >= 3) and proc.poll() is None:
            assert time.monotonic() < deadline, "no trial logged in two minutes"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(30)
        proc.stderr.close()
    stopped = logged_seeds(log)
    assert 3 <= len(stopped) < TRIALS, "the run was not stopped mid-campaign"
    assert stopped == list(range(SEED, SEED + len(stopped)))
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    seeds = logged_seeds(log)
    assert sorted(seeds) == list(range(SEED, SEED + TRIALS)), "a trial was lost or repeated"
    assert seeds[:len(stopped)] == stopped  # the log was only appended to
    assert per_trial(json.loads(out.stdout), predictions=False) == per_trial(reference, predictions=False)
    resumed = run_logged(image, log, ber=1e-3, seed=SEED, trials=TRIALS, quiet=True)  # all logged: no device
    assert per_trial(resumed) == per_trial(reference)


def test_an_interrupted_run_resumes_and_can_grow(image, reference, tmp_path, monkeypatch):
    """Ctrl-C after five trials (in process): one line naming the log; the rerun runs the rest, and a rerun with
    more trials runs only the new ones."""
    log = tmp_path / "run.jsonl"
    real = LocalTrials.batches

    def stops(self, exps, todo):
        for n, batch in enumerate(real(self, exps, todo)):
            if n == 5:
                raise KeyboardInterrupt
            yield batch

    monkeypatch.setattr(LocalTrials, "batches", stops)
    with pytest.raises(Interrupted, match=f"resume from {log}"):
        run_logged(image, log, ber=1e-3, seed=SEED, trials=TRIALS // 2, quiet=True)
    monkeypatch.undo()
    assert logged_seeds(log) == list(range(SEED, SEED + 5))
    half = run_logged(image, log, ber=1e-3, seed=SEED, trials=TRIALS // 2, quiet=True)
    full = run_logged(image, log, ber=1e-3, seed=SEED, trials=TRIALS, quiet=True)
    assert logged_seeds(log) == list(range(SEED, SEED + TRIALS))
    assert per_trial(full) == per_trial(reference)
    assert half["accuracy"]["per_trial"] == reference["accuracy"]["per_trial"][:TRIALS // 2]


@pytest.mark.parametrize("change, message", [
    (dict(region="all"), "--region weights, not all"),
    (dict(ber=2e-3), "--ber 0.001"),
    (dict(on_the_fly=True), "--on-the-fly False, not True"),
    (dict(image="other"), "another image"),
])
def test_a_log_of_another_run_is_refused_in_one_line(image, tmp_path, change, message):
    log = tmp_path / "run.jsonl"
    run_logged(image, log, ber=1e-3, seed=SEED, trials=2, quiet=True)
    before = log.read_text()
    args = dict(ber=1e-3, seed=SEED, trials=2, quiet=True)
    other = image
    if change.pop("image", None):
        other = tmp_path / "other.img"
        pack_model("digits:mlp", other, repr_name="twos", detect="range", testset=60)
    with pytest.raises(UsageError, match="another run") as e:
        run_logged(other, log, **(args | change))
    assert message in str(e.value) and "\n" not in str(e.value)
    assert log.read_text() == before


def test_a_log_of_other_firmware_or_not_of_run_is_refused(image, tmp_path):
    log = tmp_path / "run.jsonl"
    run_logged(image, log, ber=1e-3, seed=SEED, trials=2, quiet=True)
    records = read_records(log)
    for r in records:
        r["facts"]["build_id"] = "0" * 8
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(DeviceError, match="build_id"):
        run_logged(image, log, ber=1e-3, seed=SEED, trials=3, quiet=True)
    assert len(read_records(log)) == 2  # nothing of the other build was written
    sweep = tmp_path / "trials.jsonl"
    sweep.write_text(json.dumps({"key": "digits:mlp|float32", "ber": 1e-3, "seed": 0, "accuracy": 0.9}) + "\n")
    with pytest.raises(UsageError, match="not a log of `eccless run`"):
        run_logged(image, sweep, ber=1e-3, seed=SEED, trials=2, quiet=True)
    with pytest.raises(UsageError, match="is a directory"):
        run_logged(image, tmp_path, ber=1e-3, seed=SEED, trials=2, quiet=True)

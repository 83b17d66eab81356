"""Board farms (sweep/device_farm.py): `eccless run` trials on two Dask workers, each owning the resource
`board-qemu-mps2-an386=1` and driving its own QEMU, split between them with every per-trial result equal to one
device running them all. Skipped (naming the install) without the ARM toolchain, QEMU or Dask.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from eccless.boards import DEFAULT_BOARD
from eccless.firmware.build import build_firmware
from eccless.link.qemu import missing_tools
from eccless.commands.run import run_image
from eccless.commands.image import pack_model

pytestmark = pytest.mark.qemu
if missing_tools():
    pytest.skip(missing_tools(), allow_module_level=True)
pytest.importorskip("distributed", reason="Dask not installed: pip install 'eccless[cluster]'")
import psutil  # noqa: E402  (a dependency of distributed)

from eccless.commands.run_log import read_records, run_logged  # noqa: E402
from eccless.errors import Interrupted  # noqa: E402
from eccless.sweep.device_farm import FarmTrials, open_farm, run_on_farm  # noqa: E402

BOARD = DEFAULT_BOARD
SEED, TRIALS = 5, 8


@pytest.fixture(scope="module")
def image(tmp_path_factory, digits_mlp):
    build_firmware(BOARD)  # once, before two workers would queue on the build lock
    path = tmp_path_factory.mktemp("farm") / "mlp.img"
    pack_model("digits:mlp", path, repr_name="twos", detect="parity-lsb+range", testset=100)
    return path


def _per_trial(res) -> dict:
    return {"accuracy": res["accuracy"], "detection": res["detection"], "layers": res["layers"],
            "predictions": [np.asarray(p).tolist() for p in res["predictions"]], "trials": res["trials"],
            "seed": res["seed"], "samples": res["samples"], "build_id": res["build_id"]}


def _qemus() -> list:
    return [p for p in psutil.Process().children(recursive=True) if "qemu-system" in p.name()]


def test_two_board_workers_split_the_trials_and_equal_one_device(image):
    one = run_image(image, board=BOARD, ber=1e-3, seed=SEED, trials=TRIALS, quiet=True)
    # worker processes, as `eccless run --cluster` starts them: the held-device backend stays out of this process
    with open_farm("local:2", None, board=BOARD, quiet=True) as client:
        farm = run_on_farm(client, image, board=BOARD, ber=1e-3, seed=SEED, trials=TRIALS, chunk=2, quiet=True)
        assert len(_qemus()) == 2  # one held open per worker between its chunks
        again = run_on_farm(client, image, board=BOARD, ber=1e-3, seed=SEED, trials=TRIALS, chunk=3, quiet=True)
    assert not _qemus(), "a QEMU outlived its worker"
    assert _per_trial(farm) == _per_trial(one) and _per_trial(again) == _per_trial(one)
    # instructions per inference are a measurement, not a result: each chunk boots its own QEMU, and the counts
    # differ by a fraction of an instruction per inference between boots
    assert farm["instructions"]["per_inference"] == pytest.approx(one["instructions"]["per_inference"], rel=1e-3)
    split = farm["split"]
    assert len(split) == 2 and all(split.values()), split  # both workers ran trials
    assert sorted(s for seeds in split.values() for s in seeds) == list(range(SEED, SEED + TRIALS))


def test_a_stopped_farm_run_resumes_from_its_log_trial_for_trial(image, tmp_path, monkeypatch):
    """Stopped (Ctrl-C) after two chunks of two: the log holds exactly their four trials; the same run again, on the
    farm with other chunks, runs only the other four, and finishing on this machine's device adds none. Every
    trial is logged once and the result equals one device running every trial."""
    one = run_image(image, board=BOARD, ber=1e-3, seed=SEED, trials=TRIALS, quiet=True)
    log = tmp_path / "farm.jsonl"
    real = FarmTrials.batches

    def stops(self, exps, todo):
        for n, batch in enumerate(real(self, exps, todo)):
            if n == 2:
                raise KeyboardInterrupt
            yield batch

    args = dict(board=BOARD, ber=1e-3, seed=SEED, trials=TRIALS, quiet=True, log=log)
    with open_farm("local:2", None, board=BOARD, quiet=True) as client:
        monkeypatch.setattr(FarmTrials, "batches", stops)
        with pytest.raises(Interrupted, match=f"resume from {log}"):
            run_on_farm(client, image, chunk=2, **args)
        monkeypatch.undo()
        first = [r["seed"] for r in read_records(log)]
        assert len(first) == 4 and len(set(first)) == 4
        farm = run_on_farm(client, image, chunk=3, **args)
    assert not _qemus(), "a QEMU outlived its worker"
    seeds = [r["seed"] for r in read_records(log)]
    assert seeds[:4] == first and sorted(seeds) == list(range(SEED, SEED + TRIALS)), "a trial lost or repeated"
    assert _per_trial(farm) == _per_trial(one)
    assert sorted(s for ran in farm["split"].values() for s in ran) == list(range(SEED, SEED + TRIALS))
    local = run_logged(image, log, board=BOARD, ber=1e-3, seed=SEED, trials=TRIALS, quiet=True)
    assert len(read_records(log)) == TRIALS and _per_trial(local) == _per_trial(one)


def test_run_command_on_a_local_farm(image, capsys):
    from eccless.cli import main

    assert main(["run", str(image), "--ber", "1e-3", "--seed", str(SEED), "--trials", "4", "--cluster", "local:2",
                 "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["trials"] == 4 and sum(len(s) for s in res["split"].values()) == 4


def test_no_worker_owns_the_board_is_one_line(image):
    from eccless.sweep.cluster import ClusterError, open_client

    with open_client("local:1", processes=False, quiet=True) as client:
        with pytest.raises(ClusterError, match=f'--resources "board-{BOARD}=1"'):
            run_on_farm(client, image, board=BOARD, ber=1e-3, trials=2)

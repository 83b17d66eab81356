"""The command line as a new user met it (issue 15, items 6, 7, 9, 12, 14, 16-19, 21, 22): every bad input is one
line and exit 2, defaults follow the model, outputs are created only where asked, progress reaches a pipe."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from eccless.boards import board_names, load_board
from eccless.errors import UsageError
from eccless.commands.image import pack_model
from eccless.sweep.stats import accuracy_interval, interval_text

pytestmark = pytest.mark.cli


def eccless(*args, env=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "eccless.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, **(env or {})), cwd=cwd)


def one_line_error(res, message: str):
    assert res.returncode == 2, res.stderr
    assert res.stderr == f"eccless: error: {message}\n"
    assert res.stdout == ""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli")
    pack_model("digits:mlp", out / "int8.img", testset=50)
    pack_model("digits:mlp", out / "float.img", quant="float32", repr_name="float32", testset=50)
    pack_model("digits:mlp", out / "uniform.img", quant="uniform", repr_name="gray", testset=50)
    res = eccless("export-tflite", "digits:mlp", "-o", out / "m.tflite")
    assert res.returncode == 0, res.stderr
    return out


@pytest.mark.parametrize("name", ["int8.img", "float.img", "uniform.img"])
def test_eval_with_a_dataset_of_other_inputs(files, name):
    """Item 6: float32 and uniform images raised ValueError; int8 spoke of `forward`."""
    one_line_error(eccless("eval", files / name, "--dataset", "fashion-mnist"),
                   f"{files / name} expects inputs of shape (8, 8, 1), dataset fashion-mnist has (28, 28, 1): give "
                   f"the dataset the model was made for")


@pytest.mark.parametrize("target,message", [
    ("{dir}", "output {dir} is a directory: give a file name"),
    ("", "output: an empty file name"),
    ("{dir}/nonexistent_dir/x.img", "output {dir}/nonexistent_dir/x.img: directory {dir}/nonexistent_dir does not "
                                    "exist"),
    ("{ro}/x.img", "output {ro}/x.img: directory {ro} is not writable"),
])
@pytest.mark.parametrize("command", ["pack", "corrupt", "export-tflite", "train"])
def test_bad_output_paths(files, tmp_path, target, message, command):
    """Item 7: OSError tracebacks from the atomic writer; `pack -o /nonexistent_dir/x.img` created the directory."""
    if os.geteuid() == 0 and "{ro}" in target:
        pytest.skip("root writes to read-only directories")
    ro = tmp_path / "ro"
    ro.mkdir(mode=0o555)
    paths = {"dir": tmp_path, "ro": ro}
    args = {"pack": ["pack", "digits:mlp"], "corrupt": ["corrupt", files / "int8.img", "--ber", "0.01"],
            "export-tflite": ["export-tflite", "digits:mlp"], "train": ["train", "digits", "mlp"]}[command]
    one_line_error(eccless(*args, "-o", target.format(**paths)), message.format(**paths))
    assert not (tmp_path / "nonexistent_dir").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ro"]


@pytest.mark.parametrize("command", ["sweep", "critical", "paper"])
def test_out_that_cannot_be_a_directory(tmp_path, command):
    """Item 7 for the commands that own an output directory: a file or an impossible place is one line."""
    (tmp_path / "afile").write_text("x")
    one_line_error(eccless(command, "--out", tmp_path / "afile"), f"--out {tmp_path / 'afile'} exists and is not a "
                                                                   f"directory")
    one_line_error(eccless(command, "--out", "/proc/nope/x"), "--out /proc/nope/x: cannot create the directory (No "
                                                              "such file or directory)")


def test_nonexistent_directory_is_refused_before_training(tmp_path):
    """Item 7 with item 18's spirit: a bad -o fails before any model is trained (an unknown arch trains nothing)."""
    one_line_error(eccless("pack", "digits:nosuch", "-o", tmp_path / "no" / "x.img"),
                   f"output {tmp_path}/no/x.img: directory {tmp_path}/no does not exist")


@pytest.mark.parametrize("command", [["eval", "{img}"], ["sweep", "--ber", "1e-3", "--out", "{out}"]])
def test_negative_samples(files, tmp_path, command):
    """Item 9: `eval --samples -5` evaluated all but the last 5."""
    args = [c.format(img=files / "int8.img", out=tmp_path / "o") for c in command]
    one_line_error(eccless(*args, "--samples", "-5"), "--samples -5: give a number of samples >= 0 (0: all)")


def test_bench_iterations_capped_on_the_host():
    """Item 12: BENCH with 2^32 - 1 iterations held the device 20 s or more; the client refuses above its cap."""
    from eccless.link import open_device

    with open_device("loop") as dev:
        with pytest.raises(UsageError) as err:
            dev.request("BENCH", kind=2, iterations=2**32 - 1, arg=0)
    assert str(err.value) == ("BENCH iterations=4294967295 is above the host cap of 1,000 (the device cannot be "
                              "interrupted mid-command; eccless.link.client.FIELD_LIMITS)")


def test_run_on_a_truncated_image_says_what_eval_says(files, tmp_path):
    """Item 14: the device path said 'protected region beyond repair' or 'test set region CRC mismatch'."""
    path = tmp_path / "t.img"
    path.write_bytes((files / "int8.img").read_bytes()[:3000])
    size = len((files / "int8.img").read_bytes())
    message = f"{path}: truncated image: 3000 bytes, header says {size}"
    one_line_error(eccless("eval", path), message)
    one_line_error(eccless("run", path, "--device", "loop"), message)


def test_sweep_of_a_tflite_model_defaults_to_int8(files, tmp_path):
    """Item 16: `sweep --model m.tflite` without --quant failed (an int8 model can only be stored as int8)."""
    res = eccless("sweep", "--model", files / "m.tflite", "--dataset", "digits", "--ber", "1e-3", "--trials", "1",
                  "--samples", "50", "--quiet", "--out", tmp_path / "o")
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[0].startswith(f"{files / 'm.tflite'} int8/twos/none  clean ")


def test_pack_defaults_follow_the_format_and_store_a_test_set(tmp_path):
    """Item 16: `pack --quant float32` needed --repr float32; pack stored no test set, so `run` failed next."""
    res = eccless("pack", "digits:mlp", "--quant", "float32", "-o", tmp_path / "f.img")
    assert res.returncode == 0, res.stderr
    assert res.stdout == (f"wrote {tmp_path / 'f.img'}: 125,288 bytes, 6,570 parameters as float32/float32/none "
                          f"(26,280-byte weight region, 32.000 bits/parameter), test set 360 samples\n")
    res = eccless("eval", tmp_path / "f.img")
    assert res.returncode == 0 and res.stdout.startswith("accuracy ") and "on 360 samples" in res.stdout


def test_pack_default_test_set_is_what_fits(tmp_path):
    from eccless.boards import load_board
    from eccless.image.load import read_image

    text = load_board("qemu-mps2-an386").path.read_text().replace("size = 0x00300000", "size = 0x00006000")
    (tmp_path / "small.toml").write_text(text)
    info = pack_model("digits:mlp", tmp_path / "s.img", board=str(tmp_path / "small.toml"), testset=None)
    # 24 KB region: 4 KB superblock + protected region, 8 KB for 6,888 bytes of weights, 12 KB for 65-byte samples
    assert info["testset"] == 189 and read_image(tmp_path / "s.img").testset[0].shape == (189, 8, 8, 1)


def test_help_shows_defaults():
    """Item 16: --help showed no defaults."""
    res = eccless("run", "--help")
    text = " ".join(res.stdout.split())
    assert "--trials TRIALS (default: 1)" in text and "--region {weights,protected,all} (default: weights)" in text
    res = eccless("pack", "--help")
    text = " ".join(res.stdout.split())
    assert "--bits BITS n for uniform quantization (default: 8)" in text
    assert "default: float32 with --quant float32, else twos" in text


def test_unknown_representation_with_float32(tmp_path):
    """Item 17: `sweep --quant float32 --repr nosuchcode` ignored the unknown name."""
    one_line_error(eccless("sweep", "--quant", "float32", "--repr", "nosuchcode", "--out", tmp_path / "o"),
                   "unknown representation 'nosuchcode' (known: gray, hamming, offset, optimized, signmag, twos, "
                   "zigzag)")


@pytest.mark.parametrize("args,message", [
    (["distortion", "--repr", "twos,nosuch"], "unknown representation 'nosuch' (known: gray, hamming, offset, "
                                              "optimized, signmag, twos, zigzag)"),
    (["critical", "--margin", "-5"], "--margin -5: give percentage points >= 0"),
    (["critical", "--max-trials", "0"], "--max-trials must be at least 1"),
])
def test_more_silent_misuse(tmp_path, args, message):
    """Item 17's class, found by trying the other commands: an unknown name printed a row of NaNs; a negative
    margin or no trials ran and reported nonsense."""
    one_line_error(eccless(*args, cwd=tmp_path), message)
    assert list(tmp_path.iterdir()) == []


def test_unknown_dataset_before_training(tmp_path):
    """Item 18: `pack digits:lenet --dataset fashion-nope` trained for 15 s first (this cache has no lenet of a
    fresh seed: an ECCLESS_CACHE of its own makes training the only way to get one)."""
    res = eccless("pack", "digits:lenet", "--dataset", "fashion-nope", "-o", tmp_path / "x.img",
                  env={"ECCLESS_CACHE": str(tmp_path / "cache")})
    one_line_error(res, "unknown dataset 'fashion-nope' (known: digits, fashion-mnist, mnist, npz)")
    assert not (tmp_path / "cache" / "models").exists()


def test_interval_stays_within_0_and_100():
    """Item 19: one trial printed '(95 % CI)' and no interval; three gave '71.87 +- 56.62 %', past 100 %."""
    assert interval_text([0.985]) == "98.50 % (1 trial: no interval)"
    assert interval_text([0.3, 0.98, 0.8761]) == \
        "71.87 % (95 % CI 0.00 .. 100.00 %, t over 3 trials, clipped to [0, 100])"
    assert interval_text([0.5, 0.52, 0.54]) == "52.00 % (95 % CI 47.03 .. 56.97 %, t over 3 trials)"
    iv = accuracy_interval([0.3, 0.98, 0.8761])
    assert (iv["low"], iv["high"], iv["clipped"]) == (0.0, 1.0, True)
    assert accuracy_interval([0.9]) == {"mean": 0.9, "low": None, "high": None, "clipped": False}


def test_eval_takes_a_model_file_and_prints_predictions(files):
    """Item 21: `eval model.tflite --dataset` said 'not an eccless image'; no per-sample predictions."""
    res = eccless("eval", files / "m.tflite", "--dataset", "digits", "--samples", "5", "--predictions")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0] == f"accuracy 100.00 % on 5 samples (host reference inference of {files / 'm.tflite'})"
    assert lines[1] == "predictions: 8 1 2 9 5"
    res = eccless("eval", files / "int8.img", "--samples", "5", "--predictions", "--json")
    assert json.loads(res.stdout)["predictions"] == [8, 1, 2, 9, 5]
    one_line_error(eccless("eval", files / "m.tflite"), f"model file {files / 'm.tflite'} needs --dataset to "
                                                        f"evaluate it")


def test_predict_on_the_stored_int8_test_set_is_not_quantized_twice(files, digits):
    """Item 21: LoadedImage.predict on the stored int8 inputs quantized them again (76.5 % instead of 85.95 %)."""
    from eccless.image.load import read_image

    img = read_image(files / "int8.img")
    model, _ = img.decode()
    x, y = img.testset
    stored = img.predict(model, x)
    from_float = img.predict(model, digits.x_test[:50])
    assert np.array_equal(stored, from_float) and np.array_equal(stored, model.forward(x).argmax(axis=1))


def test_progress_lines_when_not_a_terminal(tmp_path):
    """Item 22: a piped run printed nothing until its end; now a line every ECCLESS_PROGRESS_EVERY seconds."""
    res = eccless("sweep", "--ber", "1e-3,1e-2", "--trials", "2", "--samples", "20", "--out", tmp_path / "o",
                  env={"ECCLESS_PROGRESS": "", "ECCLESS_PROGRESS_EVERY": "0"})
    assert res.returncode == 0, res.stderr
    assert res.stderr.splitlines() == ["eccless: prepare 1/1 (100 %)"] + \
        [f"eccless: trials {i}/4 ({25 * i} %)" for i in range(1, 5)]
    quiet = eccless("sweep", "--ber", "1e-3", "--trials", "1", "--quiet", "--out", tmp_path / "q",
                    env={"ECCLESS_PROGRESS": "", "ECCLESS_PROGRESS_EVERY": "0"})
    assert quiet.returncode == 0 and quiet.stderr == ""


@pytest.mark.qemu
def test_run_progress_lines_count_samples(tmp_path):
    """Item 22 for `run`: progress by EVAL chunk, so a long single trial is not silent either."""
    import shutil

    if shutil.which("qemu-system-arm") is None or shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("qemu-system-arm or arm-none-eabi-gcc not found: apt-get install --no-install-recommends "
                    "qemu-system-arm gcc-arm-none-eabi libnewlib-arm-none-eabi")
    pack_model("digits:mlp", tmp_path / "r.img", testset=300)
    res = eccless("run", tmp_path / "r.img", "--ber", "1e-3", "--trials", "2",
                  env={"ECCLESS_PROGRESS": "", "ECCLESS_PROGRESS_EVERY": "0"})
    assert res.returncode == 0, res.stderr
    assert res.stderr.splitlines() == ["eccless: samples 300/600 (50 %)", "eccless: samples 600/600 (100 %)"]


@pytest.mark.parametrize("board", [n for n in board_names() if not load_board(n).has("fpu")])
def test_pack_refuses_float32_for_a_board_without_an_fpu(tmp_path, board):
    """Issue 10: a float32 image for a board with no FPU path is refused at pack, in one line naming both."""
    res = eccless("pack", "digits:mlp", "--quant", "float32", "--board", board, "-o", tmp_path / "f.img")
    assert res.returncode != 0 and res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert f"board {board} has no FPU path: a float32 image cannot run there" in res.stderr
    assert not (tmp_path / "f.img").exists()

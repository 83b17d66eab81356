"""The command line as a user meets it: bad input gives one line on stderr, a non-zero exit, and no output files."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.cli


def eccless(*args, cwd=None):
    env = dict(os.environ)
    return subprocess.run([sys.executable, "-m", "eccless.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=300)


def assert_one_line_error(res, *needles):
    assert res.returncode != 0
    err = res.stderr.strip()
    assert "Traceback" not in res.stderr and len(err.splitlines()) == 1, res.stderr
    assert err.startswith("eccless: error:")
    for n in needles:
        assert n in err, err


@pytest.mark.parametrize("args,needles", [
    (["--ber", "2"], ["outside [0, 1]"]),
    (["--ber=-1e-3"], ["outside [0, 1]"]),
    (["--jobs", "0"], ["--jobs"]),
    (["--nosuch-option"], ["unrecognized arguments"]),
    (["--ber", "1e-12"], ["1e-09"]),
    (["--quant", "uniform", "--bits", "33", "--repr", "twos"], ["n=33", "2..32"]),
    (["--quant", "uniform", "--bits", "1", "--repr", "twos"], ["n=1"]),
    (["--quant", "int8", "--repr", "nosuch"], ["unknown representation 'nosuch'"]),
    (["--detect", "nosuch"], ["unknown detection rule 'nosuch'"]),
    (["--channel", "gilbert"], ["unknown error model 'gilbert'"]),
    (["--channel", "burst:0"], ["burst length"]),
    (["--model", "digits:nosuch"], ["unknown architecture 'nosuch'"]),
    (["--model", "nosuch:mlp"], ["unknown dataset 'nosuch'"]),
    (["--model", "missing.onnx", "--dataset", "digits"], ["not found", "missing.onnx"]),
    (["--model", "digits:mlp", "--dataset", "npz:/nonexistent/x.npz"], ["/nonexistent/x.npz"]),
    (["--trials", "0"], ["--trials"]),
])
def test_sweep_bad_input(tmp_path, args, needles):
    res = eccless("sweep", "--out", str(tmp_path / "out"), "--ber", "1e-3", *args)
    assert_one_line_error(res, *needles)
    assert not (tmp_path / "out" / "sweep.json").exists()


def test_unsupported_onnx_op_is_named(tmp_path):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    node = helper.make_node("Sin", ["x"], ["y"], name="sine")
    g = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    path = tmp_path / "sin.onnx"
    onnx.save(helper.make_model(g), str(path))
    res = eccless("sweep", "--model", str(path), "--dataset", "digits", "--out", str(tmp_path / "o"))
    assert_one_line_error(res, "Sin", "sine")


def test_truncated_model_file(tmp_path):
    path = tmp_path / "bad.npz"
    path.write_bytes(b"PK\x03\x04garbage")
    res = eccless("sweep", "--model", str(path), "--dataset", "digits", "--out", str(tmp_path / "o"))
    assert_one_line_error(res, "bad.npz")


def test_sweep_and_report_end_to_end(tmp_path):
    out = tmp_path / "sw"
    res = eccless("sweep", "--model", "digits:mlp", "--quant", "float32,int8", "--repr", "hamming",
                  "--detect", "none,parity-exp", "--ber", "1e-4,1e-2", "--trials", "3", "--out", str(out))
    assert res.returncode == 0, res.stderr
    # parity-exp only applies to float32 words: 3 curves, not 4
    assert res.stdout.count("clean") == 3
    res = eccless("report", str(out))
    assert res.returncode == 0, res.stderr
    text = (out / "report.md").read_text()
    assert "sweep.png" in text and "int8/hamming/none" in text


def test_list_and_help():
    res = eccless("list")
    assert res.returncode == 0 and "hamming" in res.stdout and "parity-exp" in res.stdout
    for sub in ("sweep", "critical", "paper", "distortion", "train", "report"):
        assert eccless(sub, "--help").returncode == 0


def test_image_commands_end_to_end(tmp_path):
    img, noisy = tmp_path / "m.img", tmp_path / "n.img"
    res = eccless("pack", "digits:mlp", "--repr", "hamming", "--detect", "parity-lsb", "--testset", "50",
                  "-o", str(img))
    assert res.returncode == 0, res.stderr
    res = eccless("inspect", str(img))
    assert res.returncode == 0 and "SEC-DED (72,64)" in res.stdout and "weights intact" in res.stdout
    res = eccless("corrupt", str(img), "--ber", "1e-2", "--seed", "3", "--region", "all", "-o", str(noisy))
    assert res.returncode == 0 and "protected:" in res.stdout
    res = eccless("eval", str(noisy), "--json")
    assert res.returncode == 0, res.stderr
    import json

    out = json.loads(res.stdout)
    assert out["samples"] == 50 and out["zeroed_parity"] > 0 and not out["weights_intact"]


@pytest.mark.parametrize("cmd", [
    ["eval", "{missing}"], ["inspect", "{missing}"], ["eval", "{trunc}"], ["inspect", "{dir}"],
    ["corrupt", "{trunc}", "--ber", "0.1", "-o", "{out}"], ["corrupt", "{good}", "--ber", "1.5", "-o", "{out}"],
    ["corrupt", "{good}", "--ber", "0.1", "--channel", "asym:-1", "-o", "{out}"],
    ["pack", "digits:mlp", "--board", "nosuch", "-o", "{out}"],
    ["pack", "digits:mlp", "--detect", "parity-exp", "-o", "{out}"],
    ["pack", "digits:mlp", "--testset", "100000", "-o", "{out}"],
])
def test_image_commands_bad_input(tmp_path, cmd):
    good = tmp_path / "good.img"
    assert eccless("pack", "digits:mlp", "-o", str(good)).returncode == 0
    (tmp_path / "trunc.img").write_bytes(good.read_bytes()[:500])
    paths = {"missing": tmp_path / "nope.img", "trunc": tmp_path / "trunc.img", "dir": tmp_path, "good": good,
             "out": tmp_path / "out.img"}
    res = eccless(*[c.format(**paths) for c in cmd])
    assert_one_line_error(res)
    assert not (tmp_path / "out.img").exists()


def test_ctrl_c_gives_one_line_and_resumes(tmp_path):
    """SIGINT to the whole process group (as a terminal's Ctrl-C does) during a parallel sweep."""
    import signal
    import time

    args = [sys.executable, "-m", "eccless.cli", "sweep", "--model", "digits:lenet", "--quant", "float32,int8",
            "--repr", "twos,gray", "--detect", "none,range", "--ber", "1e-6:1e-1:12", "--trials", "40",
            "--jobs", "2", "--out", str(tmp_path)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    log = tmp_path / "trials.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and (not log.exists() or log.stat().st_size < 2000):
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == [err.strip()] and "rerun the same command to resume" in err
    assert "Traceback" not in err and not (tmp_path / "sweep.json").exists()
    done = len(log.read_text().splitlines())
    res = eccless(*args[3:])
    assert res.returncode == 0 and (tmp_path / "sweep.json").exists()
    assert len(log.read_text().splitlines()) == 6 * 12 * 40 and done < 6 * 12 * 40  # 6 curves

"""The hil run's report files (tests/hil_report.py): a pytest session over a small hil test file, in a subprocess,
writes a JUnit XML that names its passed, failed and skipped tests and the JSON summary its tests filled; a
session whose hil tests never reached a device writes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytestmark = pytest.mark.cli
TESTS = Path(__file__).resolve().parent

BODY = '''
import pytest
pytestmark = pytest.mark.hil

@pytest.fixture
def dev(hil_record):
    if {reach}:
        hil_record.update(board="bench-board", port="loop://")
    else:
        pytest.skip("no device: give --port")

def test_ok(dev, hil_record):
    hil_record["accuracy"] = {{"mean": 0.5}}

def test_bad(dev):
    assert 1 == 2, "the device said 2"

def test_skipped(dev):
    pytest.skip("needs a cycle counter")
'''


def _session(tmp_path: Path, reach: bool):
    (tmp_path / "test_fake_hil.py").write_text(BODY.format(reach=reach))
    out = tmp_path / "results"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "hil_report",
                          "-m", "hil", "--hil-results", str(out), "--rootdir", str(tmp_path), "-c", os.devnull,
                          str(tmp_path / "test_fake_hil.py")], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=120)
    return run, out


def test_a_hil_run_writes_junit_and_summary(tmp_path):
    run, out = _session(tmp_path, reach=True)
    assert run.returncode == 1, run.stdout + run.stderr                  # one test failed
    assert f"hil results: {out / 'junit.xml'}" in run.stdout
    suite = ET.parse(out / "junit.xml").getroot()
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"test_ok", "test_bad", "test_skipped"}
    assert "the device said 2" in cases["test_bad"].find("failure").text
    assert cases["test_skipped"].find("skipped").get("message") == "needs a cycle counter"
    assert {p.get("name"): p.get("value") for p in suite.iter("property")}["board"] == "bench-board"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["board"] == "bench-board" and summary["accuracy"] == {"mean": 0.5}
    assert summary["tests"] == {"passed": 1, "failed": 1, "skipped": 1}
    assert [p.name for p in out.iterdir()] and not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp


def test_no_device_writes_nothing(tmp_path):
    run, out = _session(tmp_path, reach=False)
    assert run.returncode == 0 and "3 skipped" in run.stdout, run.stdout + run.stderr
    assert not out.exists()

"""What a hardware-in-the-loop run leaves behind: a JUnit XML of its tests and a JSON summary of the device (board,
firmware and image hashes, accuracy with its 95 % Wilson interval, detections, instructions or cycles, link
throughput measured on the run, resets seen), both written atomically into --hil-results DIR (default
build/hil/<board>/, the latest run; name a directory per run to keep a history).

The hil tests fill the summary through the `hil_record` fixture; nothing is written by a session that ran no hil
test (no device was given, or -m did not select them).
"""

from __future__ import annotations

import datetime
import platform
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from eccless.fileio import write_json, write_text

ROOT = Path(__file__).resolve().parents[1]
_KEY = pytest.StashKey[dict]()
_STATE: dict = {}            # this session's stash entry, for the hooks that get no config (test reports)


def pytest_addoption(parser):
    parser.getgroup("eccless hardware in the loop (-m hil)").addoption(
        "--hil-results", default=None, help="directory for the run's junit.xml and summary.json (default "
        "build/hil/BOARD/)")


def pytest_configure(config):
    config.stash[_KEY] = _STATE
    _STATE.clear()
    _STATE.update(summary={}, cases=[], started=time.time(), t0=time.monotonic())


@pytest.fixture(scope="session")
def hil_record(request) -> dict:
    """The run's JSON summary, filled by the hil tests; written at the end of the session."""
    return request.config.stash[_KEY]["summary"]


def pytest_runtest_logreport(report):
    if "cases" in _STATE and "hil" in report.keywords and (report.when == "call" or report.outcome != "passed"):
        _STATE["cases"].append(report)             # setup and teardown count only when they fail (or skip)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    state = session.config.stash.get(_KEY, None)
    if not state or not state["summary"].get("board"):
        return                                       # no hil test reached a device
    summary = state["summary"]
    out = Path(session.config.getoption("--hil-results") or ROOT / "build" / "hil" / summary["board"])
    cases = _cases(state["cases"])
    counts = {k: sum(c["outcome"] == k for c in cases) for k in ("passed", "failed", "skipped")}
    summary.update(started=datetime.datetime.fromtimestamp(state["started"], datetime.timezone.utc).isoformat(),
                   seconds=round(time.monotonic() - state["t0"], 3), tests=counts, host=platform.node())
    write_json(out / "summary.json", summary, make_parents=True)
    write_text(out / "junit.xml", _junit(cases, summary), make_parents=True)
    session.config.stash[_KEY]["written"] = out


def pytest_terminal_summary(terminalreporter, config):
    out = config.stash.get(_KEY, {}).get("written")
    if out:
        terminalreporter.write_line(f"hil results: {out / 'junit.xml'}, {out / 'summary.json'}")


def _cases(reports) -> list[dict]:
    """One entry per test: the worst of its phases (a failed setup or teardown is the test's failure)."""
    by_id: dict[str, dict] = {}
    for r in reports:
        case = by_id.setdefault(r.nodeid, {"nodeid": r.nodeid, "outcome": "passed", "seconds": 0.0, "text": ""})
        case["seconds"] += r.duration
        if r.outcome != "passed" and case["outcome"] != "failed":
            case["outcome"] = r.outcome
            case["text"] = (str(r.longrepr[2]).removeprefix("Skipped: ")
                            if r.skipped and isinstance(r.longrepr, tuple) else str(r.longrepr))
    return list(by_id.values())


def _junit(cases: list[dict], summary: dict) -> str:
    suite = ET.Element("testsuite", name=f"eccless-hil-{summary['board']}", tests=str(len(cases)),
                       failures=str(sum(c["outcome"] == "failed" for c in cases)), errors="0",
                       skipped=str(sum(c["outcome"] == "skipped" for c in cases)),
                       time=f"{sum(c['seconds'] for c in cases):.3f}", timestamp=summary["started"],
                       hostname=summary["host"])
    props = ET.SubElement(suite, "properties")
    for key in ("board", "port", "firmware_build_id", "image_sha256"):
        if key in summary:
            ET.SubElement(props, "property", name=key, value=str(summary[key]))
    for c in cases:
        path, _, name = c["nodeid"].partition("::")
        case = ET.SubElement(suite, "testcase", classname=path.removesuffix(".py").replace("/", "."), name=name,
                             time=f"{c['seconds']:.3f}")
        if c["outcome"] == "failed":
            ET.SubElement(case, "failure", message=c["text"].splitlines()[-1][:500] if c["text"] else "failed"
                          ).text = c["text"]
        elif c["outcome"] == "skipped":
            ET.SubElement(case, "skipped", message=c["text"][:500])
    ET.indent(suite)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"

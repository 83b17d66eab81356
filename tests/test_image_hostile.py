"""Hostile images an outside fuzzer found (issue 15, items 1-5 and 8): each is refused with one ImageError line (or,
for a name that is not UTF-8, shown escaped), never a traceback, a hang or a large allocation; and the fuzzer's
mutation classes that found them, run against the host parser."""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys

import numpy as np
import pytest

from eccless.testing import image_fuzz as imagefuzz
from eccless.testing.image_fuzz import reseal
from eccless.errors import ImageError
from eccless.graph import Op, output_shape
from eccless.image.load import parse_image, read_image
from eccless.image.records import KINDS, META, OP, TENSOR, VERSION
from eccless.commands.image import pack_model

pytestmark = pytest.mark.unit


def eccless(*args, limit_memory: int | None = None, timeout: float = 120):
    def preexec():
        if limit_memory:
            resource.setrlimit(resource.RLIMIT_AS, (limit_memory, limit_memory))

    return subprocess.run([sys.executable, "-m", "eccless.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=preexec, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))


def one_line_error(res, message: str):
    assert res.returncode == 2, res.stderr
    assert res.stderr == f"eccless: error: {message}\n", res.stderr


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    out = tmp_path_factory.mktemp("img")
    paths = {"mlp": out / "mlp.img", "lenet": out / "lenet.img"}
    pack_model("digits:mlp", paths["mlp"], detect="range", testset=20)
    pack_model("digits:lenet", paths["lenet"], detect="parity-lsb+range", testset=20)
    return {k: p.read_bytes() for k, p in paths.items()}


def edited(image: bytes, rec, index: int, **fields) -> bytes:
    """The image with one META (index -1), OP or TENSOR record's fields replaced, re-sealed."""
    data = bytearray(imagefuzz.payload(image))
    meta = META.unpack(bytes(data))
    base = {META: 0, OP: META.size + index * OP.size,
            TENSOR: META.size + meta["num_ops"] * OP.size + index * TENSOR.size}[rec]
    data[base:base + rec.size] = rec.pack(**{**rec.unpack(bytes(data), base), **fields})
    return reseal(image, bytes(data))


def pooling_image(image: bytes, input_shape, pools) -> bytes:
    """A weightless model: input (H, W, C), then maxpools (window, stride), then a reshape to the classes."""
    shape, ops = tuple(input_shape), []
    common = dict(act=0, pads=(0, 0, 0, 0), reserved=0, weight=-1, bias=-1, channels=0, in_scale=1.0, out_scale=1.0,
                  in_zp=0, out_zp=0, act_min=-128, act_max=127, arrays=0)
    for window, stride in pools:
        shape = output_shape(Op("maxpool", pool=window, stride=stride), shape)
        ops.append(OP.pack(kind=KINDS["maxpool"], stride=stride, pool=window, out_shape=shape, out_rank=3, **common))
    classes = int(np.prod(shape))
    ops.append(OP.pack(kind=KINDS["reshape"], stride=(1, 1), pool=(1, 1), out_shape=(classes, 1, 1), out_rank=1,
                       **common))
    meta = META.unpack(imagefuzz.payload(image))
    head = META.pack(**{**meta, "input_rank": 3, "input_shape": tuple(input_shape), "num_classes": classes,
                        "num_ops": len(ops), "num_tensors": 0})
    return reseal(image, head + b"".join(ops))


def test_zero_dimension_with_a_range_rule(images, tmp_path):
    """Item 1: a (0, 64) weight used to reach a reduction over its empty channel array (ValueError)."""
    bad = edited(images["mlp"], TENSOR, 0, shape=(0, 64, 1, 1), count=0)
    with pytest.raises(ImageError, match=r"^corrupted tensor record 0: shape \(0, 64\) vs 0 words$"):
        parse_image(bad)
    (tmp_path / "z.img").write_bytes(bad)
    one_line_error(eccless("eval", tmp_path / "z.img"),
                   f"{tmp_path / 'z.img'}: corrupted tensor record 0: shape (0, 64) vs 0 words")


def test_zero_dimension_in_the_input(images):
    with pytest.raises(ImageError, match=r"^corrupted metadata: input shape \(8, 0, 1\)$"):
        parse_image(edited(images["mlp"], META, -1, input_shape=(8, 0, 1)))


def test_op_kind_changed_under_its_tensors(images):
    """Item 2: dense -> depthwise conv used to index a rank-2 weight shape as rank 4 (IndexError)."""
    bad = edited(images["mlp"], OP, 1, kind=KINDS["dwconv2d"])
    with pytest.raises(ImageError, match=r"^corrupted tensor record 0: a dwconv2d weight of shape \(64, 64\)$"):
        parse_image(bad)


def test_board_name_not_utf8_is_shown_escaped(images, tmp_path):
    """Item 3: `inspect` raised UnicodeDecodeError on a board name that is not UTF-8."""
    path = tmp_path / "b.img"
    path.write_bytes(edited(images["mlp"], META, -1, board=b"\xff\xfeqemu"))
    res = eccless("inspect", path)
    assert res.returncode == 0 and res.stderr == "", res.stderr
    assert res.stdout.splitlines()[0] == f"{path}: eccless image v{VERSION} for board \\xff\\xfeqemu (page 4096 B)"
    assert eccless("eval", path).returncode == 0


def test_huge_weightless_input_is_refused_before_allocating(images, tmp_path):
    """Item 4: 32768 x 8192 x 1 pooled down took 2.1 GB and up to a minute; now refused by the board's RAM, in a
    process that could not allocate 2 GB anyway."""
    bad = pooling_image(images["mlp"], (32768, 8192, 1), [((255, 255), (255, 255)), ((128, 23), (1, 1))])
    message = ("op0 (maxpool) needs 268,439,552 bytes for its input and output, more than the 4,194,304-byte RAM "
               "of board qemu-mps2-an386")
    with pytest.raises(ImageError) as err:
        parse_image(bad)
    assert str(err.value) == message
    path = tmp_path / "huge.img"
    path.write_bytes(bad)
    one_line_error(eccless("inspect", path, limit_memory=3 << 30), f"{path}: {message}")


def test_heavy_work_is_refused(images):
    """Item 4: activations that fit but a window so large one inference is 10^11 cells."""
    bad = pooling_image(images["mlp"], (2048, 1024, 1), [((255, 255), (1, 1)), ((255, 255), (255, 255))])
    with pytest.raises(ImageError, match=r"^one inference needs 89,\d{3},\d{3},\d{3} multiply-accumulates and "
                                         r"window cells, more than the 134,217,728 the host loader allows"):
        parse_image(bad)


def test_image_larger_than_the_boards_flash_is_refused(images):
    from eccless.testing.image_fuzz import with_superblock

    big = images["mlp"] + bytes((3 << 20) + 1 - len(images["mlp"]))
    with pytest.raises(ImageError, match=r"^image of 3,145,729 bytes does not fit the 3,145,728-byte image region "
                                         r"of board qemu-mps2-an386$"):
        parse_image(with_superblock(big, image_len=len(big)))


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_non_regular_files_are_refused(tmp_path, target):
    """Item 5: /dev/zero was read forever (its st_size is 0) and a FIFO blocked."""
    if target == "fifo":
        target = tmp_path / "fifo"
        os.mkfifo(target)
    one_line_error(eccless("inspect", target, timeout=60),
                   f"{target} is not a regular file (a device, FIFO or socket): give an image file")


def test_shift_of_minus_2_to_31_is_refused(images):
    """Item 8: np.abs(int32 -2^31) is -2^31 <= 31, so the host accepted what the firmware refuses."""
    data = bytearray(imagefuzz.payload(images["mlp"]))
    op = OP.unpack(bytes(data), META.size + OP.size)
    at = op["arrays"] + 12 * op["channels"]
    data[at:at + 4] = (-2**31).to_bytes(4, "little", signed=True)
    with pytest.raises(ImageError, match=r"^corrupted metadata: op1 has a shift beyond 31$"):
        parse_image(reseal(images["mlp"], bytes(data)))


def test_test_set_past_the_headers_image_length_is_refused(images):
    """Item 8, found by the differential fuzz test: the host bounded the test set by the file, the firmware by the
    header's image length."""
    from eccless.testing.image_fuzz import superblock, with_superblock

    short = with_superblock(images["mlp"], image_len=superblock(images["mlp"])["image_len"] - 1)
    with pytest.raises(ImageError, match=r"^corrupted metadata: test set region outside the image$"):
        parse_image(short)


def test_pooling_op_naming_a_weight_is_refused(images):
    """Item 8: a pooling op with a weight index loaded on the host only."""
    with pytest.raises(ImageError, match=r"^corrupted metadata: op1 \(maxpool\) has weight/bias tensors 0/-1$"):
        parse_image(edited(images["lenet"], OP, 1, weight=0))


def test_pooling_clamp_outside_int8_is_refused(images):
    """Item 8: the firmware checks every int8 op's clamp, pooling included."""
    with pytest.raises(ImageError, match=r"^corrupted metadata: op1 has invalid quantization parameters$"):
        parse_image(edited(images["lenet"], OP, 1, act_max=200))


@pytest.mark.parametrize("kind", ["zero_dim", "op_kind", "board_name", "huge_shape"])
def test_new_mutation_classes_against_the_host_parser(images, kind):
    """The fuzzer's classes that found items 1-4: every mutant loads or raises ImageError; names always load; a kind
    change loads only where it is harmless (maxpool <-> avgpool, relu <-> relu6)."""
    maker = {name: fn for name, fn, _ in imagefuzz.KINDS}[kind]
    outcomes = {"loaded": 0, "refused": 0}
    for seed in range(40):
        for base in images.values():
            try:
                img = parse_image(maker(random.Random(seed), base))
                img.decode()
                outcomes["loaded"] += 1
            except ImageError:
                outcomes["refused"] += 1
    loaded = {"zero_dim": 0, "op_kind": 2, "board_name": 80, "huge_shape": 0}[kind]  # op_kind: 2 maxpool -> avgpool
    assert outcomes == {"loaded": loaded, "refused": 80 - loaded}


def test_read_image_names_the_path(images, tmp_path):
    path = tmp_path / "m.img"
    path.write_bytes(images["mlp"])
    assert read_image(path).testset[0].shape == (20, 8, 8, 1)

"""eccless.h on the host, under AddressSanitizer and UBSan: the public API's contract -- every bad argument is a
status with its detail, a small arena says how much it needs, a damaged image is refused, a test index past the
stored set is a status -- and a good load gives the host loader's counts and predictions exactly."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from eccless.commands.image import corrupt_image, pack_model
from eccless.image.load import read_image
from eccless.image.records import KINDS, META, OP
from eccless.testing.image_fuzz import payload, reseal, superblock
from eccless.testing.harness import build_loader_harness

pytestmark = pytest.mark.golden

HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "eccless.h"

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(*n);
    if (fread(buf, 1, *n, f) != *n) { exit(3); }
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    size_t n, arena_size = (size_t)atol(argv[2]);
    uint8_t *image = read_all(argv[1], &n);
    uint8_t *arena = malloc(arena_size + 16); /* glibc: 16-byte aligned */
    eccless_model_t *model = (eccless_model_t *)1;
    eccless_counts_t c;
    uint32_t detail = 0, i;
    eccless_config_t cfg = {image, n, arena, arena_size, argc > 3 && argv[3][0] ? argv[3] : NULL, 0};
    const uint32_t load_flags = argc > 4 ? (uint32_t)atol(argv[4]) : 0u; /* the flags of the last load */
    eccless_status_t st;
    const int8_t *x;
    uint8_t y;
    uint16_t label;

    st = eccless_load(NULL, &model, &detail);
    printf("null %d %u\n", (int)st, detail);
    cfg.arena = arena + 4;
    st = eccless_load(&cfg, &model, &detail);
    printf("misaligned %d %u\n", (int)st, detail);
    cfg.arena = arena;
    cfg.flags = 0x80;
    st = eccless_load(&cfg, &model, &detail);
    printf("flags %d %u\n", (int)st, detail);
    cfg.flags = load_flags;
    st = eccless_load(&cfg, &model, &detail);
    printf("load %d %u %d\n", (int)st, detail, model == NULL);
    if (st != ECCLESS_OK) {
        free(arena);
        free(image);
        return 0;
    }
    eccless_counts(model, &c);
    printf("counts %u %u %u %u %u\n", c.params, c.zeroed_parity, c.zeroed_range, c.ecc_corrected,
           (unsigned)c.arena_used);
    printf("range %d\n", (int)eccless_test_sample(model, eccless_test_count(model), &x, &y));
    printf("invoke-null %d\n", (int)eccless_invoke(model, NULL, NULL, &label, &detail));
    for (i = 0; i < eccless_test_count(model); i++) {
        if (eccless_test_sample(model, i, &x, &y) || eccless_invoke(model, x, NULL, &label, &detail)) {
            return 2;
        }
        printf("pred %u %u\n", label, y);
    }
    free(arena);
    free(image);
    return 0;
}
"""


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    return build_loader_harness(tmp_path_factory.mktemp("eccless-api"), HARNESS)


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("eccless-api-img")
    clean, bad = tmp / "m.img", tmp / "bad.img"
    pack_model("digits:mlp", clean, repr_name="hamming", detect="parity-lsb+range", testset=40)
    corrupt_image(clean, bad, ber=2e-3, seed=11)
    return clean, bad


def _run(harness, image, arena, board="", flags=0):
    res = subprocess.run([str(harness), str(image), str(arena), board, str(flags)], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    return [line.split() for line in res.stdout.splitlines()]


def test_bad_arguments_are_statuses_with_details(harness, images):
    out = _run(harness, images[0], 1 << 20)
    assert out[0] == ["null", "4", "1"] and out[1] == ["misaligned", "4", "2"] and out[2] == ["flags", "4", "128"]
    assert out[3] == ["load", "0", "0", "0"]
    assert ["range", "6"] in out and ["invoke-null", "4"] in out


def test_a_good_load_equals_the_host_loader(harness, images):
    img = read_image(images[1])
    model, decoded = img.decode()
    x, y = img.testset
    host = img.predict(model, x)
    out = _run(harness, images[1], 1 << 20)
    counts = next(line for line in out if line[0] == "counts")
    assert int(counts[1]) == 6570 and int(counts[2]) == decoded.zeroed_parity and int(counts[3]) == \
        decoded.zeroed_range and int(counts[2]) > 0
    preds = np.array([[int(a), int(b)] for tag, a, b in (line for line in out if line[0] == "pred")])
    assert preds.shape == (40, 2) and (preds[:, 1] == y).all() and (preds[:, 0] == np.asarray(host)).all()


def test_a_small_arena_says_how_much_it_needs_and_another_board_is_refused(harness, images):
    load = _run(harness, images[0], 1 << 20)
    used = int(next(line for line in load if line[0] == "counts")[5])
    small = _run(harness, images[0], used - 64)
    assert small[3][:2] == ["load", "3"] and int(small[3][2]) > used - 64 and small[3][3] == "1"
    assert _run(harness, images[0], used)[3][:2] == ["load", "0"]
    other = _run(harness, images[0], 1 << 20, "rpi-pico")
    assert other[3][:2] == ["load", "1"]


def test_a_damaged_superblock_is_refused(harness, images, tmp_path):
    data = bytearray(images[0].read_bytes())
    data[:4096] = bytes(4096)
    bad = tmp_path / "wiped.img"
    bad.write_bytes(bytes(data))
    assert _run(harness, bad, 1 << 20)[3][:2] == ["load", "1"]


def _edited_op(image: bytes, index: int, shift_of_channel: int | None = None, **fields) -> bytes:
    """The image with op `index`'s record fields replaced (and/or one channel's shift set to 32), re-sealed."""
    data = bytearray(payload(image))
    base = META.size + index * OP.size
    op = OP.unpack(bytes(data), base)
    data[base:base + OP.size] = OP.pack(**{**op, **fields})
    if shift_of_channel is not None:
        at = op["arrays"] + 12 * op["channels"] + 4 * shift_of_channel
        data[at:at + 4] = (32).to_bytes(4, "little", signed=True)
    return reseal(image, bytes(data))


@pytest.fixture(scope="module")
def twos_image(tmp_path_factory):
    """Byte words: from flash, its dense ops are read in place (ed_fully_connected_inplace_s8)."""
    path = tmp_path_factory.mktemp("eccless-api-twos") / "m.img"
    pack_model("digits:mlp", path, repr_name="twos", detect="range", testset=40)
    return path


@pytest.mark.parametrize("what,change", [
    ("shift 32", dict(shift_of_channel=9)), ("input zero point 128", dict(in_zp=128)),
    ("output zero point -129", dict(out_zp=-129)), ("act_min > act_max", dict(act_min=5, act_max=4))])
@pytest.mark.parametrize("mode", ["ram", "flash"])
def test_a_dense_op_with_bad_quantization_is_refused_at_load(harness, images, twos_image, tmp_path, what, change,
                                                             mode):
    """The fully connected kernels run unchecked at inference (ed_fully_connected_s8_eval in RAM,
    ed_fully_connected_inplace_s8_eval read in place from flash): their checks moved to LOAD (the loader's own and
    the kernel's prepare). A corrupted last dense op -- shift, zero points or clamp -- is refused there with
    ED_LOAD_IMAGE and (op << 8) | ED_LOAD_ERR_QUANT, as before the split, and no model."""
    flags = 0 if mode == "ram" else 2  # ECCLESS_WEIGHTS_IN_FLASH
    source = images[0] if mode == "ram" else twos_image
    image = source.read_bytes()
    meta = META.unpack(payload(image))
    dense = [i for i in range(meta["num_ops"])
             if OP.unpack(payload(image), META.size + i * OP.size)["kind"] == KINDS["dense"]]
    last = dense[-1]
    bad = tmp_path / "bad.img"
    bad.write_bytes(_edited_op(image, last, **change))
    assert _run(harness, bad, 1 << 20, flags=flags)[3] == ["load", "1", str((last << 8) | 32), "1"], what
    good, ram = _run(harness, source, 1 << 20, flags=flags), _run(harness, source, 1 << 20)
    assert good[3] == ["load", "0", "0", "0"]
    preds = [line for line in good if line[0] == "pred"]
    assert len(preds) == 40 and preds == [line for line in ram if line[0] == "pred"]  # the trusted path computes


def test_errors_stored_in_the_metadata_are_repaired_without_a_copy_of_it(harness, twos_image, tmp_path):
    """Bit errors written into the image's protected metadata (not drawn at LOAD: the flash itself reads wrong).
    The loader repairs it one BCH block at a time and reads every record, array and table through its repairs
    (ed_payload.c): the host's predictions and corrected bits, from flash in an arena smaller than the protected blob
    it repaired -- which a loader holding a repaired copy of it could not do -- and only 4 bytes per repaired byte
    more than the clean image takes."""
    bad = tmp_path / "meta.img"
    corrupt_image(twos_image, bad, ber=2e-3, seed=12, region="protected")
    img = read_image(bad)
    assert img.corrected_bits > 0
    x, _ = img.testset
    host = img.predict(img.decode()[0], x)
    clean, out = (_run(harness, path, 1 << 20, flags=2) for path in (twos_image, bad))  # ECCLESS_WEIGHTS_IN_FLASH
    counts = next(line for line in out if line[0] == "counts")
    assert out[3] == ["load", "0", "0", "0"] and int(counts[4]) == img.corrected_bits
    preds = [int(line[1]) for line in out if line[0] == "pred"]
    assert preds == [int(p) for p in host]
    used, clean_used = int(counts[5]), int(next(line for line in clean if line[0] == "counts")[5])
    blob = superblock(bad.read_bytes())["meta_blob_len"]
    assert used < blob and clean_used <= used <= clean_used + 4 * img.corrected_bits, (used, clean_used, blob)

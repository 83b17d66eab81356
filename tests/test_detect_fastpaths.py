"""The firmware's fast decode + detect loops (edge/src/ed_detect.c: `lut` for int8 words of width <= 9, `copy` and
`copy_range` / `copy_parity` for twos/offset words) against its generic bit-gather loop and against the host's
RegionCodec, bit-exactly.

The portable loader is built for the host (AddressSanitizer + UBSan, so a read past the weight region aborts) with
a harness that loads an image with or without LOAD's no_lut flag (which forces the generic loop), optionally with
the weight-region channel armed as INJECT arms it, and writes every decoded value. Every representation meets
every detection family at BER 1e-3: the three variants and the host (on the file `eccless corrupt` writes with the
same seed) must agree on every value and on the zeroed counts.
"""

from __future__ import annotations

import base64
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from eccless import represent
from eccless.channel import ChannelConstants
from eccless.image.load import read_image
from eccless.commands.image import corrupt_image, pack_model
from eccless.testing.harness import build_loader_harness
from narrowed_images import pack_narrowed

pytestmark = pytest.mark.golden

REPRS = tuple(represent.names())   # every representation of the registry
RULES = ("none", "parity-lsb", "parity-extra", "range", "parity-lsb+range")
GENERIC, LUT, COPY, COPY_RANGE, COPY_PARITY = 0, 1, 2, 3, 4
NO_LUT, WEIGHTS_FLASH = 2, 4
BER = 1e-3
SEEDS = (5, 6)

HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
#include "ed_detect.h"
#include "ed_flash.h"

static uint64_t arena[1 << 19];

/* argv: image flags inject seed k_q32 keep_1to0 keep_0to1 values-out. stdout: "status zp zr : kinds...", from
 * flash then " | " and each weighted op's weights CRC as the kernels take them (DIGEST's); values-out: every
 * tensor's decoded values (int8 weights, int32 biases) in record order -- from flash the biases only. */
int main(int argc, char **argv)
{
    FILE *f;
    long size;
    uint8_t *image;
    ed_model_t md;
    ed_load_args_t a;
    ed_channel_params_t ch = {0};
    uint32_t detail = 0, i;
    ed_load_status_t st;
    if (argc != 9 || (f = fopen(argv[1], "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0) {
        return 2;
    }
    rewind(f);
    image = (uint8_t *)malloc((size_t)size);
    if (image == NULL || fread(image, 1, (size_t)size, f) != (size_t)size) {
        return 2;
    }
    fclose(f);
    ch.seed = strtoull(argv[4], NULL, 10), ch.stream = 0, ch.k_q32 = strtoull(argv[5], NULL, 10);
    ch.keep_1to0 = strtoull(argv[6], NULL, 10), ch.keep_0to1 = strtoull(argv[7], NULL, 10);
    a.image = image, a.image_size = (size_t)size, a.arena = arena, a.arena_size = sizeof(arena);
    a.flags = (uint32_t)atoi(argv[2]), a.flip_weights = atoi(argv[3]) ? &ch : NULL, a.flip_protected = NULL;
    a.clock = NULL, a.board = NULL;
    st = ed_model_load(&md, &a, &detail);
    printf("%d %u %u :", (int)st, md.zeroed_parity, md.zeroed_range);
    if (st != ED_LOAD_OK || (f = fopen(argv[8], "wb")) == NULL) {
        return st != ED_LOAD_OK ? 0 : 2;
    }
    for (i = 0; i < md.num_tensors; i++) {
        const ed_tensor_t *t = &md.tensors[i];
        printf(" %u", t->fast);
        if (t->values != NULL) {
            fwrite(t->values, t->role ? 4u : 1u, t->count, f);
        }
    }
    if (md.flags & ED_MODEL_WEIGHTS_FLASH) {
        printf(" |");
        for (i = 0; i < md.num_weighted; i++) {
            ed_zeroed_t z = {0, 0, 0};
            printf(" %u", ed_flash_weights_crc(&md, (uint16_t)i, &z));
        }
    }
    printf("\n");
    fclose(f);
    free(image);
    return 0;
}
"""


# the word loops in plain C: reference (the portable specification) and armv6m (SIMD within a register; the
# kernels stay the reference's, whose packed weights are the int8 values compared here); the DSP
# and Helium loops take the portable path on the host and run on their cores in the QEMU digest tests
@pytest.fixture(scope="module", params=("reference", "armv6m"))
def harness(tmp_path_factory, request):
    return build_loader_harness(tmp_path_factory.mktemp("fastpaths"), HARNESS, detect=request.param)


def _device(harness, path: Path, flags: int, seed: int | None):
    """(zeroed_parity, zeroed_range, loop kind per tensor, decoded values as bytes -- from flash the biases' --,
    from flash each weighted op's weights CRC as the kernels take them)."""
    k = ChannelConstants.symmetric(BER)
    out = path.with_suffix(f".{flags}.{seed}.bin")
    args = [str(harness), str(path), str(flags), str(int(seed is not None)), str(seed or 0), str(k.k_q32),
            str(k.keep_1to0), str(k.keep_0to1), str(out)]
    res = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr[-3000:]
    head, _, tail = res.stdout.partition(" :")
    kinds, _, crcs = tail.partition(" |")
    status, zp, zr = (int(x) for x in head.split())
    assert status == 0, f"{path.name}: load status {status}"
    return zp, zr, [int(x) for x in kinds.split()], out.read_bytes(), [int(x) for x in crcs.split()]


def _host(path: Path):
    """The host loader's (zeroed_parity, zeroed_range, decoded values in the device's byte layout, the biases'
    alone, each weighted op's weights CRC)."""
    img = read_image(path)
    _, decoded = img.decode()
    parts = [np.asarray(v).astype(np.int8 if t.code.role == "weight" else np.int32).tobytes()
             for t, v in zip(img.codec.tensors, decoded.values)]
    roles = [t.code.role for t in img.codec.tensors]
    biases = b"".join(p for p, r in zip(parts, roles) if r != "weight")
    crcs = [zlib.crc32(p) for p, r in zip(parts, roles) if r == "weight"]
    return decoded.zeroed_parity, decoded.zeroed_range, b"".join(parts), biases, crcs


def _check(harness, tmp_path, model: str, rep: str, rule: str, dataset=None, image: Path | None = None) -> list[int]:
    """Device fast == device generic == host, clean and at BER 1e-3 -- flipped by INJECT, and read from the
    corrupted file as a board without ECC reads its flash -- and from flash (layers read in place keep only their
    corrections, their scan tiles build their own range bounds) the same counts, biases and weights as the kernels
    take them; returns the loop kinds the fast load used."""
    if image is None:
        image = tmp_path / f"{Path(model).stem}-{rep}-{rule}.img"
        pack_model(model, image, repr_name=rep, detect=rule, testset=4, dataset=dataset)
    kinds = None
    for seed in (None, *SEEDS):
        target = image
        if seed is not None:
            target = tmp_path / f"c-{image.name}"
            corrupt_image(image, target, ber=BER, seed=seed)
        host = _host(target)
        fast = _device(harness, image, 0, seed)
        generic = _device(harness, image, NO_LUT, seed)
        what = f"{image.name} seed {seed}"
        assert set(generic[2]) == {GENERIC}, what
        assert fast[3] == generic[3], f"{what}: fast and generic values differ"
        assert fast[:2] == generic[:2] == host[:2], f"{what}: zeroed counts differ"
        assert fast[3] == host[2], f"{what}: device values differ from the host's"
        flash = _device(harness, image, WEIGHTS_FLASH, seed)
        assert flash[:2] == host[:2], f"{what}: zeroed counts from flash differ"
        assert (flash[3], flash[4]) == (host[3], host[4]), f"{what}: biases or weights from flash differ"
        if seed is not None:
            raw = _device(harness, target, 0, None)
            assert (raw[3], raw[:2]) == (host[2], host[:2]), f"{what}: the corrupted file read without INJECT"
        kinds = fast[2]
    return kinds


@pytest.mark.parametrize("rep", REPRS)
def test_every_representation_and_rule_on_the_mlp(harness, tmp_path, rep):
    for rule in RULES:
        kinds = _check(harness, tmp_path, "digits:mlp", rep, rule)
        weights, biases = kinds[0::2], kinds[1::2]
        copy = {"none": COPY, "range": COPY_RANGE, "parity-lsb": COPY_PARITY,
                "parity-lsb+range": COPY_PARITY}.get(rule)  # twos / offset words
        assert set(weights) == {copy if copy is not None and rep in ("twos", "offset") else LUT}, (rep, rule, kinds)
        twos_biases = rep in ("twos", "offset", "optimized")  # optimized stores its biases in twos
        assert set(biases) == {copy if copy is not None and twos_biases else GENERIC}, (rep, rule, kinds)


def test_combined_rules_and_conv_dwconv_channels(harness, tmp_path):
    """Range channels of conv (axis 0) and depthwise conv (axis 3, a new channel every weight), parity + range."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from test_tflite_converter import CONVERTER_CNN

    conv = tmp_path / "converter.tflite"
    conv.write_bytes(zlib.decompress(base64.b64decode("".join(CONVERTER_CNN))))
    for rep, rule in (("hamming", "parity-lsb+range"), ("gray", "parity-extra+range"), ("optimized", "range"),
                      ("offset", "none"), ("twos", "range"), ("offset", "range"), ("twos", "parity-lsb+range"),
                      ("offset", "parity-lsb+range")):
        kinds = _check(harness, tmp_path, str(conv), rep, rule, dataset="digits")
        assert GENERIC not in kinds[0::2], (rep, rule, kinds)


@pytest.mark.parametrize("model", ["digits:mlp", "digits:lenet"])
def test_narrowed_ranges_reject_in_every_loop(harness, tmp_path, model):
    """Rejections in clean images (narrowed_images.py): the flip-free fused loop, the per-channel word loops and
    their counting passes, channels that keep nothing, and biases without int32 bounds."""
    for rep, rule in (("twos", "range"), ("offset", "range"), ("twos", "parity-lsb+range"),
                      ("offset", "parity-lsb+range"), ("hamming", "parity-lsb+range"), ("gray", "range")):
        image = pack_narrowed(model, tmp_path / f"narrow-{model.replace(':', '_')}-{rep}-{rule}.img", rep, rule)
        _check(harness, tmp_path, model, rep, rule, image=image)
        zp, zr, *_ = _device(harness, image, 0, None)
        assert zr > 0, f"{image.name}: the narrowed ranges rejected nothing"

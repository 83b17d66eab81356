"""Fuzzing the on-device loader with hostile images (eccless.testing.image_fuzz: re-sealed metadata, random lengths,
truncation, raw flips).

Two harnesses run the very C of edge/src:
- on the host, built with AddressSanitizer and UBSan (every out-of-bounds read or overflow aborts, which QEMU's
  RAM-backed flash would never show): each image is loaded with a random flag set, arena size and injected
  channel, then every stored sample is classified. Whatever the device accepts, the host loader must accept too,
  with the same predictions and zeroed counts, and whatever it rejects (not for want of arena), the host rejects
  too (differential check);
- in QEMU: the firmware boots with the mutated image, LOAD answers a status, and the device still answers PING
  -- no hard fault, no hang.
A seeded subset runs in the normal suite; the `slow` tests run thousands.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import numpy as np
import pytest

from eccless.channel import ChannelConstants
from eccless.testing.image_fuzz import mutate
from eccless.errors import ImageError
from eccless.image.load import parse_image
from eccless.commands.image import pack_model
from eccless.testing.harness import build_loader_harness

pytestmark = pytest.mark.golden

# the portable loader and what it calls (ed_model_state.c is the board binding, not built here)
ARENA = 1 << 22

HARNESS = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ed_model.h"

static uint64_t arena[%(arena)d / 8];

/* stdin: one job per line "path flags arena_bytes inject seed k_q32 keep_1to0 keep_0to1"; stdout: one line each,
 * "status detail" then, when loaded, "zeroed_parity zeroed_range : predictions..." */
int main(void)
{
    char path[4096];
    unsigned flags, inject;
    unsigned long long arena_bytes, seed, k, k10, k01;
    while (scanf("%%4095s %%u %%llu %%u %%llu %%llu %%llu %%llu", path, &flags, &arena_bytes, &inject, &seed, &k,
                 &k10, &k01) == 8) {
        FILE *f = fopen(path, "rb");
        long size;
        uint8_t *image;
        ed_model_t md;
        ed_load_args_t a;
        ed_channel_params_t ch = {0};
        uint32_t detail = 0, i;
        ed_load_status_t st;
        if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0) {
            return 2;
        }
        rewind(f);
        image = (uint8_t *)malloc((size_t)size + 1u); /* exactly the file: ASan sees every byte past it */
        if (image == NULL || fread(image, 1, (size_t)size, f) != (size_t)size) {
            return 2;
        }
        fclose(f);
        ch.seed = seed, ch.stream = 0, ch.k_q32 = k, ch.keep_1to0 = k10, ch.keep_0to1 = k01;
        a.image = image, a.image_size = (size_t)size, a.arena = arena;
        a.arena_size = arena_bytes < sizeof(arena) ? arena_bytes : sizeof(arena);
        a.flags = flags, a.flip_weights = inject ? &ch : NULL, a.flip_protected = NULL, a.clock = NULL, a.board = NULL;
        st = ed_model_load(&md, &a, &detail);
        printf("%%d %%u", (int)st, detail);
        if (st == ED_LOAD_OK) {
            printf(" %%u %%u :", md.zeroed_parity, md.zeroed_range);
            for (i = 0; i < md.test_count; i++) {
                const int8_t *logits;
                if (ed_model_infer(&md, md.test_x + (size_t)i * md.input_size, &logits, &detail) != 0) {
                    printf(" kernel-error %%u", detail);
                    break;
                }
                printf(" %%u", ed_argmax_s8(logits, md.num_classes));
            }
        }
        printf("\n");
        fflush(stdout);
        free(image);
    }
    return 0;
}
"""


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    return build_loader_harness(tmp_path_factory.mktemp("harness"), HARNESS % {"arena": ARENA})


@pytest.fixture(scope="module")
def seeds_images(tmp_path_factory):
    """Valid images covering every representation, rule family and op kind."""
    out = tmp_path_factory.mktemp("seeds")
    sys_path = str(Path(__file__).resolve().parent)
    import base64
    import sys
    import zlib

    sys.path.insert(0, sys_path)
    from test_tflite_converter import CONVERTER_CNN

    conv = out / "converter.tflite"
    conv.write_bytes(zlib.decompress(base64.b64decode("".join(CONVERTER_CNN))))
    specs = [("digits:mlp", None, "hamming", "parity-lsb+range"), ("digits:mlp", None, "optimized", "range"),
             (str(conv), "digits", "gray", "parity-extra"), (str(conv), "digits", "signmag", "parity-extra+range"),
             ("digits:lenet", None, "offset", "none"), ("digits:mlp", None, "twos", "range", "secded72"),
             ("digits:mlp", None, "signmag", "parity-lsb", "secded39"),  # ECC-coded weight regions (version 3)
             ("digits:mlp", None, "twos", "none", "secded72:zero"),   # the ECC zero policy
             ("digits:mlp", None, "hamming", "parity-lsb+range", "none", "protected"),  # version 4: protected biases
             ("digits:actmlp", None, "zigzag", "parity-lsb+range")]   # sigmoid and hardswish (last: the targeted test)
    paths = []
    for i, (model, dataset, rep, rule, *extra) in enumerate(specs):
        p = out / f"seed{i}.img"
        pack_model(model, p, repr_name=rep, detect=rule, testset=12, dataset=dataset,
                   ecc=extra[0] if extra else "none", biases=extra[1] if len(extra) > 1 else "exposed")
        paths.append(p.read_bytes())
    return paths


def _host(image: bytes):
    """The host loader's (zeroed_parity, zeroed_range, predictions), or None when it rejects the image."""
    try:
        img = parse_image(image)
        model, decoded = img.decode()
        pred = []
        if img.testset is not None:     # a mutated flags field may drop the test set
            with np.errstate(all="ignore"):
                pred = model.forward(img.testset[0]).argmax(axis=1).tolist()
    except ImageError:
        return None
    return decoded.zeroed_parity, decoded.zeroed_range, pred


def _run(harness, tmp_path, seeds_images, count: int, seed: int) -> dict:
    rng = random.Random(seed)
    jobs, expected = [], []
    for n in range(count):
        base = rng.choice(seeds_images)
        kind, bad = mutate(base, rng)
        path = tmp_path / f"m{n}.img"
        path.write_bytes(bad)
        flags = rng.choice((0, 0, 1, 2, 3, 4, 4, 5, 8, 16))   # 4 weights in flash, 8 auto, 16 unknown
        arena = ARENA if rng.random() < 0.85 else rng.randrange(0, 40_000)
        inject = rng.random() < 0.4
        ber = rng.choice((1e-4, 1e-3, 1e-2))
        k = ChannelConstants.symmetric(ber)
        jobs.append(f"{path} {flags} {arena} {int(inject)} {rng.getrandbits(64)} {k.k_q32} {k.keep_1to0} "
                    f"{k.keep_0to1}")
        expected.append((kind, bad, flags, arena, inject))
    res = subprocess.run([str(harness)], input="\n".join(jobs) + "\n", capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, f"harness died (exit {res.returncode}): {res.stderr[-4000:]}"
    lines = res.stdout.splitlines()
    assert len(lines) == count, res.stderr[-2000:]
    statuses = {}
    for line, (kind, bad, flags, _arena, inject), job in zip(lines, expected, jobs):
        status = int(line.split()[0])
        statuses.setdefault(kind, []).append(status)
        assert "kernel-error" not in line, f"{job}: the loader accepted what a kernel refused: {line}"
        if status == 0 and not inject and not (flags & 16):
            host = _host(bad)
            assert host is not None, f"{job} ({kind}): the device accepted an image the host loader rejects"
            head, _, tail = line.partition(" :")
            zp, zr, preds = *head.split()[2:4], tail.split()
            assert (int(zp), int(zr), [int(p) for p in preds]) == host, f"{job} ({kind}): differs from the host"
        if status == 1 and not inject:     # one rule set: what the device refuses, the host refuses too
            assert _host(bad) is None, f"{job} ({kind}): the host loader accepts an image the device rejects: {line}"
    return statuses


def test_fuzz_host_harness_seeded_subset(harness, tmp_path, seeds_images):
    statuses = _run(harness, tmp_path, seeds_images, 150, seed=2026)
    every = [s for v in statuses.values() for s in v]
    assert 0 in every and 1 in every and 3 in every   # loads, rejections, arena exhaustion all exercised
    assert 4 in every                                  # unknown flags


@pytest.mark.slow
def test_fuzz_host_harness_5000(harness, tmp_path, seeds_images):
    for part in range(5):
        _run(harness, tmp_path, seeds_images, 1000, seed=31 + part)


def test_fuzz_activation_parameters_one_rule_set(harness, tmp_path, seeds_images):
    """Targeted: the sigmoid/hardswish parameters (and zero points, channel counts) of the actmlp seed set to
    boundary values; the device and the host loader accept and refuse the same images and, loaded, predict
    the same."""
    from eccless.image.records import KINDS, OP
    from eccless.testing.image_fuzz import _op_params, payload
    from eccless.image.records import META

    base = seeds_images[-1]
    meta = META.unpack(payload(base))
    kinds = {OP.unpack(payload(base), META.size + i * OP.size)["kind"] for i in range(meta["num_ops"])}
    assert {KINDS["sigmoid"], KINDS["hardswish"]} <= kinds
    rng = random.Random(77)
    jobs, images = [], []
    for n in range(200):
        bad = _op_params(rng, base)
        path = tmp_path / f"a{n}.img"
        path.write_bytes(bad)
        jobs.append(f"{path} 0 {ARENA} 0 0 0 0 0")
        images.append(bad)
    res = subprocess.run([str(harness)], input="\n".join(jobs) + "\n", capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-4000:]
    statuses = []
    for line, bad, job in zip(res.stdout.splitlines(), images, jobs):
        status = int(line.split()[0])
        statuses.append(status)
        host = _host(bad)
        assert "kernel-error" not in line, f"{job}: {line}"
        if status == 0:
            head, _, tail = line.partition(" :")
            assert host is not None, f"{job}: the device accepted an image the host loader rejects"
            assert (int(head.split()[2]), int(head.split()[3]), [int(p) for p in tail.split()]) == host, job
        else:
            assert host is None, f"{job}: the host loader accepts an image the device rejects: {line}"
    assert statuses.count(0) > 20 and statuses.count(1) > 20   # both sides of the rules exercised


def test_a_protected_bias_whose_parity_fails_decodes_as_the_host_decodes_it(harness, tmp_path, seeds_images):
    """Protected biases are clean words of the BCH-repaired payload: the host takes them as stored (no parity or
    range check). An image re-sealed with a bias word whose parity bit no longer holds (found by the slow fuzz)
    must decode to the same value on the device -- it used to be zeroed there, and predictions differed."""
    from eccless.image.records import META, OP, TENSOR
    from eccless.testing.image_fuzz import payload, reseal

    base = seeds_images[8]                      # hamming, parity-lsb + range, protected biases
    p = bytearray(payload(base))
    meta = META.unpack(bytes(p))
    records = [TENSOR.unpack(bytes(p), META.size + meta["num_ops"] * OP.size + j * TENSOR.size)
               for j in range(meta["num_tensors"])]
    bias = next(r for r in records if r["flags"] & 1)
    assert bias["width"] == 32 and bias["bit_offset"] % 8 == 0
    p[bias["bit_offset"] // 8 + 4 * 5 + 1] ^= 0x80     # bit 15 of bias word 5: the decoded value jumps
    bad = reseal(base, bytes(p))
    path = tmp_path / "bias.img"
    path.write_bytes(bad)
    host = _host(bad)
    assert host is not None and host != _host(base)   # the host sees the new bias: predictions move
    jobs = "".join(f"{path} {flags} {ARENA} 0 0 0 0 0\n" for flags in (0, 1, 2, 4))
    res = subprocess.run([str(harness)], input=jobs, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    for flags, line in zip((0, 1, 2, 4), res.stdout.splitlines()):
        head, _, tail = line.partition(" :")
        assert head.split()[:2] == ["0", "0"], (flags, line)
        assert (int(head.split()[2]), int(head.split()[3]), [int(q) for q in tail.split()]) == host, (flags, line)

"""Run from flash (LOAD's weights_flash): the weights stay in the image, fully connected layers of byte words are
read in place with LOAD's corrections, every other layer is decoded a tile at a time per inference. Predictions,
detection counts and DIGEST (the weights the kernels multiply) must equal the host loader and the weights-in-RAM
mode, for every representation x detection rule on the digits MLP and the LeNet, clean and with INJECT's flips,
on one QEMU board per ISA variant (the M4 SIMD kernels and the ARMv6-M/reference loops).

LeNet in RAM needs more than the M0 stand-in's 64 KB: there, flash mode is the only way and is checked against
the host alone -- which is the point of the mode.
"""

from __future__ import annotations

import numpy as np
import pytest

from eccless import represent
from eccless.boards import boards_with, load_board
from eccless.commands.image import corrupt_image, evaluate_image, pack_model
from eccless.commands.run import ModelDevice, channel_constants
from eccless.firmware.build import build_firmware
from eccless.firmware.manifest import variant_for
from eccless.image.load import read_image
from eccless.link.client import DeviceStatusError
from eccless.link.qemu import Qemu, missing_tools
from board_needs import LENET_RAM
from host_digests import host_digests

pytestmark = pytest.mark.qemu
if missing_tools():
    pytest.skip(missing_tools(), allow_module_level=True)

BER, SEED = 1e-3, 31
INT8_RULES = ("none", "range", "parity-lsb", "parity-lsb+range", "parity-extra", "parity-extra+range")
SAMPLES = {"digits:mlp": 60, "digits:lenet": 40}
TILE_BYTES = 4096                 # ED_FLASH_TILE_BYTES (edge/loader/ed_flash.h)
SCAN_BYTES = 512                  # ED_FLASH_SCAN_BYTES: LOAD's pass over a layer read in place


def _one_board_per_variant():
    seen, out = set(), []
    for b in map(load_board, boards_with("qemu")):
        v = variant_for(b)
        if v not in seen:
            seen.add(v)
            out.append(b)
    return out


BOARDS = _one_board_per_variant()


@pytest.fixture(scope="module", params=BOARDS, ids=[b.name for b in BOARDS])
def firmware(request):
    return build_firmware(request.param)


def _check_image(fw, tmp_path, model: str, rep: str, rule: str) -> None:
    image = tmp_path / f"{model.replace(':', '_')}-{rep}-{rule}.img"
    pack_model(model, image, repr_name=rep, detect=rule, testset=SAMPLES[model], board=fw.board.name)
    corrupted = tmp_path / f"c-{image.name}"
    corrupt_image(image, corrupted, ber=BER, seed=SEED, region="weights")
    ram_fits = model != "digits:lenet" or fw.board.ram.size >= LENET_RAM
    with Qemu(fw.board, fw.elf, image=image, timeout=60) as q:
        dev = ModelDevice(q.client)
        for ber, target in ((0.0, image), (BER, corrupted)):
            host, digests = evaluate_image(target), host_digests(target)
            what = f"{fw.board.name} {model} {rep}/{rule} BER {ber:g}"
            dev.inject("clear")
            if ber:
                dev.inject("weights", channel_constants("bsc", ber), SEED)
            flash = dev.load(weights="flash")
            assert flash["weights_flash"] == 1, what
            pred, _, _ = dev.evaluate(flash["samples"])
            assert np.array_equal(pred, host["predictions"]), f"{what}: flash predictions differ from the host"
            assert (flash["zeroed_parity"], flash["zeroed_range"]) == (host["zeroed_parity"], host["zeroed_range"])
            assert [dev.digest(i) for i in range(len(digests))] == digests, f"{what}: flash DIGEST"
            if ram_fits:
                ram = dev.load(weights="ram")
                assert ram["weights_flash"] == 0 and ram["arena_used"] > flash["arena_used"], what
                assert np.array_equal(dev.evaluate(ram["samples"])[0], pred), f"{what}: RAM and flash differ"
                assert [tuple(x) for x in ram["layers"]] == [tuple(x) for x in flash["layers"]], what


@pytest.mark.parametrize("rep", represent.names())
def test_flash_mode_equals_host_and_ram_on_the_mlp(firmware, tmp_path, rep):
    for rule in INT8_RULES:
        _check_image(firmware, tmp_path, "digits:mlp", rep, rule)


@pytest.mark.parametrize("rep", represent.names())
def test_flash_mode_equals_host_and_ram_on_the_lenet(firmware, tmp_path, rep):
    for rule in INT8_RULES:
        _check_image(firmware, tmp_path, "digits:lenet", rep, rule)


def test_a_smaller_tile_budget_takes_smaller_tiles_and_the_same_answers(tmp_path):
    """ED_FLASH_TILE_BYTES is a build choice (build_firmware(tile_bytes=)): RAM against speed. Built with 1 KB, the
    LeNet's convolutions run in more, smaller tiles (a last one shorter than the others), each decoded and detected
    again per inference -- the arena shrinks and the predictions, counts and DIGEST stay the host's, clean and
    with INJECT's flips. Nonsense budgets are refused before anything is built."""
    from eccless.errors import UsageError
    board = BOARDS[0]
    for bad in (0, -4096, 1.5, True):
        with pytest.raises(UsageError, match="tile bytes must be a positive number of bytes"):
            build_firmware(board, tile_bytes=bad)
    image = tmp_path / "lenet.img"
    pack_model("digits:lenet", image, repr_name="twos", detect="range", testset=30, board=board.name)
    corrupted = tmp_path / "c-lenet.img"
    corrupt_image(image, corrupted, ber=BER, seed=SEED, region="weights")
    loads = {}
    for tile in (1024, TILE_BYTES):
        fw = build_firmware(board, tile_bytes=tile)
        with Qemu(fw.board, fw.elf, image=image, timeout=60) as q:
            dev = ModelDevice(q.client)
            for ber, target in ((0.0, image), (BER, corrupted)):
                dev.inject("clear")
                if ber:
                    dev.inject("weights", channel_constants("bsc", ber), SEED)
                load = dev.load(weights="flash")
                host, digests = evaluate_image(target), host_digests(target)
                assert np.array_equal(dev.evaluate(load["samples"])[0], host["predictions"]), (tile, ber)
                assert (load["zeroed_parity"], load["zeroed_range"]) == (host["zeroed_parity"], host["zeroed_range"])
                assert [dev.digest(i) for i in range(len(digests))] == digests, (tile, ber)
                loads[tile, ber] = load
    small, default = loads[1024, 0.0], loads[TILE_BYTES, 0.0]
    assert 0 < small["arena_tiles"] <= 3 * 1024 < default["arena_tiles"]
    assert small["arena_used"] < default["arena_used"]


def test_auto_mode_falls_back_to_flash_only_when_ram_is_short(tmp_path):
    """weights_auto keeps the weights in RAM when they fit and leaves them in flash when the arena is too small:
    a firmware linked with a 40 KB arena cannot hold the LeNet's decoded weights, refuses them with
    weights='ram' (ERR_ARENA naming the bytes), and runs them from flash under 'auto' with the host's answers,
    the layers that fit the RAM left (the most MACs per weight first) decoded into RAM after all."""
    board = BOARDS[0]
    fw = build_firmware(board, arena_size=40 * 1024)
    image = tmp_path / "lenet.img"
    pack_model("digits:lenet", image, repr_name="twos", detect="parity-lsb+range", testset=30, board=board.name)
    host = evaluate_image(image)
    with Qemu(fw.board, fw.elf, image=image, timeout=60) as q:
        dev = ModelDevice(q.client)
        with pytest.raises(DeviceStatusError) as e:
            dev.load(weights="ram")
        assert e.value.status == "ERR_ARENA" and e.value.detail > 40 * 1024
        auto = dev.load(weights="auto")
        assert auto["weights_flash"] == 1 and auto["arena_used"] <= 40 * 1024
        assert auto["resident_layers"] >= 1          # the RAM left took the first conv's weights at least
        assert np.array_equal(dev.evaluate(auto["samples"])[0], host["predictions"])
        flash = dev.load(weights="flash")              # every layer from flash: the same answers, no more arena
        # (arena_used is LOAD's peak: layers moved to RAM may fill bytes the repaired metadata held while parsing)
        assert flash["resident_layers"] == 0 and flash["arena_used"] <= auto["arena_used"]
        assert np.array_equal(dev.evaluate(flash["samples"])[0], host["predictions"])
    mlp = tmp_path / "mlp.img"
    pack_model("digits:mlp", mlp, repr_name="twos", detect="range", testset=10, board=board.name)
    with Qemu(fw.board, fw.elf, image=mlp, timeout=60) as q:
        assert ModelDevice(q.client).load(weights="auto")["weights_flash"] == 0   # fits: stays in RAM


@pytest.mark.parametrize("model", ["digits:mlp", "digits:lenet"])
def test_load_reports_what_of_the_arena_is_working_memory(tmp_path, model):
    """LOAD splits arena_used into the activation buffers, the weight decode buffers and the kernels' scratch
    (the rest is the model's tables, biases, corrections and resident weights): the activations are the two
    ping-pong buffers of the largest op output, as the host computes them from the image; from flash the weight
    buffers are tiles of at most ED_FLASH_TILE_BYTES each -- and for a model whose layers are all read in place
    (the MLP) only LOAD's scan buffer of a few rows -- in RAM the staging of the largest layer."""
    board = next(b for b in BOARDS if b.ram.size >= LENET_RAM)
    fw = build_firmware(board)
    image = tmp_path / "m.img"
    pack_model(model, image, repr_name="twos", detect="range", testset=10, board=board.name)
    img = read_image(image)
    largest = max(int(np.prod(s)) for s in img.model.shapes())
    weights = [int(np.prod(op.weight.shape)) for op in img.model.ops if getattr(op, "weight", None) is not None]
    with Qemu(fw.board, fw.elf, image=image, timeout=60) as q:
        dev = ModelDevice(q.client)
        flash, ram = dev.load(weights="flash"), dev.load(weights="ram")
    for load in (flash, ram):
        assert load["arena_activations"] == 2 * ((largest + 3) // 4 * 4), model
        parts = load["arena_activations"] + load["arena_tiles"] + load["arena_scratch"]
        assert 0 < parts < load["arena_used"], model
    assert ram["arena_tiles"] == max(weights), model
    assert 0 < flash["arena_tiles"] <= 3 * TILE_BYTES, model
    if model == "digits:mlp":   # every layer in place: rows of 64 bytes, as many as fit the scan buffer
        assert flash["arena_tiles"] == SCAN_BYTES, flash
    assert flash["arena_used"] < ram["arena_used"] - sum(weights), model   # no weight kept from flash


@pytest.mark.parametrize("rule", ["none", "range", "parity-lsb+range"])
def test_the_mlp_runs_from_flash_in_a_real_micro_bits_16_kb(tmp_path, rule):
    """The protocol firmware in a micro:bit's real 16 KB of RAM (QEMU's nRF51 as it comes; the stand-in's board file
    enlarges it to 64 KB), linked with a 2.5 KB stack: about 4 KB of arena is left, and the digits MLP runs there
    from flash -- the metadata repaired block by block, the weights read in place, the range rule's bounds built a
    scan tile at a time -- with the host's predictions, clean and at BER 1e-3 over the weights and the metadata
    (INJECT: the device repairs the metadata's flips)."""
    from eccless.boards import BOARDS_DIR
    text = (BOARDS_DIR / "qemu-microbit.toml").read_text()
    for old, new in (('name = "qemu-microbit"', 'name = "qemu-microbit-16k"'),
                     ("size = 0x00010000", "size = 0x00004000"), ("stack = 0x1000", "stack = 0xA00"),
                     ('args = ["-global", "nrf51-soc.sram-size=65536"]', "args = []")):
        assert old in text, old                      # the stand-in's file still says what this test changes
        text = text.replace(old, new)
    path = tmp_path / "qemu-microbit-16k.toml"
    path.write_text(text)
    board = load_board(path)
    fw = build_firmware(board)
    image = tmp_path / "mlp.img"
    pack_model("digits:mlp", image, repr_name="twos", detect=rule, testset=60, board=str(path))
    corrupted = tmp_path / "c-mlp.img"
    flips = corrupt_image(image, corrupted, ber=BER, seed=SEED, region="all")["flips"]
    with Qemu(board, fw.elf, image=image, timeout=60) as q:
        dev = ModelDevice(q.client)
        arena = q.client.info()["arena_size"]
        assert arena < 4608, arena                   # what 16 KB leaves beside the firmware and its stack
        for ber, target in ((0.0, image), (BER, corrupted)):
            dev.inject("clear")
            if ber:
                for region in ("weights", "protected"):
                    dev.inject(region, channel_constants("bsc", ber), SEED)
            load = dev.load(weights="flash")
            pred, _, _ = dev.evaluate(load["samples"])
            host = evaluate_image(target)
            assert np.array_equal(pred, host["predictions"]), f"BER {ber:g}: predictions differ from the host"
            assert load["arena_used"] <= arena
            if ber:
                assert load["flips_protected"] == flips["protected"] > 0
                assert load["ecc_corrected"] == host["protected_bits_corrected"] > 0

"""Run-from-flash benchmark (issue 12): RAM and instructions with the weights left in flash against the same
model with its weights decoded into RAM, in the same QEMU run, and a model larger than a 128 KB board's RAM on
the Nucleo-F446RE's stand-in.

- Bench models (digits MLP, digits LeNet, fashion LeNet; twos + range) on the default board (Cortex-M4 kernels,
  QEMU -icount: instructions, not cycles): instructions per MAC per layer and in total, RAM mode vs flash mode and
  their ratio (target <= 1.3x); the model arena in each mode. CMSIS-NN's per-layer figures for the fashion LeNet
  (one kernel call, the same gcc and QEMU method: CMSIS_FASHION_LENET; it reads int8 weights in place too) are
  quoted beside the flash-mode layers.
- fashion-mnist:widemlp (272k int8 parameters, twos + range) packed for qemu-netduinoplus2, which is linked for
  the Nucleo's 128 KB of RAM: LOAD with weights 'auto' must choose flash; its accuracy on the stored samples and
  equality with the host loader's predictions, and the arena it used.
- The same bench models on the M0 bench board (armv6m kernels: LDRSB/MULS in place against the RAM mode's two
  multiply-accumulates per MULS on pre-packed int16 lanes), flash vs RAM -- the Pico's class of core.
- The fashion LeNet on the same 128 KB stand-in, where its decoded weights do not fit (at least 111,940 B of
  arena): weights 'auto' (flash, then the layers that fit the RAM left decoded into RAM, the most MACs per weight
  first) against every layer from flash, instructions per MAC of each.
- The LeNets built with each tile budget of TILE_SWEEP (ED_FLASH_TILE_BYTES, `build_firmware(tile_bytes=)`): the
  arena from flash and its instructions per MAC against RAM mode -- the trade between issue 12's two targets,
  since a layer split into more tiles repeats its conv's input widening and im2col once per tile.

What QEMU cannot show: flash wait states (the F446 runs from flash with 5 wait states at 180 MHz behind its ART
accelerator; XIP on the RP2040 goes through a 16 KB cache) -- flash mode reads every weight from flash on every
inference, so on silicon its cost per MAC rises with the wait states that the instruction counts here ignore.
Run: `invoke bench --only flash` (or `python bench/bench_flash.py --out bench/results`).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from eccless.boards import DEFAULT_BOARD, load_board
from eccless.commands.image import evaluate_image, pack_model
from eccless.commands.run import ModelDevice
from eccless.fileio import write_json
from eccless.firmware.build import build_firmware
from eccless.firmware.measure import KERNEL_ITERATIONS, _bench, macs
from eccless.image.load import read_image
from eccless.link.qemu import Qemu

MODELS = "digits:mlp,digits:lenet,fashion-mnist:lenet"
REP, RULE = "twos", "range"
WIDE_MODEL, WIDE_BOARD, WIDE_SAMPLES = "fashion-mnist:widemlp", "qemu-netduinoplus2", 100
AUTO_MODEL = "fashion-mnist:lenet"
M0_BOARD = "qemu-mps2-an385-m0"  # the M0 bench board of bench_device.py: the armv6m kernels, no DSP
TARGET_RATIO = 1.3
TILE_SWEEP = (1024, 2048, 4096, 8192, 16384)   # ED_FLASH_TILE_BYTES builds: the RAM / speed trade of the tiled layers
SWEEP_MODELS = ("digits:lenet", "fashion-mnist:lenet")
# CMSIS-NN instructions per MAC of one kernel call on the fashion LeNet's layers: conv as issue 12 published them
# (BOARDS.md), fully connected as measured for bench_device.py (its CMSIS_NN: arm_fully_connected_per_channel_s8,
# commit 99f736a, docs/KERNELS.md). The flash-mode figures beside them are whole layers (BENCH layer), dispatch
# included.
CMSIS_FASHION_LENET = {"conv2d 28x28x1->6 5x5": 11.2, "conv2d 14x14x6->16 5x5": 2.66, "dense 400->120": 97032.2 / 48000,
                       "dense 120->84": 23988.2 / 10080, "dense 84->10": 2292.2 / 840}


def _layer_name(op, in_shape, out_shape) -> str:
    if op.kind == "dense":
        return f"dense {op.weight.shape[1]}->{op.weight.shape[0]}"
    if op.kind == "conv2d":
        h, w, c = in_shape
        return f"conv2d {h}x{w}x{c}->{op.weight.shape[0]} {op.weight.shape[1]}x{op.weight.shape[2]}"
    return op.kind


def arena_parts(load: dict) -> dict:
    """LOAD's split of its arena: activation buffers, weight decode buffers (tiles), kernel scratch, and the rest
    (tables, metadata, biases, corrections and weights kept in RAM)."""
    parts = {k: load[f"arena_{k}"] for k in ("activations", "tiles", "scratch")}
    return {**parts, "model": load["arena_used"] - sum(parts.values())}


def measure(model: str, work: Path, board, peers: bool = True) -> dict:
    path = work / f"{model.replace(':', '_')}.img"
    pack_model(model, path, repr_name=REP, detect=RULE, testset=4, board=board.name)
    img = read_image(path)
    per_op = macs(path)
    shapes = [tuple(img.model.input_shape), *img.model.shapes()]
    fw = build_firmware(board)
    out = {"model": model, "macs": int(sum(per_op)), "modes": {}}
    with Qemu(board, fw.elf, image=path, timeout=300) as q:
        dev = ModelDevice(q.client)
        for mode in ("ram", "flash"):
            load = dev.load(weights=mode)
            layers = [{"op": i, "layer": _layer_name(op, shapes[i], shapes[i + 1]), "macs": m,
                       "instructions": _bench(q.client, "layer", arg=i),
                       # the kernel call alone (RAM: the eval entry point; flash: ed_flash_run's in-place tiles)
                       **({"kernel_instructions": _bench(q.client, "kernel", KERNEL_ITERATIONS, arg=i)}
                          if op.kind == "dense" else {})}
                      for i, (op, m) in enumerate(zip(img.model.ops, per_op))]
            mac_layers = [x for x in layers if x["macs"] and x["layer"].split()[0] in ("dense", "conv2d")]
            infer = _bench(q.client, "infer")
            out["modes"][mode] = {"per_inference": infer, "per_mac": infer / out["macs"],
                                  "fc_conv_per_mac": sum(x["instructions"] for x in mac_layers)
                                  / sum(x["macs"] for x in mac_layers),
                                  "arena": load["arena_used"], "arena_parts": arena_parts(load),
                                  "fixes": load["fixes"], "layers": layers}
    ram, flash = out["modes"]["ram"], out["modes"]["flash"]
    out["flash_vs_ram"] = flash["per_mac"] / ram["per_mac"]
    out["fc_conv_flash_vs_ram"] = flash["fc_conv_per_mac"] / ram["fc_conv_per_mac"]
    out["arena_saved"] = 1 - flash["arena"] / ram["arena"]
    for layer in flash["layers"]:
        peer = CMSIS_FASHION_LENET.get(layer["layer"]) if peers and model == "fashion-mnist:lenet" else None
        if peer is not None and layer["macs"]:  # kernel call against kernel call where measured, else the layer
            layer["cmsis_nn_per_mac"] = peer
            layer["vs_cmsis_nn"] = layer.get("kernel_instructions", layer["instructions"]) / layer["macs"] / peer
            layer["layer_vs_cmsis_nn"] = layer["instructions"] / layer["macs"] / peer
    return out


def wide(work: Path) -> dict:
    board = load_board(WIDE_BOARD)
    path = work / "wide.img"
    pack_model(WIDE_MODEL, path, repr_name=REP, detect=RULE, testset=WIDE_SAMPLES, board=board.name)
    host = evaluate_image(path)
    params = sum(t.count for t in read_image(path).codec.tensors)
    fw = build_firmware(board)
    with Qemu(board, fw.elf, image=path, timeout=300) as q:
        dev = ModelDevice(q.client)
        flash = dev.load(weights="flash")
        flash_pred, _, _ = dev.evaluate(flash["samples"])
        load = dev.load(weights="auto")
        pred, correct, _ = dev.evaluate(load["samples"])
    return {"model": WIDE_MODEL, "board": board.name, "parameters": int(params), "ram": board.ram.size,
            "image_bytes": path.stat().st_size, "weights_in_flash": bool(load["weights_flash"]),
            "arena": load["arena_used"], "resident_layers": load["resident_layers"], "arena_flash": flash["arena_used"],
            "samples": load["samples"], "accuracy": correct / load["samples"],
            "equals_host": bool(np.array_equal(pred, host["predictions"]) and np.array_equal(flash_pred, pred))}


def auto_on_small_board(work: Path) -> dict:
    board = load_board(WIDE_BOARD)
    path = work / "auto.img"
    pack_model(AUTO_MODEL, path, repr_name=REP, detect=RULE, testset=4, board=board.name)
    total = sum(macs(path))
    fw = build_firmware(board)
    out = {"model": AUTO_MODEL, "board": board.name, "ram": board.ram.size}
    with Qemu(board, fw.elf, image=path, timeout=300) as q:
        dev = ModelDevice(q.client)
        for mode in ("flash", "auto"):
            load = dev.load(weights=mode)
            out[mode] = {"weights_in_flash": bool(load["weights_flash"]), "resident_layers": load["resident_layers"],
                         "arena": load["arena_used"], "per_mac": _bench(q.client, "infer") / total}
    out["auto_vs_flash"] = out["auto"]["per_mac"] / out["flash"]["per_mac"]
    return out


def tile_sweep(work: Path, board) -> list[dict]:
    """The LeNets from flash with each tile budget of TILE_SWEEP: arena, its tiles, and instructions per MAC against
    RAM mode (the same build's) -- what a larger tile buys in speed and costs in RAM."""
    rows = []
    for model in SWEEP_MODELS:
        path = work / f"sweep-{model.replace(':', '_')}.img"
        pack_model(model, path, repr_name=REP, detect=RULE, testset=4, board=board.name)
        total = sum(macs(path))
        for tile in TILE_SWEEP:
            fw = build_firmware(board, tile_bytes=tile)
            with Qemu(board, fw.elf, image=path, timeout=300) as q:
                dev = ModelDevice(q.client)
                flash = dev.load(weights="flash")
                per_mac = _bench(q.client, "infer") / total
                dev.load(weights="ram")
                ram = _bench(q.client, "infer") / total
            rows.append({"model": model, "tile_bytes": tile, "arena": flash["arena_used"],
                         "arena_tiles": flash["arena_tiles"], "activations": flash["arena_activations"],
                         "per_mac": per_mac, "flash_vs_ram": per_mac / ram})
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="bench/results")
    ap.add_argument("--models", default=MODELS)
    args = ap.parse_args(argv)
    board = load_board(DEFAULT_BOARD)
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(m, Path(tmp), board) for m in args.models.split(",")]
        m0 = [measure(m, Path(tmp), load_board(M0_BOARD), peers=False) for m in args.models.split(",")]
        big = wide(Path(tmp))
        auto = auto_on_small_board(Path(tmp))
        sweep = tile_sweep(Path(tmp), board)
    for r in m0:
        ram, flash = r["modes"]["ram"], r["modes"]["flash"]
        print(f"M0 {r['model']:<19} instr/MAC RAM {ram['per_mac']:.2f}  flash {flash['per_mac']:.2f}  "
              f"(x{r['flash_vs_ram']:.2f})  arena RAM {ram['arena']:,} B  flash {flash['arena']:,} B")
    for r in rows:
        ram, flash = r["modes"]["ram"], r["modes"]["flash"]
        print(f"{r['model']:<22} instr/MAC RAM {ram['per_mac']:.2f}  flash {flash['per_mac']:.2f}  "
              f"(x{r['flash_vs_ram']:.2f}; FC + conv x{r['fc_conv_flash_vs_ram']:.2f})  arena RAM {ram['arena']:,} B  "
              f"flash {flash['arena']:,} B")
        p = flash["arena_parts"]
        print(f"    arena from flash {flash['arena']:,} B = activations {p['activations']:,} + weight tiles "
              f"{p['tiles']:,} + kernel scratch {p['scratch']:,} + tables, metadata and biases {p['model']:,}")
        for a, b in zip(ram["layers"], flash["layers"]):
            if a["macs"]:
                peer = f"  CMSIS-NN {b['cmsis_nn_per_mac']:.2f}" if "cmsis_nn_per_mac" in b else ""
                kernel = (f" (kernel calls {a['kernel_instructions'] / a['macs']:5.2f} / "
                          f"{b['kernel_instructions'] / b['macs']:5.2f})" if "kernel_instructions" in b else "")
                print(f"    op{a['op']:<2} {a['layer']:<24} RAM {a['instructions'] / a['macs']:5.2f}  flash "
                      f"{b['instructions'] / b['macs']:5.2f}{kernel} instr/MAC{peer}")
    print(f"{big['model']} ({big['parameters']:,} parameters, image {big['image_bytes']:,} B) on {big['board']} "
          f"({big['ram'] >> 10} KB RAM): weights in {'flash' if big['weights_in_flash'] else 'RAM'}, arena "
          f"{big['arena_flash']:,} B every layer from flash, {big['arena']:,} B under 'auto' "
          f"({big['resident_layers']} layers moved to RAM), accuracy {big['accuracy']:.3f} on {big['samples']} "
          f"samples, equals host: "
          f"{big['equals_host']}")
    print(f"{auto['model']} on {auto['board']} ({auto['ram'] >> 10} KB RAM): every layer from flash "
          f"{auto['flash']['per_mac']:.2f} instr/MAC in {auto['flash']['arena']:,} B; 'auto' "
          f"{auto['auto']['per_mac']:.2f} in {auto['auto']['arena']:,} B with {auto['auto']['resident_layers']} layers "
          f"moved to RAM (x{auto['auto_vs_flash']:.2f})")
    print("tile budget sweep (ED_FLASH_TILE_BYTES), from flash: arena / its tiles / instructions per MAC vs RAM mode")
    for r in sweep:
        print(f"    {r['model']:<20} {r['tile_bytes']:>6,} B tiles: arena {r['arena']:>7,} B "
              f"(tiles {r['arena_tiles']:>6,}, activations {r['activations']:,})  {r['per_mac']:.2f} instr/MAC  "
              f"x{r['flash_vs_ram']:.2f}")
    targets = {"flash_at_most_1.3x_ram": {r["model"]: r["flash_vs_ram"] <= TARGET_RATIO for r in rows},
               "below_cmsis_nn_per_layer": all(layer.get("vs_cmsis_nn", 0) < 1 for r in rows
                                               for layer in r["modes"]["flash"]["layers"]),
               "arena_at_most_activations_plus_4k": {
                   r["model"]: r["modes"]["flash"]["arena"] <= r["modes"]["flash"]["arena_parts"]["activations"] + 4096
                   for r in rows},
               "250k_model_on_128k_board": big["weights_in_flash"] and big["equals_host"]
               and big["parameters"] >= 250_000}
    out = Path(args.out) / "flash.json"
    write_json(out, {"board": board.name, "representation": REP, "rule": RULE, "summary": rows,
                     "m0": {"board": M0_BOARD, "summary": m0}, "wide": big,
                     "auto": auto, "tile_sweep": sweep,
                     "targets": targets}, make_parents=True)
    print(f"targets: {targets}\nwrote {out}")


if __name__ == "__main__":
    main()

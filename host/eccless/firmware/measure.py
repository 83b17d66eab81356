"""Instruction counts of the on-device pipeline under QEMU -icount (docs/FIRMWARE.md quotes them):

    python -m eccless.firmware.measure [--models digits:mlp,digits:lenet] [--json]

Per model and kernel variant (reference, cortex_m4): instructions per inference and per MAC, per layer; the load
pass and its decode + detect part per parameter; decoded weights in RAM versus decoding every layer on the fly;
the Hamming-order decoder with and without its lookup table; the packing of the weights for the kernels. Counts
are exact up to one timer tick (40 instructions) per measured interval; they are measurements to report, not to assert.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from eccless.image.load import read_image
from eccless.commands.image import pack_model
from eccless.firmware.build import build_firmware
from eccless.protocol import BENCH_KINDS, LOAD_FLAGS
from eccless.link.qemu import Qemu
from eccless.boards import DEFAULT_BOARD

BOARD = DEFAULT_BOARD
ITERATIONS = 3
# BENCH kernel reads the timer once around all its iterations: 100 make the 40-instruction tick 0.4 per call
KERNEL_ITERATIONS = 100


def macs(path) -> list[int]:
    """Multiply-accumulates of every op of an image's model (0 for ops without weights)."""
    img = read_image(path)
    model = img.model
    out = []
    for op, o in zip(model.ops, model.shapes()):
        if op.kind == "dense":
            out.append(int(op.weight.size))
        elif op.kind == "conv2d":
            out.append(int(np.prod(o)) * int(np.prod(op.weight.shape[1:])))
        elif op.kind == "dwconv2d":
            out.append(int(np.prod(o)) * int(op.weight.shape[1] * op.weight.shape[2]))
        else:
            out.append(0)
    return out


def _bench(client, kind: str, iterations: int = ITERATIONS, arg: int = 0) -> float:
    r = client.request("BENCH", kind=BENCH_KINDS[kind], iterations=iterations, arg=arg, timeout=300)
    return r["instructions"] / r["iterations"]


def measure_model(model: str, work: Path, kernels=("reference", "cortex_m4"), board=BOARD, detect=True) -> dict:
    """Counts of one model on one board (a name or a Board): per kernel variant, then (detect) the decode + detect
    passes with the board's own variant. The last variant of `kernels` is the one the detection costs compare with."""
    twos, ham = work / f"{model.replace(':', '_')}-twos.img", work / f"{model.replace(':', '_')}-hamming.img"
    name = board if isinstance(board, str) else board.name
    pack_model(model, twos, repr_name="twos", detect="none", testset=4, board=name)
    pack_model(model, ham, repr_name="hamming", detect="parity-lsb+range", testset=4, board=name)
    per_op = macs(twos)
    img = read_image(twos)
    weights = sum(t.count for t in img.codec.tensors if t.code.role == "weight")
    res = {"model": model, "parameters": int(sum(t.count for t in img.codec.tensors)), "macs": int(sum(per_op)),
           "kernels": {}}
    for variant in kernels:
        fw = build_firmware(board, variant=variant)
        with Qemu(board, fw.elf, image=twos, timeout=300) as q:
            c = q.client
            load = c.request("LOAD", flags=0, timeout=300)
            decode = _bench(c, "decode")  # decode + detect alone; LOAD's count adds the kernels' weight packing
            infer = _bench(c, "infer")
            layers = [{"op": i, "kind": op.kind, "macs": m, "elements": int(np.prod(shape)),
                       "instructions": _bench(c, "layer", arg=i),
                       # the fully connected kernel call alone (no dispatch, no per-call timer reads)
                       **({"kernel_instructions": _bench(c, "kernel", KERNEL_ITERATIONS, arg=i)}
                          if op.kind == "dense" else {})}
                      for i, (op, m, shape) in enumerate(zip(img.model.ops, per_op, img.model.shapes()))]
            fly = c.request("LOAD", flags=1 << LOAD_FLAGS["on_the_fly"], timeout=300)
            infer_fly = _bench(c, "infer")
        res["kernels"][variant] = {
            "per_inference": infer, "per_mac": infer / res["macs"], "layers": layers,
            "load_pass": load["instructions"], "decode_pass": decode,
            "decode_per_parameter": decode / load["params"],
            "pack_per_weight": (load["decode_instructions"] - decode) / weights,
            "arena_ram": load["arena_used"], "on_the_fly": {"per_inference": infer_fly, "arena": fly["arena_used"]},
            "firmware": {"text": fw.sizes.text, "bss": fw.sizes.bss}}
    if not detect:
        return res
    with Qemu(board, build_firmware(board).elf, image=ham, timeout=300) as q:
        lut = q.client.request("LOAD", flags=0, timeout=300)
        ham_decode = _bench(q.client, "decode")  # with the lookup tables: BENCH decodes as the last LOAD did
        arith = q.client.request("LOAD", flags=1 << LOAD_FLAGS["no_lut"], timeout=300)
    res["hamming_decode_per_parameter"] = {"lut": lut["decode_instructions"] / lut["params"],
                                           "arithmetic": arith["decode_instructions"] / arith["params"]}
    # decode + detect (BENCH decode: no packing) with a detection rule, against the cortex_m4 inference
    infer = res["kernels"][kernels[-1]]["per_inference"]
    res["detect_decode"] = {"hamming_parity_lsb_range": {"per_parameter": ham_decode / res["parameters"],
                                                         "inferences": ham_decode / infer}}
    for rule in ("range", "parity-lsb", "parity-lsb+range"):
        path = work / f"{model.replace(':', '_')}-twos-{rule}.img"
        pack_model(model, path, repr_name="twos", detect=rule, testset=4, board=name)
        with Qemu(board, build_firmware(board).elf, image=path, timeout=300) as q:
            q.client.request("LOAD", flags=0, timeout=300)
            cost = _bench(q.client, "decode")
        key = "twos_" + rule.replace("-", "_").replace("+", "_")
        res["detect_decode"][key] = {"per_parameter": cost / res["parameters"], "inferences": cost / infer}
    return res


def decode_cost(model: str, work: Path, board, variant: str, rule: str) -> float:
    """Instructions per parameter of the decode + detect pass (BENCH decode) of a twos image with `rule`, built
    with `variant` for `board`."""
    name = board if isinstance(board, str) else board.name
    path = work / f"{model.replace(':', '_')}-{name}-twos-{rule.replace('+', '_')}.img"
    pack_model(model, path, repr_name="twos", detect=rule, testset=4, board=name)
    params = sum(t.count for t in read_image(path).codec.tensors)
    with Qemu(board, build_firmware(board, variant=variant).elf, image=path, timeout=300) as q:
        q.client.request("LOAD", flags=0, timeout=300)
        return _bench(q.client, "decode") / params


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eccless.firmware.measure", description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="digits:mlp,digits:lenet")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        results = [measure_model(m, Path(tmp)) for m in args.models.split(",")]
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for r in results:
        print(f"{r['model']}: {r['parameters']:,} parameters, {r['macs']:,} MACs per inference")
        for v, k in r["kernels"].items():
            print(f"  {v:<10} {k['per_inference']:>12,.0f} instr/inference  {k['per_mac']:6.2f} instr/MAC  "
                  f"load {k['load_pass']:,}  decode {k['decode_per_parameter']:.1f}/param  arena {k['arena_ram']:,} B"
                  f"  | on the fly {k['on_the_fly']['per_inference']:,.0f} instr/inference, arena "
                  f"{k['on_the_fly']['arena']:,} B")
            for layer in k["layers"]:
                per = f"{layer['instructions'] / layer['macs']:.2f}/MAC" if layer["macs"] else ""
                print(f"      op{layer['op']:<2} {layer['kind']:<9} {layer['instructions']:>10,.0f} {per}")
        h = r["hamming_decode_per_parameter"]
        print(f"  hamming decode + detect: {h['lut']:.1f} instr/param with the LUT, {h['arithmetic']:.1f} without")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Device benchmark (QEMU, -icount shift=0): instructions per inference and per MAC with the plain reference C
loops and the tuned kernels (their ratio), per layer, and the load/decode/detect pass per weight against one
inference; first in detail on the Cortex-M4 (mps2-an386), then per CPU class (`classes`): each class's QEMU
board, the reference loops against every kernel variant the class can run, on the same three models.

QEMU counts instructions, not cycles: a figure here is instructions executed (a Helium VMLADAVA, which does 16
multiply-accumulates, counts one, as does an LDM of four words).

Targets (issue 4): <= 1.5 instructions per MAC for int8 fully connected and conv layers; a decode + detect pass
cheaper than one inference. Issue 10: the armv6m variant >= 2x fewer instructions per MAC than the reference loops
on the M0 class; the mve variant >= 2x fewer than the cortex_m4 kernels on the M55; the cortex_m4 kernels >= 2x
fewer than CMSIS-NN's on every bench layer with a CMSIS-NN figure (`CMSIS_NN`, per layer in the M4 summary: a
fully connected layer's kernel call alone against CMSIS-NN's kernel call, `vs_cmsis_nn`; the whole BENCH layer
beside it, `vs_cmsis_nn_layer`). The M3 class (Armv7-M, no DSP) reports reference against the variant its
capabilities pick (armv6m).
Instruction counts are deterministic up to one timer tick (40 instructions; 80 on the lm3s6965evb).
Run: `invoke bench --only device` (or `python bench/bench_device.py --out bench/results`; `--classes m0,m55` for
some classes only, `--no-detail` without the M4 detail).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from eccless.firmware.measure import decode_cost, measure_model
from eccless.fileio import write_json

MODELS = "digits:mlp,digits:lenet,fashion-mnist:lenet"
RULES = ("range", "parity-lsb+range")   # detection rules whose decode + detect pass each class also measures

# CPU class -> (its QEMU board, the variants measured there: the baseline first, the class's own variant last).
# The M0 class runs on an MPS2 AN385 executing the Armv6-M build (the lm3s6965evb M0 has 64 KB of RAM: too little
# for the LeNets while weights are decoded into RAM); the counted instructions are the M0's for that binary.
CLASSES = {
    "m0": ("qemu-mps2-an385-m0", ("reference", "armv6m")),
    "m3": ("qemu-mps2-an385", ("reference", "armv6m")),  # Armv7-M without DSP: the variant its capabilities pick
    "m4": ("qemu-mps2-an386", ("reference", "cortex_m4")),
    "m7": ("qemu-mps2-an500", ("reference", "cortex_m4")),
    "m33": ("qemu-mps2-an505", ("reference", "cortex_m4")),
    "m55": ("qemu-mps3-an547", ("reference", "cortex_m4", "mve")),
}


# CMSIS-NN (ARM-software/CMSIS-NN) on the same layer shapes: instructions per MAC of one kernel call (QEMU mps2-an386
# -icount shift=0, the CMSDK timer read once around 200 back-to-back calls whose arguments are built once, the same
# gcc 12.2 and -O2 / arch flags as eccless but without -ffreestanding, which turns CMSIS-NN's memcpy-based word reads
# into library calls, 3-4x slower). Keyed by (kind, output elements, MACs), which names each shape.
# Fully connected: measured for this bench (docs/KERNELS.md "Against CMSIS-NN"; CMSIS-NN commit 99f736a, outside the
# repo) with arm_fully_connected_per_channel_s8 -- eccless's models are per-channel -- on seeded data whose outputs
# equal the TFLite reference: 1,307.2 / 2,292.2 / 23,988.2 / 97,032.2 instructions per call. (The figures issue 12
# published, 2.80 / 2.39 / 2.02 and a derived 4.29 = 1.27 x 3.375 for FC 32->10, match these within 3 %.)
# Conv: issue 12's published figures (same method); eccless's side there is the BENCH layer figure, whose dispatch
# and timer reads are < 0.1 % of a conv layer.
CMSIS_NN_SOURCE = ("CMSIS-NN instructions per MAC of one kernel call, gcc 12.2 -O2 with eccless's arch flags (no "
                   "-ffreestanding), QEMU mps2-an386 -icount shift=0: fully connected measured with "
                   "arm_fully_connected_per_channel_s8 (commit 99f736a; docs/KERNELS.md), conv as published in "
                   "issue 12 (shared/docs/BOARDS.md 'Peer figures'). Compared with eccless's kernel call alone "
                   "(BENCH kernel) for fully connected layers, with the whole BENCH layer for conv")
CMSIS_NN = {
    ("dense", 10, 320): ("FC 32->10", 1307.2 / 320),
    ("dense", 10, 840): ("FC 84->10", 2292.2 / 840),
    ("dense", 84, 10080): ("FC 120->84", 23988.2 / 10080),
    ("dense", 120, 48000): ("FC 400->120", 97032.2 / 48000),
    ("conv2d", 4704, 117600): ("conv 28x28x1->6 5x5 pad 2", 11.2),
    ("conv2d", 1600, 240000): ("conv 14x14x6->16 5x5", 2.66),
}


def vs_cmsis_nn(layer: dict) -> dict:
    """The CMSIS-NN figure for this layer's shape (if any) against the cortex_m4 kernel's: its kernel call alone
    (BENCH kernel) where measured -- what the CMSIS-NN figure counts -- else the whole layer (BENCH layer); the
    layer ratio beside it. The issue's target is 2x on every such layer."""
    peer = CMSIS_NN.get((layer["kind"], layer["elements"], layer["macs"]))
    if peer is None:
        return {}
    per_layer = layer["instructions"] / layer["macs"]
    ours = layer.get("kernel_instructions", layer["instructions"]) / layer["macs"]
    return {"shape": peer[0], "cmsis_nn": peer[1], "compared": "kernel" if "kernel_instructions" in layer else "layer",
            "vs_cmsis_nn": peer[1] / ours, "vs_cmsis_nn_layer": peer[1] / per_layer, "target_2x": peer[1] / ours >= 2}


def summarize(r: dict) -> dict:
    ref, m4 = r["kernels"]["reference"], r["kernels"]["cortex_m4"]
    weighted = [(a, b) for a, b in zip(ref["layers"], m4["layers"]) if a["macs"]]
    mac_layers = [(a, b) for a, b in weighted if a["kind"] in ("dense", "conv2d")]
    fc_conv = {v: sum(pair[i]["instructions"] for pair in mac_layers) / sum(a["macs"] for a, _ in mac_layers)
               for i, v in enumerate(("reference", "cortex_m4"))}
    return {
        "model": r["model"], "parameters": r["parameters"], "macs": r["macs"],
        "per_mac": {"reference": ref["per_mac"], "cortex_m4": m4["per_mac"], "ratio": ref["per_mac"] / m4["per_mac"]},
        "layers_per_mac": [{"op": a["op"], "kind": a["kind"], "macs": a["macs"],
                            "reference": a["instructions"] / a["macs"], "cortex_m4": b["instructions"] / b["macs"],
                            **({"cortex_m4_kernel": b["kernel_instructions"] / b["macs"]}
                               if "kernel_instructions" in b else {}),
                            **vs_cmsis_nn(b)}
                           for a, b in weighted],
        "fc_conv_per_mac": fc_conv,  # all fully connected and conv layers together: the 1.5 target
        "decode_detect_per_weight": m4["decode_per_parameter"],
        "pack_per_weight": m4["pack_per_weight"],
        "decode_pass_vs_inference": m4["decode_pass"] / m4["per_inference"],
        "load_pass": m4["load_pass"], "arena_ram": m4["arena_ram"],
        "on_the_fly_cost": m4["on_the_fly"]["per_inference"] / m4["per_inference"],
        "hamming_decode_per_parameter": r["hamming_decode_per_parameter"],
        "detect_decode": r["detect_decode"],
    }


def class_row(r: dict) -> dict:
    """One model on one CPU class: per variant instructions per MAC (whole inference; fully connected + conv layers
    only) and the decode + detect pass per parameter; ratios of each variant to the reference and to the one before
    it (mve against cortex_m4)."""
    ks = r["kernels"]
    names = list(ks)
    per_mac = {v: ks[v]["per_mac"] for v in names}
    fc_conv = {}
    for v in names:
        pairs = [(lay["instructions"], lay["macs"]) for lay in ks[v]["layers"] if lay["kind"] in ("dense", "conv2d")]
        fc_conv[v] = sum(i for i, _ in pairs) / sum(m for _, m in pairs)
    return {"macs": r["macs"], "per_mac": per_mac, "fc_conv_per_mac": fc_conv,
            "vs_reference": {v: per_mac[names[0]] / per_mac[v] for v in names[1:]},
            "vs_previous": {names[i]: per_mac[names[i - 1]] / per_mac[names[i]] for i in range(1, len(names))},
            "layers_per_mac": {v: [{"op": lay["op"], "kind": lay["kind"], "per_mac": lay["instructions"] / lay["macs"]}
                                   for lay in ks[v]["layers"] if lay["macs"]] for v in names},
            "decode_detect_per_parameter": {v: ks[v]["decode_per_parameter"] for v in names},
            "decode_pass_vs_inference": {v: ks[v]["decode_pass"] / ks[v]["per_inference"] for v in names}}


def measure_classes(names, models, tmp: Path) -> dict:
    out = {}
    for name in names:
        board, variants = CLASSES[name]
        rows = {}
        for m in models:
            r = class_row(measure_model(m, tmp, kernels=variants, board=board, detect=False))
            r["decode_detect_rules_per_parameter"] = {rule: {v: decode_cost(m, tmp, board, v, rule) for v in variants}
                                                      for rule in RULES}
            rows[m] = r
            print(f"{name:<4} {m:<20} " + "  ".join(f"{v} {x:.2f}" for v, x in r["per_mac"].items()) +
                  " instr/MAC  " + "  ".join(f"{v} x{x:.2f}" for v, x in r["vs_previous"].items()))
        out[name] = {"board": board, "variants": list(variants), "models": rows}
    return out


def class_targets(classes: dict) -> dict:
    t = {}
    if "m0" in classes:
        t["armv6m_at_least_2x_fewer_than_reference_on_m0"] = {
            m: r["vs_reference"]["armv6m"] >= 2 for m, r in classes["m0"]["models"].items()}
    if "m55" in classes:
        t["mve_at_least_2x_fewer_than_cortex_m4_on_m55"] = {
            m: r["vs_previous"]["mve"] >= 2 for m, r in classes["m55"]["models"].items()}
    return t


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="bench/results")
    ap.add_argument("--models", default=MODELS)
    ap.add_argument("--classes", default=",".join(CLASSES), help=f"CPU classes ({', '.join(CLASSES)})")
    ap.add_argument("--no-detail", action="store_true", help="skip the Cortex-M4 detail (detection rules etc.)")
    args = ap.parse_args(argv)
    names = [c for c in args.classes.split(",") if c]
    unknown = [c for c in names if c not in CLASSES]
    if unknown:
        ap.error(f"unknown CPU class {unknown[0]!r} (known: {', '.join(CLASSES)})")
    models = args.models.split(",")
    with tempfile.TemporaryDirectory() as tmp:
        classes = measure_classes(names, models, Path(tmp))
        raw = [] if args.no_detail else [measure_model(m, Path(tmp)) for m in models]
    rows = [summarize(r) for r in raw]
    for s in rows:
        p = s["per_mac"]
        print(f"{s['model']:<22} {s['macs']:>9,} MACs  instr/MAC reference {p['reference']:.2f}  cortex_m4 "
              f"{p['cortex_m4']:.2f}  (x{p['ratio']:.2f})  decode+detect {s['decode_detect_per_weight']:.1f}/weight "
              f"= {s['decode_pass_vs_inference']:.2f} inferences, packing {s['pack_per_weight']:.1f}/weight")
        dd = s["detect_decode"]
        print("    decode + detect with detection, per parameter = inferences: " + "; ".join(
            f"{k.replace('_', ' ')} {v['per_parameter']:.1f} = {v['inferences']:.2f}" for k, v in dd.items()))
        print(f"    fully connected + conv layers together: reference {s['fc_conv_per_mac']['reference']:.2f}  "
              f"cortex_m4 {s['fc_conv_per_mac']['cortex_m4']:.2f} instr/MAC")
        for layer in s["layers_per_mac"]:
            peer = (f"  CMSIS-NN {layer['cmsis_nn']:.2f} (x{layer['vs_cmsis_nn']:.2f} {layer['compared']}, "
                    f"x{layer['vs_cmsis_nn_layer']:.2f} layer)" if "cmsis_nn" in layer else "")
            kernel = f" (kernel call {layer['cortex_m4_kernel']:.2f})" if "cortex_m4_kernel" in layer else ""
            print(f"    op{layer['op']:<2} {layer['kind']:<8} {layer['macs']:>9,} MACs  reference "
                  f"{layer['reference']:6.2f}  cortex_m4 {layer['cortex_m4']:6.2f}{kernel} instr/MAC{peer}")
    out = Path(args.out) / "device.json"
    targets = class_targets(classes)
    if rows:
        targets.update({
            "fc_conv_at_most_1.5_instr_per_mac": all(r["fc_conv_per_mac"]["cortex_m4"] <= 1.5 for r in rows),
            "cortex_m4_at_least_2x_fewer_than_cmsis_nn": {
                f"{r['model']} {layer['shape']}": layer["target_2x"]
                for r in rows for layer in r["layers_per_mac"] if "cmsis_nn" in layer},
            "decode_detect_below_one_inference": {
                "plain": all(r["decode_pass_vs_inference"] < 1 for r in rows),
                **{k: {r["model"]: r["detect_decode"][k]["inferences"] < 1 for r in rows}
                   for k in rows[0]["detect_decode"]}}})
    write_json(out, {"unit": "instructions (QEMU -icount shift=0), not cycles", "cmsis_nn_source": CMSIS_NN_SOURCE,
                     "classes": classes,
                     "summary": rows, "targets": targets, "raw": raw}, make_parents=True)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

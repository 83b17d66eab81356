"""Device benchmark (QEMU mps2-an386, Cortex-M4, -icount shift=0): instructions per inference and per MAC with
the plain reference C loops and the Cortex-M4 DSP kernels (their ratio), per layer, and the load/decode/detect
pass per weight against one inference.

Targets (issue 4): <= 1.5 instructions per MAC for int8 fully connected and conv layers; a decode + detect pass
cheaper than one inference. Element-wise activations (relu, sigmoid, hardswish) are reported per output element
(`digits:actmlp` has TFLite's int8 LOGISTIC and HARD_SWISH; no target). Instruction counts are deterministic up to
one timer tick (40 instructions).
Run: `invoke bench --only device` (or `python bench/bench_device.py --out bench/results`).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from eccless.firmware.measure import measure_model
from eccless.fileio import write_json

MODELS = "digits:mlp,digits:lenet,fashion-mnist:lenet,digits:actmlp"
ELEMENTWISE = ("relu", "relu6", "sigmoid", "hardswish")


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
                            "reference": a["instructions"] / a["macs"], "cortex_m4": b["instructions"] / b["macs"]}
                           for a, b in weighted],
        "fc_conv_per_mac": fc_conv,  # all fully connected and conv layers together: the 1.5 target
        "elementwise_per_element": [{"op": a["op"], "kind": a["kind"], "elements": a["elements"],
                                     "reference": a["instructions"] / a["elements"],
                                     "cortex_m4": b["instructions"] / b["elements"],
                                     "share_of_inference_cortex_m4": b["instructions"] / m4["per_inference"]}
                                    for a, b in zip(ref["layers"], m4["layers"]) if a["kind"] in ELEMENTWISE],
        "decode_detect_per_weight": m4["decode_per_parameter"],
        "pack_per_weight": m4["pack_per_weight"],
        "decode_pass_vs_inference": m4["decode_pass"] / m4["per_inference"],
        "load_pass": m4["load_pass"], "arena_ram": m4["arena_ram"],
        "on_the_fly_cost": m4["on_the_fly"]["per_inference"] / m4["per_inference"],
        "hamming_decode_per_parameter": r["hamming_decode_per_parameter"],
        "detect_decode": r["detect_decode"],
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="bench/results")
    ap.add_argument("--models", default=MODELS)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        raw = [measure_model(m, Path(tmp)) for m in args.models.split(",")]
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
            print(f"    op{layer['op']:<2} {layer['kind']:<8} {layer['macs']:>9,} MACs  reference "
                  f"{layer['reference']:6.2f}  cortex_m4 {layer['cortex_m4']:6.2f} instr/MAC")
        for layer in s["elementwise_per_element"]:
            print(f"    op{layer['op']:<2} {layer['kind']:<9} {layer['elements']:>6,} elements  reference "
                  f"{layer['reference']:6.1f}  cortex_m4 {layer['cortex_m4']:6.1f} instr/element "
                  f"({100 * layer['share_of_inference_cortex_m4']:.0f} % of an inference)")
    out = Path(args.out) / "device.json"
    targets = {"fc_conv_at_most_1.5_instr_per_mac": all(r["fc_conv_per_mac"]["cortex_m4"] <= 1.5 for r in rows),
               "decode_detect_below_one_inference": {
                   "plain": all(r["decode_pass_vs_inference"] < 1 for r in rows),
                   **{k: {r["model"]: r["detect_decode"][k]["inferences"] < 1 for r in rows}
                      for k in rows[0]["detect_decode"]}}}
    write_json(out, {"summary": rows, "targets": targets, "raw": raw}, make_parents=True)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

"""Activation benchmark (QEMU mps2-an386, -icount shift=0): instructions per element of TFLite's int8 LOGISTIC
(sigmoid) and HARD_SWISH on the device, computed element by element (layers of at most 256 elements) and through
the 256-entry table the kernels build for longer layers, and the ratio of the two per element.

Models: `digits:actmlp` (sigmoid on 64, hardswish on 32 elements: the direct path) and a seeded random MLP on
digits whose activations have SIZES elements (the table path), both through the same firmware in one run. No
target: the figures say what an activation layer costs next to the dense layers around it.
Run: `invoke bench --only activations` (or `python bench/bench_activations.py --out bench/results`).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from eccless import data
from eccless.commands.image import pack_model
from eccless.fileio import write_json
from eccless.firmware.build import build_firmware
from eccless.firmware.measure import BOARD, _bench
from eccless.graph import Graph, Op
from eccless.image.load import read_image
from eccless.link.qemu import Qemu
from eccless.quant.int8 import quantize
from eccless.tflite.export import export_tflite

SIZES = (1024, 512)  # sigmoid, hardswish elements of the wide model
VARIANTS = ("reference", "cortex_m4")


def wide_model(path: Path) -> Path:
    rng = np.random.default_rng(0)
    digits = data.load("digits")

    def dense(n_out, n_in):
        return Op("dense", weight=(rng.normal(size=(n_out, n_in)) / np.sqrt(n_in)).astype(np.float32),
                  bias=(rng.normal(size=n_out) * 0.1).astype(np.float32))

    a, b = SIZES
    g = Graph((8, 8, 1), [Op("reshape", shape=(64,)), dense(a, 64), Op("sigmoid"), dense(b, a), Op("hardswish"),
                          dense(10, b)], 10)
    return export_tflite(quantize(g, digits.x_train[:256]), path)


def layers(image: Path, variant: str) -> list[dict]:
    img = read_image(image)
    fw = build_firmware(BOARD, variant=variant)
    out = []
    with Qemu(BOARD, fw.elf, image=image, timeout=300) as q:
        q.client.request("LOAD", flags=0, timeout=300)
        for i, (op, shape) in enumerate(zip(img.model.ops, img.model.shapes())):
            if op.kind in ("sigmoid", "hardswish"):
                n = int(np.prod(shape))
                ins = _bench(q.client, "layer", arg=i)
                out.append({"op": i, "kind": op.kind, "elements": n, "instructions": ins, "per_element": ins / n})
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="bench/results")
    args = ap.parse_args(argv)
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        small, wide = tmp / "actmlp.img", tmp / "wide.img"
        pack_model("digits:actmlp", small, repr_name="twos", detect="none", testset=4)
        pack_model(str(wide_model(tmp / "wide.tflite")), wide, repr_name="twos", detect="none", testset=4,
                   dataset="digits")
        for variant in VARIANTS:
            direct, table = layers(small, variant), layers(wide, variant)
            res[variant] = {"direct": direct, "table": table,
                            "direct_over_table_per_element": {
                                d["kind"]: d["per_element"] / t["per_element"] for d, t in zip(direct, table)}}
            for d, t in zip(direct, table):
                print(f"{variant:<10} {d['kind']:<9} direct {d['per_element']:6.1f} instr/element ({d['elements']} "
                      f"elements), table {t['per_element']:6.1f} ({t['elements']} elements): "
                      f"x{d['per_element'] / t['per_element']:.2f}")
    out = Path(args.out) / "activations.json"
    write_json(out, {"board": BOARD, "sizes": SIZES, "results": res}, make_parents=True)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

"""ECC baselines benchmark: the device's decode cost and the sweep's cost of decoding exactly.

Device (QEMU mps2-an386, Cortex-M4, -icount shift=0, instruction counts exact up to one timer tick): the LOAD of a
SEC-DED image minus the LOAD of the same model stored plainly, per parameter -- the decode step of
edge/loader/ed_ecc_weights.c (copy to RAM, syndromes, corrections) -- beside the decode + detect pass per parameter
and one inference of the same firmware (ratios in the same run). At BER 0 and at 1e-3 (INJECT on the weights).

Host: the share of a sweep trial spent drawing flips (target < 5 %, as for every sweep) and decoding the code
(ECC decode + the inner re-decode), per scheme, for the digits MLP and the fashion-mnist LeNet at BER 1e-3; the
median of three runs of TRIALS trials each.
Run: `invoke bench --only ecc` (or `python bench/bench_ecc.py --out bench/results`); writes bench/results/ecc.json.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

from eccless.boards import DEFAULT_BOARD
from eccless.commands.image import pack_model
from eccless.commands.run import ModelDevice, channel_constants
from eccless.fileio import write_json
from eccless.firmware.build import build_firmware
from eccless.firmware.measure import _bench
from eccless.link.qemu import Qemu
from eccless.sweep.experiment import Config, Experiment

DEVICE_MODELS = ("digits:mlp", "digits:lenet")
DEVICE_SCHEMES = ("secded72", "secded39", "bch512t4", "bch512t8")
HOST_MODELS = (("digits:mlp", 0), ("fashion-mnist:lenet", 500))
HOST_SCHEMES = ("none", "secded72", "secded39", "bch512t4", "bch512t8")
TRIALS = 20


def device_costs(work: Path) -> list[dict]:
    fw = build_firmware(DEFAULT_BOARD)
    rows = []
    for model in DEVICE_MODELS:
        loads = {}
        for ecc in ("none", *DEVICE_SCHEMES):
            path = work / f"{model.replace(':', '_')}-{ecc}.img"
            pack_model(model, path, repr_name="twos", detect="range", testset=4, ecc=ecc)
            with Qemu(DEFAULT_BOARD, fw.elf, image=path, timeout=300) as q:
                dev = ModelDevice(q.client)
                clean = q.client.request("LOAD", flags=0, timeout=300)
                infer = _bench(q.client, "infer")
                decode = _bench(q.client, "decode")
                dev.inject("weights", channel_constants("bsc", 1e-3), 1)
                noisy = q.client.request("LOAD", flags=0, timeout=300)
            loads[ecc] = {"clean": clean["instructions"], "noisy": noisy["instructions"], "params": clean["params"],
                          "infer": infer, "decode_detect": decode}
        base = loads["none"]
        for ecc in DEVICE_SCHEMES:
            e = loads[ecc]
            per = {k: (e[k] - base[k]) / e["params"] for k in ("clean", "noisy")}
            rows.append({"model": model, "ecc": ecc, "params": e["params"],
                         "ecc_decode_per_parameter": per["clean"], "ecc_decode_per_parameter_ber_1e-3": per["noisy"],
                         "decode_detect_per_parameter": e["decode_detect"] / e["params"],
                         "vs_decode_detect": per["clean"] * e["params"] / e["decode_detect"],
                         "vs_inference": per["clean"] * e["params"] / e["infer"], "loads": loads[ecc],
                         "plain_load": base})
    return rows


def host_shares() -> list[dict]:
    rows = []
    for model, samples in HOST_MODELS:
        for ecc in HOST_SCHEMES:
            exp = Experiment(Config(model, "int8", 8, "signmag", "parity-lsb+range", samples=samples, ecc=ecc))
            runs = []
            with threadpool_limits(1):
                for _ in range(3):
                    inject = decode = infer = 0.0
                    for seed in range(TRIALS):
                        t0 = time.perf_counter()
                        pos = exp.noise.positions(exp.region, 1e-3, seed)
                        t1 = time.perf_counter()
                        decoded = exp.stored.apply_flips(pos)
                        t2 = time.perf_counter()
                        exp.accuracy(exp.stored.rebuild(decoded))
                        t3 = time.perf_counter()
                        inject, decode, infer = inject + t1 - t0, decode + t2 - t1, infer + t3 - t2
                    total = inject + decode + infer
                    runs.append({"inject_share": inject / total, "decode_share": decode / total,
                                 "trial_ms": 1e3 * total / TRIALS})
            runs.sort(key=lambda r: r["trial_ms"])
            rows.append({"model": model, "samples": samples, "ecc": ecc, **runs[1], "runs": runs})
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="bench/results")
    ap.add_argument("--skip-device", action="store_true")
    args = ap.parse_args(argv)
    device = []
    if not args.skip_device:
        with tempfile.TemporaryDirectory() as tmp:
            device = device_costs(Path(tmp))
    for r in device:
        print(f"{r['model']:<14} {r['ecc']:<9} ECC decode {r['ecc_decode_per_parameter']:.2f} instr/parameter "
              f"({r['ecc_decode_per_parameter_ber_1e-3']:.2f} at BER 1e-3) = {r['vs_decode_detect']:.2f} x the "
              f"decode + detect pass ({r['decode_detect_per_parameter']:.2f}/parameter), {r['vs_inference']:.3f} "
              f"inferences")
    host = host_shares()
    for r in host:
        print(f"{r['model']:<20} {r['ecc']:<9} trial {r['trial_ms']:.1f} ms  "
              f"injection {100 * r['inject_share']:.2f} %  "
              f"decode {100 * r['decode_share']:.1f} %")
    targets = {"injection_below_5pct_of_a_trial": all(r["inject_share"] < 0.05 for r in host)}
    out = Path(args.out) / "ecc.json"
    write_json(out, {"device": device, "host": host, "targets": targets, "board": DEFAULT_BOARD,
                     "trials": TRIALS}, make_parents=True)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

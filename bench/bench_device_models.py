"""Device cost of what issue 13 added to the loader: the correlated error models' INJECT replay, the ECC `zero`
policy and biases read from the protected payload -- each against its baseline in the same QEMU run.

QEMU mps2-an386 (Cortex-M4, -icount shift=0: exact instruction counts), the digits MLP (twos + parity-lsb + range,
int8):
  - channel: LOAD instructions with INJECT armed on the weight region at BER 1e-3 for bsc, burst:8, burst:64 and
    stuck:0 (same seed); the LOAD without INJECT is the base, the ratio is (LOAD - base) / (bsc's LOAD - base), and
    the flips drawn are reported beside it (every model flips about BER of the bits);
  - zero policy: LOAD of the SEC-DED (72,64) image with `:asread` and with `:zero` at BER 1e-2 (blocks fail), ratio;
  - protected biases: clean LOAD and one inference, biases exposed vs protected (ratio), and the storage cost pack
    reports (bias words in the payload, protected blob growth, bits per parameter).
Run: `invoke bench --only device_models` (or `python bench/bench_device_models.py --out bench/results`); writes
bench/results/device_models.json.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from eccless.boards import DEFAULT_BOARD
from eccless.commands.image import pack_model
from eccless.commands.run import ModelDevice, channel_model
from eccless.fileio import write_json
from eccless.firmware.build import build_firmware
from eccless.firmware.measure import _bench
from eccless.link.qemu import Qemu

MODEL, REPR, RULE = "digits:mlp", "twos", "parity-lsb+range"
CHANNELS = ("bsc", "burst:8", "burst:64", "stuck:0")
SEED = 5


def _load(q) -> dict:
    return q.client.request("LOAD", flags=0, timeout=300)


def channel_costs(fw, work: Path) -> dict:
    path = work / "mlp.img"
    pack_model(MODEL, path, repr_name=REPR, detect=RULE, testset=4)
    rows = {}
    with Qemu(DEFAULT_BOARD, fw.elf, image=path, timeout=300) as q:
        dev = ModelDevice(q.client)
        base = _load(q)["instructions"]
        for spec in CHANNELS:
            dev.inject("clear")
            dev.inject("weights", channel_model(spec, 1e-3), SEED)
            load = _load(q)
            rows[spec] = {"load_instructions": load["instructions"], "flips": load["flips_weights"],
                          "zeroed": load["zeroed_parity"] + load["zeroed_range"]}
    bsc = rows["bsc"]["load_instructions"] - base
    for r in rows.values():
        r["inject_and_detect_vs_bsc"] = (r["load_instructions"] - base) / bsc
    return {"ber": 1e-3, "seed": SEED, "clean_load_instructions": base, "models": rows}


def zero_policy_costs(fw, work: Path) -> dict:
    out = {}
    for policy in ("asread", "zero"):
        path = work / f"mlp-{policy}.img"
        pack_model(MODEL, path, repr_name=REPR, detect=RULE, testset=4, ecc=f"secded72:{policy}")
        with Qemu(DEFAULT_BOARD, fw.elf, image=path, timeout=300) as q:
            dev = ModelDevice(q.client)
            clean = _load(q)["instructions"]
            dev.inject("weights", channel_model("bsc", 1e-2), SEED)
            load = _load(q)
            out[policy] = {"clean_load_instructions": clean, "load_instructions": load["instructions"],
                           "ecc_failed": load["ecc_failed"], "zeroed_ecc": load["zeroed_ecc"],
                           "params": load["params"]}
    out["zero_vs_asread_load"] = out["zero"]["load_instructions"] / out["asread"]["load_instructions"]
    out["zero_vs_asread_clean_load"] = out["zero"]["clean_load_instructions"] / out["asread"]["clean_load_instructions"]
    return {"ecc": "secded72", "ber": 1e-2, "seed": SEED, **out}


def protected_bias_costs(fw, work: Path) -> dict:
    out = {}
    for biases in ("exposed", "protected"):
        path = work / f"mlp-{biases}.img"
        info = pack_model(MODEL, path, repr_name=REPR, detect=RULE, testset=4, biases=biases)
        with Qemu(DEFAULT_BOARD, fw.elf, image=path, timeout=300) as q:
            load = _load(q)
            out[biases] = {"load_instructions": load["instructions"], "infer": _bench(q.client, "infer"),
                           "image_bytes": info["bytes"], "region_bytes": info["region_bytes"],
                           "bits_per_parameter": info["bits_per_parameter"],
                           **{k: info[k] for k in ("protected_bias_payload_bytes", "protected_blob_growth_bytes")
                              if k in info}}
    out["protected_vs_exposed_load"] = out["protected"]["load_instructions"] / out["exposed"]["load_instructions"]
    out["protected_vs_exposed_infer"] = out["protected"]["infer"] / out["exposed"]["infer"]
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="bench/results")
    args = ap.parse_args(argv)
    fw = build_firmware(DEFAULT_BOARD)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        channels = channel_costs(fw, work)
        zero = zero_policy_costs(fw, work)
        biases = protected_bias_costs(fw, work)
    for spec, r in channels["models"].items():
        print(f"INJECT {spec:<9} BER 1e-3: {r['flips']:>4} flips, LOAD {r['load_instructions']:,} instructions, "
              f"(LOAD - clean) = {r['inject_and_detect_vs_bsc']:.2f} x bsc's")
    print(f"secded72 at BER 1e-2: {zero['zero']['ecc_failed']} failed blocks, {zero['zero']['zeroed_ecc']} parameters "
          f"zeroed; LOAD :zero / :asread = {zero['zero_vs_asread_load']:.3f} "
          f"(clean {zero['zero_vs_asread_clean_load']:.3f})")
    p = biases["protected"]
    print(f"biases protected: {p['protected_bias_payload_bytes']} bytes in the payload, blob +"
          f"{p['protected_blob_growth_bytes']} bytes, {p['bits_per_parameter']:.3f} vs "
          f"{biases['exposed']['bits_per_parameter']:.3f} bits/parameter; "
          f"LOAD x{biases['protected_vs_exposed_load']:.3f}, inference x{biases['protected_vs_exposed_infer']:.3f}")
    out = Path(args.out) / "device_models.json"
    write_json(out, {"board": DEFAULT_BOARD, "model": MODEL, "repr": REPR, "rule": RULE, "channels": channels,
                     "zero_policy": zero, "protected_biases": biases}, make_parents=True)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

"""The `eccless` command line. Each sub-command is a thin wrapper over library functions.

Any EcclessError (bad input, unsupported op, interrupted job) becomes one line on stderr and a non-zero exit code;
tracebacks are for bugs only (set ECCLESS_DEBUG=1 to see them for expected errors too).
"""

from __future__ import annotations

import os
import signal
import sys


def _interrupted_early(signum, frame):
    """Ctrl-C or SIGTERM while the modules load: nothing to clean up yet, so one line and out (no traceback)."""
    os.write(2, b"eccless: interrupted\n")
    os._exit(130)


if __name__ == "__main__" or os.path.basename(sys.argv[0]) == "eccless":  # a program, not an import in a test
    for _sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(_sig, _interrupted_early)

import argparse  # noqa: E402  (after the signal handlers: imports take the first ~0.1 s)
import contextlib  # noqa: E402
import json  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from . import represent  # noqa: E402
from .boards import DEFAULT_BOARD  # noqa: E402
from .errors import EcclessError, Interrupted, UsageError  # noqa: E402
from .firmware.manifest import VARIANT_ORDER  # noqa: E402


def _ints(spec: str) -> list[int]:
    """'4:16' -> 4..16; '8,12' -> [8, 12]."""
    try:
        if ":" in spec:
            a, b = spec.split(":")
            return list(range(int(a), int(b) + 1))
        return [int(v) for v in spec.split(",")]
    except ValueError:
        raise UsageError(f"cannot parse {spec!r} as integers (A:B or a comma list)") from None


def _default_quant(model: str) -> str:
    """The quantization a model is stored in when --quant is not given: a .tflite file is already int8."""
    return "int8" if Path(model).suffix.lower() == ".tflite" else "float32"


def _configs(args) -> list:
    from . import represent
    from .storage.ecc import EccSpec
    from .sweep.experiment import BIAS_PLACEMENTS
    from .sweep.experiment import Config
    from .sweep.grid import parse_list

    if args.samples < 0:
        raise UsageError(f"--samples {args.samples}: give a number of samples >= 0 (0: all)")
    for rep in parse_list(args.repr, "representation"):  # every name, even those a float32 sweep does not use
        if rep != "float32":
            represent.stable_id(rep)
    configs = []
    for model in parse_list(args.model, "model"):
        quants = parse_list(args.quant, "quantization") if args.quant else [_default_quant(model)]
        for quant in quants:
            bits_list = _ints(args.bits) if quant == "uniform" else [8]
            reprs = ["float32"] if quant == "float32" else parse_list(args.repr, "representation")
            for bits in bits_list:
                if quant == "uniform" and not 2 <= bits <= 32:
                    raise UsageError(f"bits per parameter n={bits} outside 2..32")
                for rep in reprs:
                    if rep == "float32" and quant != "float32":
                        continue
                    for det in parse_list(args.detect, "detection rule"):
                        if det.startswith("parity-exp") and quant != "float32":
                            continue  # bit 30 is free only in float32 words
                        for ecc in parse_list(args.ecc, "ECC scheme"):
                            for biases in parse_list(args.biases, "bias placement"):
                                if biases not in BIAS_PLACEMENTS:
                                    raise UsageError(f"--biases {biases!r}: give {' or '.join(BIAS_PLACEMENTS)}")
                                configs.append(Config(model, quant, bits, rep, det, args.channel, args.dataset,
                                                      args.samples, str(EccSpec.parse(ecc)), biases))
    if not configs:
        raise UsageError("no valid (quantization, representation, detection) combination in the arguments")
    _validate(configs)
    return configs


def _validate(configs):
    """Fail on unknown names before any model is trained."""
    from . import represent
    from .detect import get_rule
    from .channel.spec import NoiseSpec

    for c in configs:
        get_rule(c.detect)
        NoiseSpec.parse(c.channel)
        if c.repr != "float32":
            represent.stable_id(c.repr)  # raises on an unknown name


def _add_config_args(p):
    p.add_argument("--model", default="digits:mlp", help="DATASET:ARCH (trained and cached) or a .onnx/.tflite/.npz "
                   "file; comma-separate several")
    p.add_argument("--dataset", default=None, help="evaluation dataset for model files")
    p.add_argument("--quant", default=None, help="float32, int8, uniform (comma list); default: int8 for a .tflite "
                   "model, else float32")
    p.add_argument("--bits", default="8", help="n for uniform quantization: 8, or 4:16, or 4,8,12")
    p.add_argument("--repr", default="twos", help="integer representation(s) for int8/uniform (comma list)")
    p.add_argument("--detect", default="none", help="detection rule(s) (comma list); see `eccless list`")
    p.add_argument("--channel", default="bsc", help="error model: bsc, asym:R (0->1 rate = R x 1->0 rate), burst:L "
                   "(runs of L bits), stuck:F (the stuck-at map of device seed F)")
    p.add_argument("--ecc", default="none", help="ECC baseline(s) over the region (comma list): none, secded72, "
                   "secded39, bch512t4, bch512t8, each with :asread (default) or :zero for uncorrectable blocks")
    p.add_argument("--biases", default="exposed", help="where biases are stored (comma list): exposed (in the raw "
                   "region) or protected (in the BCH-protected metadata: read exactly, costs its parity)")
    p.add_argument("--samples", type=int, default=0, help="evaluate on the first N test samples (0: all)")
    p.add_argument("--seed", type=int, default=0, help="trial t uses seed SEED+t")
    p.add_argument("--jobs", type=int, default=1, help="worker processes")
    p.add_argument("--quiet", action="store_true", help="no progress (bars on a terminal, else a line every "
                   "ECCLESS_PROGRESS_EVERY seconds on stderr)")
    _add_cluster_args(p)


def _add_cluster_args(p, who=""):
    p.add_argument("--cluster", default=None, metavar="local:N", help="run the trials on a Dask LocalCluster of N "
                   "workers (needs eccless[cluster])")
    p.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT", help="run the trials on the workers of "
                   f"a running Dask cluster{who}")


@contextlib.contextmanager
def _cluster_session(args):
    """--cluster/--scheduler: the Dask session a command runs its trials on (args.farm), closed after it."""
    args.farm = None
    if not (getattr(args, "cluster", None) or getattr(args, "scheduler", None)):
        yield
        return
    if getattr(args, "jobs", 1) > 1:
        raise UsageError("--jobs is the local process pool: give it or --cluster/--scheduler, not both")
    if args.command == "run":
        from .sweep.device_farm import open_farm

        opener = open_farm(args.cluster, args.scheduler, board=args.board, quiet=args.json)
    else:
        from .sweep.cluster import open_cluster

        opener = open_cluster(args.cluster, args.scheduler, quiet=args.quiet)
    with opener as args.farm:
        yield


def cmd_sweep(args):
    from .sweep.grid import parse_ber
    from .sweep.runner import run_sweep

    from .fileio import output_dir

    if args.trials < 1:
        raise UsageError("--trials must be at least 1")
    configs, bers = _configs(args), parse_ber(args.ber)
    summary = run_sweep(configs, bers, args.trials, output_dir(args.out), seed=args.seed, jobs=args.jobs,
                        quiet=args.quiet, cluster=args.farm)
    for curve in summary["curves"]:
        pts = "  ".join(f"{p['ber']:.0e}:{p['accuracy'] * 100:.1f}" for p in curve["points"])
        print(f"{curve['label']}  clean {curve['clean_accuracy'] * 100:.2f}%  |  {pts}")
    print(f"wrote {args.out}/sweep.json, sweep.csv, sweep.png")


def cmd_critical(args):
    from .sweep.critical import critical_bers
    from .sweep.executor import TrialExecutor
    from .sweep.experiment import Experiment
    from .fileio import output_dir, write_json

    if args.margin < 0:
        raise UsageError(f"--margin {args.margin:g}: give percentage points >= 0")
    if args.max_trials < 1:
        raise UsageError("--max-trials must be at least 1")
    configs = _configs(args)
    output_dir(args.out)
    experiments = {c.key(): Experiment(c) for c in configs}
    executor = TrialExecutor(experiments, Path(args.out) / "trials.jsonl", jobs=args.jobs, quiet=args.quiet,
                             cluster=args.farm)
    results = []
    found = critical_bers([experiments[c.key()] for c in configs], executor, margin=args.margin / 100,
                          max_trials=args.max_trials, seed=args.seed)  # side by side: every round in one batch
    for c, r in zip(configs, found):
        results.append(r.as_dict() | {"label": c.label()})
        crit = f"{r.critical_ber:.3g}" if r.critical_ber is not None else f"< {r.first_failing_ber:.3g}"
        print(f"{c.label()}  clean {r.clean_accuracy * 100:.2f}%  critical BER {crit}")
    write_json(Path(args.out) / "critical.json", {"margin_pp": args.margin, "results": results}, make_parents=True)


TRADEOFF_DEFAULTS = {"quant": "int8", "repr": "twos,signmag", "detect": "none,range,parity-lsb+range",
                     "ecc": "none,secded72,secded39,bch512t4,bch512t8,bch512t8:zero"}


def cmd_tradeoff(args):
    from .fileio import output_dir
    from .report.tradeoff import run_tradeoff

    if args.margin < 0:
        raise UsageError(f"--margin {args.margin:g}: give percentage points >= 0")
    if args.max_trials < 1:
        raise UsageError("--max-trials must be at least 1")
    configs = _configs(args)
    summary = run_tradeoff(configs, output_dir(args.out), margin=args.margin / 100, max_trials=args.max_trials,
                           seed=args.seed, jobs=args.jobs, quiet=args.quiet, cluster=args.farm)
    for r in sorted(summary["rows"], key=lambda r: r["overhead_pct"]):
        crit = f"{r['critical_ber']:.3g}" if r["critical_ber"] is not None else f"< {r['first_failing_ber']:.3g}"
        print(f"{'*' if r['pareto'] else ' '} {r['label']:<58} {r['bits_per_parameter']:7.3f} bits/param  "
              f"overhead {r['overhead_pct']:6.2f} %  critical BER {crit}")
    print(f"wrote {args.out}/tradeoff.json, tradeoff.md, tradeoff.png (* on the Pareto frontier)")


def cmd_distortion(args):
    from .analysis.distortion import distortion_table, gaussian_pmf, pmf_from_weights
    from .sweep.grid import parse_list

    from . import represent

    names = parse_list(args.repr, "representation")
    for name in names:  # an unknown name is an error, not a row of NaNs (a code refusing some n still gets a note)
        represent.stable_id(name)
    ns = _ints(args.n)
    if args.pmf == "uniform":
        pmf_for_n = None
    elif args.pmf == "gaussian":
        pmf_for_n = gaussian_pmf
    elif args.pmf.startswith("weights:"):
        from .modelsource import load_model_and_data

        model, _ = load_model_and_data(args.pmf.split(":", 1)[1], args.dataset)
        weights = np.concatenate([op.weight.astype(np.float64).ravel() for op in model.ops if op.weight is not None])

        def pmf_for_n(n):
            return pmf_from_weights(weights, n)
    else:
        raise UsageError(f"--pmf {args.pmf!r}: use uniform, gaussian or weights:MODEL (e.g. weights:digits:lenet)")
    rows = distortion_table(names, ns, pmf_for_n)
    print(f"{'repr':<10} {'n':>3} {'max':>10} {'mean':>10} {'rms':>10}   "
          f"(single flips, in level steps, pmf {args.pmf})")
    for r in rows:
        note = f"   ({r['note']})" if "note" in r else ""
        print(f"{r['representation']:<10} {r['n']:>3} {r['max']:>10.2f} {r['mean']:>10.3f} {r['rms']:>10.3f}{note}")


def cmd_list(args):
    from . import represent
    from .data import names as dataset_names
    from .detect import RULES
    from .models import ARCHS

    print("datasets:        " + ", ".join(dataset_names()))
    print("architectures:   " + ", ".join(sorted(ARCHS)))
    print("quantizations:   float32, int8, uniform (with --bits n)")
    print("representations: float32 (float32 only), " + ", ".join(represent.names()))
    print("detection rules:")
    for name in RULES:
        print(f"  {name:<20} {RULES.get(name).summary}")
    print("error models:    bsc (binary symmetric), asym:R (0->1 rate = R x the 1->0 rate), burst:L (runs of L "
          "bits), stuck:F (stuck-at cells of device seed F); burst and stuck on the host only")
    from .storage.ecc import SCHEMES, code

    print("ECC schemes (--ecc NAME[:asread|zero]):")
    for name in SCHEMES:
        print(f"  {name:<20} {code(name).summary}")


def cmd_train(args):
    from .fileio import check_output
    from .graph_io import save_graph
    from .models import trained_model

    if args.output is not None:
        check_output(args.output)
    graph = trained_model(args.dataset, args.arch, epochs=args.epochs, seed=args.seed, bit_errors=args.bit_errors,
                          clip=args.clip, bit_errors_as=args.bit_errors_as, lr=args.lr)
    acc = graph.meta.get("test_accuracy")
    acc_text = f"  test accuracy {acc * 100:.2f}%" if acc is not None else ""
    print(f"{args.dataset}:{args.arch}  {graph.num_params()} parameters{acc_text}")
    if args.output is not None:
        save_graph(graph, args.output)
        print(f"wrote {args.output}")


def cmd_finetune(args):
    from .fileio import check_output
    from .graph import Graph
    from .graph_io import save_graph
    from .modelsource import load_model_and_data
    from .models import finetuned_model

    check_output(args.output)
    source, data = load_model_and_data(args.model, args.dataset)
    if not isinstance(source, Graph):
        raise UsageError(f"{args.model}: only float models fine-tune (an int8 .tflite has no float weights); give "
                         "DATASET:ARCH, an .npz or an .onnx")
    graph = finetuned_model(source, args.dataset or args.model.rsplit(":", 1)[0], epochs=args.epochs,
                            seed=args.seed, lr=args.lr, bit_errors=args.bit_errors, clip=args.clip,
                            bit_errors_as=args.bit_errors_as)
    print(f"{args.model} fine-tuned ({args.epochs} epochs, bit errors {args.bit_errors:g}, clip {args.clip:g}): "
          f"test accuracy {graph.meta['test_accuracy'] * 100:.2f}%")
    save_graph(graph, args.output)
    print(f"wrote {args.output}")


def cmd_data(args):
    from . import data

    if args.action == "fetch":
        print(data.fetch(args.name))
    else:
        ds = data.load(args.name)
        print(f"{ds.name}: train {len(ds.x_train)}  test {len(ds.x_test)}  input {ds.input_shape}  "
              f"classes {ds.num_classes}")


def cmd_export(args):
    from .modelsource import load_model_and_data
    from .quant.int8 import quantize
    from .fileio import check_output
    from .tflite.export import export_tflite

    check_output(args.output)
    model, data = load_model_and_data(args.model, args.dataset)
    qg = quantize(model, data.x_train[:512]) if not hasattr(model, "quantize_input") else model
    export_tflite(qg, args.output)
    print(f"wrote {args.output}")


def cmd_paper(args):
    from .fileio import output_dir
    from .report.paper import run_paper

    output_dir(args.out)
    path = run_paper(Path(args.out), quick=args.quick, jobs=args.jobs, quiet=args.quiet, cluster=args.farm)
    print(f"wrote {path}")


def cmd_report(args):
    from .report.sweep_report import write_sweep_report

    print(f"wrote {write_sweep_report(Path(args.sweep_dir))}")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (plus where to get help), like every other error."""

    def error(self, message):
        self.exit(2, f"eccless: error: {message} (see `{self.prog} --help`)\n")

    def add_argument(self, *args, **kwargs):
        """--help names every option's default (ArgumentDefaultsHelpFormatter skips options without help)."""
        action = super().add_argument(*args, **kwargs)
        if action.option_strings and action.default not in (None, False, argparse.SUPPRESS) \
                and "default" not in (action.help or ""):
            action.help = f"{action.help} (default: %(default)s)" if action.help else "(default: %(default)s)"
        return action


def cmd_pack(args):
    from .commands.image import pack_model

    info = pack_model(args.model, args.output, quant=args.quant, repr_name=args.repr, detect=args.detect,
                      bits=args.bits, board=args.board, testset=args.testset, dataset=args.dataset, ecc=args.ecc,
                      biases=args.biases)
    print(f"wrote {args.output}: {info['bytes']:,} bytes, {info['parameters']:,} parameters as "
          f"{info['format']}/{info['representation']}/{info['detection']}"
          + (f"+{info['ecc']}" + (":zero" if info["ecc_policy"] == "zero" else "") if "ecc" in info else "")
          + f" ({info['region_bytes']:,}-byte weight region, {info['bits_per_parameter']:.3f} bits/parameter), "
          f"test set {info['testset']} samples")
    if "protected_bias_payload_bytes" in info:
        print(f"biases protected: {info['protected_bias_payload_bytes']:,} bytes of bias words in the protected "
              f"payload, {info['protected_blob_growth_bytes']:,} bytes more protected blob (BCH parity included)")


def cmd_inspect(args):
    from .commands.image import inspect_image

    info = inspect_image(args.image)
    if args.json:
        print(json.dumps(info, indent=2))
        return
    r, o = info["regions"], info["overhead_pct"]
    print(f"{info['path']}: eccless image v{info['version']} for board {info['board']} (page {info['page']} B)")
    print(f"model {info['name']}: {info['parameters']:,} parameters, {info['format']} n={info['n']}, "
          f"detection {info['detection']}, weight-region ECC {info['ecc']}, test set {info['testset_samples']} samples")
    print(f"regions: protected {r['superblock_and_protected']:,} B (payload {r['protected_payload']:,} B, "
          f"ECC blob {r['protected_blob']:,} B), weights {r['weights']:,} B, test set {r['testset']:,} B, "
          f"total {r['total']:,} B")
    print(f"overhead vs weights: protected region {o['protected_region_unpadded']:.1f} % "
          f"({o['protected_region']:.1f} % page-aligned) | "
          f"SEC-DED (72,64) would cost {o['secded_72_64']:.1f} %, NAND BCH t=8/512 B {o['nand_bch_t8_512B']:.1f} %")
    print("CRC: " + ", ".join(f"{k} {v}" for k, v in info["crc"].items()))
    for layer in info["layers"]:
        shapes = " ".join("x".join(map(str, s)) for s in layer["shape"]) or "-"
        reps = ",".join(layer["representation"]) or "-"
        bits = ",".join(map(str, layer["bits"])) or "-"
        print(f"  op{layer['op']:<3} {layer['kind']:<9} {layer['act']:<6} {shapes:<22} {reps:<10} {bits} bits")


def cmd_corrupt(args):
    from .commands.image import corrupt_image
    from .sweep.grid import check_ber

    channel = f"asym:{args.asym}" if args.asym is not None else args.channel
    res = corrupt_image(args.image, args.output, ber=check_ber(args.ber), seed=args.seed, region=args.region,
                        channel=channel)
    flips = ", ".join(f"{k}: {v}" for k, v in res["flips"].items())
    print(f"wrote {args.output}: flipped {flips} bits (seed {args.seed}, BER {args.ber:g})")
    if args.json:
        print(json.dumps({k: v.tolist() for k, v in res["positions"].items()}))


def cmd_eval(args):
    from .commands.image import evaluate_image, evaluate_model
    from .importers import SUFFIXES

    is_model = Path(args.image).suffix.lower() in SUFFIXES
    evaluate = evaluate_model if is_model else evaluate_image
    res = evaluate(args.image, dataset=args.dataset, samples=args.samples)
    pred = res.pop("predictions")
    if args.predictions:
        res["predictions"] = [int(p) for p in pred]
    if args.json:
        print(json.dumps(res, indent=2))
        return
    if is_model:
        print(f"accuracy {res['accuracy'] * 100:.2f} % on {res['samples']} samples (host reference inference of "
              f"{args.image})")
    else:
        print(f"accuracy {res['accuracy'] * 100:.2f} % on {res['samples']} samples; zeroed {res['zeroed_parity']} "
              f"by parity, {res['zeroed_range']} by range; protected region: {res['protected_bits_corrected']} bit "
              f"errors repaired; weights {'intact' if res['weights_intact'] else 'corrupted'}")
        if "ecc" in res:
            print(f"weight-region ECC {res['ecc']}: {res['ecc_corrected_blocks']} blocks corrected, "
                  f"{res['ecc_failed_blocks']} uncorrectable, {res['zeroed_ecc']} parameters zeroed by the policy")
    if args.predictions:
        print("predictions: " + " ".join(map(str, res["predictions"])))


def cmd_flash(args):
    from .flash import check_flasher, flash_board

    if args.check:
        res = check_flasher(args.board, flasher=args.flasher, probe=args.probe)
        print(f"{res['flasher']} check passed: {res['command']}" if res["checked"] else
              f"{res['flasher']} has no check of its own")
        return
    res = flash_board(args.board, image=args.image, what=args.what, probe=args.probe,
                      flasher=args.flasher, readback=args.readback, dry_run=args.dry_run, device=args.device,
                      force=args.force)
    if args.json:
        print(json.dumps(res, indent=2))
        return
    for cmd in res["commands"]:
        print(("would run: " if res["dry_run"] else "ran: ") + cmd)
    for p in res["programmed"]:
        print(f"{'would write' if res['dry_run'] else 'wrote and verified'} {p['what']}: {p['file']}")
    if res["programmed"] and not res["dry_run"] and res.get("erase_cycles"):
        print(f"flash wear: each write erases its sectors once, and {res['board']}'s are rated "
              f"{res['erase_cycles']:,} erase cycles: flash once, then run trials with on-device injection")
    if "build_id" in res.get("device_after", {}):
        print(f"the device now runs build {res['device_after']['build_id']} and holds image CRC-32 "
              f"{res['device_after']['image_crc']}")
    if "skipped" in res:
        print(f"skipped {res['skipped']['what']} {res['skipped']['file']}: {res['skipped']['reason']}")
    elif "unreachable" in res.get("device", {}):
        print(f"device not reachable, so the image was written without comparing: {res['device']['unreachable']}")
    if "readback" in res:
        r = res["readback"]
        print(f"read back {r['reads']} x: {r['errors']} bit errors in {r['bits']:,} bits: raw BER {r['ber']:.3g} "
              f"(95 % CI {r['ci95'][0]:.3g} .. {r['ci95'][1]:.3g})")


def cmd_run(args):
    from functools import partial

    from .commands.run import run_image
    from .sweep.grid import check_ber

    if args.farm is not None:  # --cluster/--scheduler: chunks of trials on workers owning the board
        from .sweep.device_farm import run_on_farm

        run_image = partial(run_on_farm, args.farm, log=args.log)
    elif args.log is not None:  # every finished trial in a resumable log
        from .commands.run_log import run_logged

        run_image = partial(run_logged, log=args.log)
    res = run_image(args.image, board=args.board, device=args.device, ber=check_ber(args.ber), seed=args.seed,
                    trials=args.trials, channel=args.channel, region=args.region, on_the_fly=args.on_the_fly,
                    weights=args.weights, variant=args.variant, stream=args.stream, samples=args.samples,
                    quiet=args.json)
    res["predictions"] = [p.tolist() for p in res["predictions"]] if args.predictions else None
    if args.json:
        print(json.dumps(res, indent=2))
        return
    from .sweep.stats import interval_text

    acc, ins, det, ram = res["accuracy"], res["instructions"], res["detection"], res["ram"]
    noise = f"BER {res['ber']:g} ({res['channel']}, {res['region']}), {res['trials']} trials from seed " \
            f"{res['seed']}" if res["ber"] else "no injected errors"
    print(f"{res['image']} on {res['board']} ({res['device']}): accuracy {interval_text(acc['per_trial'])} "
          f"on {res['samples']} {'streamed' if res.get('stream') else 'stored'} samples, {noise}")
    print(f"detection per trial (mean): zeroed {np.mean(det['zeroed_parity']):.1f} by parity, "
          f"{np.mean(det['zeroed_range']):.1f} by range; flips {np.mean(det['flips_weights']):.1f} in the weights, "
          f"{np.mean(det['flips_protected']):.1f} in the protected region "
          f"({np.mean(det['ecc_corrected']):.1f} bits repaired)")
    unit = "instructions (QEMU icount)" if ins["counted"] else "instructions (not counted on this board)"
    print(f"{unit}: {ins['per_inference']:,.0f} per inference; load pass {ins['load_pass']:,.0f} "
          f"(decode + detect {ins['decode_pass']:,.0f} = {ins['decode_per_weight']:.1f} per parameter, "
          f"{res['parameters']:,} parameters{', decoded on the fly' if res['on_the_fly'] else ''})")
    if res.get("stream"):
        st = res["stream"]
        print(f"streamed {st['samples']:,} samples of {st['dataset']} per trial over the link: {st['bytes']:,} bytes "
              f"in {st['seconds']:.1f} s ({(st['throughput'] or 0) / 1024:.1f} KiB/s, inference included)")
    if res["cycles"] is not None:
        cyc = res["cycles"]
        print(f"CPU cycles (DWT): {cyc['per_inference']:,.0f} per inference; load pass {cyc['load_pass']:,.0f} "
              f"(decode + detect {cyc['decode_pass']:,.0f})")
    fw = res["firmware"]
    size = f"firmware text {fw['text']:,} B, data {fw['data']:,} B, bss {fw['bss']:,} B, stack {fw['stack']:,} B; " \
        if fw else ""
    where = "weights in RAM" if res["weights"] == "ram" else "weights in flash" + (
        f", {res['resident_layers']} layers moved to RAM" if res.get("resident_layers") else "")
    parts = ram["parts"]
    print(f"{size}model arena {ram['arena_used']:,} of {ram['arena_size']:,} B ({where}): activations "
          f"{parts['activations']:,}, weight buffers {parts['tiles']:,}, kernel scratch {parts['scratch']:,}, "
          f"tables, biases and weights {parts['model']:,}")
    if "split" in res:
        print("trials per worker: " + ", ".join(f"{w} {len(s)}" for w, s in res["split"].items()))


def build_parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="eccless", description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("list", help="known datasets, architectures, representations, detection rules")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("data", help="load (and print) or fetch a dataset")
    p.add_argument("action", choices=["info", "fetch"])
    p.add_argument("name")
    p.set_defaults(func=cmd_data)

    p = sub.add_parser("train", help="train (or load from cache) a model on a dataset")
    p.add_argument("dataset")
    p.add_argument("arch")
    p.add_argument("--epochs", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--bit-errors", type=float, default=0.0, metavar="P", help="train for stored int8 bit errors: "
                   "each step also runs the weights with every bit flipped with probability P (RandBET; 0: off). "
                   "Tuned on the fashion LeNet (docs/ECC.md): P 0.01, --clip 0.25, --bit-errors-as signmag+range, "
                   "the recipe's epochs")
    p.add_argument("--clip", type=float, default=0.0, metavar="W", help="clamp weights to [-W, W] after every step "
                   "(0: off)")
    p.add_argument("--bit-errors-as", default="twos", metavar="REPR[+range]", help="the stored form the training "
                   "flips: a representation, +range to zero levels outside the channel's clean range as the range "
                   "rule does; train for the form you deploy (default twos)")
    p.add_argument("--lr", type=float, default=None, help="Adam's initial learning rate, cosine-decayed "
                   "(default: the recipe's, 2e-3)")
    p.add_argument("-o", "--output", help="also save the float graph as .npz")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("finetune", help="train an existing float model further, for bit errors (--bit-errors, --clip)")
    p.add_argument("model", help="DATASET:ARCH (the cached model) or a .npz/.onnx model file")
    p.add_argument("--dataset", default=None, help="training dataset (default: the model's)")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--bit-errors", type=float, default=0.01, metavar="P", help="bit error probability of the "
                   "stored int8 words during training (0: plain fine-tuning)")
    p.add_argument("--clip", type=float, default=0.0, metavar="W", help="clamp weights to [-W, W] (0: off)")
    p.add_argument("--bit-errors-as", default="twos", metavar="REPR[+range]", help="the stored form the training "
                   "flips (as for train)")
    p.add_argument("-o", "--output", required=True, help="the fine-tuned float graph (.npz)")
    p.set_defaults(func=cmd_finetune)

    p = sub.add_parser("export-tflite", help="quantize to int8 (TFLite scheme) and write a .tflite file")
    p.add_argument("model", help="DATASET:ARCH or a model file")
    p.add_argument("--dataset", default=None)
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("sweep", help="accuracy vs BER over models x formats x representations x detection")
    _add_config_args(p)
    p.add_argument("--ber", default="1e-7:1e-1:13", help="LO:HI:COUNT log-spaced, or a comma list")
    p.add_argument("--trials", type=int, default=10)
    p.add_argument("--out", default="out/sweep")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("critical", help="critical BER (accuracy within --margin points of clean) by bisection")
    _add_config_args(p)
    p.add_argument("--margin", type=float, default=1.0, help="percentage points")
    p.add_argument("--max-trials", type=int, default=200)
    p.add_argument("--out", default="out/critical")
    p.set_defaults(func=cmd_critical)

    p = sub.add_parser("tradeoff", help="storage overhead vs critical BER of every (representation, detection, ECC) "
                       "configuration, with the Pareto frontier")
    _add_config_args(p)
    p.set_defaults(**TRADEOFF_DEFAULTS)
    p.add_argument("--margin", type=float, default=1.0, help="percentage points")
    p.add_argument("--max-trials", type=int, default=100)
    p.add_argument("--out", default="out/tradeoff")
    p.set_defaults(func=cmd_tradeoff)

    p = sub.add_parser("distortion", help="exhaustive single-flip distortion of representations")
    p.add_argument("--repr", default=",".join(n for n in represent.names() if not represent.is_data_derived(n)),
                   help="representations (comma list; default: every fixed code)")
    p.add_argument("--n", default="4:16")
    p.add_argument("--pmf", default="uniform", help="uniform, gaussian, or weights:MODEL (a real weight histogram)")
    p.add_argument("--dataset", default=None, help="for weights:FILE models")
    p.set_defaults(func=cmd_distortion)

    p = sub.add_parser("paper", help="reproduce the paper's three findings; writes a Markdown report with plots")
    p.add_argument("--out", default="out/paper")
    p.add_argument("--quick", action="store_true", help="small models and few trials (minutes)")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--quiet", action="store_true")
    _add_cluster_args(p)
    p.set_defaults(func=cmd_paper)

    p = sub.add_parser("pack", help="pack a model into a raw flash image for a board")
    p.add_argument("model", help="DATASET:ARCH or a model file")
    p.add_argument("--dataset", default=None, help="dataset for calibration/test set (model files)")
    p.add_argument("--quant", default="int8", choices=["int8", "float32", "uniform"], help="number format")
    p.add_argument("--repr", default=None, help="representation; default: float32 with --quant float32, else twos")
    p.add_argument("--bits", type=int, default=8, help="n for uniform quantization")
    p.add_argument("--detect", default="none", help="detection rule; see `eccless list`")
    p.add_argument("--ecc", default="none", help="ECC baseline over the weight region: none, secded72, secded39, "
                   "bch512t4, bch512t8, with :asread (default) or :zero for uncorrectable blocks")
    p.add_argument("--biases", default="exposed", choices=["exposed", "protected"], help="exposed: bias words in "
                   "the raw weight region (default); protected: in the BCH-protected payload (image version 4)")
    p.add_argument("--board", default=DEFAULT_BOARD, help="board name (boards/NAME.toml) or a .toml path")
    p.add_argument("--testset", type=int, default=None, help="store the first N test samples in the image (0: none); "
                   "default: as many as fit, at most 1000")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_pack)

    p = sub.add_parser("inspect", help="describe an image: layers, regions, overheads, CRC status")
    p.add_argument("image")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_inspect)

    p = sub.add_parser("corrupt", help="apply the storage channel to an image's raw bytes")
    p.add_argument("image")
    p.add_argument("--ber", type=float, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--region", default="weights", choices=["weights", "protected", "all"])
    p.add_argument("--channel", default="bsc", help="bsc, asym:R (0->1 rate = R x 1->0 rate), burst:L (runs of L "
                   "bits), stuck:F (the stuck-at map of device seed F)")
    p.add_argument("--asym", type=float, default=None, metavar="R", help="shorthand for --channel asym:R")
    p.add_argument("--json", action="store_true", help="also print the flipped bit positions")
    p.add_argument("-o", "--output", required=True)
    p.set_defaults(func=cmd_corrupt)

    p = sub.add_parser("eval", help="host-side loader: decode, detect, run the reference inference, report accuracy "
                                    "(an image, or a .tflite/.onnx/.npz model file with --dataset)")
    p.add_argument("image", help="an eccless image, or a model file")
    p.add_argument("--dataset", default=None, help="evaluate on this dataset's test split (else the image's test set)")
    p.add_argument("--samples", type=int, default=0, help="the first N samples (0: all)")
    p.add_argument("--predictions", action="store_true", help="also print (or put in the JSON) every sample's "
                   "predicted class")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("run", help="on-device accuracy: run an image's test set on a board (QEMU or serial), "
                                   "errors injected on the device")
    p.add_argument("image")
    p.add_argument("--board", default=DEFAULT_BOARD, help="board name or file (QEMU unless --device is given)")
    p.add_argument("--device", default=None, help="device backend instead of QEMU, e.g. serial:/dev/ttyACM0")
    p.add_argument("--ber", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0, help="trial t uses seed SEED+t")
    p.add_argument("--trials", type=int, default=1)
    p.add_argument("--channel", default="bsc", help="error model, injected on the device: bsc, asym:R (0->1 rate = "
                   "R x 1->0 rate), burst:L (runs of L bits), stuck:F (the stuck-at map of device seed F)")
    p.add_argument("--region", default="weights", choices=["weights", "protected", "all"])
    p.add_argument("--on-the-fly", action="store_true", help="decode each layer per inference instead of once")
    p.add_argument("--stream", default=None, metavar="DATASET",
                   help="send DATASET's test split over the link in batches instead of the samples stored in the "
                        "image (a test set the board's flash cannot hold)")
    p.add_argument("--samples", type=int, default=None, help="with --stream: the first N test samples (default all)")
    p.add_argument("--weights", choices=["auto", "ram", "flash"], default="auto",
                   help="decode the weights into RAM, leave them in flash (run from flash), or RAM when they fit "
                        "(default)")
    p.add_argument("--variant", default=None, choices=list(VARIANT_ORDER),
                   help="ISA variant of the kernels and word loops (default: the board's capabilities choose)")
    p.add_argument("--predictions", action="store_true", help="with --json: every trial's predictions")
    p.add_argument("--log", default=None, metavar="FILE", help="append every finished trial to FILE (JSON lines, "
                   "as a sweep's trials.jsonl): the same command again resumes a stopped run, running only the "
                   "trials not in it; a log of another image or other arguments is refused")
    p.add_argument("--json", action="store_true")
    _add_cluster_args(p, " that own the board (worker resource board-BOARD=1)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("flash", help="write the image (and/or the firmware) to a real board with its flasher; "
                                     "--readback N measures the medium's raw bit error rate")
    p.add_argument("image", nargs="?", default=None, help="the image (packed for this board)")
    p.add_argument("--board", required=True, help="board name or file (its [[flasher]] says how)")
    p.add_argument("--what", default="image", choices=["image", "firmware", "both"])
    p.add_argument("--probe", default=None, help="probe serial number (default: ECCLESS_PROBE, else the board's "
                   "probe in eccless.local.toml, else the only one)")
    p.add_argument("--flasher", default=None, help="override the board's flasher: openocd, pyocd or fake")
    p.add_argument("--check", action="store_true", help="only the flasher's own check without a probe (OpenOCD "
                   "parses the board's config; pyOCD looks up the target), then stop")
    p.add_argument("--readback", type=int, default=0, help="read the image back N times and report the raw BER")
    p.add_argument("--dry-run", action="store_true", help="print the flasher's commands, run nothing")
    p.add_argument("--device", default=None, help="the board's serial port (/dev/ttyACM0, socket://HOST:PORT): an "
                   "image it already holds (INFO's length and CRC-32) is not written again")
    p.add_argument("--force", action="store_true", help="write the image even when the device already holds it")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_flash)

    p = sub.add_parser("report", help="Markdown report (tables + plot) from a sweep directory")
    p.add_argument("sweep_dir")
    p.set_defaults(func=cmd_report)
    return ap


def _terminate(signum, frame):
    # SIGTERM unwinds like Ctrl-C: temporary files and QEMU are cleaned up, a sweep keeps its log for resuming
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    import threading

    if threading.current_thread() is not threading.main_thread():  # signal handlers belong to the main thread
        return _main(argv)
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return _main(argv)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


# options whose default a local config's [defaults] gives (eccless.localconfig); environment variables that name
# the same thing (ECCLESS_BOARD, ECCLESS_PROBE) still come first, the command line before everything
_CONFIG_DEFAULTS = {"board": "ECCLESS_BOARD", "seed": None, "repr": None}


def _local_defaults(parser: argparse.ArgumentParser, cfg) -> None:
    """Every subcommand's --board / --seed / --repr defaults to the local config's value, where it has one."""
    subs = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices.values()
    for sub in subs:
        for action in sub._actions:
            env = _CONFIG_DEFAULTS.get(action.dest, "-")
            if env != "-" and action.option_strings and cfg.defaults.get(action.dest) is not None \
                    and not (env and env in os.environ):
                action.default, action.required = cfg.defaults[action.dest], False


def _local_wiring(args, cfg) -> None:
    """--probe and the port (--device) of the board in use, from the local hardware map, when not given."""
    board = getattr(args, "board", None)
    if hasattr(args, "probe") and args.probe is None:
        args.probe = os.environ.get("ECCLESS_PROBE") or cfg.get("probe", board)
    if hasattr(args, "device") and args.device is None:
        args.device = cfg.get("port", board)


def _main(argv: list[str] | None) -> int:
    from . import localconfig

    try:
        cfg = localconfig.load()
    except EcclessError as e:
        print(f"eccless: error: {e}", file=sys.stderr)
        return e.exit_code
    parser = build_parser()
    _local_defaults(parser, cfg)
    args = parser.parse_args(argv)
    _local_wiring(args, cfg)
    if getattr(args, "jobs", 1) < 1:
        print("eccless: error: --jobs must be at least 1", file=sys.stderr)
        return 2
    try:
        with _cluster_session(args):
            args.func(args)
    except EcclessError as e:
        if os.environ.get("ECCLESS_DEBUG"):
            raise
        print(f"eccless: error: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("eccless: interrupted", file=sys.stderr)
        return Interrupted.exit_code
    except BrokenPipeError:
        return 1
    except MemoryError:  # every known allocation is bounded first (image/limits.py); this is the last line of defence
        if os.environ.get("ECCLESS_DEBUG"):
            raise
        print("eccless: error: out of memory (a bug: please report the command)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

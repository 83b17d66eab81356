"""On-device accuracy: run an image's stored test set on a board, trial after trial, with the storage channel
injected on the device (`eccless run`).

    res = run_image("model.img", board="qemu-mps2-an386", ber=1e-3, seed=0, trials=10)
    res["accuracy"]["mean"], res["accuracy"]["ci95"], res["instructions"]["per_inference"]

A trial t is INJECT(seed + t) -> LOAD -> EVAL over every stored sample: the device flips exactly the bits
`eccless corrupt --seed S+t` flips (the weight region on stream 0, the protected region on stream 1), without
re-flashing, so its predictions equal the host loader's on the corrupted file (tests/test_device_e2e.py).

A run is a RunPlan (the checked arguments, before any device) and a TrialSession on an open device, whose
trial(seed) rows the summary is built from: `run --log` (run_log.py) and board farms (sweep/device_farm.py) run
the very same trials and summary.

Nothing here knows the backend: the device comes from the backends registry (`qemu:BOARD` by default, or
`serial:/dev/ttyACM0` for a flashed board), so the same run works over a real serial port.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from eccless.boards import DEFAULT_BOARD, load_board
from eccless.channel import ChannelConstants, ErrorModel
from eccless.channel.spec import NoiseSpec
from eccless.commands.image import REGION_STREAMS
from eccless.errors import DeviceError, UsageError
from eccless.image.load import read_image, text_field
from eccless.link.backends import Device, open_device
from eccless.link.watch import ResetWatch
from eccless.progress import progress
from eccless.protocol import (EVAL_MAX_PREDICTIONS, EVAL_REPORTS, INFO_FLAGS, INJECT_REGIONS, LOAD_FLAGS, MAX_PAYLOAD,
                              WEIGHTS_MODES, command)
from eccless.sweep.stats import accuracy_interval, mean_ci

EVAL_CHUNK = 500          # samples per EVAL request: bounded time per reply even for a CNN
EVAL_TIMEOUT = 300.0      # seconds for one chunk: generous, a chunk of a small CNN takes about a second
LOAD_TIMEOUT = 120.0
REGIONS = ("weights", "protected", "all")


def channel_model(channel: str, ber: float) -> ErrorModel:
    """The error model of a spec (bsc, asym:R, burst:L, stuck:F) at this BER, as INJECT arms it on the device."""
    return NoiseSpec.parse(channel).model(ber)


def channel_constants(channel: str, ber: float) -> ChannelConstants:
    """The integers the device's channel runs on for an i.i.d. error model spec (bsc, asym:R) at this BER."""
    model = channel_model(channel, ber)
    if model.device_model != "iid":
        raise UsageError(f"error model {channel!r} is not i.i.d.: its constants alone do not describe it "
                         f"(arm it with channel_model)")
    return model.constants


class ModelDevice:
    """The model commands, with typed results, over anything with `request(cmd, timeout=, **fields)`: a Device
    of the backends registry or a bare Client."""

    def __init__(self, device: Device):
        self.device = device

    def inject(self, region: str, channel: ErrorModel | ChannelConstants | None = None, seed: int = 0) -> int:
        """Arm the channel for a region ('weights', 'protected') or disarm all ('clear'); returns the armed mask.
        `channel`: an error model (channel_model: any of the registry) or the constants of an i.i.d. one."""
        if region == "clear":
            fields = dict(seed=0, stream=0, k_q32=0, keep_1to0=0, keep_0to1=0, model=0, length=0)
        elif isinstance(channel, ErrorModel):
            fields = channel.device_params(seed, REGION_STREAMS[region])
        else:
            fields = dict(seed=seed, stream=REGION_STREAMS[region], k_q32=channel.k_q32,
                          keep_1to0=channel.keep_1to0, keep_0to1=channel.keep_0to1, model=0, length=0)
        return self.device.request("INJECT", region=INJECT_REGIONS[region], **fields)["armed"]

    def load(self, *, on_the_fly: bool = False, no_lut: bool = False, weights: str = "ram") -> dict:
        """LOAD; weights 'ram' (decoded into RAM), 'flash' (left in flash, run from there) or 'auto' (RAM when the
        model fits the arena that way): the reply's weights_flash says which it became."""
        flags = (on_the_fly << LOAD_FLAGS["on_the_fly"]) | (no_lut << LOAD_FLAGS["no_lut"]) | WEIGHTS_MODES[weights]
        return self.device.request("LOAD", flags=flags, timeout=LOAD_TIMEOUT)

    def digest(self, op: int) -> tuple[int, int, int, int, int, int]:
        """Weighted op `op` decoded again as the last LOAD did: (weights, zlib CRC-32 of their int8 values, biases,
        CRC-32 of their int32 little-endian values, zeroed by parity, zeroed by range)."""
        r = self.device.request("DIGEST", op=op)
        return (r["weights"], r["weights_crc"], r["biases"], r["biases_crc"], r["zeroed_parity"], r["zeroed_range"])

    def evaluate(self, count: int, first: int = 0, on_chunk=None) -> tuple[np.ndarray, int, int]:
        """Predicted class of stored samples [first, first + count), how many the device found correct, and the
        instructions their inferences took (the timer ticks they took: self.eval_ticks). on_chunk(n) is called
        after each EVAL request with its number of samples (progress)."""
        preds, instructions, correct = [], 0, 0
        self.eval_ticks = 0
        step = min(EVAL_CHUNK, EVAL_MAX_PREDICTIONS)
        for at in range(first, first + count, step):
            n = min(step, first + count - at)
            rsp = self.device.request("EVAL", first=at, count=n, report=EVAL_REPORTS["predictions"],
                                      timeout=EVAL_TIMEOUT)
            preds.append(np.frombuffer(rsp["data"], "<u2").astype(np.int64))
            instructions += rsp["instructions"]
            self.eval_ticks += rsp["ticks"]
            correct += rsp["correct"]
            if on_chunk is not None:
                on_chunk(n)
        return (np.concatenate(preds) if preds else np.zeros(0, np.int64)), correct, instructions

    def classify(self, inputs: np.ndarray, on_chunk=None) -> tuple[np.ndarray, int, int, float]:
        """Predicted class of each quantized input sent over the link (CLASSIFY, as many per frame as fit): the
        predictions, the instructions and ticks the device spent, and the seconds the exchange took."""
        per = inputs[0].nbytes
        step = max(1, min((MAX_PAYLOAD - command("CLASSIFY").request.size) // per,
                          (MAX_PAYLOAD - command("CLASSIFY").response.size) // 2, 0xFFFF))
        preds, instructions, ticks = [], 0, 0
        t0 = time.perf_counter()
        for at in range(0, len(inputs), step):
            batch = np.ascontiguousarray(inputs[at:at + step])
            rsp = self.device.request("CLASSIFY", count=len(batch), inputs=batch.tobytes(), timeout=EVAL_TIMEOUT)
            preds.append(np.asarray(rsp["predictions"], np.int64).reshape(-1))
            instructions += rsp["instructions"]
            ticks += rsp["ticks"]
            if on_chunk is not None:
                on_chunk(len(batch))
        return np.concatenate(preds), instructions, ticks, time.perf_counter() - t0

    def per_class(self, count: int, first: int = 0) -> list[tuple[int, int]]:
        """(correct, predicted) per class over stored samples [first, first + count), counted on the device."""
        rsp = self.device.request("EVAL", first=first, count=count, report=EVAL_REPORTS["per_class"],
                                  timeout=EVAL_TIMEOUT)
        data = np.frombuffer(rsp["data"], "<u4").reshape(-1, 2)
        return [(int(a), int(b)) for a, b in data]


def _device_spec(board: str | None, device: str | None, path: Path, image_board: str) -> str | None:
    """The device to open: --device as given, else QEMU for the board, which the image must have been packed for
    (None for a board QEMU cannot run: opening it is then the error, a farm's workers bring their own)."""
    if device:
        return device
    b = load_board(board or DEFAULT_BOARD)
    check_board(path, image_board, b.name)
    return f"qemu:{b.path}" if b.qemu else None   # the file itself, so a board given as a path works too


def packed_for(path: Path) -> str:
    """The board an image was packed for (its META.board), after the host loader has checked the whole image:
    a truncated or corrupted file gets the host's precise message before any device is involved."""
    return text_field(read_image(path).meta["board"])


def check_board(path: Path, image_board: str, board: str) -> None:
    if image_board != board:
        raise UsageError(f"{path} was packed for board {image_board!r}, not {board!r}: pack it again with "
                         f"--board {board}")


class RunPlan:
    """The checked settings of a run, before any device: `eccless run`'s arguments, the error model, the
    streamed test set, and the device spec to open. Trials run on it through a TrialSession."""

    def __init__(self, image, *, board: str | None = DEFAULT_BOARD, device: str | None = None, ber: float = 0.0,
                 seed: int = 0, trials: int = 1, channel: str = "bsc", region: str = "weights",
                 on_the_fly: bool = False, weights: str = "auto", variant: str | None = None,
                 stream: str | None = None, samples: int | None = None):
        path = Path(image)
        if not path.is_file():
            raise UsageError(f"image file not found: {path}")
        if weights not in WEIGHTS_MODES:
            raise UsageError(f"unknown --weights {weights!r} (known: {', '.join(WEIGHTS_MODES)})")
        if region not in REGIONS:
            raise UsageError(f"unknown region {region!r} (known: {', '.join(REGIONS)})")
        if trials < 1:
            raise UsageError(f"--trials must be at least 1, got {trials}")
        if seed < 0 or seed + trials > 1 << 64:
            raise UsageError(f"--seed {seed} with {trials} trials leaves the 64-bit seed range")
        self.path, self.ber, self.seed, self.channel, self.region = path, ber, seed, channel, region
        self.on_the_fly, self.weights, self.variant, self.stream = on_the_fly, weights, variant, stream
        self.runs = trials if ber else 1   # without errors every trial would be the same one
        self.error_model = channel_model(channel, ber) if ber else None
        self.streamed = _streamed_test_set(path, stream, samples) if stream else None
        self.samples = samples
        self.image_board = packed_for(path)   # a truncated or foreign file is named as `eval` names it, first
        self.spec = _device_spec(board, device, path, self.image_board)  # None: a board QEMU cannot run

    def seeds(self) -> list[int]:
        return list(range(self.seed, self.seed + self.runs))

    def open(self) -> "TrialSession":
        if self.spec is None:
            raise UsageError(f"board {self.image_board} cannot run in QEMU: give --device serial:PORT for the "
                             f"flashed board")
        options = {"image": str(self.path), "timeout": 10.0}
        if self.spec.startswith("qemu") and self.variant:
            options["variant"] = self.variant
        return TrialSession(self, open_device(self.spec, **options))


class TrialSession:
    """An open device running trials of one RunPlan: trial(seed) is INJECT(seed) -> LOAD -> EVAL, its row plain
    JSON values (a log record's body, commands/run_log.py). `facts` say what ran them (board, firmware build, sizes)."""

    def __init__(self, plan: RunPlan, dev: Device):
        self.plan, self.dev = plan, dev
        try:
            self.model = ModelDevice(dev)
            info = dev.info()
            check_board(plan.path, plan.image_board, info["board"])  # the firmware's own board name
            self.watch = ResetWatch(info, name=plan.spec)            # a reset mid-run ends the run with one line
        except BaseException:
            dev.close()
            raise
        firmware = getattr(dev.backend, "firmware", None)
        self.facts = {"device": plan.spec, "board": info["board"], "build_id": info["build_id"],
                      "flags": info["flags"], "arena_size": info["arena_size"],
                      "firmware": None if firmware is None else {
                          "text": firmware.sizes.text, "data": firmware.sizes.data, "bss": firmware.sizes.bss,
                          "stack": firmware.sizes.stack}}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.dev.close()
        return False

    def trial(self, seed: int | None, bar=None) -> dict:
        """One trial (seed None: no injected errors); `bar` counts its samples."""
        plan, model, path = self.plan, self.model, self.plan.path
        model.inject("clear")
        if plan.ber:
            if plan.region in ("weights", "all"):
                model.inject("weights", plan.error_model, seed)
            if plan.region in ("protected", "all"):
                model.inject("protected", plan.error_model, seed)
        load = model.load(on_the_fly=plan.on_the_fly, weights=plan.weights)
        if load["image_bytes"] != path.stat().st_size:
            raise DeviceError(f"the device holds an image of {load['image_bytes']:,} bytes, not {path} "
                              f"({path.stat().st_size:,} bytes): flash it first")
        on_chunk = None if bar is None else bar.update
        link = None
        if plan.streamed is not None:         # the test set crosses the link; the labels stay here
            x, y = plan.streamed
            if bar is not None:
                bar.total = plan.runs * len(y)
            p, instructions, ticks, seconds = model.classify(x, on_chunk=on_chunk)
            correct = int(np.sum(p == y))
            load = {**load, "samples": len(y)}
            link = [x.nbytes + 2 * len(y), seconds]
        else:
            if load["samples"] == 0:
                raise UsageError(f"{path} holds no test set: pack it with --testset N, or stream one with "
                                 f"--stream DATASET")
            if bar is not None:
                bar.total = plan.runs * load["samples"]
            p, correct, instructions = model.evaluate(load["samples"], on_chunk=on_chunk)
            ticks = model.eval_ticks
        self.watch.check(self.dev.info())
        row = {"seed": seed if plan.ber else None, "load": load, "correct": int(correct),
               "eval_instructions": int(instructions), "eval_ticks": int(ticks),
               "predictions": [int(v) for v in p], "link": link}
        return json.loads(json.dumps(row))   # plain JSON values, as a row read back from a log


def run_image(image, *, board: str | None = DEFAULT_BOARD, device: str | None = None, ber: float = 0.0,
              seed: int = 0, trials: int = 1, channel: str = "bsc", region: str = "weights",
              on_the_fly: bool = False, weights: str = "auto", variant: str | None = None,
              stream: str | None = None, samples: int | None = None, quiet: bool = False) -> dict:
    """Run the image's test set on the device for `trials` trials (seed + t each); see the module docstring."""
    plan = RunPlan(image, board=board, device=device, ber=ber, seed=seed, trials=trials, channel=channel,
                   region=region, on_the_fly=on_the_fly, weights=weights, variant=variant, stream=stream,
                   samples=samples)
    with plan.open() as session:
        bar = progress(total=None, desc="samples", quiet=quiet, unit="sample")  # its total is known after LOAD
        rows = [session.trial(s, bar) for s in plan.seeds()]
        bar.close()
    return summary(plan, session.facts, rows)


def summary(plan: RunPlan, facts: dict, rows: list[dict]) -> dict:
    """run_image's result from trial rows (in seed order) and the facts of the device that ran them."""
    res = _summary(plan.path, facts, rows, ber=plan.ber, seed=plan.seed, channel=plan.channel, region=plan.region,
                   on_the_fly=plan.on_the_fly, spec=facts["device"])
    if plan.streamed is not None:
        sent, seconds = sum(r["link"][0] for r in rows), sum(r["link"][1] for r in rows)
        res["stream"] = {"dataset": plan.stream, "samples": len(plan.streamed[1]), "bytes": sent,
                         "seconds": seconds, "throughput": sent / seconds if seconds > 0 else None}
    return res


def _streamed_test_set(path: Path, dataset: str, samples: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The test split of `dataset` quantized as the image's model takes its input (first `samples`, default all),
    checked against the image's input shape before any device is involved."""
    from eccless import data

    img = read_image(path)
    model = img.model
    if not hasattr(model, "quantize_input"):
        raise UsageError(f"{path} holds a {img.meta.get('format', 'float')} model: --stream sends int8 inputs only")
    ds = data.load(dataset)
    n = len(ds.y_test) if samples is None else samples
    if not 0 < n <= len(ds.y_test):
        raise UsageError(f"--samples must be in 1..{len(ds.y_test)} for {dataset}'s test split, got {samples}")
    if tuple(ds.x_test.shape[1:]) != tuple(model.input_shape):
        raise UsageError(f"{path} takes inputs of shape {tuple(model.input_shape)}, {dataset}'s test samples are "
                         f"{tuple(ds.x_test.shape[1:])}: stream the dataset the model was trained on")
    return np.ascontiguousarray(model.quantize_input(ds.x_test[:n])), np.asarray(ds.y_test[:n], np.int64)


def _cycles(rows, samples: int) -> dict:
    """CPU cycles, on a board whose timer is a running cycle counter (INFO flags bit `cycles`)."""
    return {"per_inference": float(np.mean([r["eval_ticks"] / samples for r in rows])),
            "load_pass": float(np.mean([r["load"]["ticks"] for r in rows])),
            "decode_pass": float(np.mean([r["load"]["decode_ticks"] for r in rows]))}


def _arena_parts(load: dict) -> dict:
    """What of LOAD's arena is working memory (activations, weight decode buffers, kernel scratch) and what the
    model's own tables, metadata, biases, corrections and RAM-resident weights take (the rest)."""
    parts = {k: load[f"arena_{k}"] for k in ("activations", "tiles", "scratch")}
    return {**parts, "model": load["arena_used"] - sum(parts.values())}


def _summary(path, info: dict, rows: list[dict], **settings) -> dict:
    """The result of trial rows run on the device `info` describes (TrialSession.facts)."""
    first = rows[0]["load"]
    samples = first["samples"]
    acc = [r["correct"] / samples for r in rows]      # counted on the device against the stored labels
    mean, ci = mean_ci(acc)
    per_inf = [r["eval_instructions"] / samples for r in rows]
    sizes = info["firmware"]
    detection = {k: [r["load"][k] for r in rows] for k in ("zeroed_parity", "zeroed_range", "flips_weights",
                                                          "flips_protected", "ecc_corrected", "ecc_failed",
                                                          "zeroed_ecc")}
    return {
        "image": str(path), "device": settings["spec"], "board": info["board"], "build_id": info["build_id"],
        "ber": settings["ber"], "seed": settings["seed"], "trials": len(rows), "channel": settings["channel"],
        "region": settings["region"], "on_the_fly": settings["on_the_fly"], "samples": samples,
        "classes": first["classes"], "parameters": first["params"],
        "accuracy": {"mean": mean, "ci95": ci if np.isfinite(ci) else None, "per_trial": acc,
                     "interval": accuracy_interval(acc)},
        "detection": detection,
        "layers": [[list(layer) for layer in r["load"]["layers"]] for r in rows],
        "instructions": {"per_inference": float(np.mean(per_inf)),
                         "load_pass": float(np.mean([r["load"]["instructions"] for r in rows])),
                         "decode_pass": float(np.mean([r["load"]["decode_instructions"] for r in rows])),
                         "decode_per_weight": float(np.mean([r["load"]["decode_instructions"] for r in rows]))
                         / max(1, first["params"]),
                         "counted": bool(info["flags"] & (1 << INFO_FLAGS["icount"]))},
        "cycles": _cycles(rows, samples) if info["flags"] & (1 << INFO_FLAGS["cycles"]) else None,
        "firmware": sizes,
        "weights": "flash" if first["weights_flash"] else "ram",
        "fixes": [r["load"]["fixes"] for r in rows],
        "resident_layers": first["resident_layers"],
        "ram": {"arena_used": max(r["load"]["arena_used"] for r in rows), "arena_size": info["arena_size"],
                "parts": _arena_parts(first),
                "static": None if sizes is None else sizes["data"] + sizes["bss"] + sizes["stack"]},
        "predictions": [np.asarray(r["predictions"], np.int64) for r in rows],
    }

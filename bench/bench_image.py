"""Image benchmark: pack, corrupt and eval throughput on a >= 1 MB image, and decoding the protected region at
BER 1e-3, each against a plain `numpy.fromfile` read of the same bytes (the baseline ratio; absolute MB/s on a
shared machine are noise). Run: `invoke bench` or `python bench/bench_image.py --out bench/results`."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from eccless.boards import load_board
from eccless.channel import flip_bytes
from eccless.fileio import write_bytes, write_json
from eccless.image import ecc
from eccless.image.load import read_image
from eccless.image.pack import pack_image
from eccless.commands.image import corrupt_image
from eccless.storage.prepare import prepare_model
from eccless.storage.stored import StoredModel
from eccless.boards import DEFAULT_BOARD

from bench_sweep import _best as _median  # median wall time of repeated calls
from bench_sweep import big_dense_model


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="bench/results")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    graph = big_dense_model(1_200_000)
    calib = rng.normal(0, 1, (64, graph.input_shape[0])).astype(np.float32)
    stored = StoredModel(prepare_model(graph, "int8", "parity-lsb+range", calib), "int8", "hamming",
                         "parity-lsb+range")
    board = load_board(DEFAULT_BOARD)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        path, noisy = Path(tmp) / "m.img", Path(tmp) / "n.img"
        image = pack_image(stored, board)
        write_bytes(path, image)
        mb = len(image) / 1e6
        base = _median(lambda: np.fromfile(path, dtype=np.uint8))
        pack = _median(lambda: write_bytes(path, pack_image(stored, board)), 3)
        corrupt = _median(lambda: corrupt_image(path, noisy, ber=1e-5, seed=1, region="all"))
        evaluate = _median(lambda: read_image(noisy).decode(), 3)
        sb = read_image(path).superblock
        payload_len = sb["meta_len"]
        blob = image[352:352 + sb["meta_blob_len"]]
        noisy_blobs = [flip_bytes(np.frombuffer(blob, np.uint8), 1e-3, s)[0].tobytes() for s in range(5)]
        it = iter(noisy_blobs * 3)
        protected = _median(lambda: ecc.recover(next(it), payload_len), 5)
        results = {
            "image_bytes": len(image), "parameters": int(sum(t.count for t in stored.tensors)),
            "protected_payload_bytes": payload_len, "protected_blob_bytes": len(blob),
            "baseline_fromfile_s": base,
            "pack": {"s": pack, "MB_per_s": mb / pack, "slowdown_vs_fromfile": pack / base},
            "corrupt_1e-5": {"s": corrupt, "MB_per_s": mb / corrupt, "slowdown_vs_fromfile": corrupt / base},
            "eval_decode_detect": {"s": evaluate, "MB_per_s": mb / evaluate, "slowdown_vs_fromfile": evaluate / base},
            "protected_decode_1e-3": {"s": protected, "MB_per_s": len(blob) / 1e6 / protected,
                                      "slowdown_vs_fromfile": protected / base},
        }
    for k in ("pack", "corrupt_1e-5", "eval_decode_detect", "protected_decode_1e-3"):
        r = results[k]
        print(f"{k:<24} {r['s'] * 1e3:9.1f} ms  {r['MB_per_s']:8.1f} MB/s  {r['slowdown_vs_fromfile']:8.1f}x fromfile")
    out = Path(args.out) / "image.json"
    write_json(out, results, make_parents=True)
    print(f"wrote {out} ({len(image) / 1e6:.2f} MB image)")
    return results


if __name__ == "__main__":
    main()

"""Timing of the channel against the naive one-uniform-per-bit injector (not run by the tests).

    python -m eccless.channel.bench --mbytes 4 --ber 1e-5

Reports the median wall time of flip_bytes (copy + flips), of the positions alone, and of the naive injector on the
same buffer, and the naive/fast ratio. Single-threaded numpy; numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from .api import flip_bytes, flip_positions
from .asym import Asym
from .naive import naive_flip_bytes


def median_seconds(fn, repeats: int) -> float:
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def run(mbytes: float, ber: float, repeats: int = 20, naive_repeats: int = 3) -> dict[str, float]:
    """Median seconds per call for each injector on an mbytes MB random buffer, and the naive/fast ratio."""
    buf = np.random.default_rng(0).integers(0, 256, int(mbytes * (1 << 20)), dtype=np.uint8)
    asym = Asym(ber, ber / 10)
    result = {
        "flips": float(flip_bytes(buf, ber, 0)[1].size),
        "fast_s": median_seconds(lambda s: flip_bytes(buf, ber, s), repeats),
        "positions_s": median_seconds(lambda s: flip_positions(buf.size * 8, ber, s), repeats),
        "copy_s": median_seconds(lambda s: buf.copy(), repeats),
        "asym_s": median_seconds(lambda s: asym.flip(buf, s), repeats),
        "naive_s": median_seconds(lambda s: naive_flip_bytes(buf, ber, s), naive_repeats),
    }
    result["ratio"] = result["naive_s"] / result["fast_s"]
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mbytes", type=float, default=4.0)
    parser.add_argument("--ber", type=float, default=1e-5)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args(argv)
    r = run(args.mbytes, args.ber, args.repeats)
    print(f"{args.mbytes:g} MB ({int(args.mbytes * (1 << 23))} bits) at ber {args.ber:g}: {r['flips']:.0f} flips")
    for label, key in [("flip_bytes (copy + flips)", "fast_s"), ("flip_positions only", "positions_s"),
                       ("buffer copy alone", "copy_s"), ("asym p01 = ber/10", "asym_s"),
                       ("naive, one uniform per bit", "naive_s")]:
        print(f"  {label:28s} {r[key] * 1e3:9.3f} ms")
    print(f"  naive / flip_bytes ratio     {r['ratio']:9.0f}x")


if __name__ == "__main__":
    main()

"""The error model of a sweep curve or a corruption, named on the command line: `bsc`, or `asym:R` (p10 = BER,
p01 = R x BER) -- "name[:number...]" for any model of the registry (models.py), each taking the numbers its
class lists in `spec_args` and building itself at a swept BER with `at_ber`. Adding a model adds its file and its
registry line; nothing here changes.

The swept BER is the rate of the dominant direction; the channel is the same process the image corrupter and the
device use, so a sweep trial with seed S flips exactly the bits `eccless corrupt --seed S` flips in the weight
region. `positions_many` draws the positions of many seeds in one vectorized call (ErrorModel.positions_many, the
same arrays as one call per seed); Experiment.trials uses it for the executor's groups of trials.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from .models import ERROR_MODELS


@dataclass(frozen=True)
class NoiseSpec:
    kind: str                       # registry name
    args: tuple[float, ...] = ()    # the spec's numbers, one per spec_args of the model

    @classmethod
    def parse(cls, spec: str) -> "NoiseSpec":
        name, *numbers = spec.split(":")
        model = ERROR_MODELS.get(name)          # unknown: a one-line error naming the known models
        usage = model.spec_usage or model.name
        if len(numbers) != len(model.spec_args):
            raise UsageError(f"error model {spec!r}: write it as {usage}")
        try:
            args = tuple(float(x) for x in numbers)
        except ValueError:
            raise UsageError(f"error model {spec!r}: write it as {usage}") from None
        model.at_ber(1e-3, *args)               # out-of-range numbers fail here, before any work
        return cls(name, args)

    def model(self, ber: float):
        return _model(self.kind, self.args, ber)

    def positions(self, region: np.ndarray, ber: float, seed: int) -> np.ndarray:
        return self.model(ber).positions(region, seed)

    def positions_many(self, region: np.ndarray, ber: float, seeds) -> list[np.ndarray]:
        """[positions(region, ber, s) for s in seeds], drawn for all seeds in one pass."""
        return self.model(ber).positions_many(region, seeds)


@functools.lru_cache(maxsize=256)  # rates -> integer constants costs a correctly rounded log: do it once per rate
def _model(kind: str, args: tuple[float, ...], ber: float):
    return ERROR_MODELS.get(kind).at_ber(ber, *args)

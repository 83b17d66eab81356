"""One curve of a sweep: a model stored in one (format, representation, detection) under one error model.

An Experiment holds everything a trial needs (the stored model, the packed region, the evaluation data), so a
trial is a pure function of (BER, seed): flip region bits, re-decode what was hit, predict, count.
"""

from __future__ import annotations

from collections.abc import Iterator

from dataclasses import asdict, dataclass

import numpy as np

from ..storage.prepare import bits_for, store_model
from ..modelsource import load_model_and_data
from ..channel.spec import NoiseSpec
from ..errors import UsageError
from ..storage.ecc import EccSpec
from ..storage.ecc.protected import EccStored


BIAS_PLACEMENTS = ("exposed", "protected")


@dataclass(frozen=True)
class Config:
    model: str  # "digits:mlp", or a model file
    quant: str = "float32"  # float32 | int8 | uniform
    bits: int = 8  # n for uniform (int8 is 8, float32 is 32)
    repr: str = "float32"
    detect: str = "none"
    channel: str = "bsc"
    dataset: str | None = None  # evaluation dataset when the model is a file
    samples: int = 0  # evaluate on the first N test samples (0: all)
    ecc: str = "none"  # ECC baseline over the region: NAME[:asread|zero] (storage/ecc/)
    biases: str = "exposed"  # exposed (in the raw region) | protected (in the BCH-protected metadata)

    def key(self) -> str:
        key = f"{self.model}|{self.quant}|{bits_for(self.quant, self.bits)}|{self.repr}|{self.detect}|{self.channel}"
        key += "" if self.ecc == "none" else f"|ecc={self.ecc}"  # keys of earlier runs stay as they were
        return key + ("" if self.biases == "exposed" else f"|biases={self.biases}")

    def label(self) -> str:
        q = f"uniform{self.bits}" if self.quant == "uniform" else self.quant
        return (f"{self.model} {q}/{self.repr}/{self.detect}" + ("" if self.ecc == "none" else f"+{self.ecc}")
                + ("" if self.biases == "exposed" else " +protected-biases")
                + ("" if self.channel == "bsc" else f" [{self.channel}]"))

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class TrialResult:
    accuracy: float
    flips: int
    zeroed_parity: int
    zeroed_range: int
    ecc_failed: int = 0  # blocks the ECC decoder detected as uncorrectable
    ecc_miscorrected: int = 0  # blocks it decoded to a wrong codeword
    zeroed_ecc: int = 0  # parameters the `zero` policy zeroed


class Experiment:
    def __init__(self, config: Config):
        self.config = config
        model, data = load_model_and_data(config.model, config.dataset)
        if config.biases not in BIAS_PLACEMENTS:
            raise UsageError(f"--biases {config.biases!r}: give one of {', '.join(BIAS_PLACEMENTS)}")
        self.stored = store_model(model, config.quant, config.repr, config.detect, config.bits, data.x_train,
                                  protect_biases=config.biases == "protected")
        ecc = EccSpec.parse(config.ecc)
        if ecc.enabled:
            self.stored = EccStored(self.stored, ecc)
        self.region = self.stored.region()
        self.noise = NoiseSpec.parse(config.channel)
        count = config.samples or len(data.x_test)
        self.x, self.y = data.x_test[:count], data.y_test[:count]
        self.clean_accuracy = self.accuracy(self.stored.clean_model)

    def accuracy(self, model) -> float:
        return float(np.mean(self.stored.predict(model, self.x) == self.y))

    def trial(self, ber: float, seed: int, positions: np.ndarray | None = None) -> TrialResult:
        """One trial; `positions` are its flip positions when already drawn (trials() draws them in groups)."""
        if positions is None:
            positions = self.noise.positions(self.region, ber, seed)
        decoded = self.stored.apply_flips(positions)
        acc = self.accuracy(self.stored.rebuild(decoded))
        return TrialResult(acc, int(positions.size), decoded.zeroed_parity, decoded.zeroed_range,
                           decoded.ecc_failed, decoded.ecc_miscorrected, decoded.zeroed_ecc)

    def trials(self, ber: float, seeds) -> Iterator[tuple[int, TrialResult]]:
        """(seed, trial(ber, seed)) for each seed, in order, yielded as each finishes: the flip positions of all the
        seeds are drawn first in one vectorized pass (the same arrays as one call per seed), so the numpy overhead
        of drawing is paid once per group instead of once per trial."""
        seeds = list(seeds)
        for seed, positions in zip(seeds, self.noise.positions_many(self.region, ber, seeds)):
            yield seed, self.trial(ber, seed, positions)

"""The stored form that training for bit errors flips (`--bit-errors-as REPR[+range]`): which representation of the
registry lays the int8 level out as a word, and whether the range rule zeroes a decoded level outside its channel's
clean range. Torch-free, so the model cache and the CLI can check a spec without importing torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import UsageError

BITS = 8
DEFAULT_STORAGE = "twos"


@dataclass(frozen=True)
class NoiseStorage:
    """The stored form the training flips: a fixed representation of the registry, optionally the range rule."""

    repr: str = DEFAULT_STORAGE
    range_check: bool = False

    @classmethod
    def parse(cls, spec: str) -> NoiseStorage:
        """'REPR' or 'REPR+range' (e.g. 'signmag+range'); an unknown or data-derived code is a UsageError."""
        from .. import represent

        name, plus, rule = str(spec).partition("+")
        if plus and rule != "range":
            raise UsageError(f"--bit-errors-as {spec!r}: give REPR or REPR+range (e.g. signmag+range)")
        if name not in represent.names():
            raise UsageError(f"--bit-errors-as {spec!r}: unknown representation {name!r} "
                             f"(known: {', '.join(represent.names())})")
        if represent.is_data_derived(name):
            raise UsageError(f"--bit-errors-as {spec!r}: {name} is derived from the weights' histogram, which "
                             "changes every step; train with a fixed code")
        return cls(name, bool(plus))

    @property
    def spec(self) -> str:
        return self.repr + ("+range" if self.range_check else "")

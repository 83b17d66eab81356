"""Binary representations of quantized weights: how an n-bit level index is laid out as an n-bit stored codeword.

Every code is one module behind the `Representation` interface (base.py) and one line in the table below. The stable
id is what the image format and the C decoder store to say which code a tensor uses: ids are never renumbered or
reused, and 0 is reserved for "no representation" (raw float32 / int8 storage).

    build("gray", 8).encode(index)                      # fixed codes
    build("optimized", 8, pmf=histogram)                # data-derived: designed for a weight histogram
    from_params("optimized", 8, rep.params())           # rebuilt from what an image stores
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from ..registry import Registry
from .base import Representation, check_bits, check_pmf
from .gray import Gray
from .hamming import HammingOrder
from .offset import OffsetBinary
from .optimized import Optimized
from .signmag import SignMagnitude
from .twos import TwosComplement
from .zigzag import Zigzag

__all__ = ["Representation", "build", "from_params", "is_data_derived", "name_of", "names", "stable_id"]


@dataclass(frozen=True)
class _Entry:
    stable_id: int
    cls: type[Representation]


REGISTRY: Registry[_Entry] = Registry("representation")
REGISTRY.add("offset", _Entry(1, OffsetBinary))
REGISTRY.add("twos", _Entry(2, TwosComplement))
REGISTRY.add("signmag", _Entry(3, SignMagnitude))
REGISTRY.add("gray", _Entry(4, Gray))
REGISTRY.add("hamming", _Entry(5, HammingOrder))
REGISTRY.add("optimized", _Entry(6, Optimized))
REGISTRY.add("zigzag", _Entry(7, Zigzag))


def names() -> list[str]:
    return REGISTRY.names()


def build(name: str, n: int, *, pmf=None) -> Representation:
    """The code `name` for n-bit levels. pmf (probability of each index) is required by data-derived codes only;
    fixed codes accept and ignore it so callers can treat every code alike."""
    cls = REGISTRY.get(name).cls
    check_bits(n, name, cls.max_n)  # before the pmf, whose expected length depends on n
    if pmf is not None:
        pmf = check_pmf(pmf, n)
    return cls.build(n, pmf=pmf)


def from_params(name: str, n: int, params) -> Representation:
    """Rebuild a code from (name, n, params()) as stored in an image."""
    return REGISTRY.get(name).cls.from_params(n, np.asarray(params))


def stable_id(name: str) -> int:
    return REGISTRY.get(name).stable_id


def name_of(stable: int) -> str:
    """Inverse of stable_id, for loaders that read the id from an image."""
    for name in REGISTRY:
        if REGISTRY.get(name).stable_id == stable:
            return name
    raise UsageError(f"unknown representation id {stable} (known: {sorted(stable_id(n) for n in REGISTRY)})")


def is_data_derived(name: str) -> bool:
    """True when the code needs a pmf to build and its params() must be stored."""
    return REGISTRY.get(name).cls.data_derived

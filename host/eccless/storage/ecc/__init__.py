"""ECC baselines: the weight region stored under a real error-correcting code instead of raw (storage/ecc/).

A scheme is named `NAME[:POLICY]` on the command line (`--ecc secded72`, `--ecc bch512t8:zero`); POLICY says what a
reader does with a block the decoder detects as uncorrectable: `asread` (default: use its data as read, raw errors
and all) or `zero` (zero every parameter whose stored word overlaps the block). Each scheme has a stable id, the
ECC byte of an image (image/records.py). protected.py lays a StoredModel's region out under the code and decodes it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from ...errors import UsageError
from ...registry import Registry
from .bch_sector import SectorBCH
from .code import BlockCode
from .hamming import SecDed

NONE = "none"
POLICIES = ("asread", "zero")


@dataclass(frozen=True)
class Scheme:
    stable_id: int
    build: object  # () -> BlockCode


SCHEMES: Registry[Scheme] = Registry("ECC scheme")
SCHEMES.add("secded72", Scheme(1, lambda: SecDed("secded72", 64, 8)))
SCHEMES.add("secded39", Scheme(2, lambda: SecDed("secded39", 32, 7)))
SCHEMES.add("bch512t4", Scheme(3, lambda: SectorBCH("bch512t4", 4)))
SCHEMES.add("bch512t8", Scheme(4, lambda: SectorBCH("bch512t8", 8)))


@functools.lru_cache(maxsize=None)
def code(name: str) -> BlockCode:
    return SCHEMES.get(name).build()


def names() -> list[str]:
    return SCHEMES.names()


@dataclass(frozen=True)
class EccSpec:
    scheme: str  # registry name, or "none"
    policy: str = "asread"

    @classmethod
    def parse(cls, spec: str) -> "EccSpec":
        name, _, policy = spec.partition(":")
        if name == NONE:
            if policy:
                raise UsageError(f"ECC {spec!r}: 'none' takes no policy")
            return cls(NONE)
        SCHEMES.get(name)  # unknown: one line naming the known schemes
        policy = policy or "asread"
        if policy not in POLICIES:
            raise UsageError(f"ECC {spec!r}: policy {policy!r} is not one of {', '.join(POLICIES)} "
                             f"(write it as NAME[:asread|zero])")
        return cls(name, policy)

    @property
    def enabled(self) -> bool:
        return self.scheme != NONE

    @property
    def code(self) -> BlockCode:
        return code(self.scheme)

    @property
    def stable_id(self) -> int:
        return SCHEMES.get(self.scheme).stable_id if self.enabled else 0

    def __str__(self) -> str:
        return self.scheme if not self.enabled or self.policy == "asread" else f"{self.scheme}:{self.policy}"


def scheme_from_id(stable_id: int) -> str | None:
    """The scheme name an image's ECC byte names (0: none), or None for an unknown byte."""
    if stable_id == 0:
        return NONE
    for name in SCHEMES:
        if SCHEMES.get(name).stable_id == stable_id:
            return name
    return None

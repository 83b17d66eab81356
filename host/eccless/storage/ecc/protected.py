"""A StoredModel's packed region under an ECC baseline: layout, encoding, and exact decoding after the channel.

Coded region layout (bits, LSB first in each byte, as the channel numbers them):

    [0, D)                 the StoredModel's region in place, zero padded to D = B k bits (B blocks of k data bits)
    [D, D + B slot)        the check field of block b at D + b slot (see the code's module for its bit order)
    up to a whole byte     zeros, never read

EccStored has the StoredModel interface the sweep uses (region, apply_flips, rebuild, predict, clean_model, summary):
apply_flips decodes from the flipped positions alone (exact for a syndrome decoder, see code.py); decode_region
decodes received bytes as a loader does. Both then run the inner model's representation and detection rule on the
data as corrected, and with policy `zero` zero every parameter whose stored word overlaps a failed block.
"""

from __future__ import annotations

import sys

import numpy as np

from ..stored import Decoded, StoredModel
from . import EccSpec


class EccLayout:
    """Where the bits of a coded region of `blocks` blocks lie, and its decoder (shared by the sweep and loaders)."""

    def __init__(self, code, blocks: int):
        self.code, self.blocks = code, blocks
        self.data_bits = blocks * code.k
        self.check_bits = blocks * code.slot
        self.total_bits = -(-(self.data_bits + self.check_bits) // 8) * 8

    @classmethod
    def for_data(cls, code, data_bits: int) -> "EccLayout":
        return cls(code, max(1, -(-data_bits // code.k)))

    @classmethod
    def for_stored_bytes(cls, code, nbytes: int) -> "EccLayout":
        """The layout whose coded region is `nbytes` long (an image's weights_len); None when no block count
        gives that length (a corrupted header)."""
        blocks = nbytes * 8 // code.n
        lay = cls(code, blocks)
        return lay if blocks >= 1 and lay.total_bits == nbytes * 8 else None

    def encode(self, data: np.ndarray) -> np.ndarray:
        """Data bytes (at most data_bits / 8, zero padded) -> the coded region."""
        padded = np.zeros(self.data_bits // 8, dtype=np.uint8)
        padded[: data.size] = data
        bits = np.unpackbits(padded, bitorder="little").reshape(self.blocks, self.code.k)
        check = self.code.check_bits(bits).reshape(-1)
        out = np.zeros(self.total_bits, dtype=np.uint8)
        out[: self.data_bits] = bits.reshape(-1)
        out[self.data_bits: self.data_bits + check.size] = check
        return np.packbits(out, bitorder="little")

    def locate(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(block, local position) of coded-region bits; bits after the check fields are dropped."""
        k, slot = self.code.k, self.code.slot
        positions = positions[positions < self.data_bits + self.check_bits]
        in_data = positions < self.data_bits
        q = np.where(in_data, positions, positions - self.data_bits)
        block = np.where(in_data, q // k, q // slot)
        local = np.where(in_data, q % k, k + q % slot)
        return block.astype(np.int64), local.astype(np.int64)

    def decode(self, block: np.ndarray, local: np.ndarray):
        """Decode the words whose set bits (or error bits) are (block, local): (keys of the bits to flip as
        block * n + local, failed blocks, count of corrected blocks)."""
        blocks, synd = self.code.syndromes(block, local)
        ok, fixes = self.code.correct(synd)
        keys = blocks[fixes[:, 0]] * self.code.n + fixes[:, 1]
        return keys, blocks[~ok], int(np.unique(fixes[:, 0]).size)

    def correct(self, received: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        """A received coded region (uint8) -> (its data bytes as corrected, failed blocks, corrected blocks)."""
        bits = np.unpackbits(np.asarray(received, dtype=np.uint8), bitorder="little")[: self.total_bits].copy()
        keys, failed, corrected = self.decode(*self.locate(np.flatnonzero(bits)))
        fb, fl = np.divmod(keys, self.code.n)
        data = fl < self.code.k
        bits[fb[data] * self.code.k + fl[data]] ^= 1
        return np.packbits(bits[: self.data_bits], bitorder="little"), failed, corrected


class EccStored:
    def __init__(self, inner: StoredModel, spec: EccSpec, *, quiet: bool = True):
        self.inner, self.spec, self.code = inner, spec, spec.code
        self.layout = lay = EccLayout.for_data(self.code, inner.total_bits)
        self.blocks, self.total_bits = lay.blocks, lay.total_bits
        self.pad_bits = lay.data_bits - inner.total_bits
        self.model, self.clean_model, self.tensors = inner.model, inner.clean_model, inner.tensors
        if self.pad_bits and not quiet:
            print(f"ECC {spec.scheme}: the region's {inner.total_bits // 8} bytes do not fill whole "
                  f"{self.code.k // 8}-byte blocks; padded with {self.pad_bits // 8} zero bytes (counted in the "
                  f"overhead)", file=sys.stderr)

    def region(self) -> np.ndarray:
        return self.layout.encode(self.inner.region())

    def apply_flips(self, positions: np.ndarray) -> Decoded:
        n, k = self.code.n, self.code.k
        block, local = self.layout.locate(np.asarray(positions, dtype=np.int64))
        fix_keys, failed, corrected = self.layout.decode(block, local)
        residual = np.setxor1d(block * n + local, fix_keys)  # errors left after the decoder's flips
        rb, rl = np.divmod(residual, n)
        miscorrected = int(np.setdiff1d(np.unique(rb), failed).size)
        data = rl < k
        inner_pos = rb[data] * k + rl[data]
        inner_pos = np.sort(inner_pos[inner_pos < self.inner.total_bits])
        out = self.inner.apply_flips(inner_pos)
        return finish(out, self.spec.policy, self.inner.tensors, failed, corrected, miscorrected, k)

    def decode_region(self, received: np.ndarray) -> Decoded:
        """Decode a received coded region (uint8, as region() laid it out) as a loader does."""
        data, failed, corrected = self.layout.correct(received)
        out = self.inner.decode_region(data[: self.inner.total_bits // 8])
        return finish(out, self.spec.policy, self.inner.tensors, failed, corrected, 0, self.code.k)

    # -- the StoredModel interface --------------------------------------------------------------------------------
    def rebuild(self, decoded: Decoded):
        return self.inner.rebuild(decoded)

    def predict(self, model, x):
        return self.inner.predict(model, x)

    def summary(self) -> dict:
        return self.inner.summary() | {
            "ecc": self.spec.scheme, "ecc_policy": self.spec.policy, "ecc_blocks": self.blocks,
            "ecc_pad_bytes": self.pad_bits // 8, "region_bytes": self.total_bits // 8,
            "bits_per_parameter": (self.total_bits + self.inner.protected_bits)
            / max(1, sum(t.count for t in self.inner.tensors)),
        }


def finish(out: Decoded, policy: str, tensors, failed: np.ndarray, corrected: int, miscorrected: int,
           k: int) -> Decoded:
    """Record the decoder's counts in `out` and apply the policy for failed blocks."""
    out.ecc_corrected, out.ecc_failed, out.ecc_miscorrected = corrected, int(failed.size), miscorrected
    if policy == "zero" and failed.size:
        out.zeroed_ecc = zero_blocks(out.values, tensors, failed, k)
    return out


def zero_blocks(values: list[np.ndarray], tensors, failed: np.ndarray, k: int) -> int:
    """Zero (in place, copying shared arrays) every parameter whose stored word overlaps data bits
    [b k, (b + 1) k) of a failed block b; returns how many were zeroed. Tensors kept in the protected region are
    not in any block."""
    zeroed = 0
    for i, t in enumerate(tensors):
        if t.protected:
            continue
        lo_block, hi_block = t.offset // k, (t.offset + t.bits - 1) // k
        hit = failed[(failed >= lo_block) & (failed <= hi_block)]
        if hit.size == 0 or t.count == 0:
            continue
        first = np.maximum(hit * k - t.offset, 0) // t.width
        last = np.minimum((hit + 1) * k - 1 - t.offset, t.bits - 1) // t.width
        mask = np.zeros(t.count + 1, dtype=np.int64)
        np.add.at(mask, first, 1)
        np.add.at(mask, last + 1, -1)
        words = np.cumsum(mask[:-1]) > 0
        values[i] = values[i].copy()
        values[i][words] = t.code.zero
        zeroed += int(words.sum())
    return zeroed

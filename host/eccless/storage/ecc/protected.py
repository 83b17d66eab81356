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


class EccStored:
    def __init__(self, inner: StoredModel, spec: EccSpec, *, quiet: bool = True):
        self.inner, self.spec, self.code = inner, spec, spec.code
        k, slot = self.code.k, self.code.slot
        self.blocks = max(1, -(-inner.total_bits // k))
        self.data_bits = self.blocks * k
        self.pad_bits = self.data_bits - inner.total_bits
        self.check_bits = self.blocks * slot
        self.total_bits = -(-(self.data_bits + self.check_bits) // 8) * 8
        self.model, self.clean_model, self.tensors = inner.model, inner.clean_model, inner.tensors
        if self.pad_bits and not quiet:
            print(f"ECC {spec.scheme}: the region's {inner.total_bits // 8} bytes do not fill whole {k // 8}-byte "
                  f"blocks; padded with {self.pad_bits // 8} zero bytes (counted in the overhead)", file=sys.stderr)

    # -- encoding -----------------------------------------------------------------------------------------------
    def region(self) -> np.ndarray:
        data = np.zeros(self.data_bits // 8, dtype=np.uint8)
        inner = self.inner.region()
        data[: inner.size] = inner
        bits = np.unpackbits(data, bitorder="little").reshape(self.blocks, self.code.k)
        check = self.code.check_bits(bits).reshape(-1)
        out = np.zeros(self.total_bits, dtype=np.uint8)
        out[: self.data_bits] = bits.reshape(-1)
        out[self.data_bits: self.data_bits + check.size] = check
        return np.packbits(out, bitorder="little")

    # -- decoding -----------------------------------------------------------------------------------------------
    def _locate(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(block, local position) of coded-region bits; bits after the check fields are dropped."""
        k, slot = self.code.k, self.code.slot
        positions = positions[positions < self.data_bits + self.check_bits]
        in_data = positions < self.data_bits
        q = np.where(in_data, positions, positions - self.data_bits)
        block = np.where(in_data, q // k, q // slot)
        local = np.where(in_data, q % k, k + q % slot)
        return block.astype(np.int64), local.astype(np.int64)

    def _decode(self, block: np.ndarray, local: np.ndarray):
        """Decode the words whose set bits (or error bits) are (block, local): (keys of bits to flip as
        block * n + local, failed blocks, count of corrected blocks)."""
        blocks, synd = self.code.syndromes(block, local)
        ok, fixes = self.code.correct(synd)
        keys = blocks[fixes[:, 0]] * self.code.n + fixes[:, 1]
        corrected = int(np.unique(fixes[:, 0]).size)
        return keys, blocks[~ok], corrected

    def apply_flips(self, positions: np.ndarray) -> Decoded:
        n, k = self.code.n, self.code.k
        block, local = self._locate(np.asarray(positions, dtype=np.int64))
        fix_keys, failed, corrected = self._decode(block, local)
        residual = np.setxor1d(block * n + local, fix_keys)  # errors left after the decoder's flips
        rb, rl = np.divmod(residual, n)
        miscorrected = int(np.setdiff1d(np.unique(rb), failed).size)
        data = rl < k
        inner_pos = rb[data] * k + rl[data]
        inner_pos = np.sort(inner_pos[inner_pos < self.inner.total_bits])
        out = self.inner.apply_flips(inner_pos)
        return self._finish(out, failed, corrected, miscorrected)

    def decode_region(self, received: np.ndarray) -> Decoded:
        """Decode a received coded region (uint8, as region() laid it out) as a loader does."""
        bits = np.unpackbits(np.asarray(received, dtype=np.uint8), bitorder="little")[: self.total_bits].copy()
        block, local = self._locate(np.flatnonzero(bits))
        fix_keys, failed, corrected = self._decode(block, local)
        fb, fl = np.divmod(fix_keys, self.code.n)
        data = fl < self.code.k
        bits[fb[data] * self.code.k + fl[data]] ^= 1
        region = np.packbits(bits[: self.inner.total_bits], bitorder="little")
        return self._finish(self.inner.decode_region(region), failed, corrected, None)

    def _finish(self, out: Decoded, failed: np.ndarray, corrected: int, miscorrected: int | None) -> Decoded:
        out.ecc_corrected, out.ecc_failed = corrected, int(failed.size)
        out.ecc_miscorrected = miscorrected or 0
        if self.spec.policy == "zero" and failed.size:
            out.zeroed_ecc = zero_blocks(out.values, self.inner.tensors, failed, self.code.k)
        return out

    # -- the StoredModel interface --------------------------------------------------------------------------------
    def rebuild(self, decoded: Decoded):
        return self.inner.rebuild(decoded)

    def predict(self, model, x):
        return self.inner.predict(model, x)

    def summary(self) -> dict:
        return self.inner.summary() | {
            "ecc": self.spec.scheme, "ecc_policy": self.spec.policy, "ecc_blocks": self.blocks,
            "ecc_pad_bytes": self.pad_bits // 8, "region_bytes": self.total_bits // 8,
            "bits_per_parameter": self.total_bits / max(1, sum(t.count for t in self.inner.tensors)),
        }


def zero_blocks(values: list[np.ndarray], tensors, failed: np.ndarray, k: int) -> int:
    """Zero (in place, copying shared arrays) every parameter whose stored word overlaps data bits
    [b k, (b + 1) k) of a failed block b; returns how many were zeroed."""
    zeroed = 0
    for i, t in enumerate(tensors):
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

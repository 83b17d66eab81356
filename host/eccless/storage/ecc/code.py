"""The interface every ECC baseline implements: a systematic binary linear block code over k data bits.

A block stores k data bits and `slot` check bits (r <= slot of them are the code's; the rest pad a check field to
whole bytes, as a NAND controller stores 52 BCH bits in 7 bytes, and are never read). Local bit positions number a
block's codeword: data bits 0 .. k-1, then check-field bits k .. k+slot-1.

Because the code is linear and its decoder reads only syndromes, the decoder's answer for a received word depends
only on the error pattern: decode(c + e) = c + e + fix(syndrome(e)). The sweep uses this to decode exactly from the
flipped positions alone (cost proportional to the flips), and the image loader decodes received words with the very
same `correct` (syndromes of the received word); tests check the two agree.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np


class BlockCode:
    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    k: int  # data bits per block
    r: int  # check bits of the code
    slot: int  # stored check-field bits per block (>= r)
    columns: np.ndarray  # (k + slot, w) int64: each local position's contribution to the syndrome (XOR)
    encoder: np.ndarray  # (k, r) float32 0/1: check bits of a lone data bit

    @property
    def n(self) -> int:
        return self.k + self.slot

    def check_bits(self, data_bits: np.ndarray) -> np.ndarray:
        """(B, k) 0/1 data bits -> (B, slot) uint8 check-field bits (unused slot bits 0)."""
        out = np.zeros((data_bits.shape[0], self.slot), dtype=np.uint8)
        out[:, : self.r] = (data_bits.astype(np.float32) @ self.encoder).astype(np.int64) & 1
        return out

    def syndromes(self, block: np.ndarray, local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Syndromes of sparse words: (blocks (D,), syndromes (D, w)) for the blocks that hold any of the set bits
        (block[i], local[i]), rows in block order; zero syndromes included."""
        if block.size == 0:
            return np.zeros(0, np.int64), np.zeros((0, self.columns.shape[1]), np.int64)
        order = np.argsort(block, kind="stable")
        block, local = block[order], local[order]
        blocks, starts = np.unique(block, return_index=True)
        return blocks, np.bitwise_xor.reduceat(self.columns[local], starts, axis=0)

    def correct(self, synd: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Decode syndromes (D, w): (ok (D,) bool, fixes (F, 2) int64 rows (row of synd, local position to flip)).
        Zero syndromes are ok with no fix; a block the code cannot correct (detected) is not ok and has no fix."""
        raise NotImplementedError

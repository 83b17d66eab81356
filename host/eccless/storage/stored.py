"""A model as it sits in storage: every parameter tensor as words of one representation, with detection bits.

StoredModel is shared by the in-memory sweep and the flash-image loader, so both read identical bits:
    format (index)  ->  representation (codeword)  ->  parity placement (stored word)  ->  packed bit region
The region holds the tensors in order (weight, bias per weighted op), each starting on a 32-bit boundary; padding
bits between tensors are never read.

Decoding a word: undo the parity placement (parity check), decode the representation, map the index to a value,
then the detection rule zeroes what fails parity or the range check. A trial that flips a few bits re-decodes only
the words it touched — exact, because untouched words decode to their clean values — so its cost follows the flips.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import represent
from ..detect import DetectionRule, get_rule
from ..detect.range_check import clean_ranges, out_of_range
from ..errors import UsageError
from .bits import pack_words, unpack_words
from .formats import FORMATS, TensorCode
from ..image.ecc.layout import CRC_BYTES, protected_size

ALIGN_BITS = 32
FLOAT_REPR = "float32"


class _Identity:
    """The float32 format stores the IEEE-754 pattern as is."""

    name = FLOAT_REPR

    def __init__(self, n):
        self.n = n

    def encode(self, index):
        return np.asarray(index, np.uint64)

    decode = encode

    def params(self):
        return np.zeros(0, np.uint64)


BIAS_FALLBACK = "twos"


def _representation(name: str, m: int, pmf):
    """The code for m-bit indices; a code limited to narrower words (e.g. a data-derived table) stores the wide
    int32 biases of an int8 model in two's complement instead."""
    try:
        return represent.build(name, m, pmf=pmf)
    except UsageError:
        represent.stable_id(name)  # an unknown name is the user's error: re-raise it as such
        if m <= 16:
            raise
        return represent.build(BIAS_FALLBACK, m)


@dataclass
class StoredTensor:
    code: TensorCode
    rep: object  # a Representation bound to code.m
    width: int  # stored bits per word
    offset: int  # first bit in the region
    words: np.ndarray  # clean stored words (uint64)
    clean: np.ndarray = field(repr=False, default=None)  # clean decoded values
    lo: np.ndarray | None = field(repr=False, default=None)
    hi: np.ndarray | None = field(repr=False, default=None)
    protected: bool = False  # kept out of the region (biases in the protected region): always read clean

    @property
    def count(self) -> int:
        return self.words.size

    @property
    def bits(self) -> int:
        return self.count * self.width


@dataclass
class Decoded:
    values: list[np.ndarray]  # per tensor, after detection
    zeroed_parity: int = 0
    zeroed_range: int = 0
    # ECC baselines (storage/ecc/): blocks the decoder corrected / detected as uncorrectable / decoded to a wrong
    # codeword (known only when the error pattern is), and parameters zeroed by the `zero` policy
    ecc_corrected: int = 0
    ecc_failed: int = 0
    ecc_miscorrected: int = 0
    zeroed_ecc: int = 0

    @property
    def zeroed(self) -> int:
        return self.zeroed_parity + self.zeroed_range


class RegionCodec:
    """Reads parameter tensors out of a packed region: parity check, representation decode, value mapping and the
    detection rule. Built by StoredModel when encoding, and by the image loader from an image's metadata."""

    def __init__(self, tensors: list[StoredTensor], rule: DetectionRule):
        self.tensors = tensors
        self.rule = rule

    def decode_values(self, t: StoredTensor, words: np.ndarray) -> np.ndarray:
        """Values of clean words (no detection)."""
        code = words
        if self.rule.placement is not None:
            code, _ = self.rule.placement.decode(words, t.code.m)
        return t.code.to_value(t.rep.decode(code))

    def decode_words(self, t: StoredTensor, words: np.ndarray, channel: np.ndarray) -> tuple[np.ndarray, int, int]:
        """Values of `words` of tensor t after detection, and how many each check zeroed."""
        code, ok = words, None
        if self.rule.placement is not None:
            code, ok = self.rule.placement.decode(words, t.code.m)
        values = t.code.to_value(t.rep.decode(code))
        bad_parity = ~ok if ok is not None else np.zeros(values.shape, bool)
        bad_range = np.zeros(values.shape, bool)
        if self.rule.range_check:
            bad_range = out_of_range(values, channel, t.lo, t.hi) & ~bad_parity
        bad = bad_parity | bad_range
        if bad.any():
            values = values.copy()
            values[bad] = t.code.zero
        return values, int(bad_parity.sum()), int(bad_range.sum())

    def decode_region(self, region: np.ndarray) -> Decoded:
        """Full read of a packed region (what an image loader does)."""
        out = Decoded([])
        for t in self.tensors:
            if t.protected:
                out.values.append(t.clean)
                continue
            words = unpack_words(region, t.width, t.count, t.offset)
            values, zp, zr = self.decode_words(t, words, t.code.channel)
            out.values.append(values)
            out.zeroed_parity += zp
            out.zeroed_range += zr
        return out

    def apply_flips(self, positions: np.ndarray) -> Decoded:
        """Values after flipping region bits `positions` (sorted int64); only touched words are re-decoded.
        Needs the clean words and values (an encoder's tensors)."""
        out = Decoded([t.clean for t in self.tensors])
        if positions.size == 0:
            return out
        inside = [i for i, t in enumerate(self.tensors) if not t.protected]  # in region order
        starts = np.array([self.tensors[i].offset for i in inside], dtype=np.int64)
        owner = np.searchsorted(starts, positions, side="right") - 1
        for j in np.unique(owner):
            k = inside[j]
            t = self.tensors[k]
            rel = positions[owner == j] - t.offset
            rel = rel[rel < t.bits]  # alignment padding is never read
            if rel.size == 0:
                continue
            word_of, bit_of = np.divmod(rel, t.width)
            hit, inverse = np.unique(word_of, return_inverse=True)
            flips = np.zeros(hit.size, dtype=np.uint64)
            np.bitwise_xor.at(flips, inverse, np.uint64(1) << bit_of.astype(np.uint64))
            values, zp, zr = self.decode_words(t, t.words[hit] ^ flips, t.code.channel[hit])
            full = t.clean.copy()
            full[hit] = values
            out.values[k] = full
            out.zeroed_parity += zp
            out.zeroed_range += zr
        return out


class StoredModel:
    """Encode `model`'s parameters for storage: number format, representation, detection rule, bits n."""

    def __init__(self, model, fmt: str, repr_name: str, rule: str | DetectionRule = "none", n: int = 8,
                 protect_biases: bool = False):
        self.model = model
        self.format = FORMATS.get(fmt)
        self.rule = get_rule(rule) if isinstance(rule, str) else rule
        self.repr_name = repr_name
        self.n = n
        if not 2 <= n <= 32:
            raise UsageError(f"bits per parameter n={n} outside 2..32")
        if (repr_name == FLOAT_REPR) != (self.format.name == "float32"):
            raise UsageError(f"representation {repr_name!r} does not fit number format {self.format.name!r} "
                             f"(float32 weights use representation 'float32'; quantized weights an integer code)")
        placement = self.rule.placement
        codes = self.format.tensors(model, n, self.rule.spare)
        reps = self._representations(codes)
        self.tensors: list[StoredTensor] = []
        offset = 0
        for code, rep in zip(codes, reps):
            words = rep.encode(code.index)
            width = code.m
            if placement is not None:
                words, width = placement.encode(words, code.m), placement.width(code.m)
            t = StoredTensor(code, rep, width, offset, words, protected=protect_biases and code.role == "bias")
            if not t.protected:
                offset += -(-t.bits // ALIGN_BITS) * ALIGN_BITS
            self.tensors.append(t)
        self.total_bits = offset
        # biases in the protected region: their bytes there, plus the BCH parity they add (image/ecc/layout.py)
        self.protected_bytes = sum(-(-t.bits // 8) for t in self.tensors if t.protected)
        self.protected_bits = 8 * (protected_size(self.protected_bytes) - CRC_BYTES) if self.protected_bytes else 0
        self.codec = RegionCodec(self.tensors, self.rule)
        for t in self.tensors:  # clean values go through the very decoder a reader uses
            t.clean = self.codec.decode_values(t, t.words)
            if self.rule.range_check:
                t.lo, t.hi = clean_ranges(t.clean, t.code.channel)
        self.clean_model = self.format.rebuild(model, [t.clean for t in self.tensors])

    def _representations(self, codes: list[TensorCode]) -> list:
        if self.repr_name == FLOAT_REPR:
            return [_Identity(c.m) for c in codes]
        by_m: dict[int, object] = {}
        for m in sorted({c.m for c in codes}):
            weights = [c.index for c in codes if c.m == m and c.role == "weight"]
            pmf = None
            if weights:
                pmf = np.bincount(np.concatenate(weights).astype(np.int64), minlength=1 << m) if m <= 16 else None
                pmf = pmf / pmf.sum() if pmf is not None else None
            by_m[m] = _representation(self.repr_name, m, pmf)
        return [by_m[c.m] for c in codes]

    def decode_region(self, region: np.ndarray) -> Decoded:
        return self.codec.decode_region(region)

    def apply_flips(self, positions: np.ndarray) -> Decoded:
        return self.codec.apply_flips(positions)

    # -- region and models ------------------------------------------------------------------------------------
    def region(self) -> np.ndarray:
        """The packed weight region: all tensors' words, bit-exact as they sit in storage."""
        buf = np.zeros(self.total_bits // 8, dtype=np.uint8)
        for t in self.tensors:
            if not t.protected:
                pack_words(t.words, t.width, out=buf, start=t.offset)
        return buf

    def rebuild(self, decoded: Decoded):
        return self.format.rebuild(self.model, decoded.values)

    def predict(self, model, x: np.ndarray) -> np.ndarray:
        return self.format.predict(model, x)

    def summary(self) -> dict:
        return {
            "format": self.format.name,
            "representation": self.repr_name,
            "detection": self.rule.name,
            "n": self.n,
            "parameters": int(sum(t.count for t in self.tensors)),
            "stored_bits": int(sum(t.bits for t in self.tensors)),
            "region_bytes": self.total_bits // 8,
            "bits_per_parameter": (self.total_bits + self.protected_bits) / max(1, sum(t.count for t in self.tensors)),
            **({"protected_bias_bytes": self.protected_bytes, "protected_bias_bits_stored": self.protected_bits}
               if self.protected_bytes else {}),
        }

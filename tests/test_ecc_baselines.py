"""ECC baselines (storage/ecc/): the codes correct what they promise and detect what they can, the sweep's decoding
from the error pattern equals decoding the received region, the `zero` policy zeroes exactly the failed blocks'
parameters, and bad specs give one-line errors."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from eccless.channel.buffers import xor_positions
from eccless.errors import UsageError
from eccless.image.ecc.gf import GF13, clmul
from eccless.storage.ecc import EccSpec, code, names
from eccless.storage.ecc.protected import EccStored
from eccless.sweep.experiment import Config, Experiment

pytestmark = pytest.mark.unit


def codeword(c, rng):
    data = rng.integers(0, 2, (1, c.k)).astype(np.uint8)
    return np.concatenate([data, c.check_bits(data)], axis=1)[0]


def decode(c, word):
    """(ok, corrected word) of one received word, through the code's syndromes and corrector."""
    (local,) = np.nonzero(word)
    blocks, synd = c.syndromes(np.zeros(local.size, np.int64), local)
    if blocks.size == 0:
        return True, word
    ok, fixes = c.correct(synd)
    out = word.copy()
    out[fixes[:, 1]] ^= 1
    return bool(ok[0]), out


@pytest.mark.parametrize("name", ["secded72", "secded39"])
def test_secded_corrects_every_single_and_detects_every_double_error(name):
    c = code(name)
    rng = np.random.default_rng(1)
    cw = codeword(c, rng)
    positions = list(range(c.k + c.r))
    for p in positions:
        e = cw.copy()
        e[p] ^= 1
        ok, out = decode(c, e)
        assert ok and np.array_equal(out, cw), p
    for a, b in combinations(positions, 2):
        e = cw.copy()
        e[[a, b]] ^= 1
        assert not decode(c, e)[0], (a, b)


@pytest.mark.parametrize("name,t", [("bch512t4", 4), ("bch512t8", 8)])
def test_sector_bch_is_the_code_it_claims(name, t):
    c = code(name)
    # the generator vanishes at alpha^1 .. alpha^2t and has degree 13 t (13 t parity bits, ceil(13t/8) bytes)
    g = c.generator
    for j in range(1, 2 * t + 1):
        acc = 0
        for d in range(g.bit_length()):
            if g >> d & 1:
                acc ^= int(GF13.EXP[(d * j) % GF13.n])
        assert acc == 0, j
    assert c.r == 13 * t and c.slot == 8 * -(-13 * t // 8)
    # a codeword, read as the polynomial sum_e c_e x^exponent(e), is a multiple of g (long division)
    rng = np.random.default_rng(2)
    cw = codeword(c, rng)
    poly = 0
    for local in np.flatnonzero(cw):
        poly |= 1 << int(c.exponent[local])
    while poly.bit_length() > c.r:
        poly ^= g << (poly.bit_length() - 1 - c.r)
    assert poly == 0
    # the unused check-field bits are no part of the code: flipping them changes nothing
    for local in range(c.k + c.r, c.n):
        e = cw.copy()
        e[local] ^= 1
        assert decode(c, e)[0]
    assert clmul(1, g) == g


@pytest.mark.parametrize("name,t", [("bch512t4", 4), ("bch512t8", 8)])
def test_sector_bch_corrects_up_to_t_and_never_returns_a_wrong_word_quietly_at_t_plus_1(name, t):
    c = code(name)
    rng = np.random.default_rng(3)
    cw = codeword(c, rng)
    used = np.concatenate([np.arange(c.k), c.k + np.arange(c.r)])
    for trial in range(40):
        nerr = 1 + trial % (t + 1)
        e = cw.copy()
        e[rng.choice(used, nerr, replace=False)] ^= 1
        ok, out = decode(c, e)
        if nerr <= t:
            assert ok and np.array_equal(out, cw)
        else:  # t + 1 errors: detected, or a miscorrection to another codeword at distance <= t from the word
            assert not ok or (np.count_nonzero(out != e) <= t and not np.array_equal(out, cw))


@pytest.fixture(scope="module")
def stored(digits_mlp):
    return Experiment(Config("digits:mlp", "int8", 8, "twos", "parity-lsb+range", samples=50)).stored


@pytest.mark.parametrize("name", names())
@pytest.mark.parametrize("policy", ["asread", "zero"])
def test_decoding_the_error_pattern_equals_decoding_the_received_region(stored, name, policy):
    """The sweep decodes from the flipped positions alone; a loader decodes the received bytes: same values,
    same counts, at rates from correctable to far beyond t (miscorrections included)."""
    ecc = EccStored(stored, EccSpec(name, policy))
    region = ecc.region()
    assert region.size * 8 == ecc.total_bits
    clean = ecc.decode_region(region)
    for a, b in zip(clean.values, [t.clean for t in stored.tensors]):
        assert np.array_equal(a, b)
    rng = np.random.default_rng(4)
    failed = 0
    for ber in (1e-4, 1e-3, 1e-2, 5e-2):
        positions = np.flatnonzero(rng.random(region.size * 8) < ber)
        fast = ecc.apply_flips(positions)
        slow = ecc.decode_region(xor_positions(region, positions))
        for a, b in zip(fast.values, slow.values):
            assert np.array_equal(a, b)
        assert (fast.ecc_failed, fast.zeroed_ecc, fast.zeroed_parity, fast.zeroed_range) == \
               (slow.ecc_failed, slow.zeroed_ecc, slow.zeroed_parity, slow.zeroed_range)
        failed += fast.ecc_failed
    assert failed > 0  # the rates reach the uncorrectable regime


def test_zero_policy_zeroes_exactly_the_parameters_of_failed_blocks(stored):
    ecc = EccStored(stored, EccSpec("secded72", "zero"))
    # two errors in data word 3 (bits 192..255 of the region): detected, not corrected
    out = ecc.apply_flips(np.array([3 * 64 + 5, 3 * 64 + 40]))
    assert out.ecc_failed == 1
    zeroed = []
    for t, v in zip(stored.tensors, out.values):
        for i in np.flatnonzero(v != t.clean):
            zeroed.append(t.offset + i * t.width)
    # every parameter whose word starts in [192, 256) or straddles into it (words are 9 bits wide here)
    expected = [p for t in stored.tensors for p in t.offset + t.width * np.arange(t.count)
                if p < 256 and p + t.width > 192]
    assert out.zeroed_ecc == len(expected)
    assert set(zeroed) <= set(expected)  # a parameter whose clean value is 0 stays equal


def test_overhead_and_padding(stored, capsys):
    params = sum(t.count for t in stored.tensors)
    for name, ratio in (("secded72", 72 / 64), ("secded39", 39 / 32), ("bch512t8", 4200 / 4096)):
        ecc = EccStored(stored, EccSpec(name), quiet=False)
        bpp = ecc.summary()["bits_per_parameter"]
        assert bpp == ecc.total_bits / params and bpp >= stored.total_bits / params * ratio * 0.999
    assert "padded with" in capsys.readouterr().err


@pytest.mark.parametrize("spec", ["hamming", "secded72:drop", "none:zero"])
def test_bad_ecc_spec_is_one_usage_error(spec):
    with pytest.raises(UsageError):
        EccSpec.parse(spec)


@pytest.mark.parametrize("ecc", ["secded72", "secded39:zero", "bch512t4", "bch512t8:zero"])
def test_image_eval_equals_sweep_trial(tmp_path, digits_mlp, ecc):
    """pack --ecc, corrupt, eval: the accuracy and counts of the in-memory sweep trial of the same seed."""
    from eccless.commands.image import corrupt_image, evaluate_image, inspect_image, pack_model

    clean, noisy = tmp_path / "m.img", tmp_path / "n.img"
    info = pack_model("digits:mlp", clean, quant="int8", repr_name="twos", detect="range", testset=100, ecc=ecc)
    assert inspect_image(clean)["ecc"] == ecc and inspect_image(clean)["version"] == 3
    exp = Experiment(Config("digits:mlp", "int8", 8, "twos", "range", samples=100, ecc=ecc))
    assert info["region_bytes"] == exp.region.size
    for ber, seed in ((0.0, 0), (1e-3, 3), (1e-2, 4)):
        corrupt_image(clean, noisy, ber=ber, seed=seed, region="weights")
        res = evaluate_image(noisy)
        trial = exp.trial(ber, seed)
        assert res["accuracy"] == trial.accuracy
        assert (res["zeroed_range"], res["ecc_failed_blocks"], res["zeroed_ecc"]) == \
               (trial.zeroed_range, trial.ecc_failed, trial.zeroed_ecc)


def test_image_with_an_unknown_ecc_scheme_is_refused(tmp_path, digits_mlp):
    from eccless.commands.image import pack_model
    from eccless.errors import ImageError
    from eccless.image.ecc import crc32
    from eccless.image.load import parse_image
    from eccless.image.records import FLAG_ECC_SHIFT, PROTECTED_OFFSET, SUPER_COPIES, SUPERBLOCK

    path = tmp_path / "m.img"
    pack_model("digits:mlp", path, quant="int8", ecc="secded72")
    image = bytearray(path.read_bytes())
    sb = SUPERBLOCK.unpack(bytes(image))
    sb["flags"] = (sb["flags"] & 0xFF) | 15 << FLAG_ECC_SHIFT
    head = SUPERBLOCK.pack(**sb)
    head = head[:-4] + crc32(head[:-4]).to_bytes(4, "little")
    image[:PROTECTED_OFFSET] = head * SUPER_COPIES
    with pytest.raises(ImageError, match="ECC scheme 15 unknown"):
        parse_image(bytes(image))

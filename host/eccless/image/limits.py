"""What a board could hold: bounds on an image's declared sizes, checked before the host allocates anything for it.

An image is a few kilobytes of metadata that may declare a 32768 x 8192 input pooled down to ten outputs; the
host loader must not try what no board could run. The bounds come from the board file the image names (its RAM and
flash image region); an image naming no known board gets the largest of the known boards'. Checked:

    image bytes            <= the board's flash image region
    input + output bytes   <= the board's RAM, for every op (the device holds both while the op runs)
    work per inference     <= MAX_WORK multiply-accumulates and window cells (the host reference runs a smoke
                              inference on every image it loads; this keeps that, and the device's, bounded)

and, at `pack` for the board it names, the RAM the device needs at the least even with its weights left in flash
(run_from_flash_floor): two activation buffers as large as the largest op output, each channel's bias and
requantization -- weights take no RAM in that mode, and the metadata is repaired block by block in flash
(edge/loader/ed_payload.c), so a model this refuses fits no way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..boards import board_names, load_board
from ..errors import EcclessError, ImageError

MAX_WORK = 1 << 27  # about 2 s per inference on a 100 MHz Cortex-M4; every model here needs under 1 % of it
FALLBACK_BYTES = 16 << 20  # when no board file is installed at all


@dataclass(frozen=True)
class Limits:
    board: str
    ram: int
    flash: int


def board_limits(name: str) -> Limits:
    """The limits of the board an image names (by board file name), else the largest known board's."""
    known = board_names()
    if name in known:
        try:
            b = load_board(name)
            return Limits(name, b.ram.size, b.image.size)
        except EcclessError:
            pass
    boards = []
    for n in known:
        try:
            boards.append(load_board(n))
        except EcclessError:
            continue
    if not boards:
        return Limits("(none known)", FALLBACK_BYTES, FALLBACK_BYTES)
    return Limits(f"{name!r} (unknown: the largest known board's)", max(b.ram.size for b in boards),
                  max(b.image.size for b in boards))


def check_image_size(image_len: int, limits: Limits) -> None:
    if image_len > limits.flash:
        raise ImageError(f"image of {image_len:,} bytes does not fit the {limits.flash:,}-byte image region of "
                         f"board {limits.board}")


def _terms(op, in_shape) -> int:
    """Multiply-accumulates (or window cells) per output element."""
    if op.kind == "dense":
        return int(in_shape[0])
    if op.kind == "conv2d":
        return math.prod(op.weight.shape[1:])
    if op.kind == "dwconv2d":
        return math.prod(op.weight.shape[1:3])
    if op.kind in ("maxpool", "avgpool"):
        return math.prod(op.pool)
    return 1


def check_model(input_shape, ops, shapes, itemsize: int, limits: Limits) -> None:
    """Every op's input + output activations within the board's RAM, the work of one inference within MAX_WORK."""
    work, prev = 0, tuple(input_shape)
    for i, (op, shape) in enumerate(zip(ops, shapes)):
        need = (math.prod(prev) + math.prod(shape)) * itemsize
        if need > limits.ram:
            raise ImageError(f"op{i} ({op.kind}) needs {need:,} bytes for its input and output, more than the "
                             f"{limits.ram:,}-byte RAM of board {limits.board}")
        work += math.prod(shape) * _terms(op, prev)
        prev = tuple(shape)
    if work > MAX_WORK:
        raise ImageError(f"one inference needs {work:,} multiply-accumulates and window cells, more than the "
                         f"{MAX_WORK:,} the host loader allows (eccless.image.limits.MAX_WORK)")


DEFAULT_STACK = 0x10000      # the firmware's stack when the board file sets none (eccless.firmware.boardgen)


def run_from_flash_floor(model, itemsize: int = 1) -> int:
    """Bytes of device RAM a model needs at the least with its weights in flash (ed_flash.h): per output channel
    of every weighted op its bias and (multiplier, shift), and the two ping-pong activation buffers -- a lower bound:
    tables, tiles, scratch and corrections come on top."""
    shapes = model.shapes()
    largest = max((math.prod(s) for s in shapes), default=0) * itemsize
    channels = sum(int(op.weight.shape[0] if op.kind != "dwconv2d" else op.weight.shape[-1])
                   for op in model.ops if getattr(op, "weight", None) is not None)
    return 2 * largest + 12 * channels


def check_fits_run_from_flash(model, board, itemsize: int = 1) -> None:
    """Refuses (one line, both sizes) a model whose activations and per-channel data alone exceed the board's RAM
    left after the firmware's stack."""
    need = run_from_flash_floor(model, itemsize)
    have = board.ram.size - (board.stack or DEFAULT_STACK)
    if need > have:
        raise ImageError(f"the model needs at least {need:,} bytes of RAM on board {board.name} even with its weights "
                         f"left in flash (activations and per-channel data), more than the {max(have, 0):,} bytes "
                         f"its RAM leaves after the stack")

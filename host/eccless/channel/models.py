"""The error-model registry: a model is picked by name and built from keyword rates.

Adding a model means one file defining an ErrorModel subclass and one `ERROR_MODELS.add` line here.
"""

from __future__ import annotations

import functools
import inspect

from ..errors import UsageError
from ..registry import Registry
from .asym import Asym
from .base import ErrorModel
from .bsc import BSC
from .burst import Burst
from .stuck import StuckAt

ERROR_MODELS: Registry[type[ErrorModel]] = Registry("error model")
ERROR_MODELS.add(BSC.name, BSC)
ERROR_MODELS.add(Asym.name, Asym)
ERROR_MODELS.add(Burst.name, Burst)
ERROR_MODELS.add(StuckAt.name, StuckAt)


def make_model(name: str, **rates) -> ErrorModel:
    """An error model by registry name, e.g. make_model("bsc", ber=1e-5) or make_model("asym", p10=1e-4, p01=0)."""
    cls = ERROR_MODELS.get(name)
    signature = _signature(cls)
    try:
        signature.bind(None, **rates)
    except TypeError:
        wanted = ", ".join(p for p in signature.parameters if p != "self")
        raise UsageError(f"error model {name!r} takes rates ({wanted}), got ({', '.join(rates)})") from None
    return cls(**rates)


@functools.lru_cache(maxsize=None)  # inspect.signature costs ~40 us, paid for every new rate of a sweep otherwise
def _signature(cls: type[ErrorModel]) -> inspect.Signature:
    return inspect.signature(cls.__init__)

"""One exception type per area. The CLI turns any EcclessError into one line and a non-zero exit."""


class EcclessError(Exception):
    """Base of every error eccless reports to a user; its message is one line naming the problem."""

    exit_code = 2


class UsageError(EcclessError):
    """An option out of range or an unknown name (representation, detection rule, dataset, ...)."""


class DataError(EcclessError):
    """A dataset file is missing, unreadable or malformed."""


class ModelError(EcclessError):
    """A model file is missing or malformed, or uses an unsupported op (the message names it)."""


class ImageError(EcclessError):
    """A flash image is truncated, has a bad magic/version, or its protected region cannot be repaired."""


class DeviceError(EcclessError):
    """The device or its serial link misbehaved (timeout, bad frame, error code)."""


class Interrupted(EcclessError):
    """The user interrupted a long job; what was finished is kept so it can resume."""

    exit_code = 130

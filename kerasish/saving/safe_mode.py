"""Safe mode: while loading, code stored in a file (lambda source) is refused."""

import threading

_LOCAL = threading.local()


class SafeModeScope:
    """`with SafeModeScope(False):` lets a trusted file's Lambda code load."""

    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode

    def __enter__(self):
        self._previous = getattr(_LOCAL, "safe_mode", None)
        _LOCAL.safe_mode = self.safe_mode
        return self

    def __exit__(self, *exc):
        _LOCAL.safe_mode = self._previous
        return False


def is_safe_mode(explicit=None) -> bool:
    if explicit is not None:
        return bool(explicit)
    value = getattr(_LOCAL, "safe_mode", None)
    return True if value is None else bool(value)

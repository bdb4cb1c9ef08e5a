"""Safe mode: while loading, code stored in a file (lambda source) and paths
named by a config (vocabulary files) are refused.

`load_model(..., safe_mode=True)` (the default) loads inside
`SafeModeScope(True)`; `enable_unsafe_deserialization()` turns safe mode off
for the whole process, as in Keras.
"""

import threading

_LOCAL = threading.local()
_UNSAFE = {"enabled": False}


def enable_unsafe_deserialization():
    """Disables safe mode globally: files may then rebuild Lambda code and open
    the paths their configs name. Only for files you trust."""
    _UNSAFE["enabled"] = True


class SafeModeScope:
    """`with SafeModeScope(False):` lets a trusted file's Lambda code load."""

    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode

    def __enter__(self):
        self._previous = getattr(_LOCAL, "safe_mode", None)
        _LOCAL.safe_mode = False if _UNSAFE["enabled"] else self.safe_mode
        return self

    def __exit__(self, *exc):
        _LOCAL.safe_mode = self._previous
        return False


def in_safe_mode():
    """True while loading in safe mode, False when it is off, None outside any
    load (as Keras's `serialization_lib.in_safe_mode`)."""
    if _UNSAFE["enabled"]:
        return False
    value = getattr(_LOCAL, "safe_mode", None)
    return None if value is None else bool(value)


def is_safe_mode(explicit=None) -> bool:
    if explicit is not None:
        return bool(explicit)
    if _UNSAFE["enabled"]:
        return False
    value = getattr(_LOCAL, "safe_mode", None)
    return True if value is None else bool(value)


def refuse_path(what, path):
    """Raises when a config asks to open `path` while a file loads in safe mode."""
    if in_safe_mode():
        raise ValueError(
            f"Requested the loading of a {what} outside of the model archive: "
            f"{path!r}. This carries a potential risk of loading arbitrary and "
            "sensitive files and thus it is disallowed by default. If you trust "
            "the source of the file, pass `safe_mode=False` to the loading "
            "function, or call `keras.config.enable_unsafe_deserialization()`."
        )

"""Temporary alias of safe mode in `kerasish.serialization` (removed by the import
rewrite)."""

from kerasish.serialization import (  # noqa: F401
    SafeModeScope,
    in_safe_mode,
    is_safe_mode,
    refuse_path,
)

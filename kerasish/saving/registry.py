"""Temporary alias of `kerasish.serialization` (removed by the import rewrite)."""

from kerasish.serialization import *  # noqa: F401,F403
from kerasish.serialization import (  # noqa: F401
    _BUILTINS,
    _CUSTOM,
    _CUSTOM_SCOPE,
    _KERAS_KIND_MODULES,
    _KERAS_MODULES,
    _own_registered_name,
)

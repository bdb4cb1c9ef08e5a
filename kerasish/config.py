"""Global settings: float type, fuzz factor, image layout, the active engine.

Mirrors `keras.config`. The engine is chosen by `KERASISH_ENGINE` (default `"jax"`)
or `set_engine(name)`.
"""

import os

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_VALID_FLOATX = ("float16", "bfloat16", "float32", "float64")
_COMPILATION_CACHE = os.environ.get("KERASISH_COMPILATION_CACHE", "1") != "0"


def floatx() -> str:
    """Returns the default float type, as a string (`"float32"` unless changed)."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Sets the default float type: one of float16, bfloat16, float32, float64."""
    global _FLOATX
    if value not in _VALID_FLOATX:
        raise ValueError(
            f"Unknown floatx {value!r}. Valid values: {', '.join(_VALID_FLOATX)}."
        )
    _FLOATX = str(value)


def epsilon() -> float:
    """Returns the fuzz factor used in numeric expressions (`1e-7`)."""
    return _EPSILON


def set_epsilon(value: float) -> None:
    """Sets the fuzz factor used in numeric expressions."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format() -> str:
    """Returns `"channels_last"` (the default) or `"channels_first"`."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format: str) -> None:
    """Sets the default image layout: `"channels_last"` or `"channels_first"`."""
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "`data_format` must be 'channels_last' or 'channels_first', "
            f"got {data_format!r}."
        )
    _IMAGE_DATA_FORMAT = data_format


def standardize_data_format(data_format: str | None) -> str:
    """Returns `data_format`, or the global default when it is `None`."""
    if data_format is None:
        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            "`data_format` must be 'channels_last' or 'channels_first', "
            f"got {data_format!r}."
        )
    return data_format


def engine() -> str:
    """Returns the name of the active engine (`"jax"` or `"numpy"`)."""
    from kerasish.engine import get_engine

    return get_engine().name


backend = engine  # Keras spells it `keras.config.backend()`.


def set_engine(name: str) -> None:
    """Selects the engine by name: `"jax"` (training) or `"numpy"` (inference)."""
    from kerasish.engine import set_engine as _set

    _set(name)


def enable_compilation_cache(enabled: bool = True) -> None:
    """Turns JAX's persistent compilation cache on (default) or off.

    The cache lives in `$KERASISH_CACHE_DIR` or `~/.cache/kerasish/jax`, so a second
    run of the same script reuses compiled steps. Also settable with
    `KERASISH_COMPILATION_CACHE=0`.
    """
    global _COMPILATION_CACHE
    _COMPILATION_CACHE = bool(enabled)


def compilation_cache_enabled() -> bool:
    return _COMPILATION_CACHE


def _env_bytes(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(float(value))
    except ValueError:
        raise ValueError(
            f"Environment variable {name} must be a number of bytes (e.g. "
            f"1073741824), received {value!r}."
        ) from None


_COMPILATION_CACHE_MAX_SIZE = _env_bytes(
    "KERASISH_COMPILATION_CACHE_MAX_SIZE", 1 << 30
)


def set_compilation_cache_max_size(num_bytes: int) -> None:
    """Caps the persistent compilation cache on disk (default 1 GB; -1: no cap).

    When the cap is exceeded, the least recently used compiled steps are deleted.
    Also settable with `KERASISH_COMPILATION_CACHE_MAX_SIZE` (bytes). Takes effect
    when the cache is first used.
    """
    global _COMPILATION_CACHE_MAX_SIZE
    if isinstance(num_bytes, bool) or not isinstance(num_bytes, int) or num_bytes < -1:
        raise ValueError(
            "`num_bytes` must be a non-negative int (or -1 for no cap), received "
            f"{num_bytes!r}."
        )
    _COMPILATION_CACHE_MAX_SIZE = num_bytes


def compilation_cache_max_size() -> int:
    """The persistent compilation cache's size cap in bytes (-1: none)."""
    return _COMPILATION_CACHE_MAX_SIZE


_DEVICE_DATA_BUDGET = _env_bytes("KERASISH_DEVICE_DATA_BUDGET", -1)


def set_device_data_budget(num_bytes: int) -> None:
    """Largest array data set `fit`/`evaluate` place on the device whole.

    Larger data stays on the host and streams to the device a few batches at a
    time, so host memory stays bounded by the data itself. `-1` (the default)
    means automatic: 1 GB on accelerators, 16 MB on CPU (where the device *is*
    host memory, so a device copy would double the data). Also settable with
    `KERASISH_DEVICE_DATA_BUDGET` (bytes).
    """
    global _DEVICE_DATA_BUDGET
    if isinstance(num_bytes, bool) or not isinstance(num_bytes, int) or num_bytes < -1:
        raise ValueError(
            "`num_bytes` must be a non-negative int (or -1 for automatic), "
            f"received {num_bytes!r}."
        )
    _DEVICE_DATA_BUDGET = num_bytes


def device_data_budget() -> int:
    """The device data budget in bytes (-1: automatic)."""
    return _DEVICE_DATA_BUDGET

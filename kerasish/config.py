"""Global settings: float type, fuzz factor, image layout, the engine's name.

Mirrors `keras.config`. The engine is chosen by `KERASISH_ENGINE` (default `"jax"`)
or `set_engine(name)`.

This module is at the bottom of kerasish: it holds settings and imports nothing of
kerasish. A setting another package interprets is stored here and read there
(`kerasish.engine` builds the engine named here; safe mode reads the unsafe
deserialization switch). The global dtype policy is a `DTypePolicy`, a class of
`kerasish.mixed_precision`: that package installs the two functions behind
`dtype_policy()` and `set_dtype_policy()` when it loads.
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


# The engines `kerasish.engine` can build; the active one is built on first use.
_ENGINES = ("jax", "numpy")
_ENGINE = os.environ.get("KERASISH_ENGINE", "jax").strip().lower()


def engine() -> str:
    """Returns the name of the active engine (`"jax"` or `"numpy"`)."""
    return _ENGINE


backend = engine  # Keras spells it `keras.config.backend()`.


def set_engine(name: str) -> None:
    """Selects the engine by name: `"jax"` (training) or `"numpy"` (inference)."""
    global _ENGINE
    name = str(name).strip().lower()
    if name not in _ENGINES:
        raise ValueError(
            f"Unknown engine {name!r}. Valid engines: {', '.join(_ENGINES)}."
        )
    _ENGINE = name


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


# -- The rest of `keras.config` ------------------------------------------------
# Switches that `kerasish.backend.clear_session()` resets, as Keras's global state.
_SESSION_DEFAULTS = {
    "flash_attention": None,
    "traceback_filtering": True,
    "interactive_logging": True,
    "unsafe_deserialization": False,
}
_SESSION = dict(_SESSION_DEFAULTS)


def _env_int(name):
    value = os.environ.get(name)
    return None if value in (None, "") else int(value)


# Debugging caps on `fit` (Keras reads the same environment variables).
_MAX_EPOCHS = _env_int("KERAS_MAX_EPOCHS")
_MAX_STEPS_PER_EPOCH = _env_int("KERAS_MAX_STEPS_PER_EPOCH")


def reset_session_settings() -> None:
    """Restores the switches above to their defaults (`clear_session` calls it)."""
    _SESSION.clear()
    _SESSION.update(_SESSION_DEFAULTS)


def enable_flash_attention():
    """Lets attention layers try flash attention (the default: `None`, automatic)."""
    _SESSION["flash_attention"] = None


def disable_flash_attention():
    """Stops attention layers from using flash attention."""
    _SESSION["flash_attention"] = False


def is_flash_attention_enabled():
    """`None` (automatic, the default) or `False` after `disable_flash_attention`."""
    return _SESSION["flash_attention"]


def enable_traceback_filtering():
    """Turns traceback filtering on (the default)."""
    _SESSION["traceback_filtering"] = True


def disable_traceback_filtering():
    """Turns traceback filtering off, to see every frame of an error."""
    _SESSION["traceback_filtering"] = False


def is_traceback_filtering_enabled():
    """Whether traceback filtering is on (`True` unless disabled)."""
    return _SESSION["traceback_filtering"]


def enable_interactive_logging():
    """Progress bars and messages go to stdout (the default)."""
    _SESSION["interactive_logging"] = True


def disable_interactive_logging():
    """Progress bars and messages go to Python's `logging` ("kerasish" logger)."""
    _SESSION["interactive_logging"] = False


def is_interactive_logging_enabled():
    """Whether messages go to stdout (`True`) or to `logging` (`False`)."""
    return _SESSION["interactive_logging"]


# `kerasish.mixed_precision.policy` installs `{"get": ..., "set": ...}` here.
_DTYPE_POLICY_FUNCTIONS = {}


def dtype_policy():
    """Returns the global dtype policy (a `DTypePolicy`; floatx unless set)."""
    return _DTYPE_POLICY_FUNCTIONS["get"]()


def set_dtype_policy(policy):
    """Sets the global dtype policy: a name such as `"mixed_float16"` or a policy."""
    _DTYPE_POLICY_FUNCTIONS["set"](policy)


def enable_unsafe_deserialization():
    """Disables safe mode until `clear_session()`: loading may rebuild Lambda code."""
    _SESSION["unsafe_deserialization"] = True


def _unsafe_deserialization_enabled():
    return _SESSION["unsafe_deserialization"]


def is_nnx_enabled():
    """Always `False`: kerasish layers are not Flax NNX modules."""
    return False


def set_backend(backend):
    """Selects the engine: `"jax"` or `"numpy"` (kerasish has no other backends).

    Unlike Keras, nothing is re-imported: later calls use the new engine.
    """
    name = str(backend).strip().lower()
    if name not in _ENGINES:
        raise ValueError(
            f"kerasish runs on the 'jax' and 'numpy' engines only; received "
            f"backend={backend!r}. TensorFlow, torch and OpenVINO are not supported."
        )
    set_engine(name)


def max_epochs():
    """The cap on `fit`'s epochs set by `set_max_epochs` (or `KERAS_MAX_EPOCHS`)."""
    return _MAX_EPOCHS


def set_max_epochs(max_epochs):
    """Caps the epochs of every `fit` call (for debugging); `None` removes the cap."""
    global _MAX_EPOCHS
    _MAX_EPOCHS = max_epochs


def max_steps_per_epoch():
    """The cap on steps per epoch set by `set_max_steps_per_epoch`, or `None`."""
    return _MAX_STEPS_PER_EPOCH


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Caps the steps of each epoch of `fit` (for debugging); `None` removes it."""
    global _MAX_STEPS_PER_EPOCH
    _MAX_STEPS_PER_EPOCH = max_steps_per_epoch


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


_COMPILATION_CACHE_MAX_SIZE = _env_bytes("KERASISH_COMPILATION_CACHE_MAX_SIZE", 1 << 30)


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
    host memory, so a device copy would double the data). A shuffled epoch
    holds a second, reordered copy on the device while it runs. Also settable
    with `KERASISH_DEVICE_DATA_BUDGET` (bytes).
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


_THROUGHPUT_LOGS = False


def enable_throughput_logs() -> None:
    """Adds `samples_per_second` and `input_wait_fraction` to each epoch's logs.

    kerasish only, off by default: the logs (and `History.history`, CSVLogger's
    columns, the progress bar) then have keys Keras's do not. The figures are
    always in `model.history.throughput`.
    """
    global _THROUGHPUT_LOGS
    _THROUGHPUT_LOGS = True


def disable_throughput_logs() -> None:
    """Keeps the epoch logs to Keras's keys (the default)."""
    global _THROUGHPUT_LOGS
    _THROUGHPUT_LOGS = False


def throughput_logs_enabled() -> bool:
    """Whether `enable_throughput_logs()` is in effect."""
    return _THROUGHPUT_LOGS

"""Creating and converting arrays for the JAX engine's `numpy` namespace.

Shared helpers live here too: Python lists and tuples become arrays (`_t`), list
axes become tuples (`_axis`), integers become floatx where Keras computes in floats.
"""

import difflib

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config
from kerasish.engine import dtypes as engine_dtypes


def _floatx_default(dtype):
    return config.floatx() if dtype is None else dtype


def _t(x):
    """`x` as an array if it is a Python list or tuple; anything else as it is."""
    return jnp.asarray(x) if isinstance(x, list | tuple) else x


def _axis(axis):
    # jnp wants a hashable axis; Keras users also pass lists.
    return tuple(axis) if isinstance(axis, list) else axis


def _is_int_or_bool(x):
    dtype = jnp.result_type(x)
    return jnp.issubdtype(dtype, jnp.integer) or dtype == jnp.bool_


def _to_float(x):
    """Integers and booleans become floatx (as Keras does); floats stay."""
    x = jnp.asarray(_t(x))
    return x.astype(config.floatx()) if _is_int_or_bool(x) else x


# -- tensors and dtypes --------------------------------------------------------------
def convert_to_tensor(x, dtype=None):
    if dtype is not None:
        dtype = standardize_dtype(dtype)
    if isinstance(x, jax.Array) and (dtype is None or x.dtype == dtype):
        return x
    if isinstance(x, float) and dtype is None:
        dtype = config.floatx()
    if isinstance(x, np.ndarray) and x.dtype == np.float64 and dtype is None:
        # Keras converts float64 host data to floatx so models stay in float32.
        dtype = config.floatx()
    if isinstance(x, np.ndarray | np.generic) and x.dtype.kind not in "OSUV":
        # Cast on the host and place: `jnp.asarray` of a numpy array compiles a
        # copy program per shape (jax 0.10), which dominated building big models.
        # `device_put` canonicalizes 64-bit types exactly as `asarray` does.
        return jax.device_put(x if dtype is None else x.astype(dtype, copy=False))
    return jnp.asarray(x, dtype=dtype)


def convert_to_numpy(x):
    return np.asarray(x)


def standardize_dtype(dtype):
    if dtype is None:
        return config.floatx()
    if hasattr(dtype, "name") and not isinstance(dtype, str):
        return np.dtype(dtype).name if dtype is not jnp.bfloat16 else "bfloat16"
    try:
        return str(np.dtype(jnp.dtype(dtype)))
    except TypeError:
        if dtype in engine_dtypes.ALLOWED_DTYPES:
            raise  # a Keras dtype ("string") that JAX arrays cannot hold
        raise ValueError(_invalid_dtype_message(dtype)) from None


def _invalid_dtype_message(dtype):
    """Keras's "Invalid dtype: <name>", with the closest valid names."""
    message = f"Invalid dtype: {dtype}."
    if isinstance(dtype, str):
        close = difflib.get_close_matches(dtype, engine_dtypes.ALLOWED_DTYPES, n=3)
        if close:
            message += " Did you mean " + " or ".join(map(repr, close)) + "?"
    return f"{message} Valid dtypes: {', '.join(engine_dtypes.ALLOWED_DTYPES)}."


def is_tensor(x):
    return isinstance(x, jax.Array)


def cast(x, dtype):
    return jnp.asarray(x).astype(standardize_dtype(dtype))


def shape(x):
    return tuple(jnp.shape(x))


def array(x, dtype=None):
    return jnp.array(x, dtype=dtype)


def view(x, dtype=None):
    return jnp.asarray(_t(x)).view(dtype)


def get_item(x, key):
    return x[key]


# -- creation ------------------------------------------------------------------------
def zeros(shape, dtype=None):
    filled = _filled_now(shape, dtype, 0)
    return jnp.zeros(shape, dtype=_floatx_default(dtype)) if filled is None else filled


def ones(shape, dtype=None):
    filled = _filled_now(shape, dtype, 1)
    return jnp.ones(shape, dtype=_floatx_default(dtype)) if filled is None else filled


def _filled_now(shape, dtype, value):
    """Outside any trace, a fill made with numpy and placed, or None: run as an
    operation, `jnp.zeros` compiles a program per new shape and dtype (20-70 ms
    each on XLA:CPU), as a metric's fresh state did in every first `fit`."""
    try:
        from jax._src.core import trace_state_clean

        if not trace_state_clean():
            return None
        dtype = jax.dtypes.canonicalize_dtype(jnp.dtype(_floatx_default(dtype)))
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        return jax.device_put(np.full(shape, value, dtype))
    except (ImportError, TypeError):  # another jax, or a shape numpy rejects
        return None


def empty(shape, dtype=None):
    return jnp.empty(shape, dtype=_floatx_default(dtype))


def full(shape, fill_value, dtype=None):
    # Keras fills floatx unless told otherwise, whatever the fill value's type.
    return jnp.full(shape, _t(fill_value), dtype=_floatx_default(dtype))


def zeros_like(x, dtype=None):
    return jnp.zeros_like(_t(x), dtype=dtype)


def ones_like(x, dtype=None):
    return jnp.ones_like(_t(x), dtype=dtype)


def empty_like(x, dtype=None):
    return jnp.empty_like(_t(x), dtype=dtype)


def full_like(x, fill_value, dtype=None):
    return jnp.full_like(_t(x), _t(fill_value), dtype=dtype)


def eye(N, M=None, k=0, dtype=None):
    return jnp.eye(N, M, k=k, dtype=_floatx_default(dtype))


def identity(n, dtype=None):
    return jnp.identity(n, dtype=_floatx_default(dtype))


def tri(N, M=None, k=0, dtype=None):
    return jnp.tri(N, M, k=k, dtype=_floatx_default(dtype))


def arange(start, stop=None, step=None, dtype=None):
    return jnp.arange(start, stop, step, dtype=dtype)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    return jnp.linspace(
        _t(start),
        _t(stop),
        num,
        endpoint=endpoint,
        retstep=retstep,
        dtype=dtype,
        axis=axis,
    )


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    return jnp.logspace(
        _t(start), _t(stop), num, endpoint=endpoint, base=base, dtype=dtype, axis=axis
    )


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    return jnp.geomspace(
        _t(start), _t(stop), num, endpoint=endpoint, dtype=dtype, axis=axis
    )


def _window(fn):
    def window(x):
        return fn(x).astype(config.floatx())

    return window


bartlett = _window(jnp.bartlett)
blackman = _window(jnp.blackman)
hamming = _window(jnp.hamming)
hanning = _window(jnp.hanning)


def kaiser(x, beta):
    return jnp.kaiser(x, beta).astype(config.floatx())


def vander(x, N=None, increasing=False):
    return jnp.vander(_t(x), N=N, increasing=increasing)


def meshgrid(*x, indexing="xy"):
    return jnp.meshgrid(*[_t(v) for v in x], indexing=indexing)

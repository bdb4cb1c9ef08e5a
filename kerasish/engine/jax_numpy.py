"""NumPy-style array functions for the JAX engine, with `kerasish.ops` names."""

import jax
import jax.numpy as jnp
import numpy as np

from kerasish import config


def _floatx_default(dtype):
    return config.floatx() if dtype is None else dtype


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
    return jnp.asarray(x, dtype=dtype)


def convert_to_numpy(x):
    return np.asarray(x)


def standardize_dtype(dtype):
    if dtype is None:
        return config.floatx()
    if hasattr(dtype, "name") and not isinstance(dtype, str):
        return np.dtype(dtype).name if dtype is not jnp.bfloat16 else "bfloat16"
    return str(np.dtype(jnp.dtype(dtype)))


def is_tensor(x):
    return isinstance(x, jax.Array)


def cast(x, dtype):
    return jnp.asarray(x).astype(standardize_dtype(dtype))


def shape(x):
    return tuple(jnp.shape(x))


def zeros(shape, dtype=None):
    return jnp.zeros(shape, dtype=_floatx_default(dtype))


def ones(shape, dtype=None):
    return jnp.ones(shape, dtype=_floatx_default(dtype))


def full(shape, fill_value, dtype=None):
    return jnp.full(shape, fill_value, dtype=dtype)


def eye(N, M=None, k=0, dtype=None):
    return jnp.eye(N, M, k=k, dtype=_floatx_default(dtype))


def identity(n, dtype=None):
    return jnp.identity(n, dtype=_floatx_default(dtype))


def arange(start, stop=None, step=1, dtype=None):
    return jnp.arange(start, stop, step, dtype=dtype)


def linspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    return jnp.linspace(start, stop, num, endpoint=endpoint, dtype=dtype, axis=axis)


def slice(inputs, start_indices, shape):
    return jax.lax.dynamic_slice(inputs, start_indices, shape)


def slice_update(inputs, start_indices, updates):
    return jax.lax.dynamic_update_slice(inputs, updates, start_indices)


def scatter(indices, values, shape):
    zeros_ = jnp.zeros(shape, values.dtype)
    key = tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))
    return zeros_.at[key].add(values)


def scatter_update(inputs, indices, updates):
    key = tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))
    return inputs.at[key].set(updates)


def get_item(x, key):
    return x[key]


def moments(x, axes, keepdims=False):
    mean = jnp.mean(x, axis=axes, keepdims=True)
    variance = jnp.mean(
        jnp.square(x - jax.lax.stop_gradient(mean)), axis=axes, keepdims=True
    )
    if not keepdims:
        mean = jnp.squeeze(mean, axes)
        variance = jnp.squeeze(variance, axes)
    return mean, variance


def top_k(x, k, sorted=True):
    return jax.lax.top_k(x, k)


def in_top_k(targets, predictions, k):
    targets = jnp.asarray(targets).astype("int32")
    target_values = jnp.take_along_axis(predictions, targets[:, None], axis=-1)
    # A target is in the top k when fewer than k predictions beat it strictly.
    return jnp.sum(predictions > target_values, axis=-1) < k


def segment_sum(data, segment_ids, num_segments=None):
    return jax.ops.segment_sum(data, segment_ids, num_segments)


def segment_max(data, segment_ids, num_segments=None):
    return jax.ops.segment_max(data, segment_ids, num_segments)


def norm(x, ord=None, axis=None, keepdims=False):
    return jnp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


def qr(x, mode="reduced"):
    return jnp.linalg.qr(x, mode=mode)


def svd(x, full_matrices=True, compute_uv=True):
    return jnp.linalg.svd(x, full_matrices=full_matrices, compute_uv=compute_uv)


def erf(x):
    return jax.scipy.special.erf(x)


def erfinv(x):
    return jax.scipy.special.erfinv(x)


def logsumexp(x, axis=None, keepdims=False):
    return jax.scipy.special.logsumexp(x, axis=axis, keepdims=keepdims)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return jnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


_ALIASES = """
abs absolute add all any amax amin append arccos arccosh arcsin arcsinh arctan arctan2
arctanh argmax argmin argsort array average bincount broadcast_to ceil clip
concatenate conj copy cos cosh count_nonzero cross cumprod cumsum diag diagonal diff
digitize divide dot einsum empty equal exp expm1 expand_dims flip floor floor_divide
full_like greater greater_equal hstack imag isclose isfinite isinf isnan less
less_equal log log10 log1p log2 logaddexp logical_and logical_not logical_or
logical_xor matmul max maximum mean median meshgrid min minimum mod moveaxis multiply
ndim negative nonzero not_equal ones_like outer pad power prod quantile ravel real
reciprocal repeat reshape roll round sign sin sinh size sort split sqrt square squeeze
stack std subtract sum swapaxes take take_along_axis tan tanh tensordot tile trace
transpose tri tril triu true_divide var vdot vstack where zeros_like floor
bitwise_and bitwise_or bitwise_xor left_shift right_shift searchsorted unique
isin rint trunc heaviside hypot histogram kron lcm gcd fmod nanmean nansum
""".split()

for _name in _ALIASES:
    globals()[_name] = getattr(jnp, _name)

det = jnp.linalg.det
inv = jnp.linalg.inv
solve = jnp.linalg.solve
cholesky = jnp.linalg.cholesky
eigh = jnp.linalg.eigh
slogdet = jnp.linalg.slogdet
lstsq = jnp.linalg.lstsq
pinv = jnp.linalg.pinv

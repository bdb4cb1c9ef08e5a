"""The NumPy engine's `math` namespace: segments, top-k, FFTs, special functions."""

import math

import numpy as np


def _fill(value, dtype):
    """`value` (0, 1 or +-inf) in `dtype`; integers use their extreme values."""
    if np.issubdtype(dtype, np.integer) and np.isinf(value):
        info = np.iinfo(dtype)
        return info.min if value < 0 else info.max
    return value


def _segment(ufunc, fill):
    def op(data, segment_ids, num_segments=None, sorted=False):
        data, ids = np.asarray(data), np.asarray(segment_ids)
        n = int(ids.max()) + 1 if num_segments is None else num_segments
        out = np.full((n,) + data.shape[1:], _fill(fill, data.dtype), data.dtype)
        valid = (ids >= 0) & (ids < n)  # out-of-range ids are dropped, as in jax
        ufunc.at(out, ids[valid], data[valid])
        return out

    return op


def top_k(x, k, sorted=True):
    x = np.asarray(x)
    index = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(x, index, axis=-1), index.astype("int32")


def in_top_k(targets, predictions, k):
    targets = np.asarray(targets).astype("int64")
    predictions = np.asarray(predictions)
    at_target = np.take_along_axis(predictions, targets[..., None], axis=-1)
    at_target = np.where(np.isnan(at_target), -np.inf, at_target)
    # In the top k when fewer than k predictions are strictly larger.
    return np.sum(predictions > at_target, axis=-1) < k


def logsumexp(x, axis=None, keepdims=False):
    x = np.asarray(x)
    axis = tuple(axis) if isinstance(axis, list) else axis
    peak = np.max(x, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0)
    out = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return out if keepdims else np.squeeze(out, axis=axis)


def erf(x):
    x = np.asarray(x)
    return np.vectorize(math.erf, otypes=[x.dtype])(x)


def erfc(x):
    x = np.asarray(x)
    return np.vectorize(math.erfc, otypes=[x.dtype])(x)


def rsqrt(x):
    x = np.asarray(x)
    return (1 / np.sqrt(x)).astype(x.dtype)


def logdet(x):
    return np.linalg.slogdet(np.asarray(x))[1]


def cdist(x, y):
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim < 2 or y.ndim < 2 or x.shape[-1] != y.shape[-1]:
        raise ValueError(
            "cdist: inputs must have rank >= 2 and the same last axis, received "
            f"shapes {tuple(x.shape)} and {tuple(y.shape)}."
        )
    diff = x[..., :, None, :] - y[..., None, :, :]
    return np.sqrt(np.sum(diff * diff, axis=-1))


def extract_sequences(x, sequence_length, sequence_stride):
    """Frames `(..., n)` into `(..., num_frames, sequence_length)`."""
    x = np.asarray(x)
    frames = np.lib.stride_tricks.sliding_window_view(x, sequence_length, axis=-1)
    return frames[..., ::sequence_stride, :]


def _complex(name, x):
    if not isinstance(x, tuple | list) or len(x) != 2:
        raise ValueError(
            f"{name}: `x` must be a tuple (real, imag) of two float tensors, "
            f"received {type(x).__name__}."
        )
    real, imag = (np.asarray(v) for v in x)
    if real.shape != imag.shape:
        raise ValueError(
            f"{name}: the real and imaginary parts must have the same shape, "
            f"received {tuple(real.shape)} and {tuple(imag.shape)}."
        )
    return real + 1j * imag, real.dtype


def _parts(z, dtype):
    return np.real(z).astype(dtype), np.imag(z).astype(dtype)


def fft(x):
    z, dtype = _complex("fft", x)
    return _parts(np.fft.fft(z), dtype)


def fft2(x):
    z, dtype = _complex("fft2", x)
    return _parts(np.fft.fft2(z), dtype)


def ifft2(x):
    z, dtype = _complex("ifft2", x)
    return _parts(np.fft.ifft2(z), dtype)


def rfft(x, fft_length=None):
    x = np.asarray(x)
    return _parts(np.fft.rfft(x, n=fft_length, axis=-1), x.dtype)


def irfft(x, fft_length=None):
    z, dtype = _complex("irfft", x)
    return np.fft.irfft(z, n=fft_length, axis=-1).astype(dtype)


def view_as_complex(x):
    x = np.asarray(x)
    if x.shape[-1] != 2:
        raise ValueError(
            f"view_as_complex: the last axis must have size 2 (real, imag), "
            f"received shape {tuple(x.shape)}."
        )
    return x[..., 0] + 1j * x[..., 1]


def view_as_real(x):
    x = np.asarray(x)
    return np.stack([np.real(x), np.imag(x)], axis=-1)


FUNCTIONS = {
    "cdist": cdist,
    "erf": erf,
    "erfc": erfc,
    "extract_sequences": extract_sequences,
    "fft": fft,
    "fft2": fft2,
    "ifft2": ifft2,
    "in_top_k": in_top_k,
    "irfft": irfft,
    "logdet": logdet,
    "logsumexp": logsumexp,
    "rfft": rfft,
    "rsqrt": rsqrt,
    "segment_max": _segment(np.maximum, -np.inf),
    "segment_min": _segment(np.minimum, np.inf),
    "segment_prod": _segment(np.multiply, 1),
    "segment_sum": _segment(np.add, 0),
    "top_k": top_k,
    "view_as_complex": view_as_complex,
    "view_as_real": view_as_real,
}

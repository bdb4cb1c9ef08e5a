"""Math functions for the JAX engine: segments, top-k, FFTs, STFT, special functions."""

import math

import jax
import jax.numpy as jnp
import numpy as np


def _num_segments(name, num_segments):
    if num_segments is None:
        raise ValueError(
            f"{name}: `num_segments` must be given with the JAX engine (output "
            "shapes cannot depend on values); pass `num_segments=max_id + 1`."
        )
    return num_segments


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    n = _num_segments("segment_sum", num_segments)
    return jax.ops.segment_sum(data, segment_ids, n, indices_are_sorted=sorted)


def segment_max(data, segment_ids, num_segments=None, sorted=False):
    n = _num_segments("segment_max", num_segments)
    return jax.ops.segment_max(data, segment_ids, n, indices_are_sorted=sorted)


def segment_min(data, segment_ids, num_segments=None, sorted=False):
    n = _num_segments("segment_min", num_segments)
    return jax.ops.segment_min(data, segment_ids, n, indices_are_sorted=sorted)


def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    n = _num_segments("segment_prod", num_segments)
    return jax.ops.segment_prod(data, segment_ids, n, indices_are_sorted=sorted)


def top_k(x, k, sorted=True):
    # Unsorted output may be in any order, so sorted output is valid for both.
    return jax.lax.top_k(x, k)


def in_top_k(targets, predictions, k):
    targets = jnp.asarray(targets).astype("int32")
    at_target = jnp.take_along_axis(predictions, targets[..., None], axis=-1)
    at_target = jnp.where(jnp.isnan(at_target), -jnp.inf, at_target)
    # In the top k when fewer than k predictions are strictly larger.
    return jnp.sum(predictions > at_target, axis=-1) < k


def logsumexp(x, axis=None, keepdims=False):
    return jax.scipy.special.logsumexp(x, axis=axis, keepdims=keepdims)


def cdist(x, y):
    if x.ndim < 2 or y.ndim < 2 or x.shape[-1] != y.shape[-1]:
        raise ValueError(
            "cdist: inputs must have rank >= 2 and the same last axis, received "
            f"shapes {tuple(x.shape)} and {tuple(y.shape)}."
        )
    diff = x[..., :, None, :] - y[..., None, :, :]
    return jnp.sqrt(jnp.sum(diff * diff, axis=-1))


def extract_sequences(x, sequence_length, sequence_stride):
    """Frames `(..., n)` into `(..., num_frames, sequence_length)`."""
    *batch, length = x.shape
    num = (length - sequence_length) // sequence_stride + 1
    index = np.arange(num)[:, None] * sequence_stride + np.arange(sequence_length)
    return jnp.reshape(x, (math.prod(batch), length))[:, index].reshape(
        (*batch, num, sequence_length)
    )


def _complex(name, x):
    if not isinstance(x, tuple | list) or len(x) != 2:
        raise ValueError(
            f"{name}: `x` must be a tuple (real, imag) of two float tensors, "
            f"received {type(x).__name__}."
        )
    real, imag = (jnp.asarray(v) for v in x)
    if real.shape != imag.shape:
        raise ValueError(
            f"{name}: the real and imaginary parts must have the same shape, "
            f"received {tuple(real.shape)} and {tuple(imag.shape)}."
        )
    if not (
        jnp.issubdtype(real.dtype, jnp.floating)
        and jnp.issubdtype(imag.dtype, jnp.floating)
    ):
        raise ValueError(
            f"{name}: the real and imaginary parts must be floating, received "
            f"{real.dtype} and {imag.dtype}."
        )
    return jax.lax.complex(real, imag)


def _parts(z):
    return jnp.real(z), jnp.imag(z)


def fft(x):
    return _parts(jnp.fft.fft(_complex("fft", x)))


def fft2(x):
    return _parts(jnp.fft.fft2(_complex("fft2", x)))


def ifft2(x):
    return _parts(jnp.fft.ifft2(_complex("ifft2", x)))


def rfft(x, fft_length=None):
    return _parts(jnp.fft.rfft(x, n=fft_length, axis=-1))


def irfft(x, fft_length=None):
    return jnp.fft.irfft(_complex("irfft", x), n=fft_length, axis=-1)


def _window(name, window, sequence_length, fft_length, dtype):
    """The analysis window zero-padded (centred) to `fft_length`."""
    if window is None:
        return jnp.ones((fft_length,), dtype)
    if isinstance(window, str):
        # Periodic windows, as scipy.signal.get_window returns them.
        n = np.arange(sequence_length)
        cosine = np.cos(2 * np.pi * n / sequence_length)
        if window == "hann":
            window = 0.5 - 0.5 * cosine
        elif window == "hamming":
            window = 0.54 - 0.46 * cosine
        else:
            raise ValueError(
                f"{name}: a string `window` must be 'hann' or 'hamming', received "
                f"{window!r}."
            )
    window = jnp.asarray(window, dtype)
    if window.shape != (sequence_length,):
        raise ValueError(
            f"{name}: `window` must have shape ({sequence_length},), received "
            f"{tuple(window.shape)}."
        )
    left = (fft_length - sequence_length) // 2
    return jnp.pad(window, (left, fft_length - sequence_length - left))


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """`rfft(frame * window)` of each `fft_length` frame, hop `sequence_stride`."""
    if str(x.dtype) not in ("float32", "float64"):
        raise TypeError(f"stft: expected float32 or float64 input, received {x.dtype}.")
    if fft_length < sequence_length:
        raise ValueError(
            f"stft: `fft_length` ({fft_length}) must be >= `sequence_length` "
            f"({sequence_length})."
        )
    win = _window("stft", window, sequence_length, fft_length, x.dtype)
    if center:
        pads = [(0, 0)] * (x.ndim - 1) + [(fft_length // 2, fft_length // 2)]
        x = jnp.pad(x, pads, mode="reflect")
    frames = extract_sequences(x, fft_length, sequence_stride)
    return _parts(jnp.fft.rfft(frames * win, n=fft_length, axis=-1))


def istft(
    x,
    sequence_length,
    sequence_stride,
    fft_length,
    length=None,
    window="hann",
    center=True,
):
    """Inverse of `stft`: overlap-add of windowed frames over the summed squared
    window."""
    z = _complex("istft", x)
    if z.ndim < 2:
        raise ValueError(
            f"istft: `x` must have rank >= 2 (frames, bins), received {z.ndim}."
        )
    dtype = jnp.real(z).dtype
    win = _window("istft", window, sequence_length, fft_length, dtype)
    frames = jnp.fft.irfft(z, n=fft_length, axis=-1) * win  # (..., num, fft_length)
    num = z.shape[-2]
    total = fft_length + sequence_stride * (num - 1)
    index = (np.arange(num)[:, None] * sequence_stride + np.arange(fft_length)).ravel()
    batch = frames.shape[:-2]
    signal = (
        jnp.zeros(batch + (total,), dtype)
        .at[..., index]
        .add(frames.reshape(batch + (-1,)))
    )
    norm = jnp.zeros((total,), dtype).at[index].add(jnp.tile(jnp.square(win), num))
    signal = signal / jnp.where(norm > 1e-10, norm, 1.0)
    if window is None:
        signal = signal * (fft_length / sequence_stride)  # Keras's scaling
    start = fft_length // 2 if center else 0
    if length is not None:
        return signal[..., start : start + length]
    end = total - fft_length // 2 if center else total
    return signal[..., start:end]


def rsqrt(x):
    return jax.lax.rsqrt(jnp.asarray(x))


def erf(x):
    return jax.scipy.special.erf(x)


def erfc(x):
    return jax.scipy.special.erfc(x)


def erfinv(x):
    return jax.scipy.special.erfinv(x)


def logdet(x):
    return jnp.linalg.slogdet(x)[1]


def view_as_complex(x):
    """`(..., 2)` real pairs to complex numbers."""
    if x.shape[-1] != 2:
        raise ValueError(
            f"view_as_complex: the last axis must have size 2 (real, imag), "
            f"received shape {tuple(x.shape)}."
        )
    return jax.lax.complex(x[..., 0], x[..., 1])


def view_as_real(x):
    """Complex numbers to `(..., 2)` real pairs."""
    return jnp.stack([jnp.real(x), jnp.imag(x)], axis=-1)

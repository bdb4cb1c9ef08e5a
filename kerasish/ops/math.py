"""Math functions of `kerasish.ops` (Keras's `keras.src.ops.math` group).

Each dispatches to the active engine's `math` namespace; `Variable` arguments
are read first. Complex values travel as `(real, imag)` pairs, as in Keras.
"""

from kerasish.engine import get_engine
from kerasish.ops._forward import engine_namespace, unwrap


def _segments(data, segment_ids, name):
    """`data` and `segment_ids` read, and checked: one id per row of `data`."""
    convert = get_engine().convert_to_tensor  # lists too
    data, segment_ids = convert(unwrap(data)), convert(unwrap(segment_ids))
    ids_shape, data_shape = tuple(segment_ids.shape), tuple(data.shape)
    if len(ids_shape) != 1:
        raise ValueError(
            f"{name}: `segment_ids` must be a 1-D vector (one id per row of "
            f"`data`), received shape {ids_shape}. Flatten both: "
            "`segment_ids.reshape(-1)` and `data.reshape((-1,) + "
            "data.shape[segment_ids.ndim:])`."
        )
    rows = data_shape[0] if data_shape else None
    if None not in (ids_shape[0], rows) and ids_shape[0] != rows:
        raise ValueError(
            f"{name}: `segment_ids` of shape {ids_shape} needs one id per row of "
            f"`data`, of shape {data_shape}."
        )
    return data, segment_ids


def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sums the rows of `data` that share a segment id."""
    data, ids = _segments(data, segment_ids, "segment_sum")
    return engine_namespace("math").segment_sum(data, ids, num_segments, sorted)


def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Maximum of the rows of `data` that share a segment id."""
    data, ids = _segments(data, segment_ids, "segment_max")
    return engine_namespace("math").segment_max(data, ids, num_segments, sorted)


def segment_min(data, segment_ids, num_segments=None, sorted=False):
    """Minimum of the rows of `data` that share a segment id."""
    data, ids = _segments(data, segment_ids, "segment_min")
    return engine_namespace("math").segment_min(data, ids, num_segments, sorted)


def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    """Product of the rows of `data` that share a segment id."""
    data, ids = _segments(data, segment_ids, "segment_prod")
    return engine_namespace("math").segment_prod(data, ids, num_segments, sorted)


def top_k(x, k, sorted=True):
    """The `k` largest values of the last axis and their indices."""
    return engine_namespace("math").top_k(unwrap(x), k, sorted)


def in_top_k(targets, predictions, k):
    """Whether each target's prediction is among the `k` largest of its row."""
    return engine_namespace("math").in_top_k(unwrap(targets), unwrap(predictions), k)


def logsumexp(x, axis=None, keepdims=False):
    """`log(sum(exp(x)))` over `axis`, computed stably."""
    return engine_namespace("math").logsumexp(unwrap(x), axis, keepdims)


def cdist(x, y):
    """Pairwise Euclidean distances between the rows of `x` and `y`."""
    return engine_namespace("math").cdist(unwrap(x), unwrap(y))


def extract_sequences(x, sequence_length, sequence_stride):
    """Frames the last axis into windows of `sequence_length`, hop `sequence_stride`."""
    return engine_namespace("math").extract_sequences(
        unwrap(x), sequence_length, sequence_stride
    )


def fft(x):
    """FFT over the last axis of a complex `(real, imag)` pair."""
    return engine_namespace("math").fft(unwrap(x))


def fft2(x):
    """2D FFT over the last two axes of a complex `(real, imag)` pair."""
    return engine_namespace("math").fft2(unwrap(x))


def ifft2(x):
    """Inverse 2D FFT over the last two axes of a complex `(real, imag)` pair."""
    return engine_namespace("math").ifft2(unwrap(x))


def rfft(x, fft_length=None):
    """FFT of a real signal over the last axis; returns `(real, imag)`."""
    return engine_namespace("math").rfft(unwrap(x), fft_length)


def irfft(x, fft_length=None):
    """Inverse of `rfft` for a `(real, imag)` half spectrum."""
    return engine_namespace("math").irfft(unwrap(x), fft_length)


def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform of the last axis; returns `(real, imag)`."""
    return engine_namespace("math").stft(
        unwrap(x), sequence_length, sequence_stride, fft_length, window, center
    )


def istft(
    x,
    sequence_length,
    sequence_stride,
    fft_length,
    length=None,
    window="hann",
    center=True,
):
    """Inverse short-time Fourier transform of a `(real, imag)` pair."""
    return engine_namespace("math").istft(
        unwrap(x), sequence_length, sequence_stride, fft_length, length, window, center
    )


def rsqrt(x):
    """`1 / sqrt(x)`."""
    return engine_namespace("math").rsqrt(unwrap(x))


def erf(x):
    """Gauss error function."""
    return engine_namespace("math").erf(unwrap(x))


def erfc(x):
    """Complementary error function `1 - erf(x)`."""
    return engine_namespace("math").erfc(unwrap(x))


def erfinv(x):
    """Inverse of the error function."""
    return engine_namespace("math").erfinv(unwrap(x))


def logdet(x):
    """`log(det(x))` of Hermitian positive-definite matrices."""
    return engine_namespace("math").logdet(unwrap(x))


def view_as_complex(x):
    """Reads `(..., 2)` real pairs as complex numbers."""
    return engine_namespace("math").view_as_complex(unwrap(x))


def view_as_real(x):
    """Splits complex numbers into `(..., 2)` real pairs."""
    return engine_namespace("math").view_as_real(unwrap(x))


__all__ = [
    "cdist",
    "erf",
    "erfc",
    "erfinv",
    "extract_sequences",
    "fft",
    "fft2",
    "ifft2",
    "in_top_k",
    "irfft",
    "istft",
    "logdet",
    "logsumexp",
    "rfft",
    "rsqrt",
    "segment_max",
    "segment_min",
    "segment_prod",
    "segment_sum",
    "stft",
    "top_k",
    "view_as_complex",
    "view_as_real",
]

"""`STFT`: the windowed Fourier basis that `STFTSpectrogram` convolves with.

For a kernel of shape `(T, 1, F)` (`T` the window length, `F = n // 2 + 1` the
one-sided frequency bins of an `n = 2 * (F - 1)` point DFT), entry `(t, 0, f)` is

    cos(-2 pi t f / n) * w[t] / s   (side="real")
    sin(-2 pi t f / n) * w[t] / s   (side="imag")

with `w` the window and `s = sqrt(sum(w^2))` (scaling="density"), `sum(|w|)`
("spectrum") or 1 (None). Convolving a signal with it (stride = hop) gives the
real and imaginary parts of its STFT.
"""

import numpy as np

from kerasish import config, ops
from kerasish.initializers.initializer import Initializer, standardize_shape
from kerasish.serialization import register_builtin

# Generalized cosine windows: w[n] = sum_k (-1)^k a_k cos(2 pi k n / (N - 1)).
_COSINE_WINDOWS = {
    "hann": (0.5, 0.5),
    "hanning": (0.5, 0.5),
    "hamming": (0.54, 0.46),
    "blackman": (0.42, 0.5, 0.08),
}
_OTHER_WINDOWS = ("boxcar", "rectangular", "ones", "bartlett")
WINDOW_NAMES = tuple(_COSINE_WINDOWS) + _OTHER_WINDOWS


def get_window(window, length, periodic=False):
    """`scipy.signal.get_window(window, length, fftbins=periodic)` in numpy.

    Supports "hann", "hamming", "blackman", "bartlett" and "boxcar" (and their
    aliases) without scipy; any other scipy window name or tuple is computed
    with scipy when it is installed.
    """
    if not isinstance(window, str):
        return _scipy_window(window, length, periodic)
    name = window.lower()
    if name not in WINDOW_NAMES:
        return _scipy_window(window, length, periodic)
    if length == 1:
        return np.ones(1)
    # A periodic window of length N is the symmetric one of length N + 1 without
    # its last sample.
    size = length + 1 if periodic else length
    n = np.arange(size)
    if name in _COSINE_WINDOWS:
        w = np.zeros(size)
        for k, a in enumerate(_COSINE_WINDOWS[name]):
            w += (-1) ** k * a * np.cos(2 * np.pi * k * n / (size - 1))
    elif name == "bartlett":
        w = 1.0 - np.abs(2.0 * n / (size - 1) - 1.0)
    else:
        w = np.ones(size)
    return w[:length]


def _scipy_window(window, length, periodic):
    try:
        import scipy.signal
    except ImportError:
        raise ValueError(
            f"Unknown window {window!r}. Without scipy the valid names are "
            f"{', '.join(map(repr, WINDOW_NAMES))}; install scipy for the others, "
            "or pass the window's values as an array."
        ) from None
    return np.asarray(scipy.signal.get_window(window, length, fftbins=periodic))


def check_window(window, owner):
    """Raises a ValueError naming `owner` when a string `window` is unknown."""
    if isinstance(window, str | tuple):
        try:
            get_window(window, 1)
        except ValueError as error:
            raise ValueError(f"{owner}: {error}") from None


@register_builtin("initializers")
class STFT(Initializer):
    """Initializer of a windowed DFT basis, shape `(window_length, 1, bins)`.

    Args:
        side: "real" (cosines) or "imag" (sines).
        window: A window name ("hann", "hamming", ...), an array of
            `window_length` values, or None (rectangular, unscaled).
        scaling: "density" (divide by `sqrt(sum(w**2))`), "spectrum" (by
            `sum(|w|)`) or None.
        periodic: Use the periodic (DFT-even) form of a named window.

    Example:
    >>> init = kerasish.initializers.STFT("real", window=None)
    >>> init((4, 1, 3))[:, 0, 0].tolist()
    [1.0, 1.0, 1.0, 1.0]
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(
                f"STFT initializer: `side` must be 'real' or 'imag', received "
                f"side={side!r}."
            )
        check_window(window, "STFT initializer")
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(
                "STFT initializer: `scaling` must be None, 'density' or "
                f"'spectrum', received scaling={scaling!r}."
            )
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape, dtype=None):
        shape = standardize_shape(shape, "STFT initializer")
        if len(shape) != 3:
            raise ValueError(
                "STFT initializer: expected a shape (window_length, 1, bins), "
                f"received {shape}."
            )
        frame_length, _, bins = shape
        dtype = config.floatx() if dtype is None else dtype
        scale = 1.0
        win = None
        if self.window is not None:
            if isinstance(self.window, str | tuple):
                win = get_window(self.window, frame_length, self.periodic)
            else:
                win = np.asarray(ops.convert_to_numpy(self.window), dtype="float64")
            if win.shape != (frame_length,):
                raise ValueError(
                    f"STFT initializer: the window must have shape "
                    f"({frame_length},), received {tuple(win.shape)}."
                )
            win = ops.reshape(ops.convert_to_tensor(win, dtype), (frame_length, 1, 1))
            if self.scaling == "density":
                scale = ops.sqrt(ops.sum(ops.square(win)))
            elif self.scaling == "spectrum":
                scale = ops.sum(ops.abs(win))
        # In `dtype`, in Keras's order of operations: its kernels to the bit
        # (a float64 kernel rounded once differs by 3e-6, which flips the sign
        # of an angle near pi and grows when the kernel trains).
        n = (bins - 1) * 2
        freq = ops.reshape(ops.arange(bins, dtype=dtype), (1, 1, bins)) / n
        time = ops.reshape(ops.arange(frame_length, dtype=dtype), (frame_length, 1, 1))
        angle = (-2 * time) * freq * ops.arccos(ops.cast(-1, dtype))
        kernel = ops.cos(angle) if self.side == "real" else ops.sin(angle)
        kernel = ops.cast(kernel, dtype)
        if win is not None:
            kernel = kernel * win / scale
        return kernel

    def get_config(self):
        window = self.window
        if window is not None and not isinstance(window, str | tuple):
            window = np.asarray(ops.convert_to_numpy(window)).tolist()
        return {
            "side": self.side,
            "window": window,
            "periodic": self.periodic,
            "scaling": self.scaling,
        }

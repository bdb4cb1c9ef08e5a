"""`STFTSpectrogram`: the short-time Fourier transform as a convolution layer.

Each channel of a `(batch, time, channels)` signal is convolved (stride
`frame_step`) with the `STFT` initializer's real and imaginary kernels
`(frame_length, 1, fft_length // 2 + 1)`, which are trainable weights. With `re`
and `im` the two results and `eps = epsilon()`:

    "real" / "imag": re / im          "angle": arctan2(im, re)
    "stft": [re, im] along the frequency axis
    "magnitude": sqrt(max(re^2 + im^2, eps))
    "log": log(max(magnitude, eps))
    "psd": p + p', with p = re^2 + im^2 and p' = p with its first and last
           bins zeroed (the one-sided power spectral density)
"""

import math
import warnings

from kerasish import config, initializers, ops
from kerasish.initializers.stft import check_window
from kerasish.layers.convolutional import _arguments as args
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin

_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


@register_builtin("layers")
class STFTSpectrogram(Layer):
    """Spectrogram of 1-D signals by a (trainable) STFT convolution.

    Args:
        mode: "log" (default), "magnitude", "psd", "real", "imag", "angle" or
            "stft" (real and imaginary parts side by side).
        frame_length: Window length in samples. Defaults to 256.
        frame_step: Hop between frames; defaults to `frame_length // 2`.
        fft_length: DFT size (>= frame_length); defaults to the next power of
            two of `frame_length`.
        window: Window name ("hann", ...), an array, or None.
        periodic: Use the periodic form of a named window.
        scaling: "density" (default), "spectrum" or None (see `STFT`).
        padding: "valid" (default) or "same", of the framing convolution.
        expand_dims: Keep frequency and channels as separate axes.
        data_format: "channels_last" (default) or "channels_first".

    Input shape: `(batch, time, channels)` (channels_last). Output shape:
    `(batch, frames, channels * bins)`, or with `expand_dims` `(batch, frames,
    bins, channels)`; `bins = fft_length // 2 + 1` (twice that for "stft").

    Example:
    >>> layer = kerasish.layers.STFTSpectrogram(frame_length=8, frame_step=4)
    >>> layer(np.ones((1, 32, 1), "float32")).shape
    (1, 7, 5)
    """

    def __init__(
        self,
        mode="log",
        frame_length=256,
        frame_step=None,
        fft_length=None,
        window="hann",
        periodic=False,
        scaling="density",
        padding="valid",
        expand_dims=False,
        data_format=None,
        **kwargs,
    ):
        name = "STFTSpectrogram"
        frame_length = args.positive_int(frame_length, "frame_length", name)
        if frame_step is not None and (
            isinstance(frame_step, bool)
            or not isinstance(frame_step, int)
            or not 1 <= frame_step <= frame_length
        ):
            raise ValueError(
                f"{name}: `frame_step` must be a positive int not greater than "
                f"`frame_length`, received frame_step={frame_step!r}, "
                f"frame_length={frame_length}."
            )
        if fft_length is not None and fft_length < frame_length:
            raise ValueError(
                f"{name}: `fft_length` must be at least `frame_length`, received "
                f"fft_length={fft_length}, frame_length={frame_length}."
            )
        if fft_length is not None and (fft_length & -fft_length) != fft_length:
            warnings.warn(
                f"{name}: `fft_length` is recommended to be a power of two, "
                f"received fft_length={fft_length}.",
                stacklevel=2,
            )
        if mode not in _MODES:
            raise ValueError(
                f"{name}: unknown `mode` {mode!r}. Valid modes are "
                f"{', '.join(map(repr, _MODES))}."
            )
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(
                f"{name}: `scaling` must be None, 'density' or 'spectrum', "
                f"received scaling={scaling!r}."
            )
        if padding not in ("valid", "same"):
            raise ValueError(
                f"{name}: `padding` must be 'valid' or 'same', received "
                f"padding={padding!r}."
            )
        check_window(window, name)
        super().__init__(**kwargs)
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = window
        self.periodic = periodic
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = expand_dims
        self.data_format = args.standardize_data_format(data_format, name)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(
                name="real_kernel",
                shape=shape,
                initializer=initializers.STFT(
                    "real", self.window, self.scaling, self.periodic
                ),
            )
        if self.mode != "real":
            self.imag_kernel = self.add_weight(
                name="imag_kernel",
                shape=shape,
                initializer=initializers.STFT(
                    "imag", self.window, self.scaling, self.periodic
                ),
            )

    def _apply_conv(self, inputs, kernel):
        """`(batch, channels, bins, frames)`: every channel framed on its own."""
        if self.data_format == "channels_last":
            _, time, channels = inputs.shape
            # (batch * channels, time, 1)
            inputs = ops.reshape(ops.transpose(inputs, (0, 2, 1)), (-1, time, 1))
        else:
            _, channels, time = inputs.shape
            inputs = ops.reshape(inputs, (-1, 1, time))
        out = ops.conv(
            inputs,
            ops.cast(kernel, inputs.dtype),
            strides=self._frame_step,
            padding=self.padding,
            data_format=self.data_format,
        )
        if self.data_format == "channels_last":
            _, frames, bins = out.shape
            out = ops.transpose(out, (0, 2, 1))
        else:
            _, bins, frames = out.shape
        return ops.reshape(out, (-1, channels, bins, frames))

    def _adjust_shapes(self, outputs):
        _, channels, bins, frames = outputs.shape
        if self.data_format == "channels_last":
            if self.expand_dims:
                return ops.transpose(outputs, (0, 3, 2, 1))
            outputs = ops.reshape(outputs, (-1, channels * bins, frames))
            return ops.transpose(outputs, (0, 2, 1))
        if self.expand_dims:
            return ops.transpose(outputs, (0, 1, 3, 2))
        return ops.reshape(outputs, (-1, channels * bins, frames))

    def call(self, inputs):
        if str(inputs.dtype) not in ("float16", "float32", "float64"):
            raise TypeError(
                f"Layer '{self.name}' (STFTSpectrogram) expects float16, float32 "
                f"or float64 inputs, received dtype {inputs.dtype}. Cast the "
                "signal to float first."
            )
        real = imag = None
        if self.mode != "imag":
            real = self._apply_conv(inputs, self.real_kernel)
        if self.mode != "real":
            imag = self._apply_conv(inputs, self.imag_kernel)
        if self.mode == "real":
            return self._adjust_shapes(real)
        if self.mode == "imag":
            return self._adjust_shapes(imag)
        if self.mode == "angle":
            return self._adjust_shapes(ops.arctan2(imag, real))
        if self.mode == "stft":
            return self._adjust_shapes(ops.concatenate([real, imag], axis=2))
        power = ops.square(real) + ops.square(imag)
        if self.mode == "psd":
            inner = ops.pad(power[:, :, 1:-1, :], [[0, 0], [0, 0], [1, 1], [0, 0]])
            return self._adjust_shapes(power + inner)
        eps = config.epsilon()
        magnitude = self._adjust_shapes(ops.sqrt(ops.maximum(power, eps)))
        if self.mode == "magnitude":
            return magnitude
        return ops.log(ops.maximum(magnitude, eps))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.data_format == "channels_last":
            batch, time, channels = input_shape
        else:
            batch, channels, time = input_shape
        bins = self._fft_length // 2 + 1
        if self.mode == "stft":
            bins *= 2
        frames = args.conv_output_length(
            time, self.frame_length, self.padding, self._frame_step
        )
        if self.expand_dims:
            if self.data_format == "channels_last":
                return (batch, frames, bins, channels)
            return (batch, channels, frames, bins)
        features = None if channels is None else bins * channels
        if self.data_format == "channels_last":
            return (batch, frames, features)
        return (batch, features, frames)

    def get_config(self):
        return {
            **super().get_config(),
            "mode": self.mode,
            "frame_length": self.frame_length,
            "frame_step": self.frame_step,
            "fft_length": self.fft_length,
            "window": self.window,
            "periodic": self.periodic,
            "scaling": self.scaling,
            "padding": self.padding,
            "data_format": self.data_format,
            "expand_dims": self.expand_dims,
        }

"""`MelSpectrogram`: the (dB-scaled) mel-frequency power spectrogram of audio.

For each signal: `|stft(x)| ** mag_exp` over centred frames (`ops.stft`,
`center=True`), then a matrix product with the HTK-style triangular mel filter
bank (`mel(f) = 1127 * ln(1 + f / 700)`, peaks of 1, the DC bin left out), and with
`power_to_db`

    db = 10 log10(max(S, min_power)) - 10 log10(max(|ref_power|, min_power))
    db = max(db, max(db) - top_db)

where `max(db)` is taken over the whole batch, as in Keras. The output is
`(batch, num_mel_bins, frames)`.
"""

import numpy as np

from kerasish import ops
from kerasish.initializers.stft import check_window
from kerasish.layers.layer import Layer
from kerasish.serialization import register_builtin

_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def _hertz_to_mel(frequencies):
    return _MEL_HIGH_FREQUENCY_Q * np.log(
        1.0 + frequencies / _MEL_BREAK_FREQUENCY_HERTZ
    )


def linear_to_mel_weight_matrix(
    num_mel_bins=20,
    num_spectrogram_bins=129,
    sampling_rate=8000,
    lower_edge_hertz=125.0,
    upper_edge_hertz=3800.0,
    dtype="float32",
):
    """`(num_spectrogram_bins, num_mel_bins)` triangular mel filters (HTK scale).

    Row 0 (the DC bin) is zero; each filter rises linearly from its lower edge
    to 1 at its centre and falls to 0 at its upper edge, edges evenly spaced in
    mel between `lower_edge_hertz` and `upper_edge_hertz`.
    """
    dt = np.dtype(dtype).type
    nyquist = dt(sampling_rate) / dt(2.0)
    linear = np.linspace(dt(0.0), nyquist, num_spectrogram_bins, dtype=dtype)[1:]
    bins_mel = _hertz_to_mel(linear.astype(dtype))[:, None]
    edges = np.linspace(
        _hertz_to_mel(np.asarray(lower_edge_hertz, dtype)),
        _hertz_to_mel(np.asarray(upper_edge_hertz, dtype)),
        num_mel_bins + 2,
        dtype=dtype,
    )
    lower, center, upper = edges[:-2][None], edges[1:-1][None], edges[2:][None]
    lower_slopes = (bins_mel - lower) / (center - lower)
    upper_slopes = (upper - bins_mel) / (upper - center)
    weights = np.maximum(0.0, np.minimum(lower_slopes, upper_slopes))
    return np.pad(weights, [[1, 0], [0, 0]]).astype(dtype)


@register_builtin("layers")
class MelSpectrogram(Layer):
    """Mel spectrogram of raw audio, optionally in decibels.

    Args:
        fft_length: DFT size. Defaults to 2048.
        sequence_stride: Hop between frames. Defaults to 512.
        sequence_length: Window length; defaults to `fft_length`.
        window: "hann" (default), "hamming", or None.
        sampling_rate: Samples per second. Defaults to 16000.
        num_mel_bins: Number of mel bands. Defaults to 128.
        min_freq: Lower edge of the lowest band, Hz. Defaults to 20.
        max_freq: Upper edge of the highest band; defaults to
            `sampling_rate / 2`.
        power_to_db: Convert the power to decibels. Defaults to True.
        top_db: Dynamic range kept below the maximum, dB. Defaults to 80.
        mag_exp: Exponent of the magnitude (2: power). Defaults to 2.
        min_power: Floor of the power before the log. Defaults to 1e-10.
        ref_power: Power that maps to 0 dB. Defaults to 1.

    Input shape: `(batch, samples)` or `(samples,)`. Output shape: `(batch,
    num_mel_bins, frames)`, `frames = 1 + samples // sequence_stride`.

    Example:
    >>> layer = kerasish.layers.MelSpectrogram(
    ...     fft_length=64, sequence_stride=32, num_mel_bins=8)
    >>> layer(np.ones((2, 128), "float32")).shape
    (2, 8, 5)
    """

    def __init__(
        self,
        fft_length=2048,
        sequence_stride=512,
        sequence_length=None,
        window="hann",
        sampling_rate=16000,
        num_mel_bins=128,
        min_freq=20.0,
        max_freq=None,
        power_to_db=True,
        top_db=80.0,
        mag_exp=2.0,
        min_power=1e-10,
        ref_power=1.0,
        **kwargs,
    ):
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError(
                "MelSpectrogram: `fft_length` must be at least `sequence_length`, "
                f"received sequence_length={self.sequence_length}, "
                f"fft_length={self.fft_length}."
            )
        if window is not None and not (
            isinstance(window, str) and window in ("hann", "hamming")
        ):
            check_window(window, "MelSpectrogram")
            if isinstance(window, str):
                raise ValueError(
                    "MelSpectrogram: a string `window` must be 'hann' or "
                    f"'hamming', received window={window!r}."
                )
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power
        super().__init__(**kwargs)

    def call(self, inputs):
        dtype = self.compute_dtype
        dtype = dtype if dtype in ("float32", "float64") else "float32"
        inputs = ops.convert_to_tensor(inputs, dtype=dtype)
        real, imag = ops.stft(
            inputs,
            sequence_length=self.sequence_length,
            sequence_stride=self.sequence_stride,
            fft_length=self.fft_length,
            window=self.window,
            center=True,
        )
        spec = ops.power(ops.sqrt(ops.square(real) + ops.square(imag)), self.mag_exp)
        matrix = self.linear_to_mel_weight_matrix(
            num_mel_bins=self.num_mel_bins,
            num_spectrogram_bins=spec.shape[-1],
            sampling_rate=self.sampling_rate,
            lower_edge_hertz=self.min_freq,
            upper_edge_hertz=self.max_freq,
            dtype=dtype,
        )
        mel = ops.tensordot(spec, ops.convert_to_tensor(matrix), axes=1)
        if self.power_to_db:
            mel = self._dbscale(mel)
        return ops.cast(ops.swapaxes(mel, -1, -2), self.compute_dtype)

    def linear_to_mel_weight_matrix(
        self,
        num_mel_bins=20,
        num_spectrogram_bins=129,
        sampling_rate=8000,
        lower_edge_hertz=125.0,
        upper_edge_hertz=3800.0,
        dtype="float32",
    ):
        """The mel filter bank (see the module function of the same name)."""
        return linear_to_mel_weight_matrix(
            num_mel_bins,
            num_spectrogram_bins,
            sampling_rate,
            lower_edge_hertz,
            upper_edge_hertz,
            dtype,
        )

    def _dbscale(self, inputs):
        log_spec = 10.0 * ops.log10(ops.maximum(inputs, self.min_power))
        ref = max(abs(float(self.ref_power)), self.min_power)
        log_spec = log_spec - 10.0 * np.log10(ref)
        return ops.maximum(log_spec, ops.max(log_spec) - self.top_db)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        samples = input_shape[-1]
        frames = (
            None
            if samples is None
            else (samples + self.sequence_stride + 1) // self.sequence_stride
        )
        # A list, as Keras's.
        if len(input_shape) == 1:
            return [self.num_mel_bins, frames]
        return [input_shape[0], self.num_mel_bins, frames]

    def get_config(self):
        return {
            **super().get_config(),
            "fft_length": self.fft_length,
            "sequence_stride": self.sequence_stride,
            "sequence_length": self.sequence_length,
            "window": self.window,
            "sampling_rate": self.sampling_rate,
            "num_mel_bins": self.num_mel_bins,
            "min_freq": self.min_freq,
            "max_freq": self.max_freq,
            "power_to_db": self.power_to_db,
            "top_db": self.top_db,
            "mag_exp": self.mag_exp,
            "min_power": self.min_power,
            "ref_power": self.ref_power,
        }

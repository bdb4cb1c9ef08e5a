"""STFT initializer, STFTSpectrogram and MelSpectrogram: numpy references and Keras.

Keras's side is recorded (`keras_spectrograms.json.gz`, by
`tools/record_keras.py spectrograms`); the default tests compare kerasish with the
record and the `slow` test `test_record_is_what_keras_gives` reruns Keras live."""

import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import pytest

from kerasish import initializers, layers
from kerasish.layers.preprocessing.mel_spectrogram import linear_to_mel_weight_matrix
from tests import recorded
from tests.helpers import keras3
from tests.layers.image_records import assert_tree_close, cases_digest

RNG = np.random.default_rng(0)
INIT_CASES = [
    dict(),
    dict(side="imag"),
    dict(window="hamming", periodic=True),
    dict(window="blackman", scaling="spectrum"),
    dict(window="bartlett", scaling=None),
    dict(window=None),
]
INIT_CONFIG_ARGS = ("imag", "hamming", None, True)
STFT_CASES = [
    dict(mode="log", frame_length=16, frame_step=8),
    dict(mode="psd", frame_length=12, fft_length=16, padding="same"),
    dict(mode="stft", frame_length=8, expand_dims=True),
    dict(mode="magnitude", frame_length=8, data_format="channels_first"),
]
STFT_X = np.random.default_rng(1).normal(size=(2, 64, 2)).astype("float32")
ANGLE_KWARGS = dict(mode="angle", frame_length=8, window="hamming", periodic=True)
ANGLE_X = np.random.default_rng(2).normal(size=(2, 64, 1)).astype("float32")
STFT_CONFIG_KWARGS = dict(mode="psd", frame_length=32, frame_step=4)
MEL_CASES = [
    dict(fft_length=64, sequence_stride=16, num_mel_bins=10),
    dict(
        fft_length=64,
        sequence_length=48,
        sequence_stride=20,
        num_mel_bins=6,
        power_to_db=False,
        window="hamming",
        sampling_rate=8000,
        min_freq=50,
        max_freq=3000,
        mag_exp=1.0,
    ),
]
MEL_SIGNAL = np.random.default_rng(3).normal(size=(2, 300)).astype("float32")


def _stft_input(kwargs):
    if kwargs.get("data_format") == "channels_first":
        return np.ascontiguousarray(np.transpose(STFT_X, (0, 2, 1)))
    return STFT_X


def keras_side(keras):
    """Everything this file compares with Keras, computed by Keras 3."""
    side = {
        "init": [
            np.asarray(keras.initializers.STFT(**kwargs)((16, 1, 9)))
            for kwargs in INIT_CASES
        ],
        "init_config": keras.initializers.STFT(*INIT_CONFIG_ARGS).get_config(),
        "stft": [],
        "mel": [],
    }
    for kwargs in STFT_CASES:
        x = _stft_input(kwargs)
        theirs = keras.layers.STFTSpectrogram(**kwargs)
        side["stft"].append(
            {
                "output": np.asarray(theirs(x)),
                "shape": tuple(theirs.compute_output_shape(x.shape)),
                "weights": [w.path.split("/")[-1] for w in theirs.weights],
            }
        )
    side["angle"] = np.asarray(keras.layers.STFTSpectrogram(**ANGLE_KWARGS)(ANGLE_X))
    theirs = keras.layers.STFTSpectrogram(**STFT_CONFIG_KWARGS)
    side["stft_config"] = theirs.get_config()
    for kwargs in MEL_CASES:
        theirs = keras.layers.MelSpectrogram(**kwargs)
        side["mel"].append(
            {
                "output": np.asarray(theirs(MEL_SIGNAL)),
                "shape": tuple(theirs.compute_output_shape(MEL_SIGNAL.shape)),
                "config": theirs.get_config(),
            }
        )
    return side


RECORD = Path(__file__).with_name("keras_spectrograms.json.gz")


def _digest():
    return cases_digest(
        keras_side, _stft_input, INIT_CASES, INIT_CONFIG_ARGS, STFT_CASES, STFT_X,
        ANGLE_KWARGS, ANGLE_X, STFT_CONFIG_KWARGS, MEL_CASES, MEL_SIGNAL,
    )  # fmt: skip


@pytest.fixture(scope="module")
def record():
    """Keras's side as recorded; the `slow` twin below checks it live."""
    return recorded.load(RECORD, "digest", _digest(), "spectrograms")["keras"]


@pytest.mark.slow  # the default tests below compare kerasish with this record
@pytest.mark.compat
def test_record_is_what_keras_gives(record):
    assert_tree_close(keras_side(keras3()), record, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("case", range(len(INIT_CASES)))
def test_stft_initializer_matches_keras(record, case):
    got = np.asarray(initializers.STFT(**INIT_CASES[case])((16, 1, 9)))
    want = record["init"][case]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=2e-6)


def test_stft_initializer_is_a_windowed_dft_basis():
    # Convolving a frame with the kernels gives the scaled rfft of the windowed frame.
    frame = RNG.normal(size=16)
    window = np.hanning(16)  # numpy's hanning is scipy's symmetric hann
    real = np.asarray(initializers.STFT("real")((16, 1, 9)), "float64")[:, 0]
    imag = np.asarray(initializers.STFT("imag")((16, 1, 9)), "float64")[:, 0]
    spectrum = np.fft.rfft(frame * window) / np.sqrt(np.sum(window**2))
    np.testing.assert_allclose(frame @ real, spectrum.real, atol=1e-5)
    np.testing.assert_allclose(frame @ imag, spectrum.imag, atol=1e-5)


def test_stft_initializer_names_config_and_errors(record):
    assert initializers.stft is initializers.STFTInitializer is initializers.STFT
    init = initializers.get("STFTInitializer")
    assert isinstance(init, initializers.STFT)
    config = initializers.STFT(*INIT_CONFIG_ARGS).get_config()
    assert config == record["init_config"]
    again = initializers.deserialize(initializers.serialize(initializers.STFT("imag")))
    assert again.side == "imag"
    with pytest.raises(ValueError, match="side` must be 'real' or 'imag'"):
        initializers.STFT("both")
    with pytest.raises(ValueError, match="scaling"):
        initializers.STFT(scaling="power")
    with pytest.raises(ValueError, match="window must have shape \\(8,\\)"):
        initializers.STFT(window=np.ones(4))((8, 1, 5))


def np_stft(x, frame_length, frame_step, fft_length, window):
    """(batch, frames, bins) complex STFT of (batch, time) signals, 'valid' frames."""
    frames = (x.shape[1] - frame_length) // frame_step + 1
    scale = np.sqrt(np.sum(window**2))
    out = [
        np.fft.rfft(
            x[:, i * frame_step : i * frame_step + frame_length] * window, n=fft_length
        )
        for i in range(frames)
    ]
    return np.stack(out, axis=1) / scale


def test_stft_spectrogram_matches_numpy():
    x = RNG.normal(size=(2, 64, 1)).astype("float32")
    window = np.hanning(16)
    ref = np_stft(x[..., 0].astype("float64"), 16, 8, 32, window)
    for mode, value in (
        ("real", ref.real),
        ("imag", ref.imag),
        ("magnitude", np.abs(ref)),
        ("log", np.log(np.abs(ref))),
    ):
        layer = layers.STFTSpectrogram(
            mode=mode, frame_length=16, frame_step=8, fft_length=32
        )
        np.testing.assert_allclose(
            np.asarray(layer(x)), value, rtol=1e-4, atol=1e-4, err_msg=mode
        )


@pytest.mark.parametrize("case", range(len(STFT_CASES)))
def test_stft_spectrogram_matches_keras(record, case):
    kwargs, theirs = STFT_CASES[case], record["stft"][case]
    x = _stft_input(kwargs)
    ours = layers.STFTSpectrogram(**kwargs)
    got = np.asarray(ours(x))
    np.testing.assert_allclose(got, theirs["output"], rtol=1e-4, atol=2e-5)
    assert ours.compute_output_shape(x.shape) == theirs["shape"]
    assert [w.path.split("/")[-1] for w in ours.weights] == theirs["weights"]


def test_stft_spectrogram_angle_matches_keras_modulo_two_pi(record):
    x = ANGLE_X
    got = np.asarray(layers.STFTSpectrogram(**ANGLE_KWARGS)(x))
    want = record["angle"]
    magnitude = np.asarray(layers.STFTSpectrogram(mode="magnitude", frame_length=8)(x))
    keep = magnitude > 1e-2  # the angle of a ~0 coefficient is arbitrary
    diff = np.angle(np.exp(1j * (got - want)))
    np.testing.assert_allclose(diff[keep], 0.0, atol=1e-4)


def test_stft_spectrogram_config_and_errors(record):
    layer = layers.STFTSpectrogram(**STFT_CONFIG_KWARGS)
    config = layer.get_config()
    keras_config = record["stft_config"]
    skip = ("dtype", "name")
    assert {k: config[k] for k in keras_config if k not in skip} == {
        k: keras_config[k] for k in keras_config if k not in skip
    }
    again = layers.deserialize(layers.serialize(layer))
    assert (again.mode, again.frame_step, again._fft_length) == ("psd", 4, 32)
    with pytest.raises(ValueError, match="frame_step"):
        layers.STFTSpectrogram(frame_length=8, frame_step=9)
    with pytest.raises(ValueError, match="fft_length` must be at least"):
        layers.STFTSpectrogram(frame_length=8, fft_length=4)
    with pytest.raises(ValueError, match="unknown `mode`"):
        layers.STFTSpectrogram(mode="power")
    with pytest.raises(ValueError, match="STFTSpectrogram: .*window"):
        layers.STFTSpectrogram(window="no-such-window")
    with pytest.raises(TypeError, match="float16, float32 or float64"):
        layers.STFTSpectrogram(frame_length=4)(np.ones((1, 8, 1), "int32"))


def test_mel_matrix_triangles():
    matrix = linear_to_mel_weight_matrix(8, 65, 16000, 20.0, 8000.0, "float64")
    assert matrix.shape == (65, 8)
    np.testing.assert_array_equal(matrix[0], 0.0)  # DC bin left out
    assert np.all(matrix >= 0) and np.all(matrix <= 1.0 + 1e-12)
    # Centres are increasing: each filter peaks at a later bin than the previous.
    assert np.all(np.diff(matrix.argmax(axis=0)) >= 0)


@pytest.mark.parametrize("case", range(len(MEL_CASES)))
def test_mel_spectrogram_matches_keras(record, case):
    kwargs, theirs = MEL_CASES[case], record["mel"][case]
    ours = layers.MelSpectrogram(**kwargs)
    got = np.asarray(ours(MEL_SIGNAL))
    np.testing.assert_allclose(got, theirs["output"], rtol=1e-4, atol=1e-4)
    # A list, as Keras returns it (the record keeps it as a tuple).
    assert ours.compute_output_shape(MEL_SIGNAL.shape) == list(theirs["shape"])
    config = ours.get_config()
    keras_config = theirs["config"]
    for key in keras_config:
        if key not in ("name", "dtype"):
            assert config[key] == keras_config[key], key


def test_mel_spectrogram_db_floor_and_errors():
    signal = RNG.normal(size=(1, 256)).astype("float32")
    out = np.asarray(
        layers.MelSpectrogram(
            fft_length=64, sequence_stride=32, num_mel_bins=4, top_db=10.0
        )(signal)
    )
    assert out.max() - out.min() <= 10.0 + 1e-4
    with pytest.raises(ValueError, match="fft_length` must be at least"):
        layers.MelSpectrogram(fft_length=32, sequence_length=64)
    with pytest.raises(ValueError, match="'hann' or 'hamming'"):
        layers.MelSpectrogram(window="blackman")

"""Conv1D/2D/3DTranspose against a numpy scatter-add reference and Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import itertools

import numpy as np
import pytest

from kerasish.layers.convolutional import (
    Conv1DTranspose,
    Conv2DTranspose,
    Conv3DTranspose,
    Convolution2DTranspose,
)


def np_conv_transpose(x, w, strides, padding, output_padding, dilation,
                      data_format="channels_last"):  # fmt: skip
    """Scatter-add: input position i adds `x[i] @ w[t].T` at output `i*s + t*d`.

    The full scatter has length `(n - 1) * s + k_eff`; Keras then crops
    `k_eff - 1 - left` on the left, where `left` is its transposed-conv left
    padding, and keeps (zero-extending on the right) the Keras output length.
    """
    n = x.ndim - 2
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    kernel = w.shape[:n]
    sizes = x.shape[1:-1]
    k_eff = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    full_sizes = [(m - 1) * s + k for m, s, k in zip(sizes, strides, k_eff)]
    full = np.zeros((x.shape[0], *full_sizes, w.shape[-2]))
    xd = x.astype("float64")
    for pos in itertools.product(*map(range, sizes)):
        for tap in itertools.product(*map(range, kernel)):
            idx = tuple(pos[i] * strides[i] + tap[i] * dilation[i] for i in range(n))
            full[(slice(None), *idx)] += xd[(slice(None), *pos)] @ w[tap].T
    starts, lengths = [], []
    for i in range(n):
        m, s, k, op = sizes[i], strides[i], k_eff[i], output_padding[i]
        if padding == "valid":
            op = max(k, s) - k if op is None else op
            starts.append(0)
            lengths.append((m - 1) * s + k + op)
        else:
            pad_len = s + k - 2 if op is None else k + k % 2 - 2 + op
            left = min(-(-pad_len // 2), k - 1)
            starts.append(k - 1 - left)
            lengths.append(m * s if op is None else (m - 1) * s + k % 2 + op)
    extra = [max(st + ln - f, 0) for st, ln, f in zip(starts, lengths, full_sizes)]
    full = np.pad(full, [(0, 0), *[(0, e) for e in extra], (0, 0)])
    out = full[(slice(None), *[slice(st, st + ln) for st, ln in zip(starts, lengths)])]
    if data_format == "channels_first":
        out = np.moveaxis(out, -1, 1)
    return out


CASES = [
    (Conv1DTranspose, (2, 5, 3), dict(filters=4, kernel_size=3)),
    (Conv1DTranspose, (2, 5, 3), dict(filters=4, kernel_size=3, strides=2)),
    (
        Conv1DTranspose,
        (2, 5, 3),
        dict(filters=2, kernel_size=4, strides=3, padding="same"),
    ),  # fmt: skip
    (
        Conv1DTranspose,
        (2, 5, 3),
        dict(filters=2, kernel_size=3, strides=3, output_padding=2),
    ),  # fmt: skip
    (
        Conv1DTranspose,
        (1, 6, 2),
        dict(filters=2, kernel_size=3, dilation_rate=2, padding="same"),
    ),  # fmt: skip
    (Conv1DTranspose, (2, 5, 3), dict(filters=2, kernel_size=2, strides=4)),
    (
        Conv2DTranspose,
        (2, 4, 3, 3),
        dict(filters=2, kernel_size=3, strides=2, padding="same"),
    ),  # fmt: skip
    (
        Conv2DTranspose,
        (2, 4, 3, 3),
        dict(
            filters=2,
            kernel_size=(2, 3),
            strides=(2, 3),
            padding="same",
            output_padding=(1, 0),
        ),
    ),  # fmt: skip
    (
        Conv2DTranspose,
        (1, 3, 4, 5),
        dict(filters=3, kernel_size=3, strides=2, data_format="channels_first"),
    ),  # fmt: skip
    (
        Conv2DTranspose,
        (1, 4, 4, 2),
        dict(filters=3, kernel_size=2, dilation_rate=(2, 1)),
    ),  # fmt: skip
    (Conv3DTranspose, (1, 2, 3, 2, 2), dict(filters=2, kernel_size=2, strides=2)),
    (
        Conv3DTranspose,
        (1, 2, 3, 2, 2),
        dict(filters=2, kernel_size=3, strides=(1, 2, 2), padding="same"),
    ),  # fmt: skip
]


@pytest.mark.parametrize("cls, shape, kwargs", CASES)
def test_conv_transpose_matches_scatter_add(cls, shape, kwargs):
    rng = np.random.default_rng(0)
    layer = cls(**kwargs)
    layer.build(shape)
    assert [v.name for v in layer.weights] == ["kernel", "bias"]
    n = len(shape) - 2
    channels = shape[-1] if layer.data_format == "channels_last" else shape[1]
    assert layer.weights[0].shape == layer.kernel_size + (layer.filters, channels)
    w, b = (rng.normal(size=v.shape).astype("float32") for v in layer.weights)
    layer.set_weights([w, b])
    x = rng.normal(size=shape).astype("float32")
    out_pad = layer.output_padding or (None,) * n
    expected = np_conv_transpose(
        x, w, layer.strides, layer.padding, out_pad, layer.dilation_rate,
        layer.data_format,
    )  # fmt: skip
    bshape = (-1,) if layer.data_format == "channels_last" else (-1,) + (1,) * n
    expected = expected + b.reshape(bshape)
    out = layer(x)
    assert out.shape == expected.shape == layer.compute_output_shape(shape)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        (dict(kernel_size=3), (None, 9, 11, 4)),
        (dict(kernel_size=3, strides=2), (None, 15, 19, 4)),
        (dict(kernel_size=2, strides=3), (None, 21, 27, 4)),  # max(k, s) - k
        (dict(kernel_size=3, strides=2, padding="same"), (None, 14, 18, 4)),
        (
            dict(kernel_size=3, strides=2, padding="same", output_padding=0),
            (None, 13, 17, 4),
        ),  # fmt: skip
        (dict(kernel_size=3, strides=2, output_padding=1), (None, 16, 20, 4)),
    ],
)
def test_conv2d_transpose_output_shapes(kwargs, expected):
    layer = Conv2DTranspose(4, **kwargs)
    assert layer.compute_output_shape((None, 7, 9, 3)) == expected
    assert layer.compute_output_shape((None, None, 9, 3))[1] is None
    assert Convolution2DTranspose is Conv2DTranspose


def test_conv_transpose_is_the_gradient_of_conv():
    """<conv(x, w), y> == <x, conv_transpose(y, w)> for matching shapes."""
    from kerasish import ops

    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 9, 3)).astype("float32")
    w = rng.normal(size=(3, 3, 4)).astype("float32")  # (k, in, out) for conv
    y = rng.normal(size=(2, 4, 4)).astype("float32")
    conv_xy = float(ops.sum(ops.conv(x, w, strides=2) * y))
    # conv_transpose's kernel is (k, filters=in, in=out): the same array.
    xt = ops.conv_transpose(y, w, strides=2, output_padding=0)
    assert xt.shape == x.shape
    np.testing.assert_allclose(float(ops.sum(x * xt)), conv_xy, rtol=1e-4)


def test_conv_transpose_config_round_trip():
    layer = Conv3DTranspose(2, 3, strides=2, output_padding=1, activation="relu")
    config = layer.get_config()
    assert config["output_padding"] == (1, 1, 1)
    assert Conv3DTranspose.from_config(config).get_config() == config


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: Conv2DTranspose(-2, 3), ValueError, "`filters` must be a positive"),
        (lambda: Conv2DTranspose(2, 3, padding="causal"), ValueError, "only suppor"),
        (lambda: Conv2DTranspose(2, 3, padding="full"), ValueError, "Unknown"),
        (
            lambda: Conv2DTranspose(2, 3, strides=2, output_padding=2),
            ValueError,
            "strictly less than the stride",
        ),  # fmt: skip
        (lambda: Conv2DTranspose(2, 3, output_padding=-1), ValueError, ">= 0"),
        (
            lambda: Conv1DTranspose(2, 3, strides=2, dilation_rate=2),
            ValueError,
            "cannot be combined",
        ),  # fmt: skip
    ],
)
def test_conv_transpose_constructor_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_conv_transpose_input_errors():
    layer = Conv2DTranspose(2, 3, name="up")
    with pytest.raises(
        ValueError, match=r"'up' \(Conv2DTranspose\) (expects 4D|.*expected ndim=4)"
    ):
        layer(np.ones((1, 4, 3), "float32"))
    layer(np.ones((1, 4, 4, 3), "float32"))
    with pytest.raises(ValueError, match=r"up.*value 3.*\(1, 4, 4, 2\)"):
        layer(np.ones((1, 4, 4, 2), "float32"))
    # An even kernel with "same" and output_padding=0 on one step gives size 0.
    with pytest.raises(ValueError, match="larger than the padded input"):
        Conv1DTranspose(2, 2, strides=2, padding="same", output_padding=0).build(
            (None, 1, 3)
        )


@pytest.mark.compat
@pytest.mark.parametrize("cls, shape, kwargs", CASES)
def test_conv_transpose_matches_keras(cls, shape, kwargs):
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(2)
    x = rng.normal(size=shape).astype("float32")
    theirs = getattr(keras.layers, cls.__name__)(**kwargs)
    expected = np.asarray(theirs(x))
    ours = cls(**kwargs)
    ours.build(shape)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(x), expected, rtol=1e-5, atol=1e-5)
    assert ours.count_params() == theirs.count_params()
    none_shape = (None,) + shape[1:]
    assert ours.compute_output_shape(none_shape) == tuple(
        theirs.compute_output_shape(none_shape)
    )

"""Conv1D/2D/3D, SeparableConv1D/2D, DepthwiseConv1D/2D against direct-loop numpy
convolutions and against Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import itertools

import numpy as np
import pytest

from kerasish import ops
from kerasish.layers.convolutional import (
    Conv1D,
    Conv2D,
    Conv3D,
    Convolution2D,
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
)

# --- numpy references --------------------------------------------------------


def _pads(sizes, kernel, strides, dilation, padding):
    """(left, right) padding per spatial axis, written out for each mode."""
    pads = []
    for n, k, s, d in zip(sizes, kernel, strides, dilation):
        k_eff = d * (k - 1) + 1
        if padding == "valid":
            pads.append((0, 0))
        elif padding == "causal":
            pads.append((k_eff - 1, 0))
        else:  # "same": output ceil(n / s); extra padding goes right.
            out = -(-n // s)
            total = max((out - 1) * s + k_eff - n, 0)
            pads.append((total // 2, total - total // 2))
    return pads


def np_conv(x, w, strides=1, padding="valid", dilation=1, groups=1,
            data_format="channels_last"):  # fmt: skip
    """Direct-loop N-d convolution; `w` is `kernel + (in // groups, filters)`."""
    n = x.ndim - 2
    strides = (strides,) * n if isinstance(strides, int) else strides
    dilation = (dilation,) * n if isinstance(dilation, int) else dilation
    if data_format == "channels_first":
        x = np.moveaxis(x, 1, -1)
    kernel = w.shape[:n]
    pads = _pads(x.shape[1:-1], kernel, strides, dilation, padding)
    x = np.pad(x.astype("float64"), [(0, 0), *pads, (0, 0)])
    out_sizes = [
        (x.shape[1 + i] - dilation[i] * (kernel[i] - 1) - 1) // strides[i] + 1
        for i in range(n)
    ]
    cin_g, filters = w.shape[-2], w.shape[-1]
    f_g = filters // groups
    out = np.zeros((x.shape[0], *out_sizes, filters))
    for pos in itertools.product(*map(range, out_sizes)):
        for tap in itertools.product(*map(range, kernel)):
            idx = tuple(pos[i] * strides[i] + tap[i] * dilation[i] for i in range(n))
            patch = x[(slice(None), *idx)]  # (batch, in_channels)
            for g in range(groups):
                out[(slice(None), *pos, slice(g * f_g, (g + 1) * f_g))] += (
                    patch[:, g * cin_g : (g + 1) * cin_g]
                    @ w[tap][:, g * f_g : (g + 1) * f_g]
                )
    if data_format == "channels_first":
        out = np.moveaxis(out, -1, 1)
    return out


def np_depthwise(x, w, strides=1, padding="valid", dilation=1,
                 data_format="channels_last"):  # fmt: skip
    """Channel c, multiplier m -> output channel c * depth_multiplier + m."""
    axis = -1 if data_format == "channels_last" else 1
    channels, mult = w.shape[-2], w.shape[-1]
    outs = []
    for c in range(channels):
        xc = np.take(x, [c], axis=axis)
        for m in range(mult):
            wc = w[..., c : c + 1, m : m + 1]
            outs.append(np_conv(xc, wc, strides, padding, dilation, 1, data_format))
    return np.concatenate(outs, axis=axis)


def _rand(rng, *shape):
    return rng.normal(size=shape).astype("float32")


def _set(layer, input_shape, weights):
    layer.build(input_shape)
    layer.set_weights(weights)
    return layer


# --- forward pass vs numpy ----------------------------------------------------

CONV_CASES = [
    # (layer class, input shape, kwargs)
    (Conv1D, (2, 9, 3), dict(filters=4, kernel_size=3)),
    (Conv1D, (2, 9, 3), dict(filters=4, kernel_size=3, strides=2, padding="same")),
    (Conv1D, (2, 9, 4), dict(filters=2, kernel_size=3, padding="causal")),
    (
        Conv1D,
        (2, 9, 4),
        dict(filters=6, kernel_size=2, dilation_rate=3, padding="causal", groups=2),
    ),  # fmt: skip
    (
        Conv1D,
        (2, 4, 9),
        dict(filters=4, kernel_size=3, padding="causal", data_format="channels_first"),
    ),  # fmt: skip
    (Conv2D, (2, 7, 6, 3), dict(filters=4, kernel_size=3)),
    (
        Conv2D,
        (2, 7, 6, 3),
        dict(filters=4, kernel_size=(3, 2), strides=(2, 1), padding="same"),
    ),  # fmt: skip
    (Conv2D, (1, 8, 8, 2), dict(filters=3, kernel_size=3, dilation_rate=2)),
    (
        Conv2D,
        (1, 8, 8, 2),
        dict(filters=3, kernel_size=2, dilation_rate=(2, 3), padding="same"),
    ),  # fmt: skip
    (Conv2D, (2, 6, 6, 4), dict(filters=6, kernel_size=3, groups=2)),
    (
        Conv2D,
        (2, 4, 7, 6),
        dict(
            filters=4,
            kernel_size=3,
            strides=2,
            padding="same",
            data_format="channels_first",
            groups=2,
        ),
    ),  # fmt: skip
    (Conv3D, (1, 5, 4, 6, 2), dict(filters=3, kernel_size=(2, 3, 2))),
    (
        Conv3D,
        (1, 5, 4, 6, 2),
        dict(filters=3, kernel_size=3, strides=2, padding="same"),
    ),  # fmt: skip
    (
        Conv3D,
        (1, 2, 5, 4, 3),
        dict(filters=2, kernel_size=2, data_format="channels_first"),
    ),  # fmt: skip
]


@pytest.mark.parametrize("cls, shape, kwargs", CONV_CASES)
def test_conv_matches_direct_loop(cls, shape, kwargs):
    rng = np.random.default_rng(0)
    layer = cls(**kwargs, activation="relu")
    layer.build(shape)
    kernel, bias = (w.shape for w in layer.weights)
    w, b = _rand(rng, *kernel), _rand(rng, *bias)
    layer.set_weights([w, b])
    x = _rand(rng, *shape)
    expected = np_conv(
        x,
        w,
        layer.strides,
        layer.padding,
        layer.dilation_rate,
        layer.groups,
        layer.data_format,
    )
    channel_shape = (
        (-1,)
        if layer.data_format == "channels_last"
        else (-1,) + (1,) * (len(shape) - 2)
    )
    expected = np.maximum(expected + b.reshape(channel_shape), 0)
    out = layer(x)
    assert out.shape == expected.shape == layer.compute_output_shape(shape)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_conv_weights_names_shapes_and_count():
    layer = Conv2D(8, (3, 2), groups=2)
    layer.build((None, 10, 10, 6))
    assert [v.name for v in layer.weights] == ["kernel", "bias"]
    assert [v.shape for v in layer.weights] == [(3, 2, 3, 8), (8,)]
    assert layer.count_params() == 3 * 2 * 3 * 8 + 8
    no_bias = Conv1D(5, 4, use_bias=False)
    no_bias.build((None, 7, 2))
    assert [v.shape for v in no_bias.weights] == [(4, 2, 5)]
    assert Convolution2D is Conv2D


@pytest.mark.parametrize(
    "shape, kwargs, expected",
    [
        ((None, 28, 28, 1), dict(kernel_size=3), (None, 26, 26, 8)),
        ((None, 28, 28, 1), dict(kernel_size=3, strides=2), (None, 13, 13, 8)),
        (
            (None, 28, 27, 1),
            dict(kernel_size=3, strides=2, padding="same"),
            (None, 14, 14, 8),
        ),  # fmt: skip
        ((4, None, 5, 1), dict(kernel_size=3), (4, None, 3, 8)),
        (
            (None, 1, 28, 28),
            dict(kernel_size=5, data_format="channels_first"),
            (None, 8, 24, 24),
        ),  # fmt: skip
    ],
)
def test_conv2d_output_shapes(shape, kwargs, expected):
    assert Conv2D(8, **kwargs).compute_output_shape(shape) == expected


def test_conv1d_causal_sees_only_the_past():
    rng = np.random.default_rng(1)
    layer = Conv1D(2, 3, dilation_rate=2, padding="causal")
    x = _rand(rng, 1, 10, 3)
    y = np.asarray(layer(x))
    x2 = x.copy()
    x2[:, 6:] += 5.0  # changing steps >= 6 leaves outputs < 6 unchanged
    y2 = np.asarray(layer(x2))
    np.testing.assert_allclose(y[:, :6], y2[:, :6], rtol=0, atol=0)
    assert not np.allclose(y[:, 6:], y2[:, 6:])


@pytest.mark.parametrize(
    "cls, shape, kwargs",
    [
        (DepthwiseConv1D, (2, 9, 3), dict(kernel_size=3, depth_multiplier=2)),
        (
            DepthwiseConv1D,
            (2, 3, 9),
            dict(
                kernel_size=2, strides=2, padding="same", data_format="channels_first"
            ),
        ),  # fmt: skip
        (DepthwiseConv2D, (2, 6, 7, 3), dict(kernel_size=3)),
        (
            DepthwiseConv2D,
            (1, 7, 7, 2),
            dict(
                kernel_size=(2, 3), depth_multiplier=3, strides=(2, 1), padding="same"
            ),
        ),  # fmt: skip
        (DepthwiseConv2D, (1, 8, 8, 2), dict(kernel_size=2, dilation_rate=2)),
        (
            DepthwiseConv2D,
            (1, 2, 6, 5),
            dict(kernel_size=3, depth_multiplier=2, data_format="channels_first"),
        ),  # fmt: skip
    ],
)
def test_depthwise_matches_direct_loop(cls, shape, kwargs):
    rng = np.random.default_rng(2)
    layer = cls(**kwargs)
    layer.build(shape)
    assert [v.name for v in layer.weights] == ["kernel", "bias"]
    w, b = (_rand(rng, *v.shape) for v in layer.weights)
    layer.set_weights([w, b])
    x = _rand(rng, *shape)
    expected = np_depthwise(
        x, w, layer.strides, layer.padding, layer.dilation_rate, layer.data_format
    )
    n = len(shape) - 2
    bshape = (-1,) if layer.data_format == "channels_last" else (-1,) + (1,) * n
    expected = expected + b.reshape(bshape)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-5, atol=1e-5)
    assert layer.compute_output_shape(shape) == expected.shape


@pytest.mark.parametrize(
    "cls, shape, kwargs",
    [
        (
            SeparableConv1D,
            (2, 9, 3),
            dict(filters=4, kernel_size=3, depth_multiplier=2),
        ),
        (
            SeparableConv1D,
            (2, 9, 3),
            dict(filters=4, kernel_size=3, strides=2, padding="same"),
        ),  # fmt: skip
        (SeparableConv2D, (2, 6, 7, 3), dict(filters=5, kernel_size=3)),
        (
            SeparableConv2D,
            (1, 7, 7, 2),
            dict(
                filters=3,
                kernel_size=2,
                dilation_rate=2,
                depth_multiplier=2,
                padding="same",
            ),
        ),  # fmt: skip
        (
            SeparableConv2D,
            (1, 2, 6, 5),
            dict(filters=3, kernel_size=3, data_format="channels_first"),
        ),  # fmt: skip
    ],
)
def test_separable_matches_depthwise_then_pointwise(cls, shape, kwargs):
    rng = np.random.default_rng(3)
    layer = cls(**kwargs)
    layer.build(shape)
    names = [v.name for v in layer.weights]
    assert names == ["depthwise_kernel", "pointwise_kernel", "bias"]
    dw, pw, b = (_rand(rng, *v.shape) for v in layer.weights)
    layer.set_weights([dw, pw, b])
    x = _rand(rng, *shape)
    mid = np_depthwise(
        x, dw, layer.strides, layer.padding, layer.dilation_rate, layer.data_format
    )
    pw2 = pw.reshape(pw.shape[-2:])
    if layer.data_format == "channels_last":
        expected = mid @ pw2 + b
    else:
        expected = np.moveaxis(np.moveaxis(mid, 1, -1) @ pw2 + b, -1, 1)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-5, atol=1e-5)
    assert layer.count_params() == dw.size + pw.size + b.size


# --- gradients by finite differences ----------------------------------------


def test_conv2d_gradients_match_finite_differences():
    import jax

    rng = np.random.default_rng(4)
    layer = Conv2D(3, 3, strides=(2, 1), padding="same", activation="tanh")
    shape = (2, 5, 4, 2)
    layer.build(shape)
    w, b = _rand(rng, 3, 3, 2, 3), _rand(rng, 3)
    x = _rand(rng, *shape)
    r = _rand(rng, *layer.compute_output_shape(shape))

    def ours(kernel, bias, inputs):
        out, _ = layer.stateless_call([kernel, bias], [], inputs)
        return ops.sum(out * r)

    grads = jax.grad(ours, argnums=(0, 1, 2))(w, b, x)

    def reference(kernel, bias, inputs):  # float64 numpy forward
        out = np_conv(inputs, kernel, (2, 1), "same") + bias
        return float(np.sum(np.tanh(out) * r))

    def central(index):
        values = [w.astype("float64"), b.astype("float64"), x.astype("float64")]
        target = values[index]
        grad = np.zeros_like(target)
        eps = 1e-6
        for i in np.ndindex(target.shape):
            old = target[i]
            target[i] = old + eps
            plus = reference(*values)
            target[i] = old - eps
            minus = reference(*values)
            target[i] = old
            grad[i] = (plus - minus) / (2 * eps)
        return grad

    for index, grad in enumerate(grads):
        np.testing.assert_allclose(grad, central(index), rtol=1e-4, atol=1e-4)


# --- config ---------------------------------------------------------------------


def test_conv_config_round_trip():
    layer = Conv1D(
        4,
        3,
        strides=2,
        padding="CAUSAL",
        dilation_rate=1,
        activation="relu",
        kernel_regularizer="l2",
        name="c",
    )
    config = layer.get_config()
    assert config["padding"] == "causal"
    assert config["kernel_size"] == (3,) and config["strides"] == (2,)
    clone = Conv1D.from_config(config)
    assert clone.get_config() == config
    sep = SeparableConv2D(3, 2, depth_multiplier=2)
    assert SeparableConv2D.from_config(sep.get_config()).get_config() == (
        sep.get_config()
    )
    dw = DepthwiseConv2D(3, depth_multiplier=2, use_bias=False)
    assert DepthwiseConv2D.from_config(dw.get_config()).get_config() == (
        dw.get_config()
    )


def test_conv_regularizer_losses():
    layer = Conv2D(2, 2, kernel_regularizer="l2", bias_regularizer="l1")
    layer.build((None, 3, 3, 1))
    w = np.full((2, 2, 1, 2), 0.5, "float32")
    b = np.array([1.0, -2.0], "float32")
    layer.set_weights([w, b])
    losses = [float(v) for v in layer.losses]
    np.testing.assert_allclose(sorted(losses), sorted([0.01 * 8 * 0.25, 0.01 * 3]))


def test_conv_in_sequential_model_summary_counts():
    from kerasish import layers, models
    from kerasish.layers.reshaping import Flatten

    model = models.Sequential(
        [
            layers.Input((28, 28, 1)),
            Conv2D(32, 3, activation="relu"),
            Conv2D(64, 3, activation="relu"),
            Flatten(),
            layers.Dense(10),
        ]
    )
    # 320 + 18496 + (24 * 24 * 64 * 10 + 10); Keras's summary prints the same.
    assert model.count_params() == 320 + 18496 + 368650
    assert model.output_shape == (None, 10)


# --- errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, error, match",
    [
        (lambda: Conv2D(-1, 3), ValueError, "`filters` must be a positive int"),
        (lambda: Conv2D(0, 3), ValueError, "`filters` must be a positive int"),
        (lambda: Conv2D(2.5, 3), TypeError, "`filters` must be a positive int"),
        (lambda: Conv2D(4, 0), ValueError, "kernel_size"),
        (lambda: Conv2D(4, (3, 3, 3)), ValueError, "tuple of 2 ints"),
        (lambda: Conv2D(4, 3, strides=0), ValueError, "strides"),
        (lambda: Conv2D(4, 3, padding="vaild"), ValueError, "Did you mean 'valid'"),
        (lambda: Conv2D(4, 3, padding="causal"), ValueError, "only supported by 1D"),
        (lambda: Conv2D(4, 3, padding=1), TypeError, "`padding` must be one of"),
        (lambda: Conv2D(4, 3, groups=3), ValueError, "divisible by `groups`"),
        (lambda: Conv2D(4, 3, strides=2, dilation_rate=2), ValueError, "cannot be"),
        (lambda: Conv2D(4, 3, data_format="nhwc"), ValueError, "data_format"),
        (lambda: SeparableConv2D(4, 3, depth_multiplier=0), ValueError, "depth_mult"),
        (lambda: DepthwiseConv2D(3, padding="full"), ValueError, "Unknown"),
        (lambda: Conv1D(4, 3, bogus=1), TypeError, "unexpected keyword"),
    ],
)
def test_constructor_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_kernel_larger_than_padded_input_is_rejected_at_build():
    layer = Conv2D(4, 5)
    with pytest.raises(ValueError, match=r"larger than the padded input.*\(0, 3\)"):
        layer.build((None, 4, 7, 3))
    with pytest.raises(ValueError, match="larger than the padded input"):
        Conv1D(2, 3, dilation_rate=4)(np.ones((1, 8, 1), "float32"))
    with pytest.raises(ValueError, match="larger than the padded input"):
        DepthwiseConv2D(4)(np.ones((1, 3, 3, 1), "float32"))
    # "same" pads, so the same kernel fits.
    assert Conv2D(4, 5, padding="same").compute_output_shape((None, 4, 7, 3)) == (
        None,
        4,
        7,
        4,
    )


def test_wrong_rank_and_channels_name_the_layer():
    layer = Conv2D(4, 3, name="my_conv")
    with pytest.raises(
        ValueError,
        match=r"'my_conv' \(Conv2D\) (expects 4D|.*expected ndim=4).*\(2, 8, 3\)",
    ):
        layer(np.ones((2, 8, 3), "float32"))
    layer(np.ones((2, 8, 8, 3), "float32"))
    with pytest.raises(ValueError, match=r"my_conv.*axis -1.*value 3.*\(2, 8, 8, 5\)"):
        layer(np.ones((2, 8, 8, 5), "float32"))
    with pytest.raises(ValueError, match="known channel axis"):
        Conv1D(2, 3).build((None, 5, None))
    with pytest.raises(ValueError, match="not divisible by groups=2"):
        Conv1D(4, 3, groups=2).build((None, 5, 3))


# --- Keras 3 compatibility ---------------------------------------------------------

COMPAT_CASES = [
    (
        "Conv1D",
        (2, 9, 3),
        dict(filters=4, kernel_size=3, padding="causal", dilation_rate=2),
    ),  # fmt: skip
    (
        "Conv1D",
        (2, 3, 9),
        dict(
            filters=4,
            kernel_size=3,
            strides=2,
            padding="same",
            data_format="channels_first",
        ),
    ),  # fmt: skip
    ("Conv1D", (2, 9, 4), dict(filters=4, kernel_size=2, groups=4)),
    (
        "Conv2D",
        (2, 7, 6, 3),
        dict(filters=4, kernel_size=3, strides=2, padding="same", activation="relu"),
    ),  # fmt: skip
    (
        "Conv2D",
        (2, 7, 6, 4),
        dict(filters=6, kernel_size=(2, 3), dilation_rate=2, groups=2, use_bias=False),
    ),  # fmt: skip
    (
        "Conv2D",
        (2, 3, 7, 6),
        dict(filters=4, kernel_size=3, data_format="channels_first"),
    ),  # fmt: skip
    (
        "Conv3D",
        (1, 5, 4, 6, 2),
        dict(filters=3, kernel_size=2, strides=(1, 2, 2), padding="same"),
    ),  # fmt: skip
    (
        "SeparableConv1D",
        (2, 9, 3),
        dict(filters=4, kernel_size=3, depth_multiplier=2),
    ),  # fmt: skip
    (
        "SeparableConv2D",
        (2, 7, 6, 3),
        dict(filters=4, kernel_size=3, strides=2, padding="same"),
    ),  # fmt: skip
    (
        "SeparableConv2D",
        (1, 3, 7, 6),
        dict(filters=2, kernel_size=2, data_format="channels_first"),
    ),  # fmt: skip
    (
        "DepthwiseConv1D",
        (2, 9, 3),
        dict(kernel_size=3, depth_multiplier=2, padding="same"),
    ),  # fmt: skip
    ("DepthwiseConv2D", (2, 7, 6, 3), dict(kernel_size=3, strides=2)),
    (
        "DepthwiseConv2D",
        (1, 3, 7, 6),
        dict(kernel_size=2, dilation_rate=2, data_format="channels_first"),
    ),  # fmt: skip
]


@pytest.mark.compat
@pytest.mark.parametrize("name, shape, kwargs", COMPAT_CASES)
def test_matches_keras(name, shape, kwargs):
    keras = pytest.importorskip("keras")
    from kerasish.layers import convolutional

    rng = np.random.default_rng(5)
    x = _rand(rng, *shape)
    theirs = getattr(keras.layers, name)(**kwargs)
    expected = np.asarray(theirs(x))
    ours = getattr(convolutional, name)(**kwargs)
    ours.build(shape)
    assert [v.name for v in ours.weights] == [v.name for v in theirs.weights]
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(x), expected, rtol=1e-5, atol=1e-5)
    assert ours.count_params() == theirs.count_params()
    none_shape = (None,) + shape[1:]
    assert ours.compute_output_shape(none_shape) == tuple(
        theirs.compute_output_shape(none_shape)
    )
    ours_config, their_config = ours.get_config(), theirs.get_config()
    for key, value in their_config.items():
        if key in ("name", "dtype"):
            continue
        if isinstance(value, dict):  # serialized initializer: compare the class
            assert ours_config[key]["class_name"] == value["class_name"], key
        else:
            assert ours_config[key] == value, key

"""BatchNormalization: batch statistics vs numpy, moving-average updates, frozen
(inference-mode) behaviour, masks, gradients by finite differences, Keras compat."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kerasish.layers.normalization import BatchNormalization

RNG = np.random.default_rng(0)


def _np_bn(x, mean, var, gamma, beta, eps, axis=-1):
    shape = [1] * x.ndim
    shape[axis] = -1
    r = lambda v: np.reshape(v, shape)  # noqa: E731
    return r(gamma) * (x - r(mean)) / np.sqrt(r(var) + eps) + r(beta)


def _random_weights(c):
    gamma = RNG.uniform(0.5, 1.5, c).astype("float32")
    beta = RNG.normal(size=c).astype("float32")
    mm = RNG.normal(size=c).astype("float32")
    mv = RNG.uniform(0.5, 2.0, c).astype("float32")
    return gamma, beta, mm, mv


def test_training_uses_batch_statistics_and_updates_moving_averages():
    x = RNG.normal(2.0, 3.0, size=(8, 5, 4)).astype("float32")
    bn = BatchNormalization(momentum=0.9, epsilon=1e-3)
    bn.build(x.shape)
    gamma, beta, mm, mv = _random_weights(4)
    bn.set_weights([gamma, beta, mm, mv])
    y = np.asarray(bn(x, training=True))
    mean = x.mean(axis=(0, 1))
    var = x.var(axis=(0, 1))  # biased variance
    np.testing.assert_allclose(y, _np_bn(x, mean, var, gamma, beta, 1e-3), atol=1e-5)
    new_mm, new_mv = bn.get_weights()[2:]
    np.testing.assert_allclose(new_mm, mm * 0.9 + mean * 0.1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new_mv, mv * 0.9 + var * 0.1, rtol=1e-5, atol=1e-6)


def test_inference_uses_moving_statistics_and_leaves_them():
    x = RNG.normal(size=(6, 3)).astype("float32")
    bn = BatchNormalization(epsilon=0.01)
    bn.build(x.shape)
    weights = _random_weights(3)
    bn.set_weights(list(weights))
    gamma, beta, mm, mv = weights
    for training in (False, None):
        y = np.asarray(bn(x, training=training))
        np.testing.assert_allclose(y, _np_bn(x, mm, mv, gamma, beta, 0.01), atol=1e-5)
    for got, want in zip(bn.get_weights(), weights):
        np.testing.assert_array_equal(got, want)


def test_weights_names_order_and_trainability():
    bn = BatchNormalization()
    bn.build((None, 7))
    assert [v.name for v in bn.weights] == [
        "gamma",
        "beta",
        "moving_mean",
        "moving_variance",
    ]
    assert [v.name for v in bn.trainable_weights] == ["gamma", "beta"]
    assert [v.name for v in bn.non_trainable_weights] == [
        "moving_mean",
        "moving_variance",
    ]
    np.testing.assert_array_equal(bn.get_weights()[1], np.zeros(7))
    np.testing.assert_array_equal(bn.get_weights()[3], np.ones(7))
    assert bn.count_params() == 28
    plain = BatchNormalization(center=False, scale=False)
    plain.build((None, 7))
    assert [v.name for v in plain.weights] == ["moving_mean", "moving_variance"]


def test_axis_1_channels_first():
    x = RNG.normal(size=(4, 3, 5, 5)).astype("float32")
    bn = BatchNormalization(axis=1, momentum=0.5)
    y = np.asarray(bn(x, training=True))
    mean, var = x.mean(axis=(0, 2, 3)), x.var(axis=(0, 2, 3))
    ones, zeros = np.ones(3), np.zeros(3)
    np.testing.assert_allclose(y, _np_bn(x, mean, var, ones, zeros, 1e-3, 1), atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * mean, atol=1e-6)


def test_frozen_batch_norm_runs_in_inference_mode():
    x = RNG.normal(size=(6, 3)).astype("float32")
    bn = BatchNormalization()
    bn.build(x.shape)
    weights = _random_weights(3)
    bn.set_weights(list(weights))
    bn.trainable = False
    y = np.asarray(bn(x, training=True))
    gamma, beta, mm, mv = weights
    np.testing.assert_allclose(y, _np_bn(x, mm, mv, gamma, beta, 1e-3), atol=1e-5)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), mm)
    assert bn.trainable_weights == [] and len(bn.non_trainable_weights) == 4
    # Stateless (compiled-step) form: frozen, the statistics come back unchanged.
    out, new_state = bn.stateless_call(
        [], [v.value for v in bn.non_trainable_variables], x, training=True
    )
    np.testing.assert_allclose(out, y, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(new_state[2]), mm)


def test_stateless_call_returns_updated_statistics_under_jit():
    x = RNG.normal(size=(10, 2)).astype("float32")
    bn = BatchNormalization(momentum=0.8)
    bn.build(x.shape)
    trainable = [v.value for v in bn.trainable_variables]
    non_trainable = [v.value for v in bn.non_trainable_variables]

    @jax.jit
    def step(nt, x):
        return bn.stateless_call(trainable, nt, x, training=True)

    _, nt = step(non_trainable, x)
    np.testing.assert_allclose(nt[0], 0.2 * x.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(nt[1], 0.8 + 0.2 * x.var(0), rtol=1e-5, atol=1e-6)
    # The layer's own variables were not touched by the stateless call.
    np.testing.assert_array_equal(bn.moving_mean.numpy(), np.zeros(2))


def test_mask_excludes_positions_from_statistics():
    x = RNG.normal(size=(3, 5, 2)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]], bool)
    bn = BatchNormalization(momentum=0.0)
    y = np.asarray(bn(x, training=True, mask=mask))
    kept = x[mask]  # (n, 2)
    mean, var = kept.mean(0), kept.var(0)
    np.testing.assert_allclose(y, _np_bn(x, mean, var, 1, 0, 1e-3), atol=1e-4)
    np.testing.assert_allclose(bn.moving_mean.numpy(), mean, atol=1e-5)


def test_mask_rank_error():
    bn = BatchNormalization()
    with pytest.raises(ValueError, match="one axis fewer"):
        bn(np.ones((2, 3, 4), "float32"), training=True, mask=np.ones((2, 3, 4), bool))


def test_renorm_inference_and_update():
    x = RNG.normal(1.0, 2.0, size=(16, 3)).astype("float32")
    bn = BatchNormalization(renorm=True, momentum=0.5, renorm_momentum=0.5)
    bn.build(x.shape)
    names = [v.name for v in bn.weights]
    assert names == [
        "gamma",
        "beta",
        "moving_mean",
        "moving_variance",
        "moving_stddev",
        "renorm_mean",
        "renorm_stddev",
    ]
    np.testing.assert_allclose(bn.moving_stddev.numpy(), np.ones(3))
    y = np.asarray(bn(x, training=True))
    mean, var = x.mean(0), x.var(0)
    std = np.sqrt(var + 1e-3)
    # renorm_mean = 0, renorm_stddev = 1: r = std, d = mean; y = x_hat * r + d.
    x_hat = (x - mean) / std
    np.testing.assert_allclose(y, x_hat * std + mean, atol=1e-4)
    np.testing.assert_allclose(bn.renorm_mean.numpy(), 0.5 * mean, atol=1e-5)
    new_std = 0.5 + 0.5 * std
    np.testing.assert_allclose(bn.moving_stddev.numpy(), new_std, atol=1e-5)
    np.testing.assert_allclose(
        bn.moving_variance.numpy(), np.maximum(new_std**2 - 1e-3, 0), atol=1e-5
    )


def _fd_check(f, args, index, eps=1e-2, samples=6, rtol=2e-2, atol=2e-3):
    """Compares jax.grad of f w.r.t. args[index] with central differences."""
    f = jax.jit(f)
    analytic = np.asarray(jax.grad(f, argnums=index)(*args))
    flat = np.asarray(args[index], dtype="float64").ravel()
    picks = np.random.default_rng(1).choice(flat.size, min(samples, flat.size), False)
    for i in picks:
        plus, minus = flat.copy(), flat.copy()
        plus[i] += eps
        minus[i] -= eps
        shape = np.shape(args[index])
        a_plus = list(args)
        a_minus = list(args)
        a_plus[index] = jnp.asarray(plus.reshape(shape), "float32")
        a_minus[index] = jnp.asarray(minus.reshape(shape), "float32")
        numeric = (float(f(*a_plus)) - float(f(*a_minus))) / (2 * eps)
        np.testing.assert_allclose(analytic.ravel()[i], numeric, rtol=rtol, atol=atol)


@pytest.mark.parametrize("training", [True, False])
def test_gradients_match_finite_differences(training):
    x = jnp.asarray(RNG.normal(size=(6, 4)).astype("float32"))
    bn = BatchNormalization()
    bn.build(x.shape)
    gamma, beta, mm, mv = _random_weights(4)
    bn.set_weights([gamma, beta, mm, mv])
    proj = jnp.asarray(RNG.normal(size=(6, 4)).astype("float32"))
    nt = [v.value for v in bn.non_trainable_variables]

    def loss(gamma, beta, x):
        out, _ = bn.stateless_call([gamma, beta], nt, x, training=training)
        return jnp.sum(jnp.tanh(out) * proj)

    args = (jnp.asarray(gamma), jnp.asarray(beta), x)
    for index in range(3):
        _fd_check(loss, args, index)


def test_output_shape_and_symbolic_call():
    import kerasish

    x = kerasish.Input((5, 3))
    bn = BatchNormalization()
    y = bn(x)
    assert y.shape == (None, 5, 3)
    # The symbolic call builds a graph that computes the inference formula.
    gamma, beta, mm, mv = _random_weights(3)
    bn.set_weights([gamma, beta, mm, mv])
    data = RNG.normal(size=(2, 5, 3)).astype("float32")
    expected = (data - mm) / np.sqrt(mv + bn.epsilon) * gamma + beta
    out = kerasish.Model(x, y).predict(data, verbose=0)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_constructor_errors():
    with pytest.raises(TypeError, match="`axis` must be an int"):
        BatchNormalization(axis=[1, 2])
    with pytest.raises(ValueError, match="`momentum` must be in"):
        BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match="`epsilon` must be >= 0"):
        BatchNormalization(epsilon=-1.0)
    with pytest.raises(ValueError, match="unknown `renorm_clipping` keys"):
        BatchNormalization(renorm=True, renorm_clipping={"rmaxx": 2})
    with pytest.raises(ValueError, match="rmax >= rmin"):
        BatchNormalization(renorm=True, renorm_clipping={"rmax": 1, "rmin": 2})


def test_build_errors():
    with pytest.raises(ValueError, match=r"axis 3 is out of bounds.*rank 2"):
        BatchNormalization(axis=3)(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="known size"):
        BatchNormalization().build((None, None))
    bn = BatchNormalization()
    bn(np.ones((2, 3), "float32"))
    with pytest.raises(
        ValueError, match="expected axis 1 of its input shape to have value 3"
    ):
        bn(np.ones((2, 4), "float32"))


def test_config_round_trip():
    bn = BatchNormalization(axis=1, momentum=0.5, epsilon=0.1, center=False)
    config = bn.get_config()
    clone = BatchNormalization.from_config(config)
    assert clone.get_config() == config
    assert config["momentum"] == 0.5 and config["center"] is False


@pytest.mark.compat
@pytest.mark.parametrize(
    "kwargs, shape",
    [
        ({}, (6, 4)),
        ({"axis": 1, "momentum": 0.7, "epsilon": 1e-2}, (4, 3, 5, 5)),
        ({"center": False}, (5, 3, 2)),
        ({"renorm": True, "renorm_clipping": {"rmax": 1.5, "dmax": 0.5}}, (8, 3)),
    ],
)
def test_matches_keras(kwargs, shape):
    keras = pytest.importorskip("keras")
    x = RNG.normal(1.0, 2.0, size=shape).astype("float32")
    theirs = keras.layers.BatchNormalization(**kwargs)
    ours = BatchNormalization(**kwargs)
    theirs.build(shape)
    ours.build(shape)
    assert [w.shape for w in ours.get_weights()] == [
        w.shape for w in theirs.get_weights()
    ]
    weights = [
        w + RNG.uniform(0.1, 0.5, w.shape).astype("float32")
        for w in theirs.get_weights()
    ]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    for training in (False, True):
        np.testing.assert_allclose(
            np.asarray(ours(x, training=training)),
            np.asarray(theirs(x, training=training)),
            rtol=1e-5,
            atol=1e-5,
        )
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert ours.count_params() == theirs.count_params()


@pytest.mark.compat
def test_masked_and_frozen_match_keras():
    keras = pytest.importorskip("keras")
    x = RNG.normal(size=(3, 5, 2)).astype("float32")
    mask = RNG.random((3, 5)) > 0.4
    theirs, ours = keras.layers.BatchNormalization(), BatchNormalization()
    theirs.build(x.shape)
    ours.build(x.shape)
    np.testing.assert_allclose(
        ours(x, training=True, mask=mask),
        theirs(x, training=True, mask=mask),
        atol=1e-5,
    )
    theirs.trainable = False
    ours.trainable = False
    np.testing.assert_allclose(
        ours(x, training=True), theirs(x, training=True), atol=1e-6
    )


@pytest.mark.parametrize("frozen", [False, True])
def test_fit_updates_moving_statistics_unless_frozen(frozen):
    import kerasish
    from kerasish.layers.core.dense import Dense
    from kerasish.layers.input_layer import Input

    inputs = Input((3,))
    bn = BatchNormalization(momentum=0.5)
    model = kerasish.Model(inputs, Dense(1, kernel_initializer="zeros")(bn(inputs)))
    bn.trainable = not frozen
    model.compile(optimizer="sgd", loss="mse")
    x = RNG.normal(5.0, 1.0, size=(16, 3)).astype("float32")
    model.fit(x, np.zeros((16, 1), "float32"), batch_size=16, epochs=1, verbose=0)
    if frozen:
        np.testing.assert_array_equal(bn.moving_mean.numpy(), np.zeros(3))
    else:
        np.testing.assert_allclose(bn.moving_mean.numpy(), 0.5 * x.mean(0), rtol=1e-5)

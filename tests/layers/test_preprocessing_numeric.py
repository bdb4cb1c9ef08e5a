"""Rescaling, Normalization, CategoryEncoding, Discretization: numpy references,
errors, and compat tests against Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import pytest

from kerasish.layers.preprocessing import (
    CategoryEncoding,
    Discretization,
    Normalization,
    Rescaling,
)

RNG = np.random.default_rng(0)
X = RNG.normal(3.0, 2.0, size=(6, 4, 3)).astype("float32")


# -- Rescaling ---------------------------------------------------------------------
def test_rescaling_matches_formula():
    out = Rescaling(1 / 127.5, offset=-1.0)(X)
    np.testing.assert_allclose(out, X / 127.5 - 1.0, rtol=1e-6, atol=1e-6)


def test_rescaling_per_channel_and_int_inputs():
    scale, offset = [1.0, 2.0, 3.0], [0.0, -1.0, 0.5]
    np.testing.assert_allclose(
        Rescaling(scale, offset)(X), X * np.array(scale) + offset, rtol=1e-6
    )
    ints = np.arange(6, dtype="uint8").reshape(2, 3)
    out = Rescaling(0.5)(ints)
    assert str(out.dtype) == "float32"
    np.testing.assert_allclose(out, ints * 0.5)


def test_rescaling_config_round_trip_and_errors():
    layer = Rescaling(0.25, offset=2.0)
    again = Rescaling.from_config(layer.get_config())
    np.testing.assert_allclose(again(X), layer(X))
    with pytest.raises(TypeError, match="Rescaling: `scale` must be a number"):
        Rescaling("big")


# -- Normalization -------------------------------------------------------------
def test_normalization_adapt_last_axis():
    layer = Normalization()
    layer.adapt(X)
    mean = X.reshape(-1, 3).mean(0)
    var = X.reshape(-1, 3).var(0)
    assert [v.name for v in layer.weights] == ["mean", "variance", "count"]
    assert layer.trainable_weights == []
    np.testing.assert_allclose(layer.get_weights()[0], mean, rtol=1e-5)
    np.testing.assert_allclose(layer.get_weights()[1], var, rtol=1e-5)
    np.testing.assert_allclose(
        layer(X), (X - mean) / np.sqrt(var), rtol=1e-4, atol=1e-5
    )


def test_normalization_axis_none_and_multi_axis():
    layer = Normalization(axis=None)
    layer.adapt(X)
    np.testing.assert_allclose(layer(X), (X - X.mean()) / X.std(), rtol=1e-4, atol=1e-5)
    layer = Normalization(axis=(1, 2))
    layer.adapt(X)
    assert layer.get_weights()[0].shape == (4, 3)
    np.testing.assert_allclose(
        layer(X), (X - X.mean(0)) / X.std(0), rtol=1e-4, atol=1e-5
    )


def test_normalization_invert_undoes_normalization():
    forward, inverse = Normalization(), Normalization(invert=True)
    forward.adapt(X)
    inverse.adapt(X)
    z = np.asarray(forward(X))
    np.testing.assert_allclose(inverse(z), X, rtol=1e-4, atol=1e-4)
    mean, var = X.reshape(-1, 3).mean(0), X.reshape(-1, 3).var(0)
    np.testing.assert_allclose(inverse(z), mean + z * np.sqrt(var), rtol=1e-5)


def test_normalization_given_mean_variance_and_epsilon_floor():
    layer = Normalization(mean=[1.0, 2.0, 0.0], variance=[4.0, 9.0, 0.0])
    assert layer.get_weights() == [] or not layer.built
    out = np.asarray(layer(X))
    np.testing.assert_allclose(out[..., 0], (X[..., 0] - 1.0) / 2.0, rtol=1e-6)
    np.testing.assert_allclose(out[..., 1], (X[..., 1] - 2.0) / 3.0, rtol=1e-6)
    # sqrt(0) is floored at epsilon = 1e-7.
    np.testing.assert_allclose(out[..., 2], X[..., 2] / 1e-7, rtol=1e-5)
    scalar = Normalization(mean=3.0, variance=2.0)
    np.testing.assert_allclose(scalar(X), (X - 3.0) / np.sqrt(2.0), rtol=1e-6)


def test_normalization_adapt_on_batches_matches_whole_array():
    whole, batched = Normalization(), Normalization()
    whole.adapt(X)
    batched.adapt([X[:1], X[1:4], (X[4:], np.zeros(2))])  # (x, y) tuples use x
    np.testing.assert_allclose(
        batched.get_weights()[0], whole.get_weights()[0], rtol=1e-5
    )
    np.testing.assert_allclose(
        batched.get_weights()[1], whole.get_weights()[1], rtol=1e-5
    )
    generator = Normalization()
    generator.adapt(iter([X[:3], X[3:]]))
    np.testing.assert_allclose(
        generator.get_weights()[1], whole.get_weights()[1], rtol=1e-5
    )


def test_normalization_in_jit_via_stateless_call():
    from kerasish.engine import get_engine

    layer = Normalization()
    layer.adapt(X)
    fn = get_engine().jit(lambda nt, x: layer.stateless_call([], nt, x)[0])
    np.testing.assert_allclose(
        fn([v.value for v in layer.non_trainable_variables], X), layer(X), rtol=1e-6
    )


def test_normalization_config_round_trip():
    layer = Normalization(axis=(1, 2), mean=1.0, variance=4.0, invert=True)
    config = layer.get_config()
    assert config["axis"] == (1, 2) and config["mean"] == 1.0
    again = Normalization.from_config(config)
    np.testing.assert_allclose(again(X), layer(X))


def test_normalization_errors():
    with pytest.raises(ValueError, match="both `mean` and `variance` must be set"):
        Normalization(mean=1.0)
    with pytest.raises(ValueError, match="must have the same shape"):
        Normalization(mean=[1.0, 2.0], variance=[1.0])
    with pytest.raises(ValueError, match="was called before `adapt\\(\\)`"):
        Normalization()(X)
    with pytest.raises(ValueError, match="adapt\\(\\) received empty data"):
        Normalization().adapt(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="empty iterable"):
        Normalization().adapt([])
    with pytest.raises(ValueError, match="must be in \\[-3, 3\\)"):
        Normalization(axis=5).adapt(X)
    layer = Normalization()
    layer.adapt(X)
    with pytest.raises(ValueError, match="was built for input shape"):
        layer.adapt(np.zeros((2, 4, 5)))
    with pytest.raises(TypeError, match="`axis` must be an int"):
        Normalization(axis="last")


# -- CategoryEncoding ----------------------------------------------------------
IDS = np.array([[0, 1, 1, 3], [2, 2, 2, 0]])


def test_category_encoding_count_multi_hot_one_hot():
    counts = np.stack([np.bincount(row, minlength=5) for row in IDS]).astype("float32")
    np.testing.assert_array_equal(CategoryEncoding(5, "count")(IDS), counts)
    np.testing.assert_array_equal(
        CategoryEncoding(5, "multi_hot")(IDS), np.minimum(counts, 1)
    )
    np.testing.assert_array_equal(CategoryEncoding(5, "one_hot")(IDS), np.eye(5)[IDS])
    # A trailing axis of 1 is replaced by the one-hot axis.
    np.testing.assert_array_equal(
        CategoryEncoding(5, "one_hot")(IDS[:, :1]), np.eye(5)[IDS[:, 0]]
    )
    # A rank-1 input is one sample for multi_hot.
    np.testing.assert_array_equal(
        CategoryEncoding(5)(np.array([4, 0])), [1.0, 0.0, 0.0, 0.0, 1.0]
    )


def test_category_encoding_count_weights():
    weights = np.array([[0.5, 1.0, 2.0, 1.0], [1.0, 1.0, 1.0, 3.0]], "float32")
    expected = np.zeros((2, 5), "float32")
    for i in range(2):
        for token, w in zip(IDS[i], weights[i]):
            expected[i, token] += w
    out = CategoryEncoding(5, "count")(IDS, count_weights=weights)
    np.testing.assert_allclose(out, expected)


def test_category_encoding_symbolic_shape():
    import kerasish

    inputs = kerasish.layers.Input((4,), dtype="int32")
    assert CategoryEncoding(7)(inputs).shape == (None, 7)
    assert CategoryEncoding(7, "one_hot").compute_output_shape((None, 1)) == (None, 7)
    assert CategoryEncoding(7, "one_hot").compute_output_shape((None, 3)) == (
        None,
        3,
        7,
    )


def test_category_encoding_errors():
    with pytest.raises(ValueError, match="unknown value for `output_mode`: 'tfidf'"):
        CategoryEncoding(3, "tfidf")
    with pytest.raises(ValueError, match="'one_hot', 'multi_hot', 'count'"):
        CategoryEncoding(3, "int")
    with pytest.raises(ValueError, match="`num_tokens` must be set"):
        CategoryEncoding()
    with pytest.raises(ValueError, match="`num_tokens` must be >= 1"):
        CategoryEncoding(0)
    with pytest.raises(ValueError, match="only used with output_mode='count'"):
        CategoryEncoding(3)(IDS % 3, count_weights=np.ones((2, 4)))


# -- Discretization --------------------------------------------------------------
def test_discretization_matches_np_digitize():
    bounds = [-1.0, 0.0, 0.5, 2.0]
    values = RNG.normal(size=(5, 7)).astype("float32")
    values[0, :4] = bounds  # boundaries fall in the upper bin
    out = Discretization(bin_boundaries=bounds)(values)
    assert str(out.dtype) == "int32"
    np.testing.assert_array_equal(out, np.digitize(values, bounds))


def test_discretization_encoded_outputs():
    bounds = [0.0, 1.0]
    values = np.array([[-1.0, 0.5, 0.7], [2.0, 2.0, -3.0]], "float32")
    bins = np.digitize(values, bounds)
    counts = np.stack([np.bincount(r, minlength=3) for r in bins]).astype("float32")
    np.testing.assert_array_equal(
        Discretization(bin_boundaries=bounds, output_mode="count")(values), counts
    )
    np.testing.assert_array_equal(
        Discretization(bin_boundaries=bounds, output_mode="multi_hot")(values),
        np.minimum(counts, 1),
    )
    np.testing.assert_array_equal(
        Discretization(bin_boundaries=bounds, output_mode="one_hot")(values),
        np.eye(3)[bins],
    )


def test_discretization_adapt_quantiles():
    data = np.arange(1000, dtype="float32")
    layer = Discretization(num_bins=4, epsilon=0.001)
    layer.adapt(data)
    # Approximate quartiles of 0..999.
    np.testing.assert_allclose(layer.bin_boundaries, [249.5, 499.5, 749.5], atol=1.5)
    out = np.asarray(layer(data))
    # Approximate: each bin holds a quarter of the data, give or take 2.
    np.testing.assert_allclose(np.bincount(out), [250, 250, 250, 250], atol=2)


def test_discretization_adapt_values_from_keras():
    # Boundaries printed by Keras 3.15 (+ TensorFlow 2.21) for
    # Discretization(num_bins=4).adapt(np.arange(100.)).
    layer = Discretization(num_bins=4)
    layer.adapt(np.arange(100.0))
    np.testing.assert_allclose(
        layer.bin_boundaries, [23.999982833862305, 48.99998092651367, 73.99998474121094]
    )


def test_discretization_streaming_state_equals_adapt():
    # reset_state / update_state per batch / finalize_state is what adapt runs.
    data = np.arange(100.0)
    streamed = Discretization(num_bins=4)
    streamed.reset_state()
    streamed.update_state(data[:50])
    streamed.update_state(data[50:].reshape(5, 10))  # any shape: values pooled
    streamed.finalize_state()
    adapted = Discretization(num_bins=4)
    adapted.adapt(data)
    assert streamed.bin_boundaries == adapted.bin_boundaries
    np.testing.assert_allclose(streamed.bin_boundaries, [24, 49, 74], atol=1e-4)
    streamed.finalize_state()  # the summary is kept: the same boundaries again
    assert streamed.bin_boundaries == adapted.bin_boundaries
    fixed = Discretization(bin_boundaries=[0.0])
    fixed.reset_state()
    fixed.finalize_state()  # nothing to learn: no change (Keras returns early)
    assert fixed.bin_boundaries == [0.0]
    with pytest.raises(ValueError, match="created with `bin_boundaries`.*num_bins"):
        fixed.update_state(data)


def test_discretization_config_round_trip():
    layer = Discretization(num_bins=3)
    layer.adapt(RNG.normal(size=(50,)))
    again = Discretization.from_config(layer.get_config())
    assert again.bin_boundaries == layer.bin_boundaries
    values = RNG.normal(size=(4, 3)).astype("float32")
    np.testing.assert_array_equal(again(values), layer(values))


def test_discretization_errors():
    with pytest.raises(ValueError, match="either `num_bins`"):
        Discretization()
    with pytest.raises(ValueError, match="set only one of"):
        Discretization(bin_boundaries=[0.0], num_bins=2)
    with pytest.raises(ValueError, match="Valid values are 'int', 'one_hot'"):
        Discretization(bin_boundaries=[0.0], output_mode="tf_idf")
    with pytest.raises(ValueError, match="must be a sorted 1-D list"):
        Discretization(bin_boundaries=[1.0, 0.0])
    with pytest.raises(ValueError, match="has no bin boundaries"):
        Discretization(num_bins=3)(np.zeros(3))
    with pytest.raises(ValueError, match="cannot be adapted"):
        Discretization(bin_boundaries=[0.0]).adapt(np.zeros(3))
    with pytest.raises(ValueError, match="adapt\\(\\) received no data"):
        Discretization(num_bins=3).adapt(np.zeros((0,)))


# -- compat with Keras 3 ---------------------------------------------------------
@pytest.mark.compat
def test_compat_rescaling_and_category_encoding():
    keras = pytest.importorskip("keras")
    images = RNG.uniform(0, 255, size=(2, 3, 3, 3)).astype("float32")
    np.testing.assert_allclose(
        Rescaling([1.0, 2.0, 3.0], 0.5)(images),
        keras.layers.Rescaling([1.0, 2.0, 3.0], 0.5)(images),
        rtol=1e-6,
    )
    ids = RNG.integers(0, 6, size=(4, 5))
    weights = RNG.uniform(size=ids.shape).astype("float32")
    for mode in ("one_hot", "multi_hot", "count"):
        for x in (ids, ids[:, :1], ids[0]):
            np.testing.assert_array_equal(
                CategoryEncoding(6, mode)(x), keras.layers.CategoryEncoding(6, mode)(x)
            )
    np.testing.assert_allclose(
        CategoryEncoding(6, "count")(ids, count_weights=weights),
        keras.layers.CategoryEncoding(6, "count")(ids, count_weights=weights),
        rtol=1e-6,
    )


@pytest.mark.compat
@pytest.mark.parametrize("axis", [-1, (1, 2)])
def test_compat_normalization_adapt(axis):
    keras = pytest.importorskip("keras")
    for invert in (False, True):
        ours = Normalization(axis=axis, invert=invert)
        theirs = keras.layers.Normalization(axis=axis, invert=invert)
        ours.adapt(X)
        theirs.adapt(X)
        for a, b in zip(ours.get_weights(), theirs.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ours(X), theirs(X), rtol=1e-5, atol=1e-5)
    ours = Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 5.0, 6.0])
    theirs = keras.layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 5.0, 6.0])
    np.testing.assert_allclose(ours(X), theirs(X), rtol=1e-6)


@pytest.mark.compat
def test_compat_normalization_weights_transfer():
    keras = pytest.importorskip("keras")
    theirs = keras.layers.Normalization()
    theirs.adapt(X)
    ours = Normalization()
    ours.build((None, 4, 3))
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(X), theirs(X), rtol=1e-5, atol=1e-6)


@pytest.mark.compat
def test_compat_discretization():
    keras = pytest.importorskip("keras")
    values = RNG.normal(size=(4, 3)).astype("float32")
    for mode in ("int", "one_hot", "multi_hot", "count"):
        for x in (values, values[:, :1]):
            np.testing.assert_array_equal(
                Discretization(bin_boundaries=[-1.0, 0.0, 1.0], output_mode=mode)(x),
                keras.layers.Discretization(
                    bin_boundaries=[-1.0, 0.0, 1.0], output_mode=mode
                )(x),
            )


@pytest.mark.compat
@pytest.mark.parametrize(
    "num_bins, epsilon, shape",
    [(4, 0.01, (100,)), (5, 0.001, (1000,)), (3, 0.01, (50, 3))],
)
def test_compat_discretization_adapt(num_bins, epsilon, shape):
    keras = pytest.importorskip("keras")
    pytest.importorskip("tensorflow")  # Keras's adapt needs TensorFlow
    data = RNG.normal(size=shape)
    ours = Discretization(num_bins=num_bins, epsilon=epsilon)
    theirs = keras.layers.Discretization(num_bins=num_bins, epsilon=epsilon)
    ours.adapt(data)
    theirs.adapt(data)
    np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)

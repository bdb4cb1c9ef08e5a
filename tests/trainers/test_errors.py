"""Mistakes are reported in Keras terms before anything compiles."""

import warnings

import numpy as np
import pytest

import kerasish as keras
from kerasish import layers

X = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
Y = np.random.default_rng(1).integers(0, 3, size=(64,)).astype("int32")


def _model(units=3, activation="softmax"):
    return keras.Sequential(
        [keras.Input((4,)), layers.Dense(units, activation=activation)]
    )


def test_fit_before_compile():
    with pytest.raises(
        ValueError, match="must call `compile\\(\\)` before using the model. `fit`"
    ):
        _model().fit(X, Y)


def test_x_and_y_sample_counts_differ():
    model = _model()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="x has 64, y has 10"):
        model.fit(X, Y[:10], verbose=0)


def test_one_hot_labels_with_sparse_loss_names_the_fix():
    model = _model()
    model.compile("adam", "sparse_categorical_crossentropy")
    one_hot = np.eye(3, dtype="float32")[Y]
    with pytest.raises(ValueError, match="(?i)categorical_?crossentropy"):
        model.fit(X, one_hot, verbose=0)


def test_unknown_optimizer_loss_metric_names_list_valid():
    model = _model()
    with pytest.raises(ValueError, match="Unknown optimizer 'adamm'.*adam"):
        model.compile("adamm", "mse")
    with pytest.raises(ValueError, match="Unknown loss 'msee'.*mse"):
        model.compile("adam", "msee")
        model.fit(X, Y, verbose=0)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["acuracy"])
    with pytest.raises(ValueError, match="Unknown metric 'acuracy'.*accuracy"):
        model.fit(X, Y, verbose=0)


@pytest.mark.parametrize("split", [-0.1, 1.0, 1.5, "0.2"])
def test_validation_split_out_of_range(split):
    model = _model()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="validation_split"):
        model.fit(X, Y, validation_split=split, verbose=0)


def test_validation_split_with_generator():
    model = _model()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="validation_split.*only supported for array"):
        model.fit(((X, Y) for _ in range(2)), validation_split=0.2, verbose=0)


@pytest.mark.parametrize("batch_size", [0, -4, 2.5, "32"])
def test_batch_size_must_be_positive_int(batch_size):
    model = _model()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="batch_size.*positive integer"):
        model.fit(X, Y, batch_size=batch_size, verbose=0)


def test_non_numeric_input():
    model = _model()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(TypeError, match="non-numeric|numeric"):
        model.fit(np.array([["a"] * 4] * 8), Y[:8], verbose=0)


def test_empty_input():
    model = _model()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="empty"):
        model.fit(X[:0], Y[:0], verbose=0)


def test_wrong_input_width_names_input_and_shapes():
    model = _model()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.raises(
        ValueError, match=r"expected shape \(None, 4\), received \(\d+, 7\)"
    ):
        model.fit(np.ones((8, 7), "float32"), Y[:8], verbose=0)


def test_unexpected_recompile_warns_once_with_reason():
    model = _model()
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit([(X[:16], Y[:16])], verbose=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit([(X[:16, :4].astype("float16"), Y[:16])], verbose=0)
    messages = [str(w.message) for w in caught if "recompiling" in str(w.message)]
    assert len(messages) == 1 and "float16" in messages[0]


def test_user_exception_in_call_surfaces_with_layer_name():
    class Fails(layers.Layer):
        def call(self, x):
            raise RuntimeError("custom failure")

    model = keras.Sequential([Fails(name="fails")])  # built on the first batch
    model.compile("adam", "mse")
    with pytest.raises(RuntimeError, match="custom failure") as info:
        model.fit(X, X, verbose=0)
    assert any("fails" in note for note in getattr(info.value, "__notes__", []))


def test_recompile_is_reported_once_per_step_kind():
    """Sequences of many lengths (Keras is silent) warn once, not per length."""
    inp = keras.Input((None,), dtype="int32")
    model = keras.Model(inp, layers.Embedding(10, 2)(inp))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for length in range(2, 7):
            model.predict(np.ones((1, length), "int32"), verbose=0)
    messages = [str(w.message) for w in caught if "recompiling" in str(w.message)]
    assert len(messages) == 1 and "not reported" in messages[0]


def test_a_batch_larger_than_the_first_trains_as_keras():
    # A dataset shuffled after batching can yield its short last batch first.
    def fit_sgd(batches):
        model = keras.Sequential(
            [keras.Input((4,)), keras.layers.Dense(1, kernel_initializer="ones")]
        )
        model.compile(keras.optimizers.SGD(0.1), "mse")
        model.fit(batches, verbose=0, shuffle=False)
        return model.get_weights()

    y = X[:, :1] * 2.0
    kernel, bias = np.ones((4, 1)), np.zeros(1)
    for lo, hi in [(0, 2), (2, 6), (6, 8)]:  # sizes 2, 4, 2
        xb, yb = X[lo:hi], y[lo:hi]
        g = 2.0 * (xb @ kernel + bias - yb) / len(xb)
        kernel, bias = kernel - 0.1 * xb.T @ g, bias - 0.1 * g.sum(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the recompile for the larger batch
        got_kernel, got_bias = fit_sgd(
            [(X[0:2], y[0:2]), (X[2:6], y[2:6]), (X[6:8], y[6:8])]
        )
    np.testing.assert_allclose(got_kernel, kernel, atol=1e-5)
    np.testing.assert_allclose(got_bias, bias, atol=1e-5)

"""Patterns from keras.io examples that a probe of whole programs found broken."""

import numpy as np
import pytest

import kerasish as keras


def test_sublayers_set_before_super_init_are_tracked_and_trained():
    # As keras.io's switch transformer: layers assigned before super().__init__().
    class Switch(keras.layers.Layer):
        def __init__(self):
            self.expert = keras.layers.Dense(2)
            self.experts = [keras.layers.Dense(2)]
            super().__init__()

        def call(self, x):
            return self.expert(x) + self.experts[0](x)

    model = keras.Sequential([keras.Input((4,)), Switch()])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    kernel = model.layers[0].expert.kernel
    before = np.asarray(kernel.value).copy()
    x, y = np.ones((8, 4), "float32"), np.zeros((8, 2), "float32")
    pred = model.predict(x[:1], verbose=0)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert len(model.trainable_weights) == 4
    # One SGD step on mse: dL/dW = x^T (2/(n*k)) (pred - y) summed over the batch.
    grad = np.ones((4, 1)) @ (2.0 / 2 * pred)  # all rows equal: mean over batch
    np.testing.assert_allclose(np.asarray(kernel.value), before - 0.1 * grad, 1e-5)


def test_unseeded_random_op_in_compiled_step_raises():
    class Noise(keras.layers.Layer):
        def call(self, x, training=False):
            return x + keras.random.uniform(keras.ops.shape(x)) if training else x

    model = keras.Sequential([keras.Input((1,)), Noise()])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="unseeded random op.*SeedGenerator"):
        model.fit(np.zeros((4, 1)), np.zeros((4, 1)), verbose=0)
    assert keras.random.uniform((3,)).shape == (3,)  # eagerly it still draws


def test_functional_subclass_and_function_metric_names():
    class EDSRModel(keras.Model):
        pass

    inputs = keras.Input((3,))
    assert EDSRModel(inputs, keras.layers.Dense(1)(inputs)).name.startswith(
        "edsr_model"
    )
    assert keras.Model(inputs, inputs).name.startswith("functional")

    def PSNR(y_true, y_pred):
        return keras.ops.mean(y_pred)

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(loss="mae", metrics=[PSNR])
    history = model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0)
    assert sorted(history.history) == ["loss", "psnr"]


def test_input_layer_keras2_arguments_and_build_of_a_functional_model():
    with pytest.warns(UserWarning, match="input_shape` is deprecated"):
        layer = keras.layers.InputLayer(input_shape=(4,))
    assert layer.batch_shape == (None, 4)
    inputs = keras.Input((3,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    model.build(np.zeros((2, 3), "float32"))  # a no-op, as Keras
    assert model.built and model.output_shape == (None, 2)


def _regression_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 3)).astype("float32")
    y = rng.normal(size=(8, 2)).astype("float32")
    return x, y


def _dense_model(model_class=keras.Model):
    inputs = keras.Input((3,))
    dense = keras.layers.Dense(2, kernel_initializer="ones", bias_initializer="zeros")
    return model_class(inputs, dense(inputs))


def _mse_grads(x, y, kernel):
    """The analytic mse gradients of `x @ kernel` (a Dense at zero bias;
    subtract a bias from `y`) over one batch."""
    g = 2.0 * (x @ kernel - y) / y.size
    return x.T @ g, g.sum(0)


class CentralizedSGD(keras.optimizers.SGD):
    """Gradient centralization written as an `apply` override."""

    def apply(self, grads, trainable_variables=None):
        grads = [
            g - keras.ops.mean(g, axis=0, keepdims=True) if len(g.shape) > 1 else g
            for g in grads
        ]
        return super().apply(grads, trainable_variables)


def test_optimizer_apply_override_runs_in_fit_and_eagerly():
    x, y = _regression_data()
    model = _dense_model()
    model.compile(CentralizedSGD(0.1), "mse")
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    kernel = np.ones((3, 2))
    g_kernel, g_bias = _mse_grads(x, y, kernel)
    centred = g_kernel - g_kernel.mean(0, keepdims=True)
    kernel_after, bias_after = model.get_weights()
    np.testing.assert_allclose(kernel_after, kernel - 0.1 * centred, atol=1e-6)
    np.testing.assert_allclose(bias_after, -0.1 * g_bias, atol=1e-6)

    # Called eagerly, the override runs once (not again inside the pure step).
    optimizer = CentralizedSGD(0.1)
    variable = keras.Variable(np.ones((3, 2), "float32"))
    optimizer.apply([g_kernel.astype("float32")], [variable])
    np.testing.assert_allclose(variable.numpy(), kernel - 0.1 * centred, atol=1e-6)


def test_optimizer_apply_override_must_call_super():
    class Forgetful(keras.optimizers.SGD):
        def apply(self, grads, trainable_variables=None):
            return None

    x, y = _regression_data()
    model = _dense_model()
    model.compile(Forgetful(0.1), "mse")
    with pytest.raises(ValueError, match="overrides `apply` but did not call"):
        model.fit(x, y, batch_size=8, epochs=1, verbose=0)


class Penalized(keras.Model):
    """Adds `0.5 * |kernel|^2` in `compute_loss_and_updates`, as Keras's steps
    call it (keras.io's JAX guides override it)."""

    def compute_loss_and_updates(
        self,
        trainable_variables,
        non_trainable_variables,
        metrics_variables,
        x,
        y,
        sample_weight,
        training=False,
        optimizer_variables=None,
    ):
        loss, aux = super().compute_loss_and_updates(
            trainable_variables,
            non_trainable_variables,
            metrics_variables,
            x,
            y,
            sample_weight,
            training=training,
            optimizer_variables=optimizer_variables,
        )
        penalty = 0.5 * keras.ops.sum(keras.ops.square(trainable_variables[0]))
        return loss + penalty, (aux[0] + penalty, *aux[1:])


def test_compute_loss_and_updates_override_drives_fit_and_evaluate():
    x, y = _regression_data()
    model = _dense_model(Penalized)
    model.compile(keras.optimizers.SGD(0.1), "mse", metrics=["mae"])
    history = model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    kernel = np.ones((3, 2))
    mse = np.mean((x @ kernel - y) ** 2)
    assert history.history["loss"][0] == pytest.approx(mse + 0.5 * 6.0, rel=1e-5)
    assert history.history["mae"][0] == pytest.approx(
        np.mean(np.abs(x @ kernel - y)), rel=1e-5
    )
    g_kernel, g_bias = _mse_grads(x, y, kernel)
    kernel_after, bias_after = model.get_weights()
    np.testing.assert_allclose(
        kernel_after, kernel - 0.1 * (g_kernel + kernel), atol=1e-5
    )
    np.testing.assert_allclose(bias_after, -0.1 * g_bias, atol=1e-6)
    pred = x @ kernel_after + bias_after
    expected = np.mean((pred - y) ** 2) + 0.5 * np.sum(kernel_after**2)
    loss, _ = model.evaluate(x, y, verbose=0)
    assert loss == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("kind", ["subclass", "functional", "layer"])
def test_non_tensor_positional_argument_is_rejected(kind):
    class Model(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)

        def call(self, x, training=False):
            return self.dense(x)

    target = {
        "subclass": Model,
        "functional": _dense_model,
        "layer": lambda: keras.layers.Dense(2),
    }[kind]()
    x = np.ones((2, 3), "float32")
    with pytest.raises(
        ValueError, match=r"keyword argument: True .*model\(x, training=True\)"
    ):
        target(x, True)
    # A tensor positional argument and a keyword `training` are fine.
    np.testing.assert_allclose(target(x, training=True), target(x), atol=1e-6)


def test_build_without_a_shape_argument(tmp_path):
    class Scale(keras.layers.Layer):
        def build(self):
            self.w = self.add_weight(shape=(3,), initializer="ones")

        def call(self, x):
            return x * self.w

    inputs = keras.Input((3,))
    model = keras.Model(inputs, Scale()(inputs))
    assert model.count_params() == 3
    model.layers[1].w.assign(np.array([1.0, 2.0, 3.0], "float32"))
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(model(x), np.tile([1.0, 2.0, 3.0], (2, 1)))
    # The reloaded layer is built from its config (shape dropped) and its weight.
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={"Scale": Scale})
    np.testing.assert_allclose(loaded(x), model(x))


def test_keras_style_train_step_gets_and_returns_optimizer_variables_as_a_list():
    import jax

    class Model(keras.Model):
        def train_step(self, state, data):
            trainable, non_trainable, optimizer_variables, metrics = state
            x, y = data
            assert isinstance(optimizer_variables, list)
            assert len(optimizer_variables) == len(self.optimizer.variables)

            def loss_fn(trainable):
                y_pred, new = self.stateless_call(trainable, non_trainable, x)
                return keras.ops.mean(keras.ops.square(y_pred - y)), new

            (loss, non_trainable), grads = jax.value_and_grad(loss_fn, has_aux=True)(
                trainable
            )
            trainable, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable
            )
            state = (trainable, non_trainable, list(optimizer_variables), metrics)
            return {"loss": loss}, state

    x, y = _regression_data()
    model = _dense_model(Model)
    model.compile(keras.optimizers.SGD(0.1, momentum=0.5))
    model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    # Two SGD-with-momentum steps on mse, by hand.
    kernel, velocity = np.ones((3, 2)), np.zeros((3, 2))
    bias, bias_velocity = np.zeros(2), np.zeros(2)
    for _ in range(2):
        g_kernel, g_bias = _mse_grads(x, y - bias, kernel)
        velocity = 0.5 * velocity - 0.1 * g_kernel
        bias_velocity = 0.5 * bias_velocity - 0.1 * g_bias
        kernel, bias = kernel + velocity, bias + bias_velocity
    np.testing.assert_allclose(model.get_weights()[0], kernel, atol=1e-5)
    assert int(model.optimizer.iterations.numpy()) == 2
    momentum = [v for v in model.optimizer.variables if "momentum" in v.name][0]
    np.testing.assert_allclose(momentum.numpy(), velocity, atol=1e-5)


def test_one_argument_predict_step_called_directly_and_by_predict():
    class Model(keras.Model):
        def predict_step(self, data):
            return keras.ops.argmax(self(data, training=False), axis=-1)

    inputs = keras.Input((3,))
    model = Model(inputs, keras.layers.Dense(4)(inputs))
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    expected = np.argmax(x @ model.layers[1].kernel.numpy(), axis=-1)
    np.testing.assert_array_equal(model.predict_step(x), expected)
    np.testing.assert_array_equal(model.predict(x, verbose=0), expected)
    # The compiled step reads the current weights, not those it was traced with.
    model.layers[1].kernel.assign(-model.layers[1].kernel.numpy())
    expected = np.argmax(x @ model.layers[1].kernel.numpy(), axis=-1)
    np.testing.assert_array_equal(model.predict(x, verbose=0), expected)


def test_nested_model_on_a_symbolic_string_input():
    vectorize = keras.layers.TextVectorization(max_tokens=20, output_sequence_length=4)
    vectorize.adapt(np.array(["a b c", "b c d", "e f"]))
    ragged = keras.layers.TextVectorization(max_tokens=20)
    ragged.adapt(np.array(["a b c"]))
    inner = keras.Sequential(
        [
            vectorize,
            keras.layers.Embedding(20, 3),
            keras.layers.GlobalAveragePooling1D(),
        ]
    )
    inputs = keras.Input((1,), dtype="string")
    assert inner(inputs).shape == (None, 3)
    assert keras.Sequential([ragged])(inputs).shape == (None, None)  # text-long
    np.testing.assert_allclose(
        inner(np.array([["a b"]])),
        np.mean(inner.layers[1].embeddings.numpy()[vectorize(["a b"])[0]], axis=0)[
            None
        ],
        atol=1e-6,
    )


def test_shape_error_of_a_nested_model_shows_the_unknown_batch_as_none():
    inputs = keras.Input((8,))
    encoder = keras.Model(inputs, keras.layers.Dense(4)(inputs), name="encoder")
    with pytest.raises(ValueError, match=r"model 'encoder'.*received \(None, 6\)"):
        encoder(keras.Input((6,)))

    class Model(keras.Model):
        def __init__(self):
            super().__init__()
            self.conv = keras.layers.Conv1D(2, 1)

        def call(self, x):
            return self.conv(x)

    with pytest.raises(ValueError, match=r"Full shape received: \(None, 2\)"):
        Model()(keras.Input((2,)))


def test_default_seeds_leave_numpy_global_generator_alone():
    np.random.seed(0)
    expected = np.random.rand(3)
    np.random.seed(0)
    keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dropout(0.5)]
    )
    keras.random.normal((2,))
    np.testing.assert_array_equal(np.random.rand(3), expected)


def test_input_shape_argument_warns_as_keras_and_input_dim_wins():
    with pytest.warns(UserWarning, match="Do not pass an `input_shape`/`input_dim`"):
        model = keras.Sequential([keras.layers.Dense(2, input_shape=(5,), input_dim=3)])
    assert model.count_params() == 3 * 2 + 2


class KidLike(keras.metrics.Metric):
    """A metric that wraps another (keras.io's DDIM KID metric and its `Mean`)."""

    def __init__(self, name="kid", **kwargs):
        super().__init__(name=name, **kwargs)
        self.tracker = keras.metrics.Mean(name="kid_tracker")

    def update_state(self, x, y=None, sample_weight=None):
        self.tracker.update_state(x)

    def result(self):
        return self.tracker.result()

    def reset_state(self):
        self.tracker.reset_state()


def test_metric_holding_a_metric_lists_its_variables_and_runs_stateless():
    metric = KidLike()
    assert [v.path for v in metric.variables] == [
        "kid_tracker/total",
        "kid_tracker/count",
    ]
    mapping = [(v, v.value) for v in metric.variables]
    with keras.StatelessScope(state_mapping=mapping) as scope:
        metric.update_state(3.0)
        in_scope = [float(scope.get_current_value(v)) for v in metric.variables]
    assert in_scope == [3.0, 1.0]
    assert float(metric.result()) == 0.0  # the metric itself is unchanged
    metric.update_state(5.0)
    assert float(metric.result()) == 5.0

    class Model(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)
            self.kid = KidLike()

        def call(self, x):
            return self.dense(x)

        @property
        def metrics(self):
            return [self.kid]

        def test_step(self, state, data):
            trainable, non_trainable, metrics = state
            mapping = list(zip(self.metrics_variables, metrics))
            with keras.StatelessScope(state_mapping=mapping) as scope:
                self.kid.update_state(keras.ops.mean(data[0]))
            metrics = [scope.get_current_value(v) for v in self.metrics_variables]
            return {"kid": self.kid.stateless_result(metrics)}, (
                trainable,
                non_trainable,
                metrics,
            )

    model = Model()
    model.compile()
    x = np.arange(8, dtype="float32").reshape(4, 2)
    assert len(model.metrics_variables) == 2
    logs = model.evaluate(x, np.zeros((4, 1)), batch_size=2, return_dict=True)
    assert logs["kid"] == pytest.approx(np.mean([x[:2].mean(), x[2:].mean()]))


def test_compute_metrics_inside_a_keras_style_test_step():
    class Model(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(3, use_bias=False)

        def call(self, x):
            return self.dense(x)

        def test_step(self, state, data):
            trainable, non_trainable, metrics = state
            x, y = data
            mapping = list(zip(self.trainable_variables, trainable)) + list(
                zip(self.metrics_variables, metrics)
            )
            with keras.StatelessScope(state_mapping=mapping) as scope:
                logs = self.compute_metrics(x, y, self(x))
            metrics = [scope.get_current_value(v) for v in self.metrics_variables]
            return logs, (trainable, non_trainable, metrics)

    model = Model()
    model.compile(metrics=[keras.metrics.SparseCategoricalAccuracy()])
    x = np.array([[1, 0, 0, 0], [0, 1, 0, 0]] * 4, "float32")
    model(x[:1])
    model.dense.kernel.assign(np.eye(4, 3, dtype="float32"))
    y = np.array([0, 1, 0, 0, 0, 1, 1, 1], "int32")
    logs = model.evaluate(x, y, batch_size=4, return_dict=True, verbose=0)
    predicted = np.argmax(x @ np.eye(4, 3), axis=-1)
    assert logs["sparse_categorical_accuracy"] == pytest.approx(np.mean(predicted == y))


def test_softmax_over_a_size_one_axis_warns_as_keras():
    with pytest.warns(UserWarning, match=r"softmax over axis -1 .*\(2, 1\).*sigmoid"):
        out = keras.ops.softmax(np.ones((2, 1), "float32"))
    np.testing.assert_array_equal(out, np.ones((2, 1)))


def test_quantize_does_not_warn_about_operator_nodes():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(4)(inputs) + inputs)
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.quantize("float8")
    assert not [w for w in caught if "Layer Add" in str(w.message)]
    assert model.layers[1].quantization_mode == "float8"


def test_shape_ops_on_a_symbolic_string_input_keep_strings():
    # keras.io's wide-deep-cross example: `lookup(ops.expand_dims(text, -1))`.
    inputs = keras.Input(shape=(), dtype="string")
    for make in (
        lambda t: keras.ops.expand_dims(t, -1),
        lambda t: keras.ops.reshape(t, (-1, 1)),
        lambda t: t[:, None],
        lambda t: keras.layers.Reshape((1,))(t),
    ):
        out = make(inputs)
        assert (out.shape, out.dtype) == ((None, 1), "string")
    lookup = keras.layers.StringLookup(vocabulary=["a", "b"])
    ids = lookup(keras.ops.expand_dims(inputs, -1))
    assert (ids.shape, ids.dtype) == ((None, 1), "int64")
    # The same ops run eagerly on host strings (Keras on JAX cannot).
    text = np.array(["a", "b", "c"])
    np.testing.assert_array_equal(keras.ops.expand_dims(text, -1), text[:, None])
    np.testing.assert_array_equal(keras.ops.reshape(text, (3, 1))[:, 0], text)
    np.testing.assert_array_equal(
        lookup(keras.ops.expand_dims(text, -1)), [[1], [2], [0]]
    )


def test_sequential_starting_with_a_functional_model_is_built():
    # keras.io's serialization guide: `Sequential([functional_model, Dense(5)])`.
    inputs = keras.Input((4,))
    inner = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    model = keras.Sequential([inner, keras.layers.Dense(5)])
    assert model.built and model.layers[-1].built
    assert model.output_shape == (None, 5)
    assert model.count_params() == (4 * 3 + 3) + (3 * 5 + 5)
    x = np.ones((2, 4), "float32")
    expected = inner(x) @ model.layers[-1].kernel.numpy() + model.layers[-1].bias
    np.testing.assert_allclose(model(x), expected, atol=1e-6)


def test_numpy_scalars_in_configs_serialize_as_plain_numbers():
    class Counter(keras.layers.Layer):
        def __init__(self, start=0, **kwargs):
            super().__init__(**kwargs)
            self.count = keras.Variable(start, dtype="int32")

        def get_config(self):
            return {**super().get_config(), "start": self.count.numpy()}

    assert keras.saving.serialize_keras_object(
        {"a": np.array(2, dtype="int32"), "b": np.float32(0.5)}
    ) == {"a": 2, "b": 0.5}
    config = keras.layers.serialize(Counter(3))["config"]
    assert config["start"] == 3 and type(config["start"]) is int


def test_float64_data_into_a_sequential_without_input_does_not_warn():
    import warnings

    model = keras.Sequential([keras.layers.Dense(2)])
    model.compile("sgd", "mse")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(np.zeros((4, 3)), np.zeros((4, 2)), verbose=0)
        model.predict(np.zeros((4, 3)), verbose=0)
    assert not [w for w in caught if "float64" in str(w.message)]
    assert model.inputs[0].dtype == "float32"


def test_functional_model_with_a_string_input_names_the_way_out():
    vectorize = keras.layers.TextVectorization(max_tokens=10, output_sequence_length=4)
    vectorize.adapt(["a b c", "b c d"])
    inputs = keras.Input(shape=(1,), dtype="string")
    model = keras.Model(inputs, vectorize(inputs))
    texts = np.array([["a b"], ["c d"]])
    np.testing.assert_array_equal(model(texts), vectorize(texts))
    with pytest.raises(
        TypeError, match=r"only as the first layers of a Sequential.*map"
    ):
        model.predict(texts, verbose=0)


def test_saving_a_layer_built_from_unserializable_arguments_fails_before_writing(
    tmp_path,
):
    class Holder(keras.layers.Layer):
        def __init__(self, obj, **kwargs):
            super().__init__(**kwargs)
            self.obj = obj

        def call(self, x):
            return x

    inputs = keras.Input((2,))
    model = keras.Model(inputs, Holder(object())(inputs))
    path = tmp_path / "m.keras"
    with pytest.raises(NotImplementedError, match=r"Holder.*\['obj'\].*get_config"):
        model.save(str(path))
    assert not path.exists()
    # Plain values still configure themselves, as in Keras.
    assert Holder(3).get_config()["obj"] == 3


@keras.saving.register_keras_serializable(package="guide_patterns")
class _BuildsItsLayers(keras.Model):
    """Makes its layer in `build`, the first call's shape (the CaiT example)."""

    def build(self, input_shape):
        self.shapes_seen = getattr(self, "shapes_seen", []) + [input_shape]
        self.dense = keras.layers.Dense(3)
        super().build(input_shape)

    def call(self, x):
        return self.dense(x)


@pytest.mark.parametrize("first", ["fit", "predict"])
def test_a_model_whose_build_makes_its_layers_fits_and_predicts(first, tmp_path):
    x = np.arange(32, dtype="float32").reshape(8, 4) / 10
    y = np.ones((8, 3), "float32")
    model = _BuildsItsLayers()
    model.compile(keras.optimizers.SGD(0.0), "mse")
    if first == "fit":
        model.fit(x, y, batch_size=8, verbose=0)
    else:
        model.predict(x, batch_size=8, verbose=0)
    assert model.shapes_seen == [(8, 4)]  # once, with the batch's shape, as Keras
    kernel, bias = model.dense.get_weights()
    expected = x @ kernel + bias
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6)


@pytest.mark.parametrize("run", ["fit", "evaluate", "predict"])
def test_fit_evaluate_and_predict_leave_model_losses_empty_as_keras(run):
    class AddsLoss(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(2)

        def call(self, x):
            self.add_loss(keras.ops.mean(x))
            return self.dense(x)

    model = AddsLoss()
    x, y = np.full((4, 3), 2.0, "float32"), np.zeros((4, 2), "float32")
    model(x)
    np.testing.assert_allclose([float(v) for v in model.losses], [2.0])
    model.compile("sgd", "mse")
    if run == "predict":
        model.predict(x, verbose=0)
    else:
        getattr(model, run)(x, y, verbose=0)
    assert model.losses == []  # the last forward pass was inside the step

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

"""`kerasish.Variable` as Python sees it: scalars convert, truth is refused."""

import numpy as np
import pytest

import kerasish as keras


def test_a_scalar_variable_converts_to_python_numbers():
    # What a callback writes: `float(self.model.optimizer.learning_rate)`.
    assert float(keras.Variable(1.5)) == 1.5
    assert int(keras.Variable(np.int32(7))) == 7
    assert int(keras.Variable(2.9)) == 2


def test_an_array_variable_does_not_convert_to_a_number():
    variable = keras.Variable(np.zeros((2, 3)), name="kernel")
    with pytest.raises(TypeError, match=r"Only scalar arrays.*shape=\(2, 3\).*kernel"):
        float(variable)
    with pytest.raises(TypeError, match=r"`int\(\)` needs a scalar"):
        int(variable)


def test_a_variable_has_no_truth_value_as_in_keras():
    with pytest.raises(TypeError, match="cannot be used as a boolean.*numpy"):
        bool(keras.Variable(1.0))
    with pytest.raises(TypeError, match="cannot be used as a boolean"):
        if keras.Variable(np.ones(3)):
            pass


def test_unnamed_variables_get_unique_names_as_in_keras():
    class TwoWeights(keras.layers.Layer):
        def build(self, input_shape):
            self.a = self.add_weight(shape=(2,))
            self.b = self.add_weight(shape=(2,))

        def call(self, x):
            return x

    layer = TwoWeights(name="two")
    layer.build((None, 2))
    first, second = (w.name for w in layer.weights)
    assert first.startswith("variable") and second.startswith("variable_")
    assert first != second
    assert [w.path for w in layer.weights] == [f"two/{first}", f"two/{second}"]

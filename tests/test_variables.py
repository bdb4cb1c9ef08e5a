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


@pytest.mark.compat
def test_dtype_from_the_value_as_keras():
    """Without `dtype`, a variable takes its value's dtype, as Keras does (int32
    ids stay int32; host float64/int64 become float32/int32); the repr shows
    the value."""
    from tests.helpers import keras3

    k3 = keras3()
    values = [
        np.array([1, 2], "int32"),
        3,
        1.5,
        np.ones(2),
        np.ones(2, "float16"),
        np.array([True]),
        [1, 2],
        np.array([1, 2], "int64"),
        np.array([1, 2], "uint8"),
    ]
    for value in values:
        assert keras.Variable(value).dtype == k3.Variable(value).dtype, value
    assert repr(keras.Variable(np.ones(2), name="v")).endswith(
        "shape=(2,), dtype=float32, value=[1. 1.]>"
    )


def test_bad_variable_arguments_and_stateless_scope_values():
    with pytest.raises(ValueError, match="cannot contain character `/`"):
        keras.Variable(1.0, name="a/b")
    with pytest.raises(ValueError, match="synchronization.*'sometimes'"):
        keras.Variable(1.0, synchronization="sometimes")
    v = keras.Variable(np.zeros(2, "float32"), name="v")
    with keras.StatelessScope([(v, np.ones(2))]) as scope:
        # As Keras: the value is the variable's dtype, an engine array.
        assert str(v.value.dtype) == "float32"
        assert keras.ops.is_tensor(scope.get_current_value(v))
    with pytest.raises(ValueError, match="must be Variable instances"):
        keras.StatelessScope([(np.zeros(2), np.ones(2))])
    with pytest.raises(ValueError, match=r"'v' has shape \(2,\).*shape \(3,\)"):
        keras.StatelessScope([(v, np.ones(3))])


def test_operators_read_the_value_elementwise_as_keras():
    a = np.array([[1.0, -2.0], [3.0, 4.0]], "float32")
    v = keras.Variable(a)
    np.testing.assert_array_equal(v == 3.0, a == 3.0)
    np.testing.assert_array_equal(v != 3.0, a != 3.0)
    np.testing.assert_array_equal(v == keras.Variable(a), np.ones_like(a, bool))
    np.testing.assert_allclose(v // 2, a // 2)
    np.testing.assert_allclose(7.0 // v, 7.0 // a)
    np.testing.assert_allclose(v % 3, a % 3)
    np.testing.assert_allclose(5.0 % v, 5.0 % a)
    np.testing.assert_allclose(2.0**v, 2.0**a, rtol=1e-6)
    np.testing.assert_allclose(+v, a)
    ints = keras.Variable(np.array([5, 6], "int32"))
    np.testing.assert_array_equal(~ints, ~np.array([5, 6]))
    np.testing.assert_array_equal(ints & 3, [1, 2])
    np.testing.assert_array_equal(6 | ints, [7, 6])
    np.testing.assert_array_equal(ints ^ 1, [4, 7])
    assert round(keras.Variable(2.567), 1) == 2.6
    assert {v: "kept"}[v] == "kept"  # still hashable, by identity
    with pytest.raises(TypeError, match="round.*needs a scalar"):
        round(v)

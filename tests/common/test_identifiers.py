"""An identifier that names nothing raises Keras's ValueError, which is also a
TypeError (the wrong type it usually is)."""

import numpy as np
import pytest

import kerasish as keras

GETTERS = {
    "loss": keras.losses.get,
    "metric": keras.metrics.get,
    "optimizer": keras.optimizers.get,
    "activation": keras.activations.get,
    "initializer": keras.initializers.get,
    "regularizer": keras.regularizers.get,
    "constraint": keras.constraints.get,
}


@pytest.mark.parametrize("kind", sorted(GETTERS))
def test_a_number_is_not_an_identifier(kind):
    with pytest.raises(ValueError, match=f"Could not interpret {kind} identifier 2.5"):
        GETTERS[kind](2.5)
    with pytest.raises(TypeError):
        GETTERS[kind](2.5)


def test_compile_with_a_bad_loss_raises_value_error_when_fit():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="loss identifier 2.5"):
        model.compile("sgd", loss=2.5)
        model.fit(np.ones((1, 2)), np.ones((1, 1)), verbose=0)

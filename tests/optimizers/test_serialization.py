"""`keras.optimizers.get` by name, as Keras resolves it."""

import pytest


def test_get_finds_a_registered_optimizer_by_its_registered_name():
    """As Keras: `optimizers.get("package>Name")` builds the user's class."""
    import kerasish

    @kerasish.saving.register_keras_serializable(package="get_test")
    class HalfSGD(kerasish.optimizers.SGD):
        def __init__(self, learning_rate=0.005, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)

    optimizer = kerasish.optimizers.get("get_test>HalfSGD")
    assert type(optimizer) is HalfSGD
    assert float(optimizer.learning_rate) == pytest.approx(0.005)
    with pytest.raises(ValueError, match="Unknown optimizer"):
        kerasish.optimizers.get("get_test>Missing")

import numpy as np
import pytest

import kerasish
from kerasish import random


def test_seed_generator_repeats_and_advances():
    a, b = random.SeedGenerator(7), random.SeedGenerator(7)
    first_a, first_b = random.normal((4,), seed=a), random.normal((4,), seed=b)
    np.testing.assert_array_equal(first_a, first_b)
    assert not np.allclose(first_a, random.normal((4,), seed=a))


def test_normal_and_uniform_moments():
    x = np.asarray(random.normal((20000,), mean=1.0, stddev=2.0, seed=1))
    assert abs(x.mean() - 1.0) < 0.05 and abs(x.std() - 2.0) < 0.05
    u = np.asarray(random.uniform((20000,), minval=-1.0, maxval=3.0, seed=2))
    assert u.min() >= -1 and u.max() < 3 and abs(u.mean() - 1.0) < 0.05


def test_dropout_zeroes_rate_and_scales():
    x = np.ones((100000,), "float32")
    y = np.asarray(random.dropout(x, 0.3, seed=3))
    assert abs((y == 0).mean() - 0.3) < 0.01
    np.testing.assert_allclose(y[y > 0], 1 / 0.7, rtol=1e-6)


def test_shuffle_is_a_permutation():
    x = np.arange(50)
    assert sorted(np.asarray(random.shuffle(x, seed=4)).tolist()) == list(range(50))


def test_set_random_seed_repeats_layer_initialization():
    def weights():
        kerasish.utils.set_random_seed(123)
        layer = kerasish.layers.Dense(3)
        layer.build((None, 4))
        return layer.get_weights()[0]

    np.testing.assert_array_equal(weights(), weights())


def test_seed_generator_rejects_bad_seed():
    with pytest.raises(TypeError, match="seed"):
        random.SeedGenerator("x")


def test_seed_generators_have_unique_names_and_state_paths_as_keras():
    """As Keras: each generator is named `seed_generator`, `seed_generator_1`,
    ... and its state lives under that name, so a model with two Dropout
    layers has distinct state paths (`get_state_tree` needs them)."""
    import kerasish

    kerasish.utils.clear_session()
    model = kerasish.Sequential(
        [
            kerasish.Input((2,)),
            kerasish.layers.Dropout(0.5),
            kerasish.layers.Dropout(0.5, seed=3),
        ]
    )
    paths = [v.path for v in model.non_trainable_variables]
    assert paths == [
        "seed_generator/seed_generator_state",
        "seed_generator_1/seed_generator_state",
    ]
    model.compile("sgd", "mse")
    tree = model.get_state_tree()["non_trainable_variables"]
    assert sorted(tree) == ["seed_generator", "seed_generator_1"]
    gen = kerasish.random.SeedGenerator(5, name="mine")
    assert gen.get_config() == {"seed": 5, "name": "mine"}
    assert kerasish.random.SeedGenerator.from_config(gen.get_config()).name == "mine"


def test_uniform_refuses_an_integer_dtype():
    """As Keras (it returned zeros): integers come from `randint`."""
    import kerasish

    with pytest.raises(ValueError, match="requires a floating point `dtype`.*randint"):
        kerasish.random.uniform((3,), dtype="int32", seed=1)
    assert (
        str(kerasish.random.uniform((3,), dtype="bfloat16", seed=1).dtype) == "bfloat16"
    )


def test_set_random_seed_seeds_tensorflow_when_imported():
    tf = pytest.importorskip("tensorflow")
    kerasish.utils.set_random_seed(3)
    first = tf.data.Dataset.range(16).shuffle(16)
    drawn = [float(tf.random.uniform(())), list(first.as_numpy_iterator())]
    tf.random.set_seed(3)  # what Keras's set_random_seed does
    again = tf.data.Dataset.range(16).shuffle(16)
    assert drawn == [float(tf.random.uniform(())), list(again.as_numpy_iterator())]


def _draws_after_building(lib):
    """What Python's `random` gives after `lib` builds a model with unseeded
    initializers, dropout and augmentation, then fits it."""
    import random as py_random

    lib.utils.set_random_seed(5)
    model = lib.Sequential(
        [
            lib.Input((4, 4, 1)),
            lib.layers.RandomFlip("horizontal"),
            lib.layers.Flatten(),
            lib.layers.Dense(3),
            lib.layers.Dropout(0.5),
            lib.layers.Dense(1, kernel_initializer="he_normal"),
        ]
    )
    model.compile("sgd", "mse")
    model.fit(np.ones((4, 4, 4, 1)), np.ones((4, 1)), verbose=0)
    return [py_random.random() for _ in range(3)]


def test_layers_draw_their_seeds_from_python_random_as_keras():
    keras3 = pytest.importorskip("keras")
    # Data a script samples with `random` after building and fitting a model
    # is the same as under Keras (the reptile example).
    assert _draws_after_building(kerasish) == _draws_after_building(keras3)

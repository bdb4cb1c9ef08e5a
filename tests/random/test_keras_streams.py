"""The same seed gives Keras's random numbers.

References: `jax.random` itself for the host threefry draws (the bits exactly;
floats to float rounding, since how XLA rounds a multiply-add depends on its
optimization flags, which the tests lower), and Keras 3 (JAX
backend) run on the same program for the seed streams, initial weights, dropout
in training and `fit`'s shuffled order.
"""

import random as py_random

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import kerasish
from kerasish.engine import threefry
from tests.helpers import keras3

KEYS = [(0, 0), (7, 0), (1337, 5), (123456789, 3), (2**32 - 1, 2**32 - 1)]
SHAPES = [(1,), (7,), (33, 17), (2, 3, 5)]


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("shape", SHAPES)
def test_host_bits_and_uniform_are_jax_randoms(key, shape):
    raw = np.array(key, dtype=np.uint32)
    want_bits = np.asarray(jax.random.bits(jnp.asarray(raw), shape, jnp.uint32))
    np.testing.assert_array_equal(threefry.random_bits(raw, shape), want_bits)
    want = np.asarray(
        jax.random.uniform(jnp.asarray(raw), shape, minval=-0.21, maxval=0.37)
    )
    got = threefry.uniform(raw, shape, np.float32, -0.21, 0.37)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-7)
    # A width of 1 needs no rounding: equal with or without a fused add.
    want = jax.random.uniform(jnp.asarray(raw), shape, minval=-0.5, maxval=0.5)
    np.testing.assert_array_equal(
        threefry.uniform(raw, shape, np.float32, -0.5, 0.5), want
    )


@pytest.mark.parametrize("key", KEYS)
def test_host_normal_and_truncated_normal_match_jax_random(key):
    raw = np.array(key, dtype=np.uint32)
    shape = (120, 50)
    normal = np.asarray(jax.random.normal(jnp.asarray(raw), shape))
    got = threefry.normal(raw, shape, np.float32)
    np.testing.assert_allclose(got, normal, rtol=0, atol=1e-6)
    assert np.mean(got == normal) > 0.9  # numpy's log1p against XLA's
    truncated = np.asarray(
        jax.random.truncated_normal(jnp.asarray(raw), -2.0, 2.0, shape)
    )
    got = threefry.truncated_normal(raw, shape, np.float32)
    np.testing.assert_allclose(got, truncated, rtol=0, atol=1e-6)
    assert np.mean(got == truncated) > 0.9
    assert np.abs(got).max() < 2.0


def test_erf_inv_edges():
    x = np.array([-1.0, 0.0, 1.0, 0.5, -0.999], dtype=np.float32)
    got = threefry.erf_inv(x)
    assert got[0] == -np.inf and got[1] == 0 and got[2] == np.inf
    np.testing.assert_allclose(
        got[3:], np.asarray(jax.lax.erf_inv(jnp.asarray(x[3:]))), rtol=1e-6
    )


def test_seed_generator_state_follows_keras():
    """`[seed, 0]`, plus `[0, 1]` per draw; each draw's key is the state it
    found, so a generator's first draw equals an int seed's."""
    gen = kerasish.random.SeedGenerator(42)
    np.testing.assert_array_equal(gen.state.value, [42, 0])
    first = kerasish.random.normal((3,), seed=gen)
    np.testing.assert_array_equal(gen.state.value, [42, 1])
    np.testing.assert_array_equal(first, kerasish.random.normal((3,), seed=42))
    second = kerasish.random.normal((3,), seed=gen)
    want = jax.random.normal(jnp.array([42, 1], jnp.uint32), (3,))
    np.testing.assert_allclose(second, want, atol=1e-6)


def test_unseeded_draws_use_a_global_generator_reset_by_set_random_seed():
    kerasish.utils.set_random_seed(0)
    first = np.asarray(kerasish.random.uniform((4,)))
    py_after = py_random.random()
    kerasish.utils.set_random_seed(0)
    np.testing.assert_array_equal(kerasish.random.uniform((4,)), first)
    # One Python draw made the generator; the second unseeded draw takes none.
    kerasish.random.uniform((4,))
    assert py_random.random() == py_after
    py_random.seed(0)
    seed = py_random.randint(1, int(1e9))
    want = jax.random.uniform(jnp.array([seed, 0], jnp.uint32), (4,))
    np.testing.assert_array_equal(first, want)


def test_dropout_rate_0_and_1_draw_no_key():
    gen = kerasish.random.SeedGenerator(1)
    x = np.ones((3,), "float32")
    np.testing.assert_array_equal(kerasish.random.dropout(x, 0.0, seed=gen), x)
    np.testing.assert_array_equal(kerasish.random.dropout(x, 1.0, seed=gen), 0 * x)
    np.testing.assert_array_equal(gen.state.value, [1, 0])


def _draws(lib):
    """Every public random function, initializers and a seeded generator."""
    out = {}
    for name in [
        "GlorotUniform",
        "GlorotNormal",
        "HeNormal",
        "LecunUniform",
        "RandomNormal",
        "RandomUniform",
        "TruncatedNormal",
        "Orthogonal",
    ]:
        out[name] = getattr(lib.initializers, name)(seed=3)((7, 5))
    gen = lib.random.SeedGenerator(42)
    out["normal_1"] = lib.random.normal((3, 4), seed=gen)
    out["normal_2"] = lib.random.normal((3, 4), mean=1.0, stddev=2.0, seed=gen)
    out["state"] = gen.state.value
    out["uniform"] = lib.random.uniform((5,), 2.0, 3.0, seed=7)
    out["truncated"] = lib.random.truncated_normal((50,), 1.0, 0.5, seed=7)
    out["randint"] = lib.random.randint((6,), 0, 10, seed=7)
    out["shuffle"] = lib.random.shuffle(np.arange(8), seed=7)
    out["shuffle_2d"] = lib.random.shuffle(np.arange(12).reshape(4, 3), seed=7)
    logits = np.log(np.array([[0.2, 0.3, 0.5], [0.9, 0.05, 0.05]]))
    out["categorical"] = lib.random.categorical(logits, 5, seed=7)
    out["gamma"] = lib.random.gamma((4,), 2.0, seed=7)
    out["beta"] = lib.random.beta((4,), 2.0, 3.0, seed=7)
    out["binomial"] = lib.random.binomial((4,), 10, 0.3, seed=7)
    out["dropout"] = lib.random.dropout(np.ones((3, 4)), 0.5, seed=7)
    lib.utils.set_random_seed(0)
    out["unseeded"] = [lib.random.normal((3,)) for _ in range(2)]
    return {k: np.asarray(v) if k != "unseeded" else v for k, v in out.items()}


def test_every_draw_equals_keras_for_the_same_seed():
    keras = keras3()
    ours, theirs = _draws(kerasish), _draws(keras)
    assert ours.keys() == theirs.keys()
    for name in ours:
        np.testing.assert_allclose(
            np.asarray(ours[name], "float64"),
            np.asarray(theirs[name], "float64"),
            rtol=0,
            atol=2e-6,
            err_msg=name,
        )


def _training_run(lib):
    """Dropout, GaussianNoise and LSTM dropout in compiled steps, `fit`'s
    shuffled orders (including the batch Keras draws to build, `"batch"`
    shuffling and epochs that go on from each other), `validation_split`."""
    lib.utils.set_random_seed(3)
    rs = np.random.RandomState(0)
    x = rs.normal(size=(50, 6)).astype("float32")
    y = rs.normal(size=(50, 1)).astype("float32")
    model = lib.Sequential(
        [
            lib.Input((6,)),
            lib.layers.Dense(16, activation="relu"),
            lib.layers.Dropout(0.3),
            lib.layers.GaussianNoise(0.1),
            lib.layers.Dense(1),
        ]
    )
    model.compile("adam", "mse", metrics=["mae"])
    out = model.fit(x, y, epochs=3, batch_size=16, verbose=0, validation_split=0.2)
    out = dict(out.history)
    out["batch"] = model.fit(
        x, y, epochs=2, batch_size=16, verbose=0, shuffle="batch"
    ).history["loss"]
    model.compile("adam", "mse")  # unbuilt compiled loss: Keras draws again
    out["windows"] = model.fit(
        x, y, epochs=2, batch_size=8, steps_per_epoch=3, verbose=0
    ).history["loss"]
    rnn = lib.Sequential(
        [
            lib.Input((5, 6)),
            lib.layers.LSTM(4, dropout=0.3, recurrent_dropout=0.2),
            lib.layers.Dense(1),
        ]
    )
    rnn.compile("adam", "mse")
    xs = rs.normal(size=(16, 5, 6)).astype("float32")
    out["lstm"] = rnn.fit(xs, y[:16], epochs=2, batch_size=8, verbose=0).history["loss"]
    out["weights"] = [w.ravel() for w in model.get_weights() + rnn.get_weights()]
    out["numpy_after"] = np.random.rand(3)
    return out


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_a_seeded_training_run_equals_keras():
    keras = keras3()
    ours, theirs = _training_run(kerasish), _training_run(keras)
    assert ours.keys() == theirs.keys()
    np.testing.assert_array_equal(ours.pop("numpy_after"), theirs.pop("numpy_after"))
    for a, b in zip(ours.pop("weights"), theirs.pop("weights")):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    for name in ours:
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-4, err_msg=name)


def test_large_draws_take_compiled_bits_equal_to_jax_randoms(monkeypatch):
    """Once a process has drawn 2M values in large draws, the threefry bits of
    draws above 65,536 float32 values come from one compiled chunk function
    (chunks of 262,144 counters, the last one cut): exactly `jax.random.bits`;
    the floats made from them are `jax.random`'s."""
    from kerasish.engine import jax_random

    monkeypatch.setattr(jax_random, "_DRAWN", [jax_random._COMPILE_AFTER])
    shape = (301, 1000)  # two chunks, the second cut
    raw = np.array([5, 7], dtype=np.uint32)
    bits = jax_random._compiled_bits(raw, shape, np.float32)
    want_bits = jax.random.bits(jnp.asarray(raw), shape, jnp.uint32)
    np.testing.assert_array_equal(bits, np.asarray(want_bits).ravel())
    got = kerasish.random.uniform(shape, -1.0, 1.0, seed=5)
    want = jax.random.uniform(jnp.array([5, 0], jnp.uint32), shape, minval=-1.0)
    np.testing.assert_array_equal(got, want)
    small = kerasish.random.uniform((1000,), -1.0, 1.0, seed=5)  # numpy's bits
    np.testing.assert_array_equal(small, np.asarray(want).ravel()[:1000])
    # A 64-bit counter start carries into its high word.
    start = np.array([0, 2**32 - 3], dtype=np.uint32)
    chunk = np.asarray(jax_random._bits_chunk()(jnp.asarray(raw), jnp.asarray(start)))
    lo = np.uint32(2**32 - 3) + np.arange(6, dtype=np.uint32)
    hi = (np.arange(6) >= 3).astype(np.uint32)
    with np.errstate(over="ignore"):
        b0, b1 = threefry.threefry2x32(np.uint32(5), np.uint32(7), hi, lo)
    np.testing.assert_array_equal(chunk[:6], b0 ^ b1)


def _augmented(lib):
    """Seeded augmentation layers in training, each on the same images."""
    lib.utils.set_random_seed(0)
    layers = lib.layers
    images = np.random.RandomState(0).uniform(0, 255, (2, 16, 16, 3))
    images = images.astype("float32")
    out = {}
    for name, layer in {
        "flip": layers.RandomFlip(seed=1),
        "rotation": layers.RandomRotation(0.2, seed=1),
        "zoom": layers.RandomZoom(0.2, seed=1),
        "crop": layers.RandomCrop(10, 10, seed=1),
        "contrast": layers.RandomContrast(0.3, seed=1),
        "color_jitter": layers.RandomColorJitter(
            value_range=(0, 255), brightness_factor=0.2, seed=1
        ),
        "rand_augment": layers.RandAugment(value_range=(0, 255), seed=1),
        "aug_mix": layers.AugMix(value_range=(0, 255), seed=1),
        "spatial_dropout": layers.SpatialDropout2D(0.3, seed=2),
    }.items():
        out[name] = np.asarray(layer(images, training=True))
    mix = layers.MixUp(seed=1)({"images": images, "labels": np.eye(2)})
    out["mix_up"] = np.asarray(mix["images"])
    return out


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_seeded_augmentation_layers_equal_keras():
    keras = keras3()
    ours, theirs = _augmented(kerasish), _augmented(keras)
    for name in ours:
        np.testing.assert_allclose(
            ours[name], theirs[name], rtol=1e-4, atol=1e-3, err_msg=name
        )

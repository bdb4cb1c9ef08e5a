"""Hashing and HashedCrossing: the numpy hashes against TensorFlow, layers vs Keras."""

import os
import random
import struct

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import keras
import numpy as np
import pytest

from kerasish import layers
from kerasish.layers.preprocessing import _hashes

STRINGS = np.array(
    [["A"], ["B"], ["hello"], [""], ["é ü"], ["a string longer than sixty-four " * 3]]
)


def _random_bytes():
    rng = random.Random(0)
    lengths = [*range(0, 140), 200, 256, 1000]
    return [bytes(rng.randrange(256) for _ in range(n)) for n in lengths]


def test_hashes_match_tensorflow_bit_for_bit():
    tf = pytest.importorskip("tensorflow")
    data = _random_bytes()
    fingerprints = tf.fingerprint(tf.constant(data), method="farmhash64").numpy()
    for value, fp in zip(data, fingerprints):
        assert _hashes.fingerprint64(value) == struct.unpack("<Q", fp.tobytes())[0]
    strong = tf.strings.to_hash_bucket_strong(data, 2**62, key=[123, 456]).numpy()
    for value, bucket in zip(data, strong):
        assert _hashes.siphash24(123, 456, value) % 2**62 == bucket


def test_siphash_reference_vector():
    # SipHash-2-4 paper, appendix A: key 00..0f, message 00..0e.
    key = bytes(range(16))
    k0, k1 = struct.unpack("<QQ", key)
    assert _hashes.siphash24(k0, k1, bytes(range(15))) == 0xA129CA6149BE45E5


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(num_bins=7),
        dict(num_bins=7, mask_value="A"),
        dict(num_bins=7, salt=[3, 5]),
        dict(num_bins=5, salt=11, output_mode="multi_hot"),
        dict(num_bins=4, output_mode="one_hot"),
        dict(num_bins=4, output_mode="count"),
    ],
)
def test_hashing_strings_match_keras(kwargs):
    got = np.asarray(layers.Hashing(**kwargs)(STRINGS))
    want = np.asarray(keras.layers.Hashing(**kwargs)(STRINGS))
    np.testing.assert_array_equal(got, want)


# Keras 3.15.1's Hashing on the JAX backend returns jax Arrays: int32 bins (its
# default dtype "int64" without x64) and float32 encodings.
@pytest.mark.parametrize(
    "kwargs, dtype",
    [
        (dict(num_bins=4), "int32"),
        (dict(num_bins=4, dtype="int64"), "int32"),
        (dict(num_bins=4, dtype="int32", mask_value="A"), "int32"),
        (dict(num_bins=4, output_mode="one_hot"), "float32"),
        (dict(num_bins=4, output_mode="multi_hot"), "float32"),
        (dict(num_bins=4, output_mode="count"), "float32"),
    ],
)
def test_hashing_returns_engine_tensors_of_keras_dtypes(kwargs, dtype):
    ours = layers.Hashing(**kwargs)(STRINGS)
    theirs = keras.layers.Hashing(**kwargs)(STRINGS)
    assert isinstance(ours, jax.Array) and str(ours.dtype) == dtype
    assert type(ours) is type(theirs) and str(theirs.dtype) == dtype
    np.testing.assert_array_equal(ours, theirs)
    ints = layers.Hashing(**kwargs)(np.array([[3], [7]]))
    assert isinstance(ints, jax.Array) and str(ints.dtype) == dtype


def test_hashing_numbers_match_keras():
    ints = np.array([[1, -2, 30000000000, 0]])
    for kwargs in (dict(num_bins=9), dict(num_bins=9, mask_value=0)):
        np.testing.assert_array_equal(
            layers.Hashing(**kwargs)(ints), keras.layers.Hashing(**kwargs)(ints)
        )
    floats = np.array([1.7, -2.2, 3.0])  # truncated to int64 first, as TF
    np.testing.assert_array_equal(
        layers.Hashing(9)(floats), layers.Hashing(9)(np.array([1, -2, 3]))
    )
    np.testing.assert_array_equal(
        layers.Hashing(9)(floats), keras.layers.Hashing(9)(floats)
    )


def test_hashing_mask_value_goes_to_bin_zero():
    out = np.asarray(layers.Hashing(num_bins=4, mask_value="")(STRINGS))
    assert out[3, 0] == 0
    assert np.all(np.delete(out, 3) >= 1)


def test_hashing_config_and_symbolic_use():
    layer = layers.Hashing(num_bins=3, salt=7, output_mode="one_hot")
    config = layer.get_config()
    keras_config = keras.layers.Hashing(
        num_bins=3, salt=7, output_mode="one_hot"
    ).get_config()
    for key in ("num_bins", "salt", "mask_value", "output_mode", "sparse"):
        assert config[key] == keras_config[key]
    again = layers.deserialize(layers.serialize(layer))
    np.testing.assert_array_equal(again(STRINGS), layer(STRINGS))
    assert layer.compute_output_shape((None, 1)) == (None, 3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(num_bins=0), "num_bins` must be a positive int"),
        (dict(num_bins=3, salt="x"), "salt` must be a tuple of 2 integers, or a"),
        (dict(num_bins=3, output_mode="tf_idf"), "output_mode"),
        (dict(num_bins=3, output_mode="one_hot", sparse=True), "sparse"),
        (dict(num_bins=3, dtype="float32"), 'dtype` must be "int32" or "int64"'),
    ],
)
def test_hashing_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.Hashing(**kwargs)


def test_hashed_crossing_matches_keras():
    f1 = np.array(["A", "B", "C", "D"])
    f2 = np.array([1, 2, 3, -4])
    for inputs in ((f1, f2), (f1, f2, f1), (f1[:, None], f2[:, None]), ("A", 3)):
        np.testing.assert_array_equal(
            layers.HashedCrossing(100)(inputs), keras.layers.HashedCrossing(100)(inputs)
        )
    one_hot = layers.HashedCrossing(5, output_mode="one_hot")(
        (f1[:, None], f2[:, None])
    )
    want = keras.layers.HashedCrossing(5, output_mode="one_hot")(
        (f1[:, None], f2[:, None])
    )
    np.testing.assert_array_equal(one_hot, want)


def test_hashed_crossing_formula():
    # The cross of ("x", 7): fingerprint_cat64 over (fingerprint64("x"), 7).
    h = _hashes.fingerprint_cat64(0xDECAFCAFFE, _hashes.fingerprint64(b"x"))
    h = _hashes.fingerprint_cat64(h, 7)
    assert int(layers.HashedCrossing(1000)(("x", 7))) == h % 1000


def _cross_bin(features, num_bins):
    """tf.sparse.cross_hashed by hand: strings by fingerprint64, ints as is."""
    h = 0xDECAFCAFFE
    for value in features:
        if isinstance(value, str):
            value = _hashes.fingerprint64(value.encode("utf-8"))
        h = _hashes.fingerprint_cat64(h, value & (2**64 - 1))
    return h % num_bins


def test_hashed_crossing_output_types_and_dtypes_match_keras():
    # Keras 3.15.1 on JAX returns jax Arrays: "int" bins int32 (its int64 without
    # x64), "one_hot" float32 (also with dtype="float64", truncated by JAX).
    f1, f2 = np.array(["A", "B"]), np.array([101, 102])
    bins = [_cross_bin(row, 10) for row in (("A", 101), ("B", 102))]
    assert bins == [1, 6]  # Keras 3.15.1
    for inputs, expected in (
        ((f1, f2), bins),
        ((f1[:, None], f2[:, None]), [[b] for b in bins]),
        ((np.array("A"), np.array(101)), bins[0]),
    ):
        for kwargs in ({}, dict(dtype="int32")):
            out = layers.HashedCrossing(num_bins=10, **kwargs)(inputs)
            assert isinstance(out, jax.Array) and str(out.dtype) == "int32"
            np.testing.assert_array_equal(out, expected)
    one_hot_bins = [_cross_bin(row, 5) for row in (("A", 101), ("B", 102))]
    assert one_hot_bins == [1, 1]  # Keras 3.15.1
    for inputs in ((f1, f2), (f1[:, None], f2[:, None])):
        out = layers.HashedCrossing(num_bins=5, output_mode="one_hot")(inputs)
        assert isinstance(out, jax.Array) and str(out.dtype) == "float32"
        np.testing.assert_array_equal(out, np.eye(5)[one_hot_bins])
    wide = layers.HashedCrossing(num_bins=4, output_mode="one_hot", dtype="float64")
    out = wide((f1, f2))
    assert isinstance(out, jax.Array) and str(out.dtype) == "float32"
    rows = [_cross_bin(row, 4) for row in (("A", 101), ("B", 102))]
    np.testing.assert_array_equal(out, np.eye(4)[rows])  # Keras: [[0,0,0,1],[1,0,0,0]]
    # The trainer's host-side call stays in numpy, in the layer's dtype.
    host = layers.HashedCrossing(num_bins=10).host_call((f1, f2))
    assert type(host) is np.ndarray and host.dtype == np.int64
    np.testing.assert_array_equal(host, bins)


def test_hashed_crossing_config_and_errors():
    layer = layers.HashedCrossing(8, output_mode="one_hot", name="cross")
    assert layer.get_config() == keras.layers.HashedCrossing(
        8, output_mode="one_hot", name="cross"
    ).get_config() | {"dtype": layer.dtype}
    assert layers.HashedCrossing.from_config(layer.get_config()).num_bins == 8
    with pytest.raises(ValueError, match="at least two inputs"):
        layers.HashedCrossing(3)((np.array(["a"]),))
    with pytest.raises(ValueError, match="list or tuple"):
        layers.HashedCrossing(3)(np.array(["a"]))
    with pytest.raises(ValueError, match="equal shapes"):
        layers.HashedCrossing(3)((np.array(["a", "b"]), np.array([1])))
    with pytest.raises(ValueError, match="output_mode"):
        layers.HashedCrossing(3, output_mode="multi_hot")
    with pytest.raises(TypeError, match="string or integer features"):
        layers.HashedCrossing(3)((np.array([1.5]), np.array([1])))

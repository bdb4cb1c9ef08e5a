"""Merging layers (Add ... Dot) and their functional forms vs numpy and Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import pytest

from kerasish import layers, models
from kerasish.layers import merging
from kerasish.layers.merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
)
from kerasish.layers.pooling import GlobalAveragePooling1D


def _rand(seed, *shapes):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s).astype("float32") for s in shapes]


ELEMENTWISE = [
    (Add, lambda xs: sum(xs)),
    (Multiply, lambda xs: np.prod(xs, axis=0)),
    (Average, lambda xs: sum(xs) / len(xs)),
    (Maximum, lambda xs: np.max(xs, axis=0)),
    (Minimum, lambda xs: np.min(xs, axis=0)),
]


@pytest.mark.parametrize("cls, reference", ELEMENTWISE)
@pytest.mark.parametrize("count", [1, 2, 3])
def test_elementwise_merges(cls, reference, count):
    xs = _rand(0, *[(2, 3, 4)] * count)
    layer = cls()
    out = layer(xs)
    np.testing.assert_allclose(out, reference(np.stack(xs)), rtol=1e-6, atol=1e-6)
    assert layer.compute_output_shape([x.shape for x in xs]) == (2, 3, 4)
    assert layer.count_params() == 0


def test_subtract_takes_exactly_two():
    a, b = _rand(1, (2, 3), (2, 3))
    np.testing.assert_allclose(Subtract()([a, b]), a - b, rtol=1e-6)
    with pytest.raises(ValueError, match=r"\(Subtract\) should be called on exactly 2"):
        Subtract()([a, b, a])


def test_broadcasting_and_lower_rank_inputs():
    a, b, c = _rand(2, (2, 4, 3), (2, 1, 3), (2, 3))
    # A lower-rank input gets size-1 axes after the batch axis: (2, 3) -> (2, 1, 3).
    expected = a + b + c[:, None, :]
    layer = Add()
    np.testing.assert_allclose(layer([a, b, c]), expected, rtol=1e-6)
    assert layer.compute_output_shape([(None, 4, 3), (None, 1, 3), (None, 3)]) == (
        None,
        4,
        3,
    )
    assert Maximum().compute_output_shape([(None, None, 3), (2, 5, 3)]) == (2, None, 3)


def test_functional_forms_build_a_model():
    a, b = _rand(3, (4, 3), (4, 3))
    x1, x2 = layers.Input((3,)), layers.Input((3,))
    outputs = [
        merging.add([x1, x2]),
        merging.subtract([x1, x2]),
        merging.multiply([x1, x2]),
        merging.average([x1, x2]),
        merging.maximum([x1, x2]),
        merging.minimum([x1, x2]),
        merging.concatenate([x1, x2]),
        merging.dot([x1, x2], axes=1),
    ]
    model = models.Model([x1, x2], outputs)
    got = model([a, b])
    expected = [
        a + b,
        a - b,
        a * b,
        (a + b) / 2,
        np.maximum(a, b),
        np.minimum(a, b),
        np.concatenate([a, b], -1),
        np.sum(a * b, -1, keepdims=True),
    ]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    assert [t.shape for t in model.outputs] == [(None, 3)] * 6 + [(None, 6), (None, 1)]
    assert type(model.layers[-1]).__name__ == "Dot"


# --- masks ---------------------------------------------------------------------


def test_masked_maximum_minimum_multiply():
    a, b = _rand(4, (1, 4, 2), (1, 4, 2))
    ma = np.array([[True, True, False, False]])
    mb = np.array([[True, False, True, False]])
    both = [ma, mb]
    # Maximum/Minimum skip masked entries; an entry masked everywhere keeps a's.
    exp_max = np.stack([np.maximum(a[0, 0], b[0, 0]), a[0, 1], b[0, 2], a[0, 3]])
    exp_min = np.stack([np.minimum(a[0, 0], b[0, 0]), a[0, 1], b[0, 2], a[0, 3]])
    np.testing.assert_allclose(Maximum()([a, b], mask=both)[0], exp_max, rtol=1e-6)
    np.testing.assert_allclose(Minimum()([a, b], mask=both)[0], exp_min, rtol=1e-6)
    # Multiply: masked entries count as 1; masked in all inputs gives 0.
    exp_mul = np.stack([a[0, 0] * b[0, 0], a[0, 1], b[0, 2], np.zeros(2)])
    np.testing.assert_allclose(Multiply()([a, b], mask=both)[0], exp_mul, rtol=1e-6)
    # Only one input masked: Multiply replaces its masked entries by 1, no zeroing.
    exp_one = np.stack([a[0, 0] * b[0, 0], b[0, 1], a[0, 2] * b[0, 2], b[0, 3]])
    np.testing.assert_allclose(
        Multiply()([a, b], mask=[mb, None])[0], exp_one, rtol=1e-6
    )
    # Add ignores masks in its values; the output mask is the OR of both.
    np.testing.assert_allclose(Add()([a, b], mask=both), a + b, rtol=1e-6)
    np.testing.assert_array_equal(Add().compute_mask([a, b], both), ma | mb)
    assert Add().compute_mask([a, b], [ma, None]) is None


def test_concatenate_mask_propagation():
    a, b = _rand(5, (2, 3, 2), (2, 3, 4))
    ma = np.array([[1, 1, 0], [1, 0, 0]], bool)
    mb = np.array([[1, 0, 0], [1, 1, 1]], bool)
    layer = Concatenate()
    np.testing.assert_array_equal(layer.compute_mask([a, b], [ma, mb]), ma | mb)
    # An input without a mask counts as all valid.
    np.testing.assert_array_equal(
        layer.compute_mask([a, b], [ma, None]), np.ones((2, 3), bool)
    )
    assert layer.compute_mask([a, b], [None, None]) is None
    # Along time: the masks are concatenated too.
    c = _rand(6, (2, 3, 2))[0]
    np.testing.assert_array_equal(
        Concatenate(axis=1).compute_mask([a, c], [ma, mb]),
        np.concatenate([ma, mb], axis=1),
    )


def test_concatenate_masks_flow_through_a_model():
    ids = layers.Input((3,), dtype="int32")
    embed_masked = layers.Embedding(6, 2, mask_zero=True)
    embed_plain = layers.Embedding(6, 2)
    joined = Concatenate(axis=1)([embed_masked(ids), embed_plain(ids)])
    model = models.Model(ids, GlobalAveragePooling1D()(joined))
    x = np.array([[1, 2, 0], [0, 0, 3]])
    seq = np.concatenate(
        [embed_masked.get_weights()[0][x], embed_plain.get_weights()[0][x]], axis=1
    )  # (2, 6, 2)
    # The plain embedding has no mask, so its half of the time axis is all valid.
    mask = np.concatenate([x != 0, np.ones_like(x, bool)], axis=1)
    expected = np.stack([seq[i][mask[i]].mean(0) for i in range(2)])
    np.testing.assert_allclose(model(x), expected, rtol=1e-5, atol=1e-6)


# --- Concatenate and Dot -------------------------------------------------------


@pytest.mark.parametrize("axis", [-1, 1, 2, -2])
def test_concatenate_axes(axis):
    a, b = _rand(7, (2, 3, 4), (2, 3, 4))
    layer = Concatenate(axis=axis)
    out = layer([a, b])
    np.testing.assert_allclose(out, np.concatenate([a, b], axis=axis))
    assert layer.compute_output_shape([(None, 3, 4), (None, 3, 4)]) == tuple(
        None if i == 0 else d for i, d in enumerate(out.shape)
    )


@pytest.mark.parametrize(
    "shapes, axes, subscripts",
    [
        (((3, 4), (3, 4)), 1, "bi,bi->b"),
        (((3, 4), (3, 4)), -1, "bi,bi->b"),
        (((3, 4, 5), (3, 6, 5)), 2, "bij,bkj->bik"),
        (((3, 4, 5), (3, 4, 6)), (1, 1), "bij,bik->bjk"),
        (((3, 4, 5), (3, 5, 6)), (2, 1), "bij,bjk->bik"),
        (((3, 4, 5), (3, 5)), (2, 1), "bij,bj->bi"),
        (((3, 5), (3, 5, 2)), (1, 1), "bj,bjk->bk"),
        (((3, 2, 4, 5), (3, 5, 6)), (3, 1), "bxij,bjk->bxik"),
    ],
)
@pytest.mark.parametrize("normalize", [False, True])
def test_dot_matches_einsum(shapes, axes, subscripts, normalize):
    x, y = _rand(8, *shapes)
    layer = Dot(axes=axes, normalize=normalize)
    if normalize:
        a0, a1 = (axes, axes) if isinstance(axes, int) else axes
        x = x / np.linalg.norm(x, axis=a0, keepdims=True)
        y = y / np.linalg.norm(y, axis=a1, keepdims=True)
        out = layer(_rand(8, *shapes))
    else:
        out = layer([x, y])
    expected = np.einsum(subscripts, x, y)
    if expected.ndim == 1:
        expected = expected[:, None]
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    assert layer.compute_output_shape([(None,) + s[1:] for s in shapes]) == (
        (None,) + expected.shape[1:]
    )


def test_dot_cosine_similarity_is_bounded():
    x, y = _rand(9, (5, 8), (5, 8))
    out = np.asarray(Dot(axes=1, normalize=True)([x, -x]))
    np.testing.assert_allclose(out, -np.ones((5, 1)), rtol=1e-5)
    np.testing.assert_allclose(
        Dot(axes=1, normalize=True)([np.zeros((1, 3), "float32")] * 2), [[0.0]]
    )


def test_config_round_trips():
    for layer in [Add(name="a"), Concatenate(axis=1), Dot(axes=(1, 2), normalize=True)]:
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config
    assert Dot(axes=(1, 2)).get_config()["axes"] == [1, 2]


def test_a_built_merge_layer_broadcasts_a_batch_of_one_as_keras():
    # Keras checks batch sizes when the layer is built only (from symbolic
    # inputs, the batch is unknown), so a functional model broadcasts.
    i1, i2 = layers.Input((3,)), layers.Input((3,))
    model = models.Model([i1, i2], Multiply()([i1, i2]))
    a, b = _rand(11, (4, 3), (1, 3))
    np.testing.assert_allclose(model([a, b]), a * b, rtol=1e-6)


# --- errors --------------------------------------------------------------------


def test_merge_errors():
    a, b = _rand(10, (2, 3), (2, 4))
    with pytest.raises(ValueError, match=r"\(Add\) should be called on a list"):
        Add()(a)
    with pytest.raises(ValueError, match=r"incompatible shapes.*3 and 4"):
        Add()([a, b])
    with pytest.raises(ValueError, match="different batch sizes"):
        Add()([a, np.ones((3, 3), "float32")])
    with pytest.raises(ValueError, match="matching shapes except for the concat"):
        Concatenate(axis=1)([np.ones((2, 3, 4)), np.ones((2, 3, 5))])
    with pytest.raises(ValueError, match="same rank"):
        Concatenate()([np.ones((2, 3, 4)), np.ones((2, 3))])
    with pytest.raises(ValueError, match="axis=3 is out of range"):
        Concatenate(axis=3)([a, a])
    with pytest.raises(ValueError, match=r"size 3 \(axis 1 of the first\) != 4"):
        Dot(axes=1)([a, b])
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        Dot(axes=1)([a, a, a])
    with pytest.raises(ValueError, match="cannot contract the batch axis"):
        Dot(axes=0)([a, a])
    with pytest.raises(ValueError, match="pair of ints"):
        Dot(axes=(1, 2, 3))
    with pytest.raises(TypeError, match="pair of ints"):
        Dot(axes="last")
    with pytest.raises(TypeError, match="`axis` must be an int"):
        Concatenate(axis=1.0)
    with pytest.raises(ValueError, match="2 masks"):
        Add().compute_mask([a, a, a], [None, None])


# --- Keras 3 ---------------------------------------------------------------------


@pytest.mark.compat
@pytest.mark.parametrize(
    "name, kwargs, shapes",
    [
        ("Add", {}, [(2, 3, 4)] * 3),
        ("Add", {}, [(2, 4, 3), (2, 3)]),
        ("Subtract", {}, [(2, 3, 4)] * 2),
        ("Multiply", {}, [(2, 3, 4), (2, 1, 4)]),
        ("Average", {}, [(2, 5)] * 4),
        ("Maximum", {}, [(2, 3, 4)] * 2),
        ("Minimum", {}, [(2, 3, 4)] * 3),
        ("Concatenate", {"axis": 1}, [(2, 3, 4), (2, 2, 4)]),
        ("Dot", {"axes": (2, 2)}, [(2, 3, 4), (2, 5, 4)]),
        ("Dot", {"axes": 1, "normalize": True}, [(2, 4), (2, 4)]),
        ("Dot", {"axes": (1, 2)}, [(2, 3, 4), (2, 5, 3)]),
    ],
)
def test_merges_match_keras(name, kwargs, shapes):
    keras = pytest.importorskip("keras")
    xs = _rand(11, *shapes)
    theirs = getattr(keras.layers, name)(**kwargs)
    ours = getattr(merging, name)(**kwargs)
    np.testing.assert_allclose(ours(xs), theirs(xs), rtol=1e-5, atol=1e-6)
    none_shapes = [(None,) + s[1:] for s in shapes]
    assert ours.compute_output_shape(none_shapes) == tuple(
        theirs.compute_output_shape(none_shapes)
    )


@pytest.mark.compat
@pytest.mark.parametrize("name", ["Maximum", "Minimum", "Multiply", "Add"])
def test_masked_merges_match_keras_models(name):
    keras = pytest.importorskip("keras")

    def build(lib, merging_module, pool_cls):
        a = lib.layers.Input((4,), dtype="int32")
        b = lib.layers.Input((4,), dtype="int32")
        ea = lib.layers.Embedding(5, 3, mask_zero=True)(a)
        eb = lib.layers.Embedding(5, 3, mask_zero=True)(b)
        merged = getattr(merging_module, name)()([ea, eb])
        pooled = pool_cls()(merged)
        return lib.models.Model([a, b], [merged, pooled])

    import kerasish

    theirs = build(keras, keras.layers, keras.layers.GlobalAveragePooling1D)
    ours = build(kerasish, merging, GlobalAveragePooling1D)
    ours.set_weights(theirs.get_weights())
    x = np.array([[1, 2, 0, 0], [4, 0, 3, 0]])
    y = np.array([[3, 0, 4, 0], [1, 1, 0, 0]])
    for got, expected in zip(ours([x, y]), theirs([x, y])):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)

"""Attention, AdditiveAttention and EinsumDense vs written-out numpy and Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np
import pytest

from kerasish.layers.attention import AdditiveAttention, Attention, EinsumDense
from kerasish.layers.input_layer import Input

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.normal(size=shape).astype("float32")


def _softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _np_attention(q, v, k, scores_fn, q_mask=None, v_mask=None, causal=False):
    """Loop over batch and query steps: softmax of masked scores, weighted sum."""
    b, tq, _ = q.shape
    tv = v.shape[1]
    out = np.zeros((b, tq, v.shape[-1]))
    probs = np.zeros((b, tq, tv))
    for n in range(b):
        for i in range(tq):
            s = np.array([scores_fn(q[n, i], k[n, j]) for j in range(tv)])
            allowed = np.ones(tv, bool)
            if v_mask is not None:
                allowed &= v_mask[n]
            if causal:
                allowed &= np.arange(tv) <= i
            s = np.where(allowed, s, s - 1e9)
            p = _softmax(s)
            probs[n, i] = p
            out[n, i] = p @ v[n]
            if q_mask is not None and not q_mask[n, i]:
                out[n, i] = 0
    return out, probs


def test_dot_attention_matches_numpy():
    q, v, k = _x(2, 3, 4), _x(2, 5, 6), _x(2, 5, 4)
    layer = Attention()
    out, probs = layer([q, v, k], return_attention_scores=True)
    want, want_p = _np_attention(q, v, k, lambda a, b: a @ b)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(probs, want_p, rtol=1e-5, atol=1e-6)
    assert layer.weights == []


def test_dot_attention_with_scale_masks_and_causal():
    q, v = _x(2, 4, 3), _x(2, 4, 3)
    q_mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)
    v_mask = np.array([[1, 1, 0, 1], [1, 0, 1, 1]], bool)
    layer = Attention(use_scale=True)
    layer.build([q.shape, v.shape])
    layer.set_weights([np.array(0.5, "float32")])
    out = layer([q, v], mask=[q_mask, v_mask], use_causal_mask=True)
    want, _ = _np_attention(
        q, v, v, lambda a, b: 0.5 * (a @ b), q_mask, v_mask, causal=True
    )
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)


def test_concat_attention_matches_numpy():
    q, v = _x(2, 3, 4), _x(2, 5, 4)
    layer = Attention(use_scale=True, score_mode="concat")
    layer.build([q.shape, v.shape])
    assert [w.name for w in layer.weights] == ["scale", "concat_score_weight"]
    layer.set_weights([np.array(0.7, "float32"), np.array(1.3, "float32")])
    want, _ = _np_attention(q, v, v, lambda a, b: 1.3 * np.tanh(0.7 * (a + b)).sum())
    np.testing.assert_allclose(layer([q, v]), want, rtol=1e-5, atol=1e-5)


def test_additive_attention_matches_numpy():
    q, v, k = _x(2, 3, 4), _x(2, 5, 2), _x(2, 5, 4)
    v_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    layer = AdditiveAttention()
    layer.build([q.shape, v.shape, k.shape])
    scale = _x(4)
    layer.set_weights([scale])
    out = layer([q, v, k], mask=[None, v_mask])
    want, _ = _np_attention(
        q, v, k, lambda a, b: (scale * np.tanh(a + b)).sum(), None, v_mask
    )
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)
    assert "score_mode" not in layer.get_config()


def test_attention_dropout_only_in_training():
    q, v = _x(2, 3, 4), _x(2, 6, 4)
    layer = Attention(dropout=0.5, seed=0)
    np.testing.assert_allclose(
        layer([q, v], training=False), Attention()([q, v]), atol=1e-6
    )
    assert not np.allclose(layer([q, v], training=True), layer([q, v], training=False))


def test_symbolic_shapes_and_mask_propagation():
    q, v = Input((3, 4)), Input((5, 6))
    out, scores = Attention()([q, v, Input((5, 4))], return_attention_scores=True)
    assert out.shape == (None, 3, 6) and scores.shape == (None, 3, 5)
    layer = Attention()
    mask = layer.compute_mask(
        [_x(1, 2, 4), _x(1, 3, 4)], [np.array([[1, 0]], bool), None]
    )
    np.testing.assert_array_equal(np.asarray(mask), [[True, False]])


def test_attention_errors():
    with pytest.raises(ValueError, match="`score_mode` must be one of"):
        Attention(score_mode="add")
    with pytest.raises(ValueError, match=r"`dropout` must be a float in \[0, 1\)"):
        AdditiveAttention(dropout=1.0)
    layer = Attention()
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        layer(_x(1, 2, 3))
    with pytest.raises(ValueError, match="list of 2 or 3 inputs"):
        layer([_x(1, 2, 3)])
    with pytest.raises(ValueError, match="query and key must have the same last axis"):
        Attention()([_x(1, 2, 3), _x(1, 4, 5)])
    with pytest.raises(
        ValueError, match="key and value must have the same number of steps"
    ):
        Attention()([_x(1, 2, 3), _x(1, 4, 5), _x(1, 3, 3)])
    with pytest.raises(ValueError, match="mask must be a list"):
        Attention()([_x(1, 2, 3), _x(1, 4, 3)], mask=np.ones((1, 2), bool))


@pytest.mark.compat
@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("Attention", {"use_scale": True}),
        ("Attention", {"use_scale": True, "score_mode": "concat"}),
        ("AdditiveAttention", {}),
    ],
)
def test_attention_matches_keras(name, kwargs):
    keras = pytest.importorskip("keras")
    import kerasish.layers.attention as ours_module

    q, v, k = _x(2, 4, 3), _x(2, 5, 2), _x(2, 5, 3)
    masks = [RNG.random((2, 4)) > 0.3, RNG.random((2, 5)) > 0.3]
    theirs = getattr(keras.layers, name)(**kwargs)
    ours = getattr(ours_module, name)(**kwargs)
    theirs([q, v, k])
    ours([q, v, k])
    weights = [w + 0.3 for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    for call_kwargs in ({}, {"mask": masks}, {"mask": masks, "use_causal_mask": True}):
        a, sa = ours([q, v, k], return_attention_scores=True, **call_kwargs)
        b, sb = theirs([q, v, k], return_attention_scores=True, **call_kwargs)
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(sa, sb, rtol=1e-5, atol=1e-6)
    assert ours.get_config().keys() >= theirs.get_config().keys() - {"dtype"}


# -- EinsumDense -----------------------------------------------------------------
@pytest.mark.parametrize(
    "equation, output_shape, bias_axes, in_shape, kernel_shape, bias_shape, out_shape",
    [
        ("ab,bc->ac", 4, "c", (2, 3), (3, 4), (4,), (2, 4)),
        (
            "abc,cde->abde",
            (None, 2, 5),
            "de",
            (2, 3, 4),
            (4, 2, 5),
            (2, 5),
            (2, 3, 2, 5),
        ),
        ("abcd,cde->abe", (None, 6), "e", (2, 3, 4, 5), (4, 5, 6), (6,), (2, 3, 6)),
        ("...b,bc->...c", 4, "c", (2, 3, 5), (5, 4), (4,), (2, 3, 4)),
        ("ab...,bc->ac...", 4, "c", (2, 3, 7), (3, 4), (4, 1), (2, 4, 7)),
    ],
)
def test_einsum_dense_shapes_and_values(
    equation, output_shape, bias_axes, in_shape, kernel_shape, bias_shape, out_shape
):
    layer = EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes)
    x = _x(*in_shape)
    layer.build(in_shape)
    kernel, bias = _x(*kernel_shape), _x(*bias_shape)
    layer.set_weights([kernel, bias])
    y = np.asarray(layer(x))
    assert y.shape == out_shape
    # As Keras: an output size given as None stays None in the declared shape.
    declared = (out_shape[0],) + tuple(
        None if size is None else d
        for size, d in zip(np.atleast_1d(np.array(output_shape, object)), out_shape[1:])
    )
    declared += out_shape[len(declared) :]
    assert layer.compute_output_shape(in_shape) == declared
    np.testing.assert_allclose(
        y, np.einsum(equation, x, kernel) + bias, rtol=1e-5, atol=1e-5
    )


def test_einsum_dense_errors():
    with pytest.raises(ValueError, match="invalid einsum equation"):
        EinsumDense("ab->b", output_shape=2)
    with pytest.raises(ValueError, match="`output_shape` must be"):
        EinsumDense("ab,bc->ac", output_shape=-1)
    with pytest.raises(ValueError, match="bias axis 'z'"):
        EinsumDense("ab,bc->ac", output_shape=2, bias_axes="z")(_x(2, 3))
    with pytest.raises(ValueError, match="expects inputs of rank 2"):
        EinsumDense("ab,bc->ac", output_shape=2)(_x(2, 3, 4))


@pytest.mark.compat
def test_einsum_dense_matches_keras():
    keras = pytest.importorskip("keras")
    kwargs = dict(equation="abc,cde->abde", output_shape=(None, 2, 5), bias_axes="de")
    theirs, ours = keras.layers.EinsumDense(**kwargs), EinsumDense(**kwargs)
    x = _x(2, 3, 4)
    theirs(x)
    ours(x)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-5, atol=1e-5)
    assert [v.name for v in ours.weights] == [v.name for v in theirs.weights]
    # Kernel initialization uses the einsum's fans: similar spread to Keras's.
    ratio = ours.get_weights()[0].std() / theirs.get_weights()[0].std()
    assert 0.7 < ratio < 1.4

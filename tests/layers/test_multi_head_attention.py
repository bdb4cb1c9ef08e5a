"""MultiHeadAttention and GroupedQueryAttention vs softmax attention written out in
numpy (masks, causal mask), finite-difference gradients, and Keras 3."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kerasish.layers.attention import GroupedQueryAttention, MultiHeadAttention
from kerasish.layers.input_layer import Input
from kerasish.layers.layer import Layer

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.normal(size=shape).astype("float32")


def _mha(*args, **kwargs):
    # Weights are set by the tests; zeros skip compiling random initializers.
    kwargs.setdefault("kernel_initializer", "zeros")
    return MultiHeadAttention(*args, **kwargs)


def _gqa(*args, **kwargs):
    kwargs.setdefault("kernel_initializer", "zeros")
    return GroupedQueryAttention(*args, **kwargs)


def _randomize(layer):
    layer.set_weights([_x(*w.shape) * 0.5 for w in layer.get_weights()])
    return layer.get_weights()


def _np_mha(q_in, v_in, k_in, weights, num_heads, key_dim, mask=None, kv_groups=1):
    """Per batch, per head, per query step: softmax(q.k / sqrt(d)) over allowed keys.

    `weights` = [Wq, bq, Wk, bk, Wv, bv, Wo, bo]; `mask` (B, T, S) True = allowed.
    Key/value head h // kv_groups serves query head h (kv_groups=1: plain MHA).
    """
    wq, bq, wk, bk, wv, bv, wo, bo = [np.asarray(w, "float64") for w in weights]
    q = np.einsum("btd,dhk->bthk", q_in, wq) + bq
    k = np.einsum("bsd,dhk->bshk", k_in, wk) + bk
    v = np.einsum("bsd,dhk->bshk", v_in, wv) + bv
    b, t = q.shape[:2]
    s = k.shape[1]
    heads_out = np.zeros((b, t, num_heads, v.shape[-1]))
    probs = np.zeros((b, num_heads, t, s))
    for n in range(b):
        for h in range(num_heads):
            kv = h // kv_groups
            for i in range(t):
                logits = np.array([q[n, i, h] @ k[n, j, kv] for j in range(s)])
                logits = logits / np.sqrt(key_dim)
                if mask is not None:
                    logits = np.where(mask[n, i], logits, -1e9)
                e = np.exp(logits - logits.max())
                p = e / e.sum()
                if mask is not None and not mask[n, i].any():
                    p = np.zeros(s)  # explicit path: fully masked rows are zero
                probs[n, h, i] = p
                heads_out[n, i, h] = p @ v[n, :, kv]
    out = np.einsum("bthk,hko->bto", heads_out, wo) + bo
    return out, probs


def test_weights_shapes_names_and_order():
    mha = _mha(num_heads=2, key_dim=3, value_dim=4, output_shape=7)
    mha(_x(2, 4, 5), _x(2, 6, 8), _x(2, 6, 9))
    shapes = [tuple(w.shape) for w in mha.get_weights()]
    assert shapes == [
        (5, 2, 3),
        (2, 3),
        (9, 2, 3),
        (2, 3),
        (8, 2, 4),
        (2, 4),
        (2, 4, 7),
        (7,),
    ]
    assert [v.name for v in mha.weights] == ["kernel", "bias"] * 4
    assert [layer.name for layer in mha._layers] == [
        "query",
        "key",
        "value",
        "attention_output",
    ]
    no_bias = _mha(2, 3, use_bias=False)
    no_bias(_x(1, 2, 4), _x(1, 2, 4))
    assert len(no_bias.weights) == 4 and no_bias.count_params() == 3 * 24 + 24


@pytest.mark.parametrize("use_mask", [False, True])
def test_matches_numpy_with_attention_mask(use_mask):
    q, v, k = _x(2, 3, 5), _x(2, 4, 6), _x(2, 4, 7)
    mha = _mha(num_heads=2, key_dim=3)
    mha(q, v, k)
    weights = _randomize(mha)
    mask = RNG.random((2, 3, 4)) > 0.4 if use_mask else None
    out, scores = mha(q, v, k, attention_mask=mask, return_attention_scores=True)
    want, want_p = _np_mha(q, v, k, weights, 2, 3, mask)
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scores, want_p, rtol=1e-4, atol=1e-6)


def test_causal_query_and_value_masks_combine():
    q, v = _x(2, 4, 5), _x(2, 4, 5)
    q_mask = np.array([[1, 1, 1, 0], [1, 1, 1, 1]], bool)
    v_mask = np.array([[1, 0, 1, 1], [1, 1, 1, 0]], bool)
    mha = _mha(num_heads=3, key_dim=2)
    mha(q, v)
    weights = _randomize(mha)
    out, scores = mha(
        q,
        v,
        query_mask=q_mask,
        value_mask=v_mask,
        use_causal_mask=True,
        return_attention_scores=True,
    )
    causal = np.tril(np.ones((4, 4), bool))
    mask = q_mask[:, :, None] & v_mask[:, None, :] & causal[None]
    want, want_p = _np_mha(q, v, v, weights, 3, 2, mask)
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scores, want_p, rtol=1e-4, atol=1e-6)
    # Causal alone: future keys get zero probability.
    _, scores = mha(q, v, use_causal_mask=True, return_attention_scores=True)
    assert np.all(np.asarray(scores)[..., ~causal] == 0)


def test_attention_axes_on_2d_index():
    q = _x(2, 3, 4, 5)
    mha = _mha(num_heads=2, key_dim=3, attention_axes=(2,))
    mha(q, q)
    weights = _randomize(mha)
    out, scores = mha(q, q, return_attention_scores=True)
    assert out.shape == (2, 3, 4, 5) and scores.shape == (2, 3, 2, 4, 4)
    # Attention over axis 2 only: each row (axis 1) is an independent sequence.
    for row in range(3):
        want, _ = _np_mha(q[:, row], q[:, row], q[:, row], weights, 2, 3)
        np.testing.assert_allclose(out[:, row], want, rtol=1e-4, atol=1e-5)


def test_dropout_only_in_training_and_seeded():
    q = _x(2, 5, 4)
    mha = _mha(num_heads=2, key_dim=2, dropout=0.5, seed=1)
    mha(q, q)
    _randomize(mha)
    eval_out = mha(q, q)
    np.testing.assert_allclose(mha(q, q, training=False), eval_out, atol=1e-6)
    assert not np.allclose(mha(q, q, training=True), eval_out)


def test_gradients_match_finite_differences():
    q = jnp.asarray(_x(2, 3, 4))
    v = jnp.asarray(_x(2, 5, 4))
    mha = _mha(num_heads=2, key_dim=3)
    mha(q, v)
    trainable = [jnp.asarray(w) for w in _randomize(mha)]
    proj = jnp.asarray(_x(2, 3, 4))
    mask = jnp.asarray(RNG.random((2, 3, 5)) > 0.3)

    @jax.jit
    def loss(trainable, q, v):
        out, _ = mha.stateless_call(trainable, [], q, v, attention_mask=mask)
        return jnp.sum(jnp.tanh(out) * proj)

    grads = jax.grad(loss, argnums=(0, 1, 2))(trainable, q, v)
    eps = 1e-2
    rng = np.random.default_rng(3)
    targets = [("w", i) for i in range(len(trainable))] + [("q", None), ("v", None)]
    for kind, index in targets:
        base = np.asarray(
            trainable[index] if kind == "w" else (q if kind == "q" else v)
        )
        analytic = np.asarray(
            grads[0][index] if kind == "w" else grads[1 if kind == "q" else 2]
        ).ravel()
        for flat_i in rng.choice(base.size, min(3, base.size), replace=False):
            values = []
            for sign in (1, -1):
                bumped = base.astype("float64").ravel().copy()
                bumped[flat_i] += sign * eps
                bumped = jnp.asarray(bumped.reshape(base.shape), "float32")
                if kind == "w":
                    args = (trainable[:index] + [bumped] + trainable[index + 1 :], q, v)
                elif kind == "q":
                    args = (trainable, bumped, v)
                else:
                    args = (trainable, q, bumped)
                values.append(float(loss(*args)))
            numeric = (values[0] - values[1]) / (2 * eps)
            np.testing.assert_allclose(analytic[flat_i], numeric, rtol=3e-2, atol=3e-3)


def test_symbolic_call_shapes():
    q, v = Input((3, 8)), Input((5, 6))
    mha = _mha(num_heads=2, key_dim=4, output_shape=(10,))
    out, scores = mha(q, v, return_attention_scores=True)
    assert out.shape == (None, 3, 10) and scores.shape == (None, 2, 3, 5)
    assert mha.compute_output_shape((None, 3, 8), (None, 5, 6)) == (None, 3, 10)


def test_config_round_trip():
    mha = _mha(
        num_heads=2,
        key_dim=3,
        value_dim=5,
        dropout=0.1,
        output_shape=4,
        attention_axes=1,
        seed=3,
        use_gate=True,
    )
    config = mha.get_config()
    assert config["output_shape"] == (4,) and config["attention_axes"] == (1,)
    assert MultiHeadAttention.from_config(config).get_config() == config


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_heads": 0, "key_dim": 2}, "`num_heads` must be a positive int"),
        ({"num_heads": 2, "key_dim": -1}, "`key_dim` must be a positive int"),
        ({"num_heads": 2, "key_dim": 2, "value_dim": 0}, "`value_dim` must be"),
        ({"num_heads": 2, "key_dim": 2, "dropout": 1.5}, r"`dropout` must be a float"),
        ({"num_heads": 2, "key_dim": 2, "output_shape": "x"}, "`output_shape` must be"),
        ({"num_heads": 2, "key_dim": 2, "attention_axes": "1"}, "`attention_axes`"),
        ({"num_heads": 2, "key_dim": 2, "sliding_window": 0}, "`sliding_window`"),
    ],
)
def test_constructor_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MultiHeadAttention(**kwargs)


def test_build_and_call_errors():
    with pytest.raises(ValueError, match="all axes of `value` and `key` but the last"):
        MultiHeadAttention(2, 2)(_x(1, 3, 4), _x(1, 5, 4), _x(1, 6, 4))
    with pytest.raises(ValueError, match="same rank"):
        MultiHeadAttention(2, 2)(_x(1, 3, 4), _x(1, 2, 5, 4))
    with pytest.raises(ValueError, match="attention axis 3"):
        _mha(2, 2, attention_axes=3)(_x(1, 3, 4), _x(1, 3, 4))
    mha = _mha(2, 2)
    mha(_x(1, 3, 4), _x(1, 5, 6))
    with pytest.raises(ValueError, match=r"built for `value` with 6 features"):
        mha(_x(1, 3, 4), _x(1, 5, 7))


# -- GroupedQueryAttention -------------------------------------------------------
def test_grouped_query_attention_matches_numpy():
    q, v = _x(2, 3, 6), _x(2, 5, 6)
    gqa = _gqa(head_dim=2, num_query_heads=4, num_key_value_heads=2)
    gqa(q, v)
    shapes = [tuple(w.shape) for w in gqa.get_weights()]
    assert shapes == [
        (6, 4, 2),
        (4, 2),
        (6, 2, 2),
        (2, 2),
        (6, 2, 2),
        (2, 2),
        (4, 2, 6),
        (6,),
    ]
    weights = _randomize(gqa)
    mask = RNG.random((2, 3, 5)) > 0.3
    out, scores = gqa(q, v, attention_mask=mask, return_attention_scores=True)
    want, want_p = _np_mha(q, v, v, weights, 4, 2, mask, kv_groups=2)
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(scores, want_p, rtol=1e-4, atol=1e-6)


def test_grouped_query_attention_errors():
    with pytest.raises(ValueError, match="must be divisible"):
        GroupedQueryAttention(2, 3, 2)
    with pytest.raises(ValueError, match="`head_dim` must be a positive int"):
        GroupedQueryAttention(0, 2, 2)
    with pytest.raises(
        ValueError, match="last axes of `query` and `value` must be equal"
    ):
        GroupedQueryAttention(2, 2, 1)(_x(1, 3, 4), _x(1, 3, 5))


# -- Keras 3 ---------------------------------------------------------------------
@pytest.mark.compat
@pytest.mark.parametrize(
    "kwargs",
    [
        {"num_heads": 2, "key_dim": 3},
        {"num_heads": 3, "key_dim": 2, "output_shape": 7, "use_bias": False},
        {"num_heads": 2, "key_dim": 3, "value_dim": 4, "use_gate": True},
    ],
)
def test_multi_head_attention_matches_keras(kwargs):
    keras = pytest.importorskip("keras")
    q, v = _x(2, 4, 6), _x(2, 5, 6)
    theirs = keras.layers.MultiHeadAttention(**kwargs)
    ours = _mha(**kwargs)
    # (Keras's fused path rejects value_dim != key_dim; scores force its einsum path.)
    theirs(q, v, return_attention_scores=True)
    ours(q, v)
    assert [w.shape for w in ours.get_weights()] == [
        w.shape for w in theirs.get_weights()
    ]
    ours.set_weights(theirs.get_weights())
    assert ours.count_params() == theirs.count_params()
    mask = RNG.random((2, 4, 5)) > 0.3
    mask[0, 1] = False  # a fully masked query row
    v_mask = RNG.random((2, 5)) > 0.3
    for call_kwargs in (
        {"attention_mask": mask},
        {"value_mask": v_mask, "use_causal_mask": True},
    ):
        a, sa = ours(q, v, return_attention_scores=True, **call_kwargs)
        b, sb = theirs(q, v, return_attention_scores=True, **call_kwargs)
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(sa, sb, rtol=1e-5, atol=1e-6)
        if "value_dim" not in kwargs:  # Keras's fused path
            np.testing.assert_allclose(
                ours(q, v, **call_kwargs),
                theirs(q, v, **call_kwargs),
                rtol=1e-5,
                atol=1e-5,
            )


@pytest.mark.compat
def test_grouped_query_attention_matches_keras():
    keras = pytest.importorskip("keras")
    q, v = _x(2, 4, 6), _x(2, 5, 6)
    kwargs = dict(head_dim=3, num_query_heads=4, num_key_value_heads=2)
    theirs = keras.layers.GroupQueryAttention(**kwargs)
    ours = _gqa(**kwargs)
    theirs(q, v)
    ours(q, v)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(
        ours(q, v, use_causal_mask=True),
        theirs(q, v, use_causal_mask=True),
        rtol=1e-5,
        atol=1e-5,
    )
    assert ours.get_config().keys() >= theirs.get_config().keys() - {"dtype"}


class _TransformerBlock(Layer):
    """The keras.io text-classification transformer block."""

    def __init__(self, layers_module, embed_dim, num_heads, ff_dim, **kwargs):
        super().__init__(**kwargs)
        self.att = layers_module.MultiHeadAttention(
            num_heads=num_heads, key_dim=embed_dim
        )
        self.ffn1 = layers_module.Dense(ff_dim, activation="relu")
        self.ffn2 = layers_module.Dense(embed_dim)
        self.norm1 = layers_module.LayerNormalization(epsilon=1e-6)
        self.norm2 = layers_module.LayerNormalization(epsilon=1e-6)

    def call(self, inputs):
        x = self.norm1(inputs + self.att(inputs, inputs))
        return self.norm2(x + self.ffn2(self.ffn1(x)))


@pytest.mark.compat
def test_transformer_block_count_params_and_outputs_match_keras():
    keras = pytest.importorskip("keras")
    from types import SimpleNamespace

    from kerasish.layers.core.dense import Dense
    from kerasish.layers.normalization import LayerNormalization

    ours_module = SimpleNamespace(
        MultiHeadAttention=MultiHeadAttention,
        Dense=Dense,
        LayerNormalization=LayerNormalization,
    )

    class KerasBlock(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.att = keras.layers.MultiHeadAttention(num_heads=2, key_dim=32)
            self.ffn1 = keras.layers.Dense(32, activation="relu")
            self.ffn2 = keras.layers.Dense(32)
            self.norm1 = keras.layers.LayerNormalization(epsilon=1e-6)
            self.norm2 = keras.layers.LayerNormalization(epsilon=1e-6)

        def call(self, inputs):
            x = self.norm1(inputs + self.att(inputs, inputs))
            return self.norm2(x + self.ffn2(self.ffn1(x)))

    x = _x(2, 10, 32)
    theirs = KerasBlock()
    ours = _TransformerBlock(ours_module, 32, 2, 32)
    theirs(x)
    ours(x)
    # keras.io "Text classification with Transformer": transformer_block 10,656.
    assert theirs.count_params() == 10656
    assert ours.count_params() == 10656
    for our_layer, their_layer in [
        (ours.att, theirs.att),
        (ours.ffn1, theirs.ffn1),
        (ours.ffn2, theirs.ffn2),
        (ours.norm1, theirs.norm1),
        (ours.norm2, theirs.norm2),
    ]:
        our_layer.set_weights(their_layer.get_weights())
    np.testing.assert_allclose(ours(x), theirs(x), rtol=1e-4, atol=1e-4)

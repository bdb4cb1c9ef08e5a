"""MultiHeadAttention and GroupedQueryAttention vs softmax attention written out in
numpy (masks, causal mask), finite-difference gradients, and Keras 3."""

import functools
import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from kerasish.common.tensor_mask import set_keras_mask
from kerasish.layers.attention import GroupedQueryAttention, MultiHeadAttention
from kerasish.layers.input_layer import Input
from kerasish.layers.layer import Layer
from tests import recorded
from tests.layers import attention_cases

RECORD = Path(__file__).parent / "keras_attention.json.gz"

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
    # Keras's sublayers in its order, the softmax and dropout (auto-named)
    # made while the attention is built.
    kinds = [(type(layer).__name__, layer.name) for layer in mha._layers]
    assert [k for k, _ in kinds] == ["EinsumDense"] * 3 + [
        "Softmax",
        "Dropout",
        "EinsumDense",
    ]
    names = [n for _, n in kinds]
    assert names[:3] == ["query", "key", "value"] and names[5] == "attention_output"
    assert names[3].startswith("softmax") and names[4].startswith("dropout")
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
    causal = np.tril(np.ones((4, 4), bool))
    # As Keras 3: the query mask is the query's own `_keras_mask`; an explicit
    # `query_mask=` on a query that carries none is not used.
    out, scores = mha(
        q,
        v,
        query_mask=q_mask,
        value_mask=v_mask,
        use_causal_mask=True,
        return_attention_scores=True,
    )
    want, want_p = _np_mha(q, v, v, weights, 3, 2, v_mask[:, None, :] & causal[None])
    np.testing.assert_allclose(out, want, rtol=1e-4, atol=1e-5)
    masked_q = jnp.asarray(q)
    set_keras_mask(masked_q, jnp.asarray(q_mask))
    out, scores = mha(
        masked_q,
        v,
        value_mask=v_mask,
        use_causal_mask=True,
        return_attention_scores=True,
    )
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
# Keras's side is what `tools/record_keras.py attention` recorded (cases in
# `attention_cases.py`); `test_record_is_what_keras_gives` (marker `slow`) reruns
# Keras and compares kerasish with it live.


@functools.cache
def keras_record():
    fingerprint = recorded.digest(attention_cases.__file__)
    return recorded.load(RECORD, "source", fingerprint, "attention")["cases"]


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


def _our_block():
    from types import SimpleNamespace

    from kerasish.layers.core.dense import Dense
    from kerasish.layers.normalization import LayerNormalization

    ours_module = SimpleNamespace(
        MultiHeadAttention=MultiHeadAttention,
        Dense=Dense,
        LayerNormalization=LayerNormalization,
    )
    return _TransformerBlock(ours_module, 32, 2, 32)


def _compare_mha(theirs, ours, case):
    assert ours["shapes"] == theirs["shapes"], case
    assert ours["params"] == theirs["params"], case
    assert sorted(ours) == sorted(theirs), case
    for key, value in theirs.items():
        if key.endswith("_scores"):
            np.testing.assert_allclose(
                ours[key], value, rtol=1e-5, atol=1e-6, err_msg=f"{case} {key}"
            )
        elif key.endswith(("_out", "_fused")):
            np.testing.assert_allclose(
                ours[key], value, rtol=1e-5, atol=1e-5, err_msg=f"{case} {key}"
            )


def _compare_gqa(theirs, ours):
    np.testing.assert_allclose(
        ours["causal_out"], theirs["causal_out"], rtol=1e-5, atol=1e-5
    )
    assert set(ours["config_keys"]) >= set(theirs["config_keys"]) - {"dtype"}


def _compare_block(theirs, ours):
    # keras.io "Text classification with Transformer": transformer_block 10,656.
    assert theirs["params"] == 10656
    assert ours["params"] == 10656
    np.testing.assert_allclose(ours["out"], theirs["out"], rtol=1e-4, atol=1e-4)


def test_multi_head_attention_matches_keras():
    """Weight shapes, parameter counts, outputs and scores (attention mask with a
    fully masked row; value mask with causal mask), einsum and fused paths."""
    for i, case in enumerate(attention_cases.MHA_CASES):
        ours = attention_cases.run_mha(_mha, i)
        _compare_mha(keras_record()["mha"][i], ours, case)


def test_grouped_query_attention_matches_keras():
    _compare_gqa(keras_record()["gqa"], attention_cases.run_gqa(_gqa))


def test_transformer_block_count_params_and_outputs_match_keras():
    _compare_block(keras_record()["block"], attention_cases.run_block(_our_block()))


@pytest.mark.slow
@pytest.mark.compat
def test_record_is_what_keras_gives():
    keras = pytest.importorskip("keras")
    live = attention_cases.record_all(keras)
    record = keras_record()
    for i, case in enumerate(attention_cases.MHA_CASES):
        _compare_mha(live["mha"][i], attention_cases.run_mha(_mha, i), case)
        _compare_mha(live["mha"][i], record["mha"][i], case)
    _compare_gqa(live["gqa"], attention_cases.run_gqa(_gqa))
    assert record["gqa"]["config_keys"] == live["gqa"]["config_keys"]
    # (The recorder runs outside the suite's XLA settings: ulp-level differences.)
    _compare_gqa(live["gqa"], record["gqa"])
    _compare_block(live["block"], attention_cases.run_block(_our_block()))
    _compare_block(live["block"], record["block"])

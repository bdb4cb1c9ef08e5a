"""The attention cases compared with Keras 3 (shared by
`test_multi_head_attention.py` and `tools/record_keras.py attention`; editing
this file asks for a new record).

Each `run_*(lib, ...)` builds the layer under `lib` (Keras 3 or kerasish's
namespace), gives it seeded weights and returns what the test compares.
"""

import numpy as np

MHA_CASES = [
    {"num_heads": 2, "key_dim": 3},
    {"num_heads": 3, "key_dim": 2, "output_shape": 7, "use_bias": False},
    {"num_heads": 2, "key_dim": 3, "value_dim": 4, "use_gate": True},
]
GQA_KWARGS = {"head_dim": 3, "num_query_heads": 4, "num_key_value_heads": 2}


def _seeded_weights(layer, seed):
    rng = np.random.default_rng(seed)
    layer.set_weights(
        [
            (rng.normal(size=w.shape) * 0.5).astype("float32")
            for w in layer.get_weights()
        ]
    )


def _inputs(seed):
    rng = np.random.default_rng(seed)
    q = rng.normal(size=(2, 4, 6)).astype("float32")
    v = rng.normal(size=(2, 5, 6)).astype("float32")
    mask = rng.random((2, 4, 5)) > 0.3
    mask[0, 1] = False  # a fully masked query row
    v_mask = rng.random((2, 5)) > 0.3
    return q, v, mask, v_mask


def run_mha(layer_class, index):
    """`layer_class`: a MultiHeadAttention class; outputs and scores per mask."""
    kwargs = MHA_CASES[index]
    q, v, mask, v_mask = _inputs(10 + index)
    layer = layer_class(**kwargs)
    # (Keras's fused path rejects value_dim != key_dim; scores force its einsum path.)
    layer(q, v, return_attention_scores=True)
    out = {
        "shapes": [tuple(w.shape) for w in layer.get_weights()],
        "params": layer.count_params(),
    }
    _seeded_weights(layer, 20 + index)
    for name, call_kwargs in (
        ("mask", {"attention_mask": mask}),
        ("causal", {"value_mask": v_mask, "use_causal_mask": True}),
    ):
        a, scores = layer(q, v, return_attention_scores=True, **call_kwargs)
        out[f"{name}_out"] = np.asarray(a)
        out[f"{name}_scores"] = np.asarray(scores)
        if "value_dim" not in kwargs:  # Keras's fused path
            out[f"{name}_fused"] = np.asarray(layer(q, v, **call_kwargs))
    return out


def run_gqa(layer_class):
    q, v, _, _ = _inputs(30)
    layer = layer_class(**GQA_KWARGS)
    layer(q, v)
    _seeded_weights(layer, 31)
    config = {k: v for k, v in layer.get_config().items()}
    return {
        "causal_out": np.asarray(layer(q, v, use_causal_mask=True)),
        "config_keys": sorted(config),
    }


def run_block(block):
    """A built transformer block with sublayers att, ffn1, ffn2, norm1, norm2."""
    x = np.random.default_rng(40).normal(size=(2, 10, 32)).astype("float32")
    block(x)
    params = block.count_params()
    for i, name in enumerate(("att", "ffn1", "ffn2", "norm1", "norm2")):
        _seeded_weights(getattr(block, name), 41 + i)
    return {"params": params, "out": np.asarray(block(x))}


def keras_block(keras):
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

    return KerasBlock()


def record_all(keras):
    return {
        "mha": [
            run_mha(keras.layers.MultiHeadAttention, i) for i in range(len(MHA_CASES))
        ],
        "gqa": run_gqa(keras.layers.GroupQueryAttention),
        "block": run_block(keras_block(keras)),
    }

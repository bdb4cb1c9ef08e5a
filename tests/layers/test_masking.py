"""Masks on eager outputs (`_keras_mask`), `supports_masking` and `compute_mask`,
against Keras 3: for every layer class, and through models."""

import inspect
import warnings

import numpy as np
import pytest

import kerasish
from kerasish import layers
from kerasish.layers.keras_mask import get_keras_mask, set_keras_mask
from tests.helpers import keras3

IDS = np.array([[1, 0, 2, 0], [0, 3, 4, 5]])
RNG = np.random.default_rng(0)
X = RNG.normal(size=(2, 5, 4)).astype("float32")
MASK = np.array([[1, 1, 0, 1, 0], [1, 0, 1, 1, 1]], bool)
X2 = RNG.normal(size=(2, 5, 4)).astype("float32")
MASK2 = np.array([[1, 0, 1, 1, 1], [1, 1, 1, 0, 0]], bool)


def test_embedding_and_masking_outputs_carry_masks():
    out = layers.Embedding(10, 3, mask_zero=True)(IDS)
    np.testing.assert_array_equal(out._keras_mask, IDS != 0)
    x = X.copy()
    x[0, 2] = 0.0
    masked = layers.Masking()(x)
    np.testing.assert_array_equal(masked._keras_mask, np.any(x != 0, axis=-1))
    # Propagated by layers that support masking, dropped by those that consume it.
    expected = masked._keras_mask
    np.testing.assert_array_equal(layers.Dense(2)(masked)._keras_mask, expected)
    np.testing.assert_array_equal(layers.ReLU()(masked)._keras_mask, expected)
    assert get_keras_mask(layers.GlobalAveragePooling1D()(masked)) is None
    assert get_keras_mask(layers.Flatten()(masked)) is None
    assert get_keras_mask(layers.Embedding(10, 3)(IDS)) is None


def test_eager_mask_reaches_the_next_layer():
    embedded = layers.Embedding(10, 3, mask_zero=True)(IDS)
    pooled = layers.GlobalAveragePooling1D()(embedded)
    keep = (IDS != 0).astype("float32")[..., None]
    expected = (np.asarray(embedded) * keep).sum(1) / keep.sum(1)
    np.testing.assert_allclose(pooled, expected, rtol=1e-6)
    lstm = layers.LSTM(2)
    implicit = lstm(embedded)
    explicit = lstm(np.asarray(embedded), mask=IDS != 0)
    unmasked = lstm(np.asarray(embedded))
    np.testing.assert_allclose(implicit, explicit, rtol=1e-6)
    assert not np.allclose(implicit, unmasked)


def test_models_return_masked_outputs():
    inputs = kerasish.Input((4,), dtype="int32")
    x = layers.Embedding(10, 3, mask_zero=True)(inputs)
    model = kerasish.Model(inputs, layers.Dense(2)(x))
    np.testing.assert_array_equal(model(IDS)._keras_mask, IDS != 0)
    seq = kerasish.Sequential(
        [kerasish.Input((4,), dtype="int32"), layers.Embedding(10, 3, mask_zero=True)]
    )
    np.testing.assert_array_equal(seq(IDS)._keras_mask, IDS != 0)


def test_masks_flow_inside_a_compiled_subclassed_call():
    class Pool(kerasish.Model):
        def __init__(self):
            super().__init__()
            self.embed = layers.Embedding(10, 3, mask_zero=True)
            self.pool = layers.GlobalAveragePooling1D()

        def call(self, ids):
            return self.pool(self.embed(ids))  # the mask travels on the tracer

    model = Pool()
    eager = model(IDS)
    compiled = model.predict(IDS, verbose=0)
    embedded = np.asarray(model.embed(IDS))
    keep = (IDS != 0).astype("float32")[..., None]
    expected = (embedded * keep).sum(1) / keep.sum(1)
    np.testing.assert_allclose(eager, expected, rtol=1e-6)
    np.testing.assert_allclose(compiled, expected, rtol=1e-6)


def test_side_table_for_objects_without_attributes():
    class Frozen:
        __slots__ = ("__weakref__",)

    item = Frozen()
    set_keras_mask(item, "mask")
    assert get_keras_mask(item) == "mask"
    set_keras_mask(item, None)
    assert get_keras_mask(item) is None
    assert get_keras_mask(3) is None
    set_keras_mask(3, "ignored")  # neither taggable nor weakly referenceable
    assert get_keras_mask(3) is None


# -- every layer class against Keras ---------------------------------------------

ARGS = {
    "Activation": lambda k: {"activation": "relu"},
    "AlphaDropout": lambda k: {"rate": 0.5},
    "Bidirectional": lambda k: {"layer": k.layers.LSTM(3, return_sequences=True)},
    "CategoryEncoding": lambda k: {"num_tokens": 4},
    "CenterCrop": lambda k: {"height": 2, "width": 2},
    "Dense": lambda k: {"units": 2},
    "Discretization": lambda k: {"bin_boundaries": [0.0]},
    "Dot": lambda k: {"axes": 2},
    "EinsumDense": lambda k: {"equation": "abc,cd->abd", "output_shape": (None, 2)},
    "Embedding": lambda k: {"input_dim": 10, "output_dim": 2},
    "GaussianNoise": lambda k: {"stddev": 0.1},
    "GroupedQueryAttention": lambda k: {
        "head_dim": 2,
        "num_query_heads": 2,
        "num_key_value_heads": 1,
    },
    "Lambda": lambda k: {"function": lambda x: x},
    "Normalization": lambda k: {"mean": 0.5, "variance": 2.0},
    "MultiHeadAttention": lambda k: {"num_heads": 2, "key_dim": 2},
    "Permute": lambda k: {"dims": (2, 1)},
    "RepeatVector": lambda k: {"n": 2},
    "Rescaling": lambda k: {"scale": 2.0},
    "Reshape": lambda k: {"target_shape": (20,)},
    "Resizing": lambda k: {"height": 2, "width": 2},
    "RNN": lambda k: {"cell": k.layers.LSTMCell(2)},
    "StackedRNNCells": lambda k: {"cells": [k.layers.LSTMCell(2)]},
    "TimeDistributed": lambda k: {"layer": k.layers.Dense(2)},
}
for _name in ("Dropout", "GaussianDropout", "SpatialDropout1D", "SpatialDropout2D"):
    ARGS[_name] = lambda k: {"rate": 0.5}
for _name in ("SpatialDropout3D",):
    ARGS[_name] = lambda k: {"rate": 0.5}
for _name in ("GRU", "LSTM", "SimpleRNN", "GRUCell", "LSTMCell", "SimpleRNNCell"):
    ARGS[_name] = lambda k: {"units": 2}
for _name in (
    "RandomContrast",
    "RandomRotation",
    "RandomZoom",
    "RandomBrightness",
    "RandomColorDegeneration",
    "RandomHue",
    "RandomSaturation",
    "RandomSharpness",
):
    ARGS[_name] = lambda k: {"factor": 0.1}
ARGS["RandomZoom"] = lambda k: {"height_factor": 0.1}
ARGS["RandomPosterization"] = lambda k: {"factor": (1, 4)}
ARGS["RandomTranslation"] = lambda k: {"height_factor": 0.1, "width_factor": 0.1}
for _dims in ("1D", "2D", "3D"):
    for _base in ("Conv", "Convolution", "SeparableConv", "SeparableConvolution"):
        ARGS[f"{_base}{_dims}"] = lambda k: {"filters": 2, "kernel_size": 2}
        ARGS[f"{_base}{_dims}Transpose"] = lambda k: {"filters": 2, "kernel_size": 2}
    ARGS[f"DepthwiseConv{_dims}"] = lambda k: {"kernel_size": 2}
    for _pool in ("AveragePooling", "AvgPool"):
        ARGS[f"{_pool}{_dims}"] = lambda k: {"pool_size": 2}
ARGS["GroupQueryAttention"] = ARGS["GroupedQueryAttention"]
# Issue 11's layers.
for _dims in ("1D", "2D", "3D"):
    ARGS[f"AdaptiveAveragePooling{_dims}"] = lambda k: {"output_size": 2}
    ARGS[f"AdaptiveMaxPooling{_dims}"] = lambda k: {"output_size": 2}
    ARGS[f"ConvLSTM{_dims}"] = lambda k: {"filters": 2, "kernel_size": 2}
ARGS["Hashing"] = lambda k: {"num_bins": 3}
ARGS["HashedCrossing"] = lambda k: {"num_bins": 3}
ARGS["JaxLayer"] = lambda k: {"call_fn": lambda inputs: inputs}
ARGS["ReversibleEmbedding"] = lambda k: {"input_dim": 10, "output_dim": 2}
ARGS["SpectralNormalization"] = lambda k: {"layer": k.layers.Dense(2)}
ARGS["Wrapper"] = lambda k: {"layer": k.layers.Dense(2)}
ARGS["RandomCrop"] = lambda k: {"height": 2, "width": 2}
ARGS["MaxNumBoundingBoxes"] = lambda k: {"max_number": 2}
ARGS["Pipeline"] = lambda k: {"layers": [k.layers.RandomFlip()]}

# Layers whose first argument is a list of two tensors, or that take two tensors.
LIST_INPUT = {
    "Add",
    "Average",
    "Concatenate",
    "Maximum",
    "Minimum",
    "Multiply",
    "Subtract",
    "Dot",
    "Attention",
    "AdditiveAttention",
}
TWO_TENSORS = {"MultiHeadAttention", "GroupedQueryAttention", "GroupQueryAttention"}
# FlaxLayer needs a Flax module (Flax is an optional extra).
SKIP = {"Layer", "InputLayer", "Input", "InputSpec", "FlaxLayer"}


HEAVY = {"Bidirectional", "GRU", "LSTM", "SimpleRNN", "RNN", "GroupedQueryAttention"}


def _layer_names():
    """One name per class (aliases such as AvgPool1D are the same class)."""
    names, seen = [], set()
    for name in layers.__all__:
        obj = getattr(layers, name)
        if (
            inspect.isclass(obj)
            and issubclass(obj, layers.Layer)
            and name not in SKIP
            and obj not in seen
        ):
            seen.add(obj)
            names.append(name)
    return names


def _params(names):
    return [pytest.param(n, marks=pytest.mark.slow) if n in HEAVY else n for n in names]


def _make(lib, name):
    return getattr(lib.layers, name)(**ARGS.get(name, lambda k: {})(lib))


@pytest.mark.compat
@pytest.mark.parametrize("name", _params(_layer_names()))
def test_supports_masking_matches_keras(name):
    keras = keras3()
    if not hasattr(keras.layers, name):
        pytest.skip(f"Keras has no layers.{name}")
    ours, theirs = _make(kerasish, name), _make(keras, name)
    assert ours.supports_masking == theirs.supports_masking


def _masked(x, mask):
    import jax.numpy as jnp

    array = jnp.asarray(x)
    array._keras_mask = jnp.asarray(mask)
    return array


def _call(lib, layer, name):
    first, second = _masked(X, MASK), _masked(X2, MASK2)
    if name in LIST_INPUT:
        return layer([first, second])
    if name in TWO_TENSORS:
        return layer(first, second)
    return layer(first)


def _masking_layer_names():
    out = []
    for name in _layer_names():
        try:
            if _make(kerasish, name).supports_masking:
                out.append(name)
        except Exception:  # noqa: BLE001 -- constructing needs Keras-only args
            continue
    return out


@pytest.mark.compat
@pytest.mark.parametrize("name", _params(_masking_layer_names()))
def test_propagated_masks_match_keras(name):
    keras = keras3()
    if not hasattr(keras.layers, name):
        pytest.skip(f"Keras has no layers.{name}")
    theirs = _make(keras, name)
    try:
        their_out = _call(keras, theirs, name)
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"Keras cannot run {name} on (2, 5, 4) inputs: {error}")
    ours = _make(kerasish, name)
    our_out = _call(kerasish, ours, name)
    if theirs.weights:
        ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
        our_out = _call(kerasish, ours, name)
        np.testing.assert_allclose(our_out, np.asarray(their_out), rtol=1e-4, atol=1e-5)
    from keras.src import backend

    their_mask = backend.get_keras_mask(their_out)
    our_mask = get_keras_mask(our_out)
    assert (our_mask is None) == (their_mask is None)
    if their_mask is not None:
        np.testing.assert_array_equal(np.asarray(our_mask), np.asarray(their_mask))
    their_computed = theirs.compute_mask(
        [X, X2] if name in LIST_INPUT else X,
        [MASK, MASK2] if name in LIST_INPUT else MASK,
    )
    our_computed = ours.compute_mask(
        [X, X2] if name in LIST_INPUT else X,
        [MASK, MASK2] if name in LIST_INPUT else MASK,
    )
    assert (our_computed is None) == (their_computed is None)
    if their_computed is not None:
        np.testing.assert_array_equal(
            np.asarray(our_computed), np.asarray(their_computed)
        )


def _symbolic_masks(lib):
    L = lib.layers
    ids = lib.Input((4,), dtype="int32")
    embedded = L.Embedding(10, 3, mask_zero=True)(ids)
    x = lib.Input((5, 3))
    masked = L.Masking()(x)
    tensors = {
        "embedding": embedded,
        "dense": L.Dense(2)(embedded),
        "pooled": L.GlobalAveragePooling1D()(embedded),
        "masking": masked,
        "lstm_sequences": L.LSTM(2, return_sequences=True)(masked),
        "lstm_last": L.LSTM(2)(masked),
        "plain": L.Dense(2)(x),
    }
    out = {}
    for name, tensor in tensors.items():
        mask = getattr(tensor, "_keras_mask", None)
        out[name] = None if mask is None else (tuple(mask.shape), str(mask.dtype))
    return out


def test_symbolic_outputs_carry_mask_specs():
    masks = _symbolic_masks(kerasish)
    assert masks["embedding"] == ((None, 4), "bool")
    assert masks["masking"] == ((None, 5), "bool")
    assert masks["pooled"] is None and masks["plain"] is None


@pytest.mark.compat
def test_symbolic_mask_specs_match_keras():
    assert _symbolic_masks(kerasish) == _symbolic_masks(keras3())


class _CustomEmbedding(layers.Layer):
    """The masking guide's layer: it overrides `compute_mask` only."""

    def __init__(self, input_dim, output_dim, **kwargs):
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = input_dim, output_dim

    def build(self, input_shape):
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim), initializer="random_normal"
        )

    def call(self, inputs):
        return kerasish.ops.take(self.embeddings, inputs, axis=0)

    def compute_mask(self, inputs, mask=None):
        return kerasish.ops.not_equal(inputs, 0)


class _TemporalSoftmax(layers.Layer):
    """The masking guide's layer: its `call` needs the mask."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        assert mask is not None, "no mask reached call"
        weights = kerasish.ops.expand_dims(kerasish.ops.cast(mask, "float32"), -1)
        exp = kerasish.ops.exp(inputs) * weights
        return exp / kerasish.ops.sum(exp, axis=1, keepdims=True)


def test_a_layer_overriding_compute_mask_supports_masking_as_in_keras():
    """Keras infers `supports_masking` from an overridden `compute_mask`; the
    mask then reaches the next layer's `call`, symbolic call included, and the
    padding gets no weight (numpy: a softmax over the real steps only)."""
    assert _CustomEmbedding(10, 4).supports_masking
    assert not layers.Layer().supports_masking
    inputs = kerasish.Input((None,), dtype="int32")
    x = _CustomEmbedding(10, 1, name="embed")(inputs)
    model = kerasish.Model(inputs, _TemporalSoftmax()(x))
    ids = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
    got = model.predict(ids, verbose=0)[..., 0]
    table = kerasish.ops.convert_to_numpy(model.get_layer("embed").embeddings)[:, 0]
    expected = np.exp(table[ids]) * (ids != 0)
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(got, expected, rtol=1e-5)


def test_a_layer_without_mask_support_warns_that_the_mask_is_dropped():
    """As Keras: Flatten after Embedding(mask_zero=True) drops the mask; the
    user is told where: at a model's construction, or at their own eager call
    (not at each sublayer call inside a layer, as MultiHeadAttention's)."""
    import kerasish as keras

    inputs = keras.Input((4,), dtype="int32")
    hidden = keras.layers.Embedding(10, 3, mask_zero=True)(inputs)
    message = "Layer 'drops' \\(of type Flatten\\) was passed an input with a mask"
    with pytest.warns(UserWarning, match=message):
        flat = keras.layers.Flatten(name="drops")(hidden)
    model = keras.Model(inputs, keras.layers.Dense(1)(flat))
    embedded = keras.layers.Embedding(10, 3, mask_zero=True)(np.array([[1, 2, 0, 0]]))
    with pytest.warns(UserWarning, match=message):
        keras.layers.Flatten(name="drops")(embedded)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model(np.array([[1, 2, 0, 0]]))  # told once, at construction
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keras.layers.Flatten()(keras.Input((4, 3)))  # no mask: no warning


def test_functional_fills_mask_only_for_a_call_with_one_tensor():
    """Keras's rule, in a Functional model as in an eager call: `mask` is
    filled in only when the call has one tensor argument; an RNN also given
    `initial_state` runs unmasked (the model gave it the mask before)."""

    def simple_rnn(xs, h):  # tanh(x W + h U), all-ones kernels, no bias
        for x in xs:
            h = np.tanh(x.sum() + h.sum()) * np.ones(2)
        return h

    x = np.ones((1, 4, 3), "float32")
    x[0, 1:] = 0.0
    h = np.full((1, 2), 0.5, "float32")
    rnn = layers.SimpleRNN(2, kernel_initializer="ones", recurrent_initializer="ones")
    xi, hi = kerasish.Input((4, 3)), kerasish.Input((2,))
    masked = layers.Masking(0.0)(xi)
    with_state = kerasish.Model([xi, hi], rnn(masked, initial_state=hi))
    alone = kerasish.Model(xi, rnn(masked))
    unmasked = simple_rnn(x[0], h[0])
    np.testing.assert_allclose(with_state.predict([x, h], verbose=0)[0], unmasked)
    np.testing.assert_allclose(
        rnn(layers.Masking(0.0)(x), initial_state=h)[0], unmasked, rtol=1e-6
    )
    # One tensor: the mask is used (only the first step counts).
    first_step = simple_rnn(x[0, :1], np.zeros(2))
    np.testing.assert_allclose(alone.predict(x, verbose=0)[0], first_step, rtol=1e-6)

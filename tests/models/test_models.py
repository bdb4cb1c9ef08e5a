import numpy as np
import pytest

import kerasish as keras
from kerasish import layers

RNG = np.random.default_rng(0)


def _mlp_weights(model):
    return model.get_weights()


def test_sequential_functional_subclass_agree():
    x = RNG.normal(size=(4, 6)).astype("float32")
    seq = keras.Sequential(
        [keras.Input((6,)), layers.Dense(5, activation="relu"), layers.Dense(2)]
    )
    inputs = keras.Input((6,))
    func = keras.Model(
        inputs, layers.Dense(2)(layers.Dense(5, activation="relu")(inputs))
    )

    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.a = layers.Dense(5, activation="relu")
            self.b = layers.Dense(2)

        def call(self, x):
            return self.b(self.a(x))

    sub = Sub()
    sub(x)
    w = seq.get_weights()
    func.set_weights(w)
    sub.set_weights(w)
    ref = np.maximum(x @ w[0] + w[1], 0) @ w[2] + w[3]
    for model in (seq, func, sub):
        np.testing.assert_allclose(model(x), ref, rtol=1e-5, atol=1e-5)
        assert model.count_params() == 6 * 5 + 5 + 5 * 2 + 2


def test_multi_input_multi_output_dicts_and_shared_layer():
    a = keras.Input((3,), name="a")
    b = keras.Input((3,), name="b")
    shared = layers.Dense(4, name="shared")
    ha, hb = shared(a), shared(b)
    model = keras.Model(
        {"a": a, "b": b}, {"sum": layers.Dense(1, name="s")(ha), "other": hb}
    )
    out = model({"a": np.ones((2, 3)), "b": np.zeros((2, 3))})
    w, bias = shared.get_weights()
    np.testing.assert_allclose(out["other"], np.tile(bias, (2, 1)), rtol=1e-6)
    assert out["sum"].shape == (2, 1)
    assert len(shared._inbound_nodes) == 2
    assert [layer.name for layer in model.layers] == [
        "b",
        "a",
        "shared",
        "s",
    ]  # as Keras 3


def test_model_as_layer_in_another_model():
    inner_in = keras.Input((4,))
    inner = keras.Model(inner_in, layers.Dense(3)(inner_in), name="inner")
    outer_in = keras.Input((4,))
    outer = keras.Model(outer_in, layers.Dense(1)(inner(outer_in)))
    x = RNG.normal(size=(2, 4)).astype("float32")
    w = outer.get_weights()
    ref = (x @ w[0] + w[1]) @ w[2] + w[3]
    np.testing.assert_allclose(outer(x), ref, rtol=1e-5, atol=1e-5)
    assert outer.get_layer("inner") is inner


def test_sequential_deferred_build_add_pop():
    model = keras.Sequential()
    model.add(layers.Dense(3))
    model.add(layers.Dense(2))
    assert not model.built
    model(np.ones((5, 4), "float32"))
    assert model.built and model.count_params() == 4 * 3 + 3 + 3 * 2 + 2
    popped = model.pop()
    assert popped.units == 2 and len(model.layers) == 1
    with pytest.raises(TypeError, match="Layer instance"):
        model.add("dense")


def test_get_layer_by_name_and_index_errors():
    model = keras.Sequential([keras.Input((2,)), layers.Dense(1, name="out")])
    assert model.get_layer(index=0).name == "out"
    # Keras's messages, word for word.
    errors = [
        (
            lambda: model.get_layer("nope"),
            "No such layer: nope. Existing layers are: ['out'].",
        ),
        (
            lambda: model.get_layer(index=5),
            "Was asked to retrieve layer at index 5 but model only has 1 layers.",
        ),
        (
            lambda: model.get_layer(),
            "Provide either a layer name or layer index at `get_layer`.",
        ),
        (
            lambda: model.get_layer("out", 0),
            "Provide only a layer name or a layer index. Received: index=0, name=out.",
        ),
    ]
    for call, message in errors:
        with pytest.raises(ValueError) as info:
            call()
        assert str(info.value) == message


def test_unreachable_output_names_input():
    a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
    with pytest.raises(ValueError, match="not reachable.*Input 'b'"):
        keras.Model(a, layers.Dense(1)(b))


def test_non_symbolic_input_rejected():
    with pytest.raises(TypeError, match="symbolic tensors made by `keras.Input`"):
        keras.Model(np.ones((2, 2)), layers.Dense(1)(keras.Input((2,))))


def test_duplicate_layer_names_rejected():
    x = keras.Input((2,))
    y = layers.Dense(2, name="same")(layers.Dense(2, name="same")(x))
    with pytest.raises(ValueError, match="'same' is used 2 times"):
        keras.Model(x, y)


def test_functional_input_shape_mismatch_is_clear():
    x = keras.Input((3,), name="feat")
    model = keras.Model(x, layers.Dense(1)(x))
    with pytest.raises(
        ValueError, match=r"Input 'feat'.*expected shape \(None, 3\), received \(2, 5\)"
    ):
        model(np.ones((2, 5)))


def test_subclassed_model_build_and_summary():
    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(3)

        def call(self, x):
            return self.d(x)

    model = Sub()
    model.build((None, 7))
    assert model.count_params() == 24
    lines = []
    model.summary(print_fn=lines.append)
    assert "sub" in lines[0] and "24" in lines[0]


def test_sequential_config_has_keras_keys_and_rebuilds():
    """Keras's `Sequential.get_config`: the Model keys (name, trainable, dtype),
    the layers with the InputLayer first, and `build_input_shape`."""
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    config = model.get_config()
    assert sorted(config) == [
        "build_input_shape",
        "dtype",
        "layers",
        "name",
        "trainable",
    ]
    assert config["build_input_shape"] == (None, 4)
    assert config["dtype"]["config"] == {"name": "float32"}
    assert config["layers"][0]["class_name"] == "InputLayer"
    rebuilt = keras.Sequential.from_config(config)
    assert rebuilt.built and [w.shape for w in rebuilt.weights] == [(4, 2), (2,)]
    assert "build_input_shape" not in keras.Sequential([layers.Dense(2)]).get_config()


def test_input_layer_config_keeps_optional_as_keras():
    layer = layers.InputLayer(shape=(3,), optional=True, name="maybe")
    config = layer.get_config()
    assert config == {
        "batch_shape": (None, 3),
        "dtype": "float32",
        "sparse": False,
        "ragged": False,
        "name": "maybe",
        "optional": True,
    }
    assert layers.InputLayer.from_config(config).optional is True


def test_functional_config_records_builds_and_masks_as_keras():
    """As Keras: layers Keras builds in `__init__` (activations, pooling,
    dropout) have no `build_config`; a one-tensor call whose `call` takes a mask
    records `"mask": None` in its node; shapes stay tuples until JSON."""
    inputs = keras.Input((6, 2))
    x = layers.Conv1D(3, 2)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.MaxPooling1D()(x)
    x = layers.Dropout(0.1)(x)
    config = keras.Model(inputs, layers.Dense(1)(x)).get_config()
    by_name = {entry["class_name"]: entry for entry in config["layers"]}
    assert by_name["Conv1D"]["build_config"] == {"input_shape": (None, 6, 2)}
    assert by_name["BatchNormalization"]["build_config"] == {
        "input_shape": (None, 5, 3)
    }
    for name in ("Activation", "MaxPooling1D", "Dropout", "InputLayer"):
        assert "build_config" not in by_name[name], name
    assert by_name["BatchNormalization"]["inbound_nodes"][0]["kwargs"] == {"mask": None}
    assert by_name["Conv1D"]["inbound_nodes"][0]["kwargs"] == {}


def test_layers_built_while_inferring_shapes_record_an_unknown_batch():
    """Shape inference traces `call` at probe sizes; a sublayer it builds
    records None for them, as Keras's `build_config` (not the probe's 83)."""

    class Wrap(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = layers.Dense(3)

        def call(self, x):
            return self.inner(x)

    inputs = keras.Input((None, 4))
    wrap = Wrap()
    keras.Model(inputs, wrap(inputs))
    assert wrap.inner.get_build_config() == {"input_shape": (None, None, 4)}
    assert wrap.get_build_config() == {"input_shape": (None, None, 4)}


def test_a_symbolic_call_runs_the_layer_s_call_once_as_keras():
    """One trace with a symbolic unknown size: side effects of `call` (a layer
    made inside it, a counter) happen once, as in Keras; a call that needs a
    concrete size still infers its shape from two probes."""
    calls = []

    class Twice(layers.Layer):
        def call(self, x):
            calls.append(x.shape)
            return layers.Concatenate()([x, x])

    inputs = keras.Input((2,))
    out = Twice()(inputs)
    assert len(calls) == 1 and tuple(out.shape) == (None, 4)

    class NeedsSize(layers.Layer):
        def call(self, x):
            rows = int(x.shape[0])  # a concrete size only
            return keras.ops.reshape(x, (rows * 2, 1))

    out = NeedsSize()(keras.Input((2,)))
    assert tuple(out.shape) == (None, 1)


def test_a_failed_symbolic_trace_keeps_the_names_of_sub_layers_it_built():
    """keras.io's translation Transformer: a layer builds a sub-layer (named
    "dropout_...") and then needs a concrete size, so its symbolic trace fails
    and the probes take over. The built sub-layer keeps its name and the next
    Dropout is named after it, as in Keras (before: a second "dropout")."""
    kerasish_utils = keras.utils
    kerasish_utils.clear_session()

    class BuildsADropout(layers.Layer):
        def build(self, shape):
            self.inner = layers.Dropout(0.1)  # as MultiHeadAttention's

        def call(self, x):
            return self.inner(x)

    class BuildsThenNeedsSize(layers.Layer):
        def __init__(self):
            super().__init__()
            self.attention = BuildsADropout()  # built inside this call's trace

        def call(self, x):
            x = self.attention(layers.Dense(2)(x))  # a name given back
            rows = int(x.shape[0])  # a concrete size only
            return keras.ops.reshape(x, (rows * 2, 1))

    inputs = keras.Input((2,))
    out = BuildsThenNeedsSize()(inputs)
    after = layers.Dropout(0.1)
    assert tuple(out.shape) == (None, 1)
    assert after.name == "dropout_1"


def test_a_layer_frozen_at_construction_is_not_trained():
    """Keras's `_track_variable`: weights a frozen layer creates are frozen,
    so `fit` leaves them alone; unfreezing the layer unfreezes them."""
    model = keras.Sequential(
        [keras.Input((4,)), layers.Dense(3, trainable=False), layers.Dense(1)]
    )
    frozen = [w.copy() for w in model.layers[0].get_weights()]
    assert len(model.trainable_weights) == 2
    model.compile("adam", "mse")
    model.fit(np.ones((8, 4)), np.ones((8, 1)), epochs=2, verbose=0)
    for got, want in zip(model.layers[0].get_weights(), frozen):
        np.testing.assert_array_equal(got, want)
    model.layers[0].trainable = True
    assert len(model.trainable_weights) == 4


def test_functional_from_config_keeps_each_layers_trainable_flag():
    inputs = keras.Input((4,))
    hidden = layers.Dense(3, name="frozen")(inputs)
    model = keras.Model(inputs, layers.Dense(1)(hidden))
    model.get_layer("frozen").trainable = False
    clone = keras.Model.from_config(model.get_config())
    assert clone.get_layer("frozen").trainable is False
    assert len(clone.trainable_weights) == 2
    model.trainable = False
    clone = keras.Model.from_config(model.get_config())
    assert clone.trainable is False and clone.trainable_weights == []


def test_a_sequential_built_from_data_takes_other_shapes_of_its_rank():
    """Keras's idiom `self.dense_proj = Sequential([Dense, Dense])` inside a
    layer called on sequences of any length: a Sequential without `Input` is
    not fixed to its first call's shape; one with `Input` still checks."""
    x1 = np.ones((2, 5, 3), "float32")
    x2 = np.ones((3, 7, 3), "float32")
    model = keras.Sequential([layers.Dense(4)])
    assert model(x1).shape == (2, 5, 4)
    kernel_bias = [w.numpy() for w in model.weights]
    np.testing.assert_allclose(
        model(x2), x2 @ kernel_bias[0] + kernel_bias[1], rtol=1e-6
    )
    fixed = keras.Sequential([keras.Input((5, 3)), layers.Dense(4)])
    with pytest.raises(ValueError, match=r"expected shape \(None, 5, 3\)"):
        fixed(x2)


def test_a_model_from_intermediate_tensors_clones_them_into_inputs():
    """Keras's `clone_graph_nodes`: `Model(inputs=h, ...)` with `h` a layer's
    output gets a new Input named `<h>CLONE`; the layers (and weights) are the
    original graph's, so it computes what the full model computes from `h`."""
    x_in = keras.Input((3,))
    h = keras.layers.Dense(4, name="enc")(x_in)
    out = keras.layers.Dense(1, name="head")(keras.layers.Dense(4)(h))
    full = keras.Model(x_in, out)
    head = keras.Model(inputs=h, outputs=out)
    assert [layer.name for layer in head.layers] == [f"{h.name}CLONE", "dense", "head"]
    assert head.count_params() == 25
    assert head.get_layer("head") is full.get_layer("head")
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    hidden = full.get_layer("enc")(x)
    np.testing.assert_allclose(head(hidden), full(x), rtol=1e-6)
    w = [np.asarray(v) for v in head.get_weights()]
    np.testing.assert_allclose(
        head.predict(hidden, verbose=0),
        (np.asarray(hidden) @ w[0] + w[1]) @ w[2] + w[3],
        rtol=1e-5,
    )
    clone = keras.Model.from_config(head.get_config())
    assert [layer.name for layer in clone.layers] == [
        layer.name for layer in head.layers
    ]


def test_inputs_one_rank_off_with_a_trailing_one_are_adjusted_as_keras():
    """Keras's `_adjust_input_rank`: `(n,)` ids into `Input((1,))` get their
    last axis, `(n, 1, 1)` loses one; other rank mismatches are refused."""
    inp = keras.Input((1,))
    model = keras.Model(inp, layers.Dense(2)(inp))
    kernel, bias = (np.asarray(w) for w in model.get_weights())
    ids = np.arange(4.0, dtype="float32")
    want = ids[:, None] @ kernel + bias
    np.testing.assert_allclose(model.predict(ids, verbose=0), want, rtol=1e-6)
    np.testing.assert_allclose(model(ids[:, None, None]), want, rtol=1e-6)
    wide = keras.Input((3,))
    with pytest.raises(
        ValueError, match=r"expected shape \(None, 3\), received \(4,\)"
    ):
        keras.Model(wide, layers.Dense(2)(wide))(ids)


def test_input_layer_input_is_empty_and_its_tensor_is_output():
    """As Keras: an InputLayer was called on nothing, so `.input` is `[]`; its
    tensor is `.output` (a model built from `[]` says the Input is missing)."""
    inputs = keras.Input((3,), name="image")
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    layer = model.get_layer("image")
    assert layer.input == []
    assert layer.output is inputs
    with pytest.raises(ValueError, match=r"Input 'image', which is not in `inputs`"):
        keras.Model(layer.input, model.output)


def test_layer_input_and_output_are_the_call_tensors_flattened():
    """As Keras (`Operation._get_node_attribute_at_index`): a layer's `.input`
    is every tensor of its first call's arguments, keyword ones included, as
    one tensor or a flat list; `.output` likewise (a list, not a tuple)."""
    query, value = keras.Input((4, 8)), keras.Input((5, 8))
    attention = layers.MultiHeadAttention(2, 4)
    attention(query, value, key=value)
    ids = lambda tensors: [id(t) for t in tensors]  # noqa: E731 (== is symbolic)
    assert ids(attention.input) == ids([query, value, value])
    keyword = layers.MultiHeadAttention(2, 4)
    keyword(query=query, value=value)
    assert ids(keyword.input) == ids([query, value])
    dense = layers.Dense(3)
    out = dense(query)
    assert dense.input is query and dense.output is out
    lstm = layers.LSTM(4, return_state=True)
    outputs = lstm(value)
    assert type(lstm.output) is list and ids(lstm.output) == ids(outputs)
    # A model over a layer's tensors, the feature-extraction idiom.
    extractor = keras.Model(attention.input[:2], lstm.output[1:] + [dense.output])
    assert len(extractor.outputs) == 3


def test_subclass_without_build_first_called_on_integer_ids_keeps_their_dtype():
    """As Keras, a subclassed model without `build` is built by tracing `call`
    on the arguments given: integer indices stay integers (`ops.take` needs
    them), numpy reference."""
    table = np.arange(12, dtype="float32").reshape(6, 2)

    class Lookup(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(3, kernel_initializer="ones")

        def call(self, idx):
            return self.dense(keras.ops.take(table, idx, axis=0))

    model = Lookup()
    ids = np.array([1, 4])
    np.testing.assert_allclose(model(ids), table[ids] @ np.ones((2, 3)), rtol=1e-6)
    model.compile("sgd", "mse")
    model.fit(np.array([1, 2, 3]), np.ones((3, 3)), verbose=0)


def test_a_functional_model_s_build_config_is_keras_s():
    inputs = keras.Input((3,))
    model = keras.Model(inputs, layers.Dense(1)(inputs))
    assert model.get_build_config() == {"input_shape": None}
    config = keras.saving.serialize_keras_object(model)
    assert config["build_config"] == {"input_shape": None}
    keras.saving.deserialize_keras_object(config)  # and it loads back


def test_outputs_given_as_a_list_of_one_come_back_alone_as_in_keras():
    inputs = keras.Input((3,))
    y = layers.Dense(2, kernel_initializer="ones")(inputs)
    model = keras.Model(inputs=[inputs], outputs=[y])
    x = np.arange(12, dtype="float32").reshape(4, 3)
    want = np.repeat(x.sum(1, keepdims=True), 2, axis=1)
    np.testing.assert_allclose(model.predict(x, verbose=0), want)  # not [array]
    np.testing.assert_allclose(model(x), want)
    assert model.output_shape == (None, 2)
    assert isinstance(model.output, list)  # the structure given, as Keras keeps it
    two = keras.Model(inputs, [y, layers.Dense(1)(inputs)])
    assert two.output_shape == [(None, 2), (None, 1)]


def test_a_nested_models_calls_are_referenced_as_keras_writes_them(tmp_path):
    """Keras counts a nested functional model's own node first in
    `output_layers` (its calls are 1, 2, ...; inbound references stay 0, 1)
    and records `mask: None` for its call: a file either library wrote loads
    in the other with the outputs in place (they were swapped before)."""
    i = keras.Input((2,))
    dense = keras.layers.Dense(1, kernel_initializer="ones")
    inner = keras.Model(i, dense(i), name="inner")
    a, b = keras.Input((2,), name="a"), keras.Input((2,), name="b")
    ya, yb = inner(a), inner(b)
    outer = keras.Model([a, b], [ya, yb, keras.layers.Add(name="add")([yb, ya])])
    config = outer.get_config()
    assert config["output_layers"] == [["inner", 1, 0], ["inner", 2, 0], ["add", 0, 0]]
    (inner_config,) = [c for c in config["layers"] if c["name"] == "inner"]
    assert [node["kwargs"] for node in inner_config["inbound_nodes"]] == [
        {"mask": None},
        {"mask": None},
    ]
    (add_config,) = [c for c in config["layers"] if c["name"] == "add"]
    histories = [
        t["config"]["keras_history"] for t in add_config["inbound_nodes"][0]["args"][0]
    ]
    assert histories == [["inner", 1, 0], ["inner", 0, 0]]
    x1, x2 = np.ones((1, 2), "float32"), np.full((1, 2), 5.0, "float32")
    outer.save(tmp_path / "outer.keras")
    loaded = keras.saving.load_model(tmp_path / "outer.keras")
    outputs = [np.asarray(o).ravel().tolist() for o in loaded.predict([x1, x2])]
    assert outputs == [[2.0], [10.0], [12.0]]
    # A file that counted from 0 (kerasish before): as Keras reads it, -1 is
    # the last call.
    config["output_layers"] = [["inner", 0, 0]]
    rebuilt = keras.Model.from_config(config)
    np.testing.assert_allclose(rebuilt.predict([x1, x2]), [[10.0]])

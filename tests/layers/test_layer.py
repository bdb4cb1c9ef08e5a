import numpy as np
import pytest

import kerasish as keras
from kerasish import layers, ops
from kerasish.layers.input_spec import InputSpec
from kerasish.layers.keras_tensor import KerasTensor
from tests.helpers import keras3


class Scale(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
        self.count = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="count"
        )

    def call(self, inputs, training=None):
        if training:
            self.count.assign(self.count + 1.0)
        self.add_loss(ops.sum(self.w) * 0.0 + 1.5)
        return inputs * self.w


class Block(layers.Layer):
    def __init__(self):
        super().__init__()
        self.inner = [layers.Dense(3), {"b": layers.Dense(2)}]
        self.scale = Scale()

    def call(self, x):
        return self.inner[1]["b"](self.scale(self.inner[0](x)))


def test_lazy_build_and_weight_tracking_order():
    block = Block()
    assert not block.inner[0].built
    out = block(np.ones((4, 5), "float32"))
    assert out.shape == (4, 2)
    names = [w.path for w in block.weights]
    # Creation order: the attribute order of `__init__`, depth first; paths under
    # the block, where the inner layers were built (both Keras's).
    assert names == [
        "block/dense/kernel",
        "block/dense/bias",
        "block/dense_1/kernel",
        "block/dense_1/bias",
        "block/scale/w",
        "block/scale/count",
    ]
    assert len(block.trainable_weights) == 5 and len(block.non_trainable_weights) == 1
    assert block.count_params() == 5 * 3 + 3 + 3 * 2 + 2 + 3 + 1


def test_unique_auto_names():
    assert [layers.Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    assert layers.BatchNormalization().name == "batch_normalization"
    assert layers.BatchNormalization().name == "batch_normalization_1"


def test_trainable_false_freezes_nested():
    block = Block()
    block(np.ones((1, 5), "float32"))
    block.trainable = False
    assert block.trainable_weights == []
    assert len(block.non_trainable_weights) == 6
    assert not block.inner[0].trainable


def test_stateless_call_is_pure_and_returns_updates():
    layer = Scale()
    x = np.full((2, 3), 2.0, "float32")
    layer(x)
    trainable = [np.array([1.0, 2.0, 3.0], "float32")]
    non_trainable = [np.array(5.0, "float32")]
    out, new_nt, losses = layer.stateless_call(
        trainable, non_trainable, x, training=True, return_losses=True
    )
    np.testing.assert_allclose(out, x * np.array([1, 2, 3]))
    np.testing.assert_allclose(new_nt[0], 6.0)
    assert float(layer.count.numpy()) == 0.0  # the layer itself is untouched
    np.testing.assert_allclose(layer.w.numpy(), [1, 1, 1])
    assert len(losses) == 1 and float(losses[0]) == 1.5


def test_add_loss_and_regularizer_losses():
    layer = layers.Dense(
        2, kernel_regularizer=keras.regularizers.L2(0.1), kernel_initializer="ones"
    )
    layer(np.ones((1, 3), "float32"))
    np.testing.assert_allclose(float(sum(layer.losses)), 0.1 * 6, rtol=1e-6)


def test_get_set_weights_round_trip_and_errors():
    layer = layers.Dense(2)
    layer.build((None, 3))
    w = [np.arange(6, dtype="float32").reshape(3, 2), np.array([1.0, 2.0], "float32")]
    layer.set_weights(w)
    for a, b in zip(layer.get_weights(), w):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match=r"expects 2 weights .* received 1"):
        layer.set_weights(w[:1])
    with pytest.raises(
        ValueError, match=r"'dense/kernel' has shape \(3, 2\).*\(2, 2\)"
    ):
        layer.set_weights([np.zeros((2, 2)), w[1]])


def test_input_spec_error_names_layer_and_shapes():
    layer = layers.Dense(2)
    layer(np.ones((1, 3), "float32"))
    with pytest.raises(ValueError, match=r"layer 'dense' \(Dense\).*value 3.*\(1, 4\)"):
        layer(np.ones((1, 4), "float32"))
    spec_layer = layers.Identity()
    spec_layer.input_spec = InputSpec(ndim=3)
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        spec_layer(np.ones((2, 2)))


def test_exception_in_user_call_keeps_type_and_adds_layer_name():
    class Broken(layers.Layer):
        def call(self, x):
            raise KeyError("boom")

    with pytest.raises(KeyError, match="boom") as info:
        Broken(name="broken")(np.ones((1, 1)))
    assert any("broken" in note for note in info.value.__notes__)


def test_config_round_trip():
    layer = layers.Dense(4, activation="relu", use_bias=False, name="d")
    clone = layers.Dense.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_unknown_kwarg_is_rejected():
    with pytest.raises(TypeError, match="unexpected keyword.*unitz"):
        layers.Dense(3, unitz=4)


def test_compute_output_shape_traced_and_explicit():
    assert layers.Dense(4).compute_output_shape((None, 7)) == (None, 4)
    lam = layers.Lambda(lambda x: ops.concatenate([x, x], axis=-1))
    assert lam.compute_output_shape((None, 3)) == (None, 6)


# -- every override point Keras documents, run under both libraries -------------


def override_model(lib):
    """A functional model of custom layers overriding build, call(training, mask),
    compute_output_shape, compute_output_spec, compute_mask, add_loss, get_config
    (without the base arguments) — written once against the `keras` API."""
    ops = lib.ops

    class MaskedProject(lib.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.supports_masking = True

        def build(self, input_shape):
            self.kernel = self.add_weight(
                shape=(input_shape[-1], self.units), initializer="ones", name="kernel"
            )

        def call(self, inputs, training=None, mask=None):
            x = ops.matmul(inputs, self.kernel)
            if training:
                x = x * 2.0
            if mask is not None:
                x = x * ops.expand_dims(ops.cast(mask, x.dtype), -1)
            self.add_loss(0.1 * ops.mean(ops.square(x)))
            return x

        def compute_output_shape(self, input_shape):
            return tuple(input_shape[:-1]) + (self.units,)

        def compute_mask(self, inputs, mask=None):
            return ops.logical_and(mask, ops.any(inputs > 0.5, axis=-1))

        def get_config(self):
            return {"units": self.units}

    class SumSteps(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def compute_mask(self, inputs, mask=None):
            return None

        def call(self, x, mask=None):
            if mask is not None:
                x = x * ops.expand_dims(ops.cast(mask, x.dtype), -1)
            return ops.sum(x, axis=1)

        def compute_output_spec(self, x, mask=None):
            tensor_class = getattr(lib, "KerasTensor", KerasTensor)
            return tensor_class((x.shape[0], x.shape[2]), dtype=x.dtype)

    inputs = lib.Input((4, 3))
    x = lib.layers.Masking(mask_value=0.0)(inputs)
    x = MaskedProject(2, name="project")(x)
    outputs = SumSteps(name="sum_steps")(x)
    model = lib.Model(inputs, outputs)
    custom = {"MaskedProject": MaskedProject, "SumSteps": SumSteps}
    return model, custom


def _override_data():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, size=(5, 4, 3)).astype("float32")
    x[:, -1] = 0.0  # a padded step: masked by Masking
    x[0, 1] = 0.1  # low values: masked by MaskedProject.compute_mask
    return x


def _override_reference(x, kernel, training=False):
    keep = np.any(x != 0, axis=-1)
    h = x @ kernel * (2.0 if training else 1.0) * keep[..., None]
    keep2 = keep & np.any(x > 0.5, axis=-1)
    return (h * keep2[..., None]).sum(axis=1), 0.1 * np.mean(h**2)


def test_override_points_match_numpy():
    model, custom = override_model(keras)
    assert model.layers[-1].output.shape == (None, 2)
    kernel = np.array([[0.5, -1.0], [1.5, 0.25], [-0.5, 2.0]], "float32")
    model.get_layer("project").set_weights([kernel])
    x = _override_data()
    for training in (False, True):
        out, loss = _override_reference(x, kernel, training)
        np.testing.assert_allclose(model(x, training=training), out, rtol=1e-5)
        np.testing.assert_allclose(float(sum(model.losses)), loss, rtol=1e-5)
    # A get_config without `name` still rebuilds in a functional model.
    config = model.get_config()
    assert config["layers"][2]["config"] == {"units": 2}
    rebuilt = keras.Model.from_config(config, custom_objects=custom)
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(rebuilt(x), model(x), rtol=1e-6)


@pytest.mark.compat
def test_override_points_match_keras():
    k = keras3()
    ours, _ = override_model(keras)
    theirs, _ = override_model(k)
    kernel = np.array([[0.5, -1.0], [1.5, 0.25], [-0.5, 2.0]], "float32")
    ours.set_weights([kernel])
    theirs.set_weights([kernel])
    x = _override_data()
    for training in (False, True):
        np.testing.assert_allclose(
            ours(x, training=training),
            np.asarray(theirs(x, training=training)),
            rtol=1e-5,
        )
        np.testing.assert_allclose(
            float(sum(ours.losses)), float(sum(theirs.losses)), rtol=1e-5
        )
    assert [layer.output.shape for layer in ours.layers] == [
        layer.output.shape for layer in theirs.layers
    ]


def test_auto_config_build_config_and_add_metric():
    class Scale(layers.Layer):
        def __init__(self, factor=2.0, units=3, **kwargs):
            super().__init__(**kwargs)
            self.factor, self.units = factor, units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units))

        def call(self, x):
            return ops.matmul(x, self.w) * self.factor

    layer = Scale(0.5, name="s")
    config = layer.get_config()
    assert config["factor"] == 0.5 and config["units"] == 3 and config["name"] == "s"
    clone = Scale.from_config(config)
    assert (clone.factor, clone.units, clone.name) == (0.5, 3, "s")
    layer.build((None, 4))
    assert layer.get_build_config() == {"input_shape": (None, 4)}
    clone.build_from_config(layer.get_build_config())
    assert clone.built and clone.w.shape == (4, 3)
    assert Scale(np.ones(2)).get_config().get("factor") is None  # not plain: no auto
    with pytest.raises(NotImplementedError, match="add_metric.*deprecated"):
        layer.add_metric(1.0)


@pytest.mark.compat
def test_auto_config_matches_keras():
    k = keras3()

    def make(lib):
        class Scale(lib.layers.Layer):
            def __init__(self, factor=2.0, units=3, **kwargs):
                super().__init__(**kwargs)
                self.factor, self.units = factor, units

        return Scale(0.5, name="s", trainable=False)

    ours, theirs = make(keras).get_config(), make(k).get_config()
    assert list(ours) == list(theirs)
    ours.pop("dtype"), theirs.pop("dtype")
    assert ours == theirs


def test_the_first_call_argument_may_be_given_by_name_as_in_keras():
    """`mha(query=q, value=v)`: Keras binds `call`'s first argument by name."""
    rng = np.random.default_rng(0)
    q = rng.normal(size=(2, 3, 4)).astype("float32")
    v = rng.normal(size=(2, 5, 4)).astype("float32")
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    np.testing.assert_allclose(mha(query=q, value=v), mha(q, v), rtol=1e-6)
    query, value = keras.Input((3, 4)), keras.Input((5, 4))
    model = keras.Model([query, value], mha(query=query, value=value))
    np.testing.assert_allclose(model.predict([q, v], verbose=0), mha(q, v), rtol=1e-5)
    with pytest.raises(TypeError, match="'dense' .*called without inputs"):
        layers.Dense(2, name="dense")()


def test_building_a_built_layer_again_is_refused_as_keras():
    """Keras refuses new state on a built layer; a second `build()` would have
    created every weight twice (4 weights for a Dense)."""
    dense = layers.Dense(3)
    dense.build((None, 8))
    with pytest.raises(ValueError, match=r"'dense.*' \(Dense\) is already built"):
        dense.build((None, 8))
    assert [w.name for w in dense.weights] == ["kernel", "bias"]
    relu = layers.ReLU()  # no weights: building again changes nothing
    relu.build((None, 2))
    relu.build((None, 2))
    # A build that adds nothing runs again, as in Keras: a JaxLayer given
    # its params keeps them.
    params = {"w": np.ones((2, 3), "float32")}
    jax_layer = layers.JaxLayer(
        lambda params, inputs: inputs @ params["w"], params=params
    )
    jax_layer.build((None, 2))
    jax_layer.build((None, 2))
    assert len(jax_layer.weights) == 1
    np.testing.assert_allclose(jax_layer(np.ones((1, 2), "float32")), [[2.0] * 3])


def test_base_build_records_its_shape_as_keras():
    """A layer without a `build` of its own, built directly, has Keras's
    `build_config` (TimeDistributed's config then holds its layer's)."""
    flat = keras.layers.Flatten()
    flat.build((None, 4, 4, 2))
    assert flat.get_build_config() == {"input_shape": (None, 4, 4, 2)}
    wrapped = keras.layers.TimeDistributed(keras.layers.Flatten())
    wrapped(keras.Input((8, 4, 4, 2)))
    inner = wrapped.get_config()["layer"]
    assert inner["build_config"] == {"input_shape": (None, 4, 4, 2)}


def test_a_weight_made_in_init_does_not_fix_the_layer_path():
    """As Keras: a weight a layer adds in `__init__` is named under the layer
    alone, and its sublayers still get the path of the layer that calls it."""

    class Inner(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.proj = keras.layers.Dense(2, name="proj")
            self.table = self.add_weight(shape=(3,), initializer="zeros", name="table")

        def call(self, x):
            return self.proj(x)

    class Outer(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = Inner(name="inner")

        def call(self, x):
            return self.inner(x)

    inputs = keras.Input((4,))
    model = keras.Model(inputs, Outer(name="outer")(inputs))
    assert [w.path for w in model.weights] == [
        "inner/table",
        "outer/inner/proj/kernel",
        "outer/inner/proj/bias",
    ]


def test_a_call_that_fixes_the_unknown_batch_size_traces_symbolically():
    """keras.io's Switch router reshapes to `(tokens_per_batch, dim)`: no probe
    size fits, so the call is traced with a symbolic size, as Keras does."""

    class Fixed(keras.layers.Layer):
        def call(self, x):
            flat = ops.reshape(x, (12, 3))
            return ops.reshape(flat * 2.0, (-1, 2, 3))

    outputs = Fixed()(keras.Input((2, 3)))
    assert outputs.shape == (6, 2, 3)
    x = np.arange(36, dtype="float32").reshape(6, 2, 3)
    np.testing.assert_allclose(Fixed()(x), 2 * x)


def test_layers_and_weights_added_to_attribute_lists_later_are_tracked():
    """keras.io's MDEmbedding appends its embeddings to `self.embs = []`:
    Keras tracks the list, so they are the layer's own (weights in Keras's
    order); a list or dict attribute is still a list or dict, copies and
    flattens as one."""
    import copy

    import jax

    class Block(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.embs = []
            self.embs.append(layers.Embedding(3, 2, name="embedding"))
            self.heads = {}
            self.heads["a"] = layers.Dense(2, name="dense")
            self.sizes = [1, 2]

        def build(self, input_shape):
            self.embs[0].build(input_shape)
            self.heads["a"].build((None, 2))
            self.extra = []
            self.extra += [self.add_weight(shape=(2,), name="w")]

        def call(self, x):
            return self.heads["a"](self.embs[0](x)) + self.extra[0]

    block = Block()
    block(np.array([0, 1]))
    assert [w.path for w in block.weights] == [
        "block/w",
        "block/embedding/embeddings",
        "block/dense/kernel",
        "block/dense/bias",
    ]
    assert isinstance(block.sizes, list) and block.sizes == [1, 2]
    assert type(copy.deepcopy(block.sizes)) is list
    assert jax.tree_util.tree_leaves({"s": block.sizes, "h": block.heads}) == [
        block.heads["a"],
        1,
        2,
    ]


def test_items_taken_out_of_attribute_lists_and_dicts_are_untracked():
    """As Keras's tracked list and dict: `pop`, `remove`, `del`, `clear` take
    a layer's weights out of its owner's; `del layer.w` of a weight does too
    (a deleted sub-layer attribute stays tracked, as in Keras)."""

    class Holder(layers.Layer):
        def __init__(self):
            super().__init__()
            self.blocks = [layers.Dense(n, name=f"d{n}") for n in (2, 3, 4, 5)]
            self.heads = {k: layers.Dense(1, name=k) for k in "abc"}

        def build(self, input_shape):
            self.w = self.add_weight(shape=(1,), name="w")
            self.v = self.add_weight(shape=(2,), name="v")
            for block in [*self.blocks, *self.heads.values()]:
                block.build(input_shape)

        def call(self, x):
            return x

    holder = Holder()
    holder.build((None, 2))

    def names():
        return [w.path.split("/", 1)[1] for w in holder.weights]

    assert len(names()) == 2 + 2 * 7
    assert holder.blocks.pop(0).name == "d2"
    holder.blocks.remove(holder.blocks[0])
    del holder.blocks[0]
    assert holder.heads.pop("a").name == "a"
    assert holder.heads.pop("zz", None) is None
    holder.heads.popitem()
    del holder.w
    assert names() == ["v", "d5/kernel", "d5/bias", "b/kernel", "b/bias"]
    holder.blocks.clear()
    holder.heads.clear()
    assert names() == ["v"]
    assert not hasattr(holder, "w")


def test_sublayers_of_a_layer_with_its_own_output_shape_are_built_symbolically():
    """keras.io's neural decision tree: no `build`, a `compute_output_shape`,
    a Dense made in `__init__`. Called on `Input`s, Keras runs `call` to build
    the Dense (its weights are the model's); it stayed unbuilt here, the
    model without weights. A `call` that cannot trace warns, as in Keras."""

    class Tree(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.decision = layers.Dense(4, name="decision")

        def call(self, x):
            return self.decision(x)

        def compute_output_shape(self, input_shape):
            return (input_shape[0], 4)

    inputs = keras.Input((3,))
    model = keras.Model(inputs, Tree(name="tree")(inputs))
    paths = [w.path for w in model.weights]
    assert paths == ["tree/decision/kernel", "tree/decision/bias"]
    kernel = np.arange(12, dtype="float32").reshape(3, 4)
    model.set_weights([kernel, np.ones(4, "float32")])
    x = np.ones((2, 3), "float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), x @ kernel + 1)

    class Broken(Tree):
        def call(self, x):
            raise RuntimeError("boom")

    with pytest.warns(UserWarning, match=r"'broken' \(Broken\) has sub-layers.*boom"):
        Broken(name="broken")(inputs)

"""The Layer API in depth ("Making new layers and models via subclassing").

Weights made in `__init__` and in `build`, a non-trainable weight assigned in `call`,
sublayers tracked in lists and dicts, `add_loss` and `model.losses`, the `training`
argument (passed on by Keras's call context), `compute_output_shape`, masks
(`compute_mask`, `supports_masking`, a `mask` argument), `get_config`/`from_config`
of a layer holding a layer (`serialize_keras_object`/`deserialize_keras_object`),
registered names, freezing, dtype policies, `built`, `count_params`,
`get_weights`/`set_weights`, symbolic vs eager calls, `layer.input`/`layer.output`
and `Model.get_layer`, with the errors Keras raises along the way.
"""

import numpy as np


def error_of(fn):
    """`(type name, message)` of what `fn()` raises, or `(None, None)`."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error itself is what is compared
        return type(e).__name__, str(e)
    return None, None


def errors(out, key, error):
    """The error's type is compared (`same_`), its message only reported."""
    out[f"same_{key}_type"] = error[0]
    out[f"{key}_message"] = error[1]


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)

    # -- weights made in __init__ vs in build ----------------------------------------
    class LinearInit(layers.Layer):
        def __init__(self, units=32, input_dim=32):
            super().__init__()
            self.w = self.add_weight(
                shape=(input_dim, units), initializer="random_normal", trainable=True
            )
            self.b = self.add_weight(
                shape=(units,), initializer="zeros", trainable=True
            )

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

    class Linear(layers.Layer):
        def __init__(self, units=32, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(
                shape=(input_shape[-1], self.units),
                initializer="random_normal",
                trainable=True,
                name="kernel",
            )
            self.b = self.add_weight(
                shape=(self.units,), initializer="zeros", trainable=True, name="bias"
            )

        def call(self, inputs):
            return ops.matmul(inputs, self.w) + self.b

        def get_config(self):
            config = super().get_config()
            config.update({"units": self.units})
            return config

    x = rng.normal(size=(3, 2)).astype("float32")
    init_layer = LinearInit(4, 2)
    init_built = init_layer.built  # no build(): built when made
    init_names = [w.name for w in init_layer.weights]
    init_layer.set_weights([np.full((2, 4), 0.5, "float32"), np.ones(4, "float32")])
    y_init = init_layer(x)

    linear = Linear(4, name="linear")
    built_before = linear.built
    weights_before = len(linear.weights)
    unbuilt_count = error_of(linear.count_params)
    y_sym = linear(keras.Input(shape=(2,)))  # builds on a KerasTensor
    built_after = linear.built
    sym_info = (
        keras.utils.is_keras_tensor(y_sym),
        tuple(y_sym.shape),
        str(y_sym.dtype),
    )
    kernel = rng.normal(size=(2, 4)).astype("float32")
    linear.set_weights([kernel, np.zeros(4, "float32")])
    y_eager = linear(x)
    eager_is_symbolic = keras.utils.is_keras_tensor(y_eager)
    got = linear.get_weights()
    assert isinstance(got[0], np.ndarray)
    np.testing.assert_array_equal(got[0], kernel)
    bad_length = error_of(lambda: linear.set_weights([kernel]))
    bad_shape = error_of(lambda: linear.set_weights([kernel.T, np.zeros(4, "float32")]))
    no_compute_output_shape = error_of(lambda: linear.compute_output_shape((3, 2)))

    # -- a non-trainable weight assigned in call ------------------------------------
    class ComputeSum(layers.Layer):
        def __init__(self, input_dim):
            super().__init__()
            self.total = self.add_weight(
                initializer="zeros", shape=(input_dim,), trainable=False
            )

        def call(self, inputs):
            self.total.assign_add(ops.sum(inputs, axis=0))
            return self.total

    my_sum = ComputeSum(2)
    ones = np.ones((2, 2), "float32")
    my_sum(ones)
    eager_total = np.asarray(my_sum(ones))
    sum_counts = (
        len(my_sum.weights),
        len(my_sum.trainable_weights),
        len(my_sum.non_trainable_weights),
    )

    class RunningSum(ComputeSum):
        """Sums what goes through it; in a model it returns its inputs."""

        def call(self, inputs):
            super().call(inputs)
            return inputs

    sum_inputs = keras.Input(shape=(2,))
    sum_model = keras.Model(sum_inputs, RunningSum(2)(sum_inputs))
    sum_model.predict(np.ones((6, 2), "float32"), batch_size=2, verbose=0)
    predict_total = np.asarray(sum_model.layers[-1].total)

    # -- sublayers in lists and dicts are tracked ------------------------------------
    class MultiHead(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.heads = [Linear(3) for _ in range(2)]
            self.by_name = {
                "mean": layers.Dense(2, name="mean"),
                "scale": layers.Dense(2, name="scale"),
            }

        def call(self, inputs):
            hidden = ops.concatenate([head(inputs) for head in self.heads], axis=-1)
            return self.by_name["mean"](hidden) + self.by_name["scale"](hidden)

    multi = MultiHead(name="multi")
    multi(x)
    multi_paths = [w.path for w in multi.weights]

    # -- add_loss, losses reset at each call, regularizers ---------------------------
    class ActivityRegularizationLayer(layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * ops.sum(inputs))
            return inputs

    class OuterLayer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.activity_reg = ActivityRegularizationLayer(1e-2)

        def call(self, inputs):
            return self.activity_reg(inputs)

    outer = OuterLayer()
    losses_before = len(outer.losses)
    outer(np.ones((1, 1), "float32"))
    outer(np.ones((1, 1), "float32"))
    losses_after_two_calls = len(outer.losses)

    class OuterLayerWithKernelRegularizer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(
                3, kernel_regularizer=keras.regularizers.l2(1e-3), name="reg_dense"
            )

        def call(self, inputs):
            return self.dense(inputs)

    reg_layer = OuterLayerWithKernelRegularizer()
    reg_layer(np.ones((1, 2), "float32"))
    reg_layer.dense.set_weights(
        [np.full((2, 3), 2.0, "float32"), np.zeros(3, "float32")]
    )
    reg_losses = [float(v) for v in reg_layer.losses]

    loss_inputs = keras.Input(shape=(2,))
    loss_hidden = ActivityRegularizationLayer(0.5)(loss_inputs)
    loss_model = keras.Model(loss_inputs, layers.Dense(1, name="head")(loss_hidden))
    model_losses_before = len(loss_model.losses)
    loss_model(np.ones((2, 2), "float32"))
    model_losses = [float(v) for v in loss_model.losses]

    # -- the training argument, passed on by the call context -------------------------
    class CustomDropout(layers.Layer):
        def __init__(self, rate, **kwargs):
            super().__init__(**kwargs)
            self.rate = rate
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs, training=None):
            if training:
                return keras.random.dropout(
                    inputs, rate=self.rate, seed=self.seed_generator
                )
            return inputs

    class Block(layers.Layer):
        """Calls its dropout without passing `training`: Keras passes it on."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dropout = CustomDropout(0.5)

        def call(self, inputs, training=None):
            return self.dropout(inputs)

    block = Block()
    big = np.ones((8, 16), "float32")
    default_out = np.asarray(block(big))
    infer_out = np.asarray(block(big, training=False))
    train_out = np.asarray(block(big, training=True))
    assert set(np.unique(train_out)) <= {0.0, 2.0}, np.unique(train_out)
    nested_training_applies = bool((train_out == 0).any())

    # -- compute_output_shape, multiple outputs ---------------------------------------
    class SplitHalves(layers.Layer):
        def call(self, inputs):
            half = inputs.shape[-1] // 2
            return [inputs[..., :half], inputs[..., half:]]

        def compute_output_shape(self, input_shape):
            half = input_shape[-1] // 2
            head = tuple(input_shape[:-1])
            return [head + (half,), head + (input_shape[-1] - half,)]

    split = SplitHalves()
    split_shapes = split.compute_output_shape((None, 5))
    sym_parts = split(keras.Input(shape=(5,)))
    eager_parts = split(np.arange(10, dtype="float32").reshape(2, 5))

    # -- masks -----------------------------------------------------------------------
    class CustomEmbedding(layers.Layer):
        def __init__(self, input_dim, output_dim, mask_zero=False, **kwargs):
            super().__init__(**kwargs)
            self.input_dim = input_dim
            self.output_dim = output_dim
            self.mask_zero = mask_zero

        def build(self, input_shape):
            self.embeddings = self.add_weight(
                shape=(self.input_dim, self.output_dim),
                initializer="random_normal",
                name="embeddings",
            )

        def call(self, inputs):
            inputs = ops.cast(inputs, "int32")
            return ops.take(self.embeddings, inputs, axis=0)

        def compute_mask(self, inputs, mask=None):
            if not self.mask_zero:
                return None
            return ops.not_equal(inputs, 0)

    class MyActivation(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs):
            return ops.relu(inputs)

    class TemporalSoftmax(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            assert mask is not None
            broadcast_float_mask = ops.expand_dims(ops.cast(mask, "float32"), -1)
            inputs_exp = ops.exp(inputs) * broadcast_float_mask
            inputs_sum = ops.sum(
                inputs_exp * broadcast_float_mask, axis=1, keepdims=True
            )
            return inputs_exp / inputs_sum

    embedding = CustomEmbedding(10, 4, mask_zero=True, name="custom_embedding")
    mask_flags = (
        embedding.supports_masking,
        MyActivation().supports_masking,
        Linear(2).supports_masking,
        layers.Dense(2).supports_masking,
    )
    tokens = keras.Input(shape=(None,), dtype="int32")
    h = embedding(tokens)
    h = MyActivation(name="my_activation")(h)
    h = layers.Dense(1, name="score")(h)
    masked_out = TemporalSoftmax(name="temporal_softmax")(h)
    mask_model = keras.Model(tokens, masked_out)
    symbolic_mask = getattr(masked_out, "_keras_mask", None)
    symbolic_mask_info = (
        None
        if symbolic_mask is None
        else (tuple(symbolic_mask.shape), str(symbolic_mask.dtype))
    )
    mask_model.set_weights(
        [rng.normal(size=tuple(w.shape)).astype("float32") for w in mask_model.weights]
    )
    ids = np.array([[1, 4, 2, 0, 0], [3, 3, 0, 0, 0]], dtype="int32")
    attention = mask_model.predict(ids, verbose=0)
    np.testing.assert_allclose(attention[..., 0].sum(axis=1), 1.0, rtol=1e-5)
    eager_mask = np.asarray(embedding.compute_mask(ids))

    # -- config round trip of a layer holding a layer ---------------------------------
    @keras.saving.register_keras_serializable(package="LayerAPI")
    class Residual(layers.Layer):
        def __init__(self, inner, scale=1.0, **kwargs):
            super().__init__(**kwargs)
            self.inner = inner
            self.scale = scale

        def call(self, inputs):
            return inputs + self.scale * self.inner(inputs)

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "inner": keras.saving.serialize_keras_object(self.inner),
                    "scale": self.scale,
                }
            )
            return config

        @classmethod
        def from_config(cls, config):
            config["inner"] = keras.saving.deserialize_keras_object(config["inner"])
            return cls(**config)

    residual = Residual(layers.Dense(3, name="inner_dense"), scale=0.5, name="residual")
    config_unbuilt = residual.get_config()
    xr = rng.normal(size=(4, 3)).astype("float32")
    residual(xr)
    residual.set_weights(
        [w * 0 + 0.1 * (i + 1) for i, w in enumerate(residual.get_weights())]
    )
    config = residual.get_config()
    clone = Residual.from_config(residual.get_config())
    serialized = keras.saving.serialize_keras_object(residual)
    to_revive = keras.saving.serialize_keras_object(residual)
    revived = keras.saving.deserialize_keras_object(to_revive)
    # Keras hands the nested config to `from_config` as is: the guide's
    # `from_config` replaces its "inner" entry with the revived layer.
    inner_left_as_dict = isinstance(to_revive["config"]["inner"], dict)
    revived(xr)
    revived.set_weights(residual.get_weights())
    revived_out = np.asarray(revived(xr))
    np.testing.assert_allclose(revived_out, np.asarray(residual(xr)), rtol=1e-6)
    registered = (
        keras.saving.get_registered_name(Residual),
        keras.saving.get_registered_name(Linear),
        keras.saving.get_registered_name(layers.Dense),
        keras.saving.get_registered_object("LayerAPI>Residual") is Residual,
    )

    # -- freezing ---------------------------------------------------------------------
    frozen = Linear(3)
    frozen(x)
    frozen.trainable = False
    frozen_counts = (len(frozen.trainable_weights), len(frozen.non_trainable_weights))
    multi.heads[0].trainable = False
    multi_frozen = (len(multi.trainable_weights), len(multi.non_trainable_weights))
    multi.trainable = False
    multi_all_frozen = (
        len(multi.trainable_weights),
        len(multi.non_trainable_weights),
        multi.by_name["mean"].trainable,
    )

    # -- dtype policies ---------------------------------------------------------------
    def dtype_view(layer):
        out = layer(x)
        return (
            repr(layer.dtype_policy),
            layer.dtype_policy.name,
            layer.dtype,
            layer.compute_dtype,
            layer.variable_dtype,
            [str(w.dtype) for w in layer.weights],
            str(out.dtype),
        )

    dtypes = [
        dtype_view(Linear(2)),
        dtype_view(Linear(2, dtype="mixed_float16")),
        dtype_view(Linear(2, dtype="bfloat16")),
        dtype_view(Linear(2, dtype=keras.DTypePolicy("mixed_bfloat16"))),
    ]

    # -- layer.input / layer.output, get_layer ----------------------------------------
    shared = layers.Dense(4, name="shared")
    left = keras.Input(shape=(3,), name="left")
    right = keras.Input(shape=(3,), name="right")
    left_features = shared(left)
    right_features = shared(right)
    merged = layers.Add(name="add")([left_features, right_features])
    head = layers.Dense(1, name="head")
    two_input = keras.Model([left, right], head(merged), name="two_input")
    # Keras 3: the first call's tensors, however many times the layer was called.
    shared_output_is_first = (shared.output is left_features, shared.input is left)
    io_info = (
        shared.input.name,
        tuple(shared.output.shape),
        tuple(head.input.shape),
    )
    never_called = error_of(lambda: layers.Dense(2, name="lonely").output)
    get_layer_names = [two_input.get_layer(index=i).name for i in range(4)]
    get_layer_index_error = error_of(lambda: two_input.get_layer(index=10))
    get_layer_name_error = error_of(lambda: two_input.get_layer(name="missing"))
    get_layer_both_error = error_of(lambda: two_input.get_layer(name="head", index=0))
    get_layer_none_error = error_of(lambda: two_input.get_layer())

    out = {
        "same_init_built": init_built,
        "same_init_names": init_names,
        "close_y_init": np.asarray(y_init),
        "same_built": [built_before, weights_before, built_after],
        "same_symbolic": sym_info,
        "same_eager_is_symbolic": eager_is_symbolic,
        "close_y_eager": np.asarray(y_eager),
        "same_count_params": linear.count_params(),
        "same_linear_paths": [w.path for w in linear.weights],
        "close_eager_total": eager_total,
        "same_sum_counts": sum_counts,
        # Keras's predict step writes back non-trainable variables a layer
        # assigns in `call`; kerasish's does not yet (a known difference).
        "predict_total": predict_total,
        "same_multi_paths": multi_paths,
        "same_losses_before": losses_before,
        "same_losses_after_two_calls": losses_after_two_calls,
        "close_reg_losses": reg_losses,
        "same_model_losses_before": model_losses_before,
        "close_model_losses": model_losses,
        "close_default_dropout": default_out,
        "close_infer_dropout": infer_out,
        "same_nested_training_applies": nested_training_applies,
        "same_split_shapes": [tuple(s) for s in split_shapes],
        "same_sym_parts": [tuple(p.shape) for p in sym_parts],
        "close_eager_parts": np.concatenate([np.asarray(p) for p in eager_parts], -1),
        "same_mask_flags": mask_flags,
        "same_symbolic_mask": symbolic_mask_info,
        "close_attention": attention,
        "same_eager_mask": eager_mask,
        "same_config_unbuilt": config_unbuilt,
        "same_config": config,
        "same_clone_inner": (type(clone.inner).__name__, clone.inner.name, clone.scale),
        "same_serialized": serialized,
        "close_revived_out": revived_out,
        "same_registered": registered,
        "same_frozen_counts": frozen_counts,
        "same_multi_frozen": multi_frozen,
        "same_multi_all_frozen": multi_all_frozen,
        "same_dtypes": dtypes,
        "same_shared_output_is_first": shared_output_is_first,
        "same_io_info": io_info,
        "same_get_layer_names": get_layer_names,
        "same_add_input_shapes": [
            tuple(t.shape) for t in two_input.get_layer("add").input
        ],
        "inner_left_as_dict": inner_left_as_dict,
    }
    errors(out, "unbuilt_count_params", unbuilt_count)
    errors(out, "set_weights_length", bad_length)
    errors(out, "set_weights_shape", bad_shape)
    # Keras's default `compute_output_shape` raises NotImplementedError;
    # kerasish's traces `call` (a known difference, reported only).
    out["no_compute_output_shape"] = no_compute_output_shape
    errors(out, "never_called_output", never_called)
    errors(out, "get_layer_index", get_layer_index_error)
    errors(out, "get_layer_name", get_layer_name_error)
    errors(out, "get_layer_both", get_layer_both_error)
    errors(out, "get_layer_none", get_layer_none_error)
    return out

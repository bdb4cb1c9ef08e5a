"""A subclassed ResNet-like model: custom layers and blocks, add_loss, a counter.

Custom layers create their weights in `build(input_shape)` with `add_weight`, a
`ResidualBlock` holds Conv2D/BatchNormalization sublayers made in `__init__` and passes
`training` on, the Model subclass composes blocks, one layer adds an L2 term with
`add_loss` and counts its calls in a non-trainable weight updated with `assign_add` (in
the JAX trainer the update comes back through the stateless call). The model is built
from a shape, summarized, weights listed by path, one block frozen, trained, evaluated,
saved to `.keras` with registered classes and reloaded without `custom_objects`.
"""

import numpy as np


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)

    @keras.saving.register_keras_serializable(package="Custom")
    class ScaleBias(layers.Layer):
        """Per-channel scale and bias with an L2 penalty on the scale; counts calls."""

        def __init__(self, l2=1e-3, **kwargs):
            super().__init__(**kwargs)
            self.l2 = l2

        def build(self, input_shape):
            channels = input_shape[-1]
            self.gamma = self.add_weight(
                shape=(channels,), initializer="ones", trainable=True, name="gamma"
            )
            self.beta = self.add_weight(
                shape=(channels,), initializer="zeros", trainable=True, name="beta"
            )
            self.calls = self.add_weight(
                shape=(),
                initializer="zeros",
                trainable=False,
                name="calls",
                dtype="int32",
            )

        def call(self, inputs):
            self.add_loss(self.l2 * ops.sum(ops.square(self.gamma - 1.0)))
            self.calls.assign_add(1)
            return inputs * self.gamma + self.beta

        def get_config(self):
            config = super().get_config()
            config.update({"l2": self.l2})
            return config

    @keras.saving.register_keras_serializable(package="Custom")
    class ResidualBlock(layers.Layer):
        def __init__(self, filters, strides=1, project=False, **kwargs):
            super().__init__(**kwargs)
            self.filters = filters
            self.strides = strides
            self.project = project
            self.conv1 = layers.Conv2D(
                filters,
                3,
                strides=strides,
                padding="same",
                use_bias=False,
                name="conv1",
            )
            self.bn1 = layers.BatchNormalization(name="bn1")
            self.conv2 = layers.Conv2D(
                filters, 3, padding="same", use_bias=False, name="conv2"
            )
            self.bn2 = layers.BatchNormalization(name="bn2")
            if project:
                self.proj = layers.Conv2D(
                    filters, 1, strides=strides, use_bias=False, name="proj"
                )
                self.proj_bn = layers.BatchNormalization(name="proj_bn")

        def call(self, inputs, training=None):
            x = self.conv1(inputs)
            x = self.bn1(x, training=training)
            x = ops.relu(x)
            x = self.conv2(x)
            x = self.bn2(x, training=training)
            shortcut = inputs
            if self.project:
                shortcut = self.proj_bn(self.proj(inputs), training=training)
            return ops.relu(x + shortcut)

        def get_config(self):
            config = super().get_config()
            config.update(
                {
                    "filters": self.filters,
                    "strides": self.strides,
                    "project": self.project,
                }
            )
            return config

    @keras.saving.register_keras_serializable(package="Custom")
    class MiniResNet(keras.Model):
        def __init__(self, num_classes=4, widths=(8, 8), **kwargs):
            super().__init__(**kwargs)
            self.num_classes = num_classes
            self.widths = list(widths)
            self.stem = layers.Conv2D(self.widths[0], 3, padding="same", name="stem")
            self.stem_bn = layers.BatchNormalization(name="stem_bn")
            self.scale = ScaleBias(name="scale_bias")
            self.block1 = ResidualBlock(self.widths[0], name="block1")
            self.block2 = ResidualBlock(
                self.widths[1], strides=2, project=True, name="block2"
            )
            self.pool = layers.GlobalAveragePooling2D(name="pool")
            self.classifier = layers.Dense(
                num_classes, activation="softmax", name="classifier"
            )

        def call(self, inputs, training=None):
            x = self.stem(inputs)
            x = self.stem_bn(x, training=training)
            x = ops.relu(x)
            x = self.scale(x)
            x = self.block1(x, training=training)
            x = self.block2(x, training=training)
            x = self.pool(x)
            return self.classifier(x)

        def get_config(self):
            config = super().get_config()
            config.update({"num_classes": self.num_classes, "widths": self.widths})
            return config

    def seeded_weights(model, seed):
        rng = np.random.default_rng(seed)
        values = []
        for w in model.weights:
            shape = tuple(w.shape)
            if w.path.endswith("moving_variance"):
                values.append(rng.uniform(0.5, 1.5, size=shape).astype("float32"))
            elif w.path.endswith("calls"):
                values.append(np.zeros(shape, dtype="int32"))
            elif w.path.endswith("gamma"):
                values.append((1.0 + 0.1 * rng.normal(size=shape)).astype("float32"))
            else:
                values.append((0.2 * rng.normal(size=shape)).astype("float32"))
        return values

    rng = np.random.default_rng(42)
    x = rng.normal(size=(64, 16, 16, 3)).astype("float32")
    # Label: which quadrant of the image has the largest mean of channel 0.
    quads = np.stack(
        [
            x[:, :8, :8, 0].mean(axis=(1, 2)),
            x[:, :8, 8:, 0].mean(axis=(1, 2)),
            x[:, 8:, :8, 0].mean(axis=(1, 2)),
            x[:, 8:, 8:, 0].mean(axis=(1, 2)),
        ],
        axis=1,
    )
    y = np.argmax(quads, axis=1).astype("int32")

    def summary_text(model):
        lines = []
        model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
        return "\n".join(lines)

    def without_shapes(text):
        # The "Output Shape" column (second of three): Keras shows "?" for a
        # layer a subclass calls inside `call`, kerasish the traced shape.
        rows = []
        for line in text.split("\n"):
            cells = line.split("\u2502")
            if len(cells) == 5:
                cells[2] = ""
            rows.append("\u2502".join(cells))
        return "\n".join(rows)

    model = MiniResNet(num_classes=4, name="mini_resnet")
    # Keras 3 marks a subclassed model without its own `build()` as built here,
    # with a warning, and creates the sublayers' weights on the first call.
    model.build((None, 16, 16, 3))
    assert model.built
    summary_after_build = summary_text(model)
    weights_after_build = len(model.weights)
    probe = x[:8]
    model(probe, training=False)  # creates the weights
    summary = summary_text(model)

    weight_paths = [w.path for w in model.weights]
    n_trainable = len(model.trainable_weights)
    n_non_trainable = len(model.non_trainable_weights)
    params = model.count_params()
    block1 = model.get_layer("block1")
    assert block1 is model.block1
    block1_paths = [w.path for w in block1.weights]
    layer_names = [layer.name for layer in model.layers]

    model.set_weights(seeded_weights(model, 0))
    before_fit = model.predict(probe, batch_size=8, verbose=0)
    eager = np.asarray(model(probe, training=False))
    calls_after_predict = int(model.scale.calls.numpy())
    eager_losses = [float(v) for v in model.losses]

    block1.trainable = False
    frozen_trainable = len(model.trainable_weights)
    frozen_non_trainable = len(model.non_trainable_weights)
    frozen_block_trainable = len(block1.trainable_weights)
    frozen_sub_trainable = [layer.trainable for layer in (block1.conv1, block1.bn1)]

    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.05, momentum=0.9),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    frozen_before = [np.asarray(w) for w in block1.weights]
    history = model.fit(
        x, y, batch_size=16, epochs=3, shuffle=False, validation_split=0.25, verbose=0
    )
    for old, new in zip(frozen_before, block1.weights):
        np.testing.assert_array_equal(old, np.asarray(new))
    calls_after_fit = int(model.scale.calls.numpy())
    evaluation = model.evaluate(x, y, batch_size=32, verbose=0, return_dict=True)
    calls_after_evaluate = int(model.scale.calls.numpy())
    after_fit = model.predict(probe, verbose=0)

    path = workdir / "mini_resnet.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    assert type(restored).__name__ == "MiniResNet"
    reloaded = restored.predict(probe, verbose=0)
    np.testing.assert_allclose(reloaded, after_fit, rtol=1e-5, atol=1e-6)

    return {
        # Keras's `build(shape)` on a subclass without its own `build` marks it
        # built with no weights ("0 (unbuilt)"); kerasish builds it by a
        # symbolic call (deliberate: the summary then has its parameters).
        "summary_after_build": summary_after_build,
        "weights_after_build": weights_after_build,
        "summary": summary,
        "same_summary_params": without_shapes(summary),
        "same_weight_paths": weight_paths,
        "same_weight_names": [w.name for w in model.weights],
        "same_trainable": n_trainable,
        "same_non_trainable": n_non_trainable,
        "same_params": params,
        "same_block1_paths": block1_paths,
        "same_layer_names": layer_names,
        "same_frozen": [frozen_trainable, frozen_non_trainable, frozen_block_trainable],
        "same_frozen_sublayers": frozen_sub_trainable,
        "close_before_fit": before_fit,
        "close_eager": eager,
        "same_calls_after_predict": calls_after_predict,
        "close_eager_losses": eager_losses,
        "same_history_keys": sorted(history.history),
        "close_history_loss": history.history["loss"],
        "close_history_val_loss": history.history["val_loss"],
        "same_calls_after_fit": calls_after_fit,
        "same_calls_after_evaluate": calls_after_evaluate,
        "same_eval_keys": sorted(evaluation),
        "close_eval_loss": evaluation["loss"],
        "close_after_fit": after_fit,
        "close_reloaded": reloaded,
        "same_restored_config": restored.get_config(),
        "same_restored_counts": [
            len(restored.trainable_weights),
            len(restored.non_trainable_weights),
        ],
        "same_restored_block1_trainable": restored.get_layer("block1").trainable,
        "same_restored_calls": int(restored.scale.calls.numpy()),
        # Keras's reloaded subclass drops the model's name from its weights'
        # paths ("stem/kernel", where the saved model had "mini_resnet/stem/
        # kernel"); kerasish keeps the paths the model had (not copied).
        "restored_paths": [w.path for w in restored.weights],
        "same_restored_names": [w.name for w in restored.weights],
        "accuracy": evaluation["accuracy"],
    }

"""keras.applications for transfer learning: MobileNetV2 / ResNet50 without their
top, preprocess_input, a frozen base with a new head, then fine-tuning the top
layers with a low learning rate while BatchNormalization stays in inference mode.

All models use weights=None (no downloads) and 32x32 inputs, the smallest size
the applications accept.
"""

import numpy as np


def _summary(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return "\n".join(lines)


def _seeded_weights(model, seed):
    """Numpy weights of the right shapes: BN variances and scales positive,
    kernels scaled by their fan-in so activations stay of order one."""
    rng = np.random.default_rng(seed)
    values = []
    for w in model.weights:
        shape = tuple(w.shape)
        name = w.name
        if name in ("moving_variance", "gamma"):
            v = rng.uniform(0.5, 1.5, size=shape)
        elif name in ("moving_mean", "beta", "bias"):
            v = rng.normal(scale=0.1, size=shape)
        else:
            fan_in = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
            if name == "depthwise_kernel":
                fan_in = int(np.prod(shape[:2]))
            v = rng.normal(scale=1.0 / np.sqrt(fan_in), size=shape)
        values.append(v.astype("float32"))
    return values


def run(keras, workdir):
    layers = keras.layers
    apps = keras.applications
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)

    # preprocess_input of each family on the same uint8-like image batch.
    images = rng.integers(0, 256, size=(4, 32, 32, 3)).astype("float32")
    mobilenet_in = images.copy()
    pre_mobilenet = apps.mobilenet_v2.preprocess_input(mobilenet_in)
    pre_resnet = apps.resnet50.preprocess_input(images.copy())
    pre_resnet_v2 = apps.resnet_v2.preprocess_input(images.copy())
    pre_efficientnet = apps.efficientnet.preprocess_input(images.copy())
    pre_densenet = apps.densenet.preprocess_input(images.copy())
    pre_vgg = apps.vgg16.preprocess_input(images.astype("uint8"))
    assert pre_mobilenet.min() >= -1.0 and pre_mobilenet.max() <= 1.0

    # The feature extractor of the guides, with global average pooling built in.
    base_model = apps.MobileNetV2(
        include_top=False, input_shape=(32, 32, 3), weights=None, pooling="avg"
    )
    weight_names = [(w.name, tuple(w.shape)) for w in base_model.weights]
    base_model.set_weights(_seeded_weights(base_model, 42))
    x_pre = apps.mobilenet_v2.preprocess_input(images.copy())
    features = base_model.predict(x_pre, verbose=0)
    assert features.shape == (4, 1280)

    # ResNet50 without its top and no pooling: a 4D feature map.
    resnet = apps.ResNet50(include_top=False, weights=None, input_shape=(32, 32, 3))
    resnet_feature_shape = resnet.output.shape

    # Transfer learning: the base without pooling, frozen, plus a new head.
    base = apps.MobileNetV2(include_top=False, input_shape=(32, 32, 3), weights=None)
    n_base_weights = len(base.weights)
    n_base_trainable_initial = len(base.trainable_weights)
    base.trainable = False
    n_base_trainable_frozen = len(base.trainable_weights)

    inputs = keras.Input(shape=(32, 32, 3))
    x = apps.mobilenet_v2.preprocess_input(inputs)
    x = base(x, training=False)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(3, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    base.set_weights(_seeded_weights(base, 7))
    head_rng = np.random.default_rng(8)
    head = model.layers[-1]
    head.set_weights(
        [
            head_rng.normal(scale=0.05, size=(1280, 3)).astype("float32"),
            np.zeros(3, "float32"),
        ]
    )
    model_summary = _summary(model)
    probs_before = model.predict(images, verbose=0)
    n_model_trainable_frozen = len(model.trainable_weights)
    n_model_non_trainable_frozen = len(model.non_trainable_weights)

    x_train = rng.integers(0, 256, size=(48, 32, 32, 3)).astype("float32")
    y_train = rng.integers(0, 3, size=(48,))
    x_val = rng.integers(0, 256, size=(16, 32, 32, 3)).astype("float32")
    y_val = rng.integers(0, 3, size=(16,))

    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    frozen_before = [w.copy() for w in base.get_weights()]
    history = model.fit(
        x_train,
        y_train,
        epochs=2,
        batch_size=16,
        validation_data=(x_val, y_val),
        verbose=0,
    )
    for a, b in zip(frozen_before, base.get_weights()):
        np.testing.assert_array_equal(a, b)  # frozen base, BN statistics unchanged

    # Fine-tuning: unfreeze the base, then freeze all but its top 20 layers.
    base.trainable = True
    n_base_trainable_unfrozen = len(base.trainable_weights)
    fine_tune_at = 20
    for layer in base.layers[:-fine_tune_at]:
        layer.trainable = False
    n_base_trainable_fine = len(base.trainable_weights)
    n_model_trainable_fine = len(model.trainable_weights)
    n_model_non_trainable_fine = len(model.non_trainable_weights)
    trainable_layer_names = [
        layer.name for layer in base.layers if layer.trainable and layer.weights
    ]

    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-5),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    frozen_names = {layer.name for layer in base.layers[:-fine_tune_at]}
    top_bn = base.get_layer("Conv_1_bn")
    top_bn_mean_before = top_bn.moving_mean.numpy().copy()
    frozen_before = {
        layer.name: [w.copy() for w in layer.get_weights()]
        for layer in base.layers
        if layer.name in frozen_names
    }
    fine_history = model.fit(
        x_train,
        y_train,
        epochs=3,
        initial_epoch=2,
        batch_size=16,
        validation_data=(x_val, y_val),
        verbose=0,
    )
    for layer in base.layers:
        if layer.name in frozen_names:
            for a, b in zip(frozen_before[layer.name], layer.get_weights()):
                np.testing.assert_array_equal(a, b)
    top_conv = base.get_layer("Conv_1")
    eval_results = model.evaluate(x_val, y_val, verbose=0, return_dict=True)
    probs_after = model.predict(x_val, verbose=0)
    assert probs_after.shape == (16, 3)
    np.testing.assert_allclose(probs_after.sum(axis=1), 1.0, rtol=1e-5)

    model.save(workdir / "fine_tuned.keras")
    reloaded = keras.models.load_model(workdir / "fine_tuned.keras")
    reloaded_base = reloaded.get_layer(base.name)
    reloaded_counts = (
        len(reloaded.trainable_weights),
        len(reloaded.non_trainable_weights),
        sum(layer.trainable for layer in reloaded_base.layers),
        len(reloaded.optimizer.variables),
    )
    np.testing.assert_allclose(
        reloaded.predict(x_val, verbose=0), probs_after, rtol=1e-5, atol=1e-6
    )

    return {
        "close_pre_mobilenet": pre_mobilenet,
        "same_pre_mobilenet_mutates_input": bool(
            np.array_equal(mobilenet_in, pre_mobilenet)
        ),
        "close_pre_resnet": pre_resnet,
        "close_pre_resnet_v2": pre_resnet_v2,
        "close_pre_efficientnet": pre_efficientnet,
        "close_pre_densenet": pre_densenet,
        "close_pre_vgg_uint8": pre_vgg,
        "same_pre_vgg_dtype": str(pre_vgg.dtype),
        "same_base_name": base_model.name,
        "same_base_summary": _summary(base_model),
        "same_base_counts": (
            base_model.count_params(),
            len(base_model.layers),
            len(base_model.weights),
            len(base_model.trainable_weights),
            len(base_model.non_trainable_weights),
        ),
        "same_base_weight_names": weight_names,
        "same_base_output_shape": tuple(base_model.output.shape),
        "close_features": features,
        "same_resnet_counts": (
            resnet.name,
            resnet.count_params(),
            len(resnet.layers),
            len(resnet.weights),
            [layer.name for layer in resnet.layers[-5:]],
        ),
        "same_resnet_feature_shape": tuple(resnet_feature_shape),
        "same_model_summary": model_summary,
        "close_probs_before": probs_before,
        "same_trainable_counts": (
            n_base_weights,
            n_base_trainable_initial,
            n_base_trainable_frozen,
            n_model_trainable_frozen,
            n_model_non_trainable_frozen,
            n_base_trainable_unfrozen,
            n_base_trainable_fine,
            n_model_trainable_fine,
            n_model_non_trainable_fine,
        ),
        "same_trainable_layer_names": trainable_layer_names,
        "same_history_keys": sorted(history.history),
        "same_history_epochs": history.epoch,
        "same_fine_history_keys": sorted(fine_history.history),
        "same_fine_history_epochs": fine_history.epoch,
        "same_eval_keys": sorted(eval_results),
        # The saved model keeps which layers were frozen, and so its optimizer state.
        "same_reloaded_counts": reloaded_counts,
        "same_top_conv_trainable": top_conv.trainable,
        # Keras 3 lets fit's training=True override the training=False of
        # base(x, training=False) for the unfrozen BatchNormalization layers, so
        # their statistics move; kerasish keeps them in inference mode.
        "top_bn_statistics_moved": bool(
            np.any(top_bn.moving_mean.numpy() != top_bn_mean_before)
        ),
        "val_accuracy": fine_history.history["val_sparse_categorical_accuracy"][-1],
    }

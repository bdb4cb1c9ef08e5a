"""keras.io's Grad-CAM (adapted to JAX) and PointNet examples, scaled down.

Grad-CAM: a small convnet, `keras.Model(model.inputs, [conv.output, model.output])`,
the last layer's softmax removed, gradients of the class score with respect to
the last conv output by `jax.grad` over a classifier sub-model's `stateless_call`,
the heatmap by `ops.mean`/`ops.maximum`, images through save_img/load_img/
img_to_array/array_to_img. PointNet: Conv1D/Dense with BatchNormalization(momentum
0), T-nets with an `OrthogonalRegularizer` activity regularizer and a
`Constant(np.eye(k).flatten())` bias, GlobalMaxPooling1D, `Dot(axes=(2, 1))`,
fit/evaluate, save and `load_model(custom_objects=...)`.
"""

import io
from contextlib import redirect_stdout

import numpy as np


def _seeded(keras, model, rng):
    """Sets every layer's weights from `rng` (BatchNormalization kept sensible)."""
    for layer in model.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, var = (w.shape for w in weights)
            layer.set_weights(
                [
                    (1 + 0.1 * rng.normal(size=gamma)).astype("float32"),
                    (0.1 * rng.normal(size=beta)).astype("float32"),
                    (0.1 * rng.normal(size=mean)).astype("float32"),
                    rng.uniform(0.5, 1.5, size=var).astype("float32"),
                ]
            )
            continue
        new = []
        for w in weights:
            if w.ndim >= 2:
                scale = 1.0 / np.sqrt(np.prod(w.shape[:-1]))
            else:
                scale = 0.1
            new.append((scale * rng.normal(size=w.shape)).astype("float32"))
        layer.set_weights(new)


def _summary(model):
    buf = io.StringIO()
    with redirect_stdout(buf):
        model.summary()
    return buf.getvalue()


def _gradcam(keras, workdir):
    import jax

    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(3)

    # Images: a red, green or blue square (the class) somewhere on a dim background.
    img_size = (16, 16)
    n = 96
    labels = np.arange(n) % 3
    rng.shuffle(labels)
    images = rng.uniform(0, 60, size=(n, 16, 16, 3)).astype("float32")
    corners = rng.integers(0, 12, size=(n, 2))
    for i, (r, c) in enumerate(corners):
        images[i, r : r + 4, c : c + 4, labels[i]] = 255.0

    inputs = keras.Input(shape=img_size + (3,))
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = layers.Conv2D(8, 3, padding="same", activation="relu", name="block1_conv")(x)
    x = layers.MaxPooling2D(name="block1_pool")(x)
    x = layers.Conv2D(16, 3, padding="same", activation="relu", name="last_conv")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(3, activation="softmax", name="predictions")(x)
    model = keras.Model(inputs, outputs, name="small_convnet")
    last_conv_layer_name = "last_conv"
    classifier_layer_names = ["avg_pool", "predictions"]
    _seeded(keras, model, np.random.default_rng(11))

    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        images, labels, batch_size=32, epochs=4, shuffle=False, verbose=0
    )
    assert history.history["loss"][-1] < history.history["loss"][0], history.history

    # The guide's helpers: an image file in, a batch of one array out.
    img_path = str(workdir / "square.png")
    keras.utils.save_img(img_path, images[0])

    def get_img_array(img_path, size):
        img = keras.utils.load_img(img_path, target_size=size)
        array = keras.utils.img_to_array(img)
        # We add a dimension to transform our array into a "batch"
        array = np.expand_dims(array, axis=0)
        return array

    def make_gradcam_heatmap(img_array, model, last_conv_layer_name, pred_index=None):
        # A model that maps the input image to the activations of the last conv
        # layer as well as the output predictions.
        grad_model = keras.Model(
            model.inputs, [model.get_layer(last_conv_layer_name).output, model.output]
        )
        last_conv_layer_output, preds = grad_model(img_array)
        if pred_index is None:
            pred_index = int(ops.argmax(preds[0]))

        # JAX has no GradientTape: differentiate the rest of the network (from
        # the last conv output to the class score) with jax.grad.
        classifier_input = keras.Input(shape=last_conv_layer_output.shape[1:])
        x = classifier_input
        for layer_name in classifier_layer_names:
            x = model.get_layer(layer_name)(x)
        classifier_model = keras.Model(classifier_input, x)
        trainable_variables = [v.value for v in classifier_model.trainable_variables]
        non_trainable_variables = [
            v.value for v in classifier_model.non_trainable_variables
        ]

        def class_channel(conv_output):
            preds, _ = classifier_model.stateless_call(
                trainable_variables, non_trainable_variables, conv_output
            )
            return ops.sum(preds[:, pred_index])

        grads = jax.grad(class_channel)(last_conv_layer_output)
        # Mean intensity of the gradient over a specific feature map channel.
        pooled_grads = ops.mean(grads, axis=(0, 1, 2))
        # Weight each channel by "how important this channel is".
        last_conv_layer_output = last_conv_layer_output[0]
        heatmap = last_conv_layer_output @ pooled_grads[..., None]
        heatmap = ops.squeeze(heatmap)
        # Normalize the heatmap between 0 & 1.
        heatmap = ops.maximum(heatmap, 0) / ops.max(heatmap)
        return ops.convert_to_numpy(heatmap), grad_model, preds

    img_array = get_img_array(img_path, size=img_size)
    assert img_array.shape == (1, 16, 16, 3)
    softmax_preds = model.predict(img_array, verbose=0)
    # Remove last layer's softmax.
    model.layers[-1].activation = None
    logits = ops.convert_to_numpy(model(img_array))
    # predict() keeps the function it compiled before (Keras: still softmax).
    stale = model.predict(img_array, verbose=0)
    heatmap, grad_model, grad_preds = make_gradcam_heatmap(
        img_array, model, last_conv_layer_name
    )
    np.testing.assert_allclose(ops.convert_to_numpy(grad_preds), logits, rtol=1e-4)
    assert heatmap.shape == (8, 8) and heatmap.max() == 1.0 and heatmap.min() >= 0.0
    # The heatmap lights up where the coloured square is (8x8 cells for 16x16).
    peak = np.unravel_index(np.argmax(heatmap), heatmap.shape)
    r, c = corners[0] // 2
    assert r - 1 <= peak[0] <= r + 2 and c - 1 <= peak[1] <= c + 2, (peak, corners[0])
    heatmap_other, _, _ = make_gradcam_heatmap(
        images[1:2], model, last_conv_layer_name, pred_index=int(labels[1])
    )

    # Vanilla gradients (a saliency map): the class score with respect to the image.
    tv = [v.value for v in model.trainable_variables]
    ntv = [v.value for v in model.non_trainable_variables]

    def score(image):
        preds, _ = model.stateless_call(tv, ntv, image)
        return preds[0, int(labels[0])]

    saliency = ops.max(ops.abs(jax.grad(score)(img_array)), axis=-1)[0]

    # Superimpose the heatmap on the original image (a numpy colormap, no pyplot).
    img = keras.utils.img_to_array(keras.utils.load_img(img_path))
    heatmap_uint8 = np.uint8(255 * heatmap)
    ramp = np.linspace(0, 1, 256)
    jet_colors = np.stack([ramp, 1 - np.abs(2 * ramp - 1), 1 - ramp], axis=-1)
    jet_heatmap = jet_colors[heatmap_uint8]
    jet_heatmap = keras.utils.array_to_img(jet_heatmap)
    jet_heatmap = jet_heatmap.resize((img.shape[1], img.shape[0]))
    jet_heatmap = keras.utils.img_to_array(jet_heatmap)
    superimposed_img = jet_heatmap * 0.4 + img
    superimposed_img = keras.utils.array_to_img(superimposed_img)
    cam_path = workdir / "cam.jpg"
    superimposed_img.save(cam_path)
    assert cam_path.exists() and superimposed_img.size == (16, 16)

    return {
        "same_gradcam_summary": _summary(model),
        "same_grad_model_outputs": [tuple(t.shape) for t in grad_model.outputs],
        "same_grad_model_layers": [layer.name for layer in grad_model.layers],
        "same_gradcam_keys": sorted(history.history),
        "close_gradcam_history": [history.history[k] for k in sorted(history.history)],
        "close_img_array": img_array,
        "close_softmax_preds": softmax_preds,
        "close_logits": logits,
        "close_heatmap": heatmap,
        "close_heatmap_other_class": heatmap_other,
        "close_saliency": ops.convert_to_numpy(saliency),
        "same_superimposed_mode": superimposed_img.mode,
        "same_heatmap_dtype": str(heatmap.dtype),
        "predict_sums_to_one_after_activation_none": bool(
            np.allclose(stale.sum(), 1.0, atol=1e-5)
        ),
    }


def _pointnet(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(5)

    NUM_POINTS = 32
    NUM_CLASSES = 3
    BATCH_SIZE = 16

    # Point clouds sampled on a sphere, a cube and a cylinder.
    def sample(kind, n):
        if kind == 0:
            p = rng.normal(size=(n, 3))
            return p / np.linalg.norm(p, axis=1, keepdims=True)
        if kind == 1:
            p = rng.uniform(-1, 1, size=(n, 3))
            axis = rng.integers(0, 3, size=n)
            p[np.arange(n), axis] = rng.choice([-1.0, 1.0], size=n)
            return p
        theta = rng.uniform(0, 2 * np.pi, size=n)
        return np.stack([np.cos(theta), np.sin(theta), rng.uniform(-1, 1, n)], axis=1)

    def make_set(count):
        labels = np.arange(count) % NUM_CLASSES
        points = np.stack([sample(k, NUM_POINTS) for k in labels]).astype("float32")
        return points, labels

    train_points, train_labels = make_set(96)
    test_points, test_labels = make_set(32)

    def augment(points):
        # jitter points
        points = points + rng.uniform(-0.005, 0.005, size=points.shape)
        # shuffle points
        order = rng.permutation(points.shape[1])
        return points[:, order].astype("float32")

    train_points = augment(train_points)

    def conv_bn(x, filters):
        x = layers.Conv1D(filters, kernel_size=1, padding="valid")(x)
        x = layers.BatchNormalization(momentum=0.0)(x)
        return layers.Activation("relu")(x)

    def dense_bn(x, filters):
        x = layers.Dense(filters)(x)
        x = layers.BatchNormalization(momentum=0.0)(x)
        return layers.Activation("relu")(x)

    class OrthogonalRegularizer(keras.regularizers.Regularizer):
        def __init__(self, num_features, l2reg=0.001):
            self.num_features = num_features
            self.l2reg = l2reg
            self.eye = ops.eye(num_features)

        def __call__(self, x):
            x = ops.reshape(x, (-1, self.num_features, self.num_features))
            xxt = ops.tensordot(x, x, axes=(2, 2))
            xxt = ops.reshape(xxt, (-1, self.num_features, self.num_features))
            return ops.sum(self.l2reg * ops.square(xxt - self.eye))

        def get_config(self):
            return {"num_features": self.num_features, "l2reg": self.l2reg}

    def tnet(inputs, num_features):
        # Initialise bias as the identity matrix
        bias = keras.initializers.Constant(np.eye(num_features).flatten())
        reg = OrthogonalRegularizer(num_features)

        x = conv_bn(inputs, 8)
        x = conv_bn(x, 16)
        x = conv_bn(x, 32)
        x = layers.GlobalMaxPooling1D()(x)
        x = dense_bn(x, 16)
        x = dense_bn(x, 8)
        x = layers.Dense(
            num_features * num_features,
            kernel_initializer="zeros",
            bias_initializer=bias,
            activity_regularizer=reg,
        )(x)
        feat_T = layers.Reshape((num_features, num_features))(x)
        # Apply affine transformation to input features
        return layers.Dot(axes=(2, 1))([inputs, feat_T])

    def build_pointnet(dropout=0.3):
        inputs = keras.Input(shape=(NUM_POINTS, 3))
        x = tnet(inputs, 3)
        x = conv_bn(x, 8)
        x = conv_bn(x, 8)
        x = tnet(x, 8)
        x = conv_bn(x, 8)
        x = conv_bn(x, 16)
        x = conv_bn(x, 32)
        x = layers.GlobalMaxPooling1D()(x)
        x = dense_bn(x, 16)
        x = layers.Dropout(dropout)(x)
        x = dense_bn(x, 8)
        x = layers.Dropout(dropout)(x)
        outputs = layers.Dense(NUM_CLASSES, activation="softmax")(x)
        return keras.Model(inputs=inputs, outputs=outputs, name="pointnet")

    def seed_pointnet(model):
        _seeded(keras, model, np.random.default_rng(21))
        # The T-nets start near the identity transform, as their initializers do.
        trng = np.random.default_rng(22)
        for layer in model.layers:
            if isinstance(layer, layers.Dense) and layer.units in (9, 64):
                k = int(np.sqrt(layer.units))
                kernel, _ = layer.get_weights()
                layer.set_weights(
                    [
                        (0.01 * trng.normal(size=kernel.shape)).astype("float32"),
                        np.eye(k, dtype="float32").flatten(),
                    ]
                )

    model = build_pointnet()
    summary = _summary(model)
    # The T-net's last Dense starts as the identity transform.
    transform_index = [
        i
        for i, layer in enumerate(model.layers)
        if isinstance(layer, layers.Dense) and layer.units == 9
    ][0]
    transform_dense = model.layers[transform_index]
    np.testing.assert_allclose(
        transform_dense.get_weights()[1], np.eye(3).flatten(), rtol=1e-6
    )
    assert not transform_dense.get_weights()[0].any()
    reg_config = transform_dense.activity_regularizer.get_config()
    init_config = transform_dense.get_config()["bias_initializer"]

    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.Adam(learning_rate=0.001),
        metrics=["sparse_categorical_accuracy"],
    )
    # Seeded weights: inference (no dropout) is the same under both libraries.
    seed_pointnet(model)
    seeded_preds = model.predict(test_points, batch_size=BATCH_SIZE, verbose=0)
    seeded_eval = model.evaluate(
        test_points, test_labels, batch_size=BATCH_SIZE, verbose=0
    )
    model(test_points[:4])
    reg_losses = [float(ops.convert_to_numpy(loss)) for loss in model.losses]
    probe = OrthogonalRegularizer(3)(
        ops.convert_to_tensor(np.random.default_rng(1).normal(size=(2, 9)), "float32")
    )

    history = model.fit(
        train_points,
        train_labels,
        batch_size=BATCH_SIZE,
        epochs=2,
        validation_data=(test_points, test_labels),
        verbose=0,
    )
    assert np.isfinite(history.history["loss"]).all()
    loss, acc = model.evaluate(test_points, test_labels, verbose=0)

    path = workdir / "pointnet.keras"
    model.save(path)
    reloaded = keras.models.load_model(
        path, custom_objects={"OrthogonalRegularizer": OrthogonalRegularizer}
    )
    np.testing.assert_allclose(
        reloaded.predict(test_points, verbose=0),
        model.predict(test_points, verbose=0),
        rtol=1e-5,
        atol=1e-6,
    )
    reloaded_reg = reloaded.layers[transform_index].activity_regularizer
    assert isinstance(reloaded_reg, OrthogonalRegularizer), reloaded_reg
    reloaded_eval = reloaded.evaluate(test_points, test_labels, verbose=0)
    np.testing.assert_allclose(reloaded_eval, [loss, acc], rtol=1e-5)

    # Without dropout, training from seeded weights is the same under both.
    plain = build_pointnet(dropout=0.0)
    seed_pointnet(plain)
    plain.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.Adam(learning_rate=0.001),
        metrics=["sparse_categorical_accuracy"],
    )
    # One epoch: further on, float noise grows (the biases in front of
    # BatchNormalization get gradients that are zero up to rounding, Adam
    # scales them up) and the two libraries' weights drift apart.
    plain_history = plain.fit(
        train_points,
        train_labels,
        batch_size=BATCH_SIZE,
        epochs=1,
        shuffle=False,
        verbose=0,
    )
    plain_eval = plain.evaluate(
        test_points, test_labels, batch_size=BATCH_SIZE, verbose=0
    )
    bn = [
        layer for layer in plain.layers if isinstance(layer, layers.BatchNormalization)
    ][-1]

    return {
        "same_pointnet_summary": summary,
        "same_pointnet_params": model.count_params(),
        "same_transform_index": transform_index,
        "same_pointnet_layer_classes": [type(layer).__name__ for layer in model.layers],
        "same_pointnet_layer_names": [layer.name for layer in model.layers],
        "same_reg_config": reg_config,
        "same_bias_initializer": init_config,
        "close_seeded_preds": seeded_preds,
        "close_seeded_eval": seeded_eval,
        "close_reg_losses": reg_losses,
        "close_regularizer_probe": float(ops.convert_to_numpy(probe)),
        "same_pointnet_keys": sorted(history.history),
        "same_reloaded_class": type(reloaded_reg).__name__,
        "same_reloaded_reg_config": reloaded_reg.get_config(),
        "same_reloaded_layer_names": [layer.name for layer in reloaded.layers],
        # Reported only, as the statistics below: equal under XLA's default
        # flags, 2% apart under the suite's faster ones.
        "plain_history": [
            plain_history.history[k] for k in sorted(plain_history.history)
        ],
        # Not compared: the last Adam step moves those biases by +-lr after the
        # moving statistics were taken, so inference depends on rounding noise.
        "plain_eval": plain_eval,
        # Reported only: one epoch of Adam on biases whose gradients are zero
        # up to rounding makes the statistics depend on XLA's float settings
        # (equal under default flags, 10-30% apart under the suite's).
        "plain_bn_moving_variance": ops.convert_to_numpy(bn.moving_variance),
        "pointnet_accuracy": acc,
    }


def run(keras, workdir):
    result = _gradcam(keras, workdir)
    result.update(_pointnet(keras, workdir))
    return result

"""Self-supervised and contrastive representation learning (keras.io examples).

In the style of keras.io's "Self-supervised contrastive learning with SimSiam",
"Barlow Twins for Contrastive SSL", "Semi-supervised image classification using
contrastive pretraining with SimCLR" and "Supervised Contrastive Learning",
written as Keras 3 code for the JAX backend:

- SimSiam: a `keras.Model` subclass holding an encoder (functional, Conv2D +
  BatchNormalization + projection) and a predictor (Sequential bottleneck),
  a JAX `train_step(self, state, data)` that computes the symmetric negative
  cosine similarity (`ops.normalize`, `ops.stop_gradient`) of two views, plus
  the kernel regularization losses; SGD with momentum and weight decay on a
  `CosineDecay` schedule with `warmup_target`/`warmup_steps`, the learning rate
  read by a callback at each batch.
- Barlow Twins: the backend-agnostic way, `compute_loss` overridden to build
  the cross-correlation matrix (`ops.matmul`, `ops.eye`, `ops.diagonal`), with
  a Mean tracker updated inside it; AdamW with
  `exclude_from_weight_decay(var_names=[...])`.
- SimCLR: encoder + projection head ending in `UnitNormalization`, the NT-Xent
  loss and a contrastive accuracy (`SparseCategoricalAccuracy`) in
  `compute_loss`, `evaluate` on held-out views.
- Supervised contrastive learning: a `keras.losses.Loss` subclass (SupCon loss)
  given to `compile`, then linear evaluation: the encoder frozen, a Dense head
  trained on top, the non-trainable parameters in the summary; the encoder
  saved alone (`.keras` and `.weights.h5`) and reloaded.

The two "views" of each image are made with numpy augmentations from a seeded
rng and all kernels are set from numpy, so both libraries compute the same
numbers; Keras's random augmentation layers are only used in a reported part.
"""

import numpy as np

SIZE = 8
NUM_CLASSES = 4
BATCH = 32


def _summary(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return "\n".join(lines)


def _outcome(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error type is the result
        return type(e).__name__
    return "no error"


def make_images(rng, n):
    """Noisy images of NUM_CLASSES fixed random patterns, in [0, 1]."""
    patterns = rng.random((NUM_CLASSES, SIZE, SIZE, 3))
    labels = np.arange(n) % NUM_CLASSES
    rng.shuffle(labels)
    images = patterns[labels] + 0.15 * rng.normal(size=(n, SIZE, SIZE, 3))
    return np.clip(images, 0.0, 1.0).astype("float32"), labels.astype("int32")


def augment(rng, images):
    """A random view: flip, shifted crop, brightness/contrast jitter, noise."""
    n = len(images)
    flip = rng.random(n) < 0.5
    out = np.where(flip[:, None, None, None], images[:, :, ::-1], images)
    padded = np.pad(out, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="reflect")
    dy, dx = rng.integers(0, 3, (2, n))
    out = np.stack(
        [padded[i, dy[i] : dy[i] + SIZE, dx[i] : dx[i] + SIZE] for i in range(n)]
    )
    brightness = rng.uniform(-0.2, 0.2, (n, 1, 1, 1))
    contrast = rng.uniform(0.7, 1.3, (n, 1, 1, 1))
    mean = out.mean(axis=(1, 2, 3), keepdims=True)
    out = (out - mean) * contrast + mean + brightness
    out = out + rng.normal(scale=0.05, size=out.shape)
    return np.clip(out, 0.0, 1.0).astype("float32")


def seed_weights(model, seed):
    """Kernels from a numpy rng; biases and BatchNormalization keep their init."""
    wrng = np.random.default_rng(seed)
    values = []
    for w in model.get_weights():
        if w.ndim >= 2:
            fan_in = np.prod(w.shape[:-1])
            w = (wrng.normal(size=w.shape) / np.sqrt(fan_in)).astype("float32")
        values.append(w)
    model.set_weights(values)


def run(keras, workdir):
    import jax

    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)
    out = {}

    def to_np(x):
        return np.asarray(ops.convert_to_numpy(x))

    rng = np.random.default_rng(0)
    x_train, y_train = make_images(rng, 96)
    x_test, y_test = make_images(np.random.default_rng(1), 32)
    view_1, view_2 = augment(rng, x_train), augment(rng, x_train)
    test_1, test_2 = augment(rng, x_test), augment(rng, x_test)

    def get_encoder(name="encoder", reg=None):
        inputs = keras.Input(shape=(SIZE, SIZE, 3), name="image")
        x = layers.Conv2D(8, 3, padding="same", use_bias=False, kernel_regularizer=reg)(
            inputs
        )
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.Conv2D(
            16,
            3,
            strides=2,
            padding="same",
            activation="relu",
            kernel_regularizer=reg,
        )(x)
        x = layers.GlobalAveragePooling2D(name="backbone_pool")(x)
        x = layers.Dense(16, use_bias=False, name="projection")(x)
        outputs = layers.BatchNormalization(name="projection_bn")(x)
        return keras.Model(inputs, outputs, name=name)

    # --- The building blocks: cosine similarity, normalization, correlation ---
    a = np.random.default_rng(2).normal(size=(6, 5)).astype("float32")
    b = np.random.default_rng(3).normal(size=(6, 5)).astype("float32")
    a_unit = ops.normalize(a, axis=1)
    b_unit = ops.normalize(b, axis=1, order=2)
    cosine = ops.sum(a_unit * b_unit, axis=1)
    np.testing.assert_allclose(
        to_np(ops.sum(ops.square(a_unit), axis=1)), np.ones(6), rtol=1e-5
    )
    out["close_cosine_ops"] = to_np(cosine)
    out["close_cosine_loss_fn"] = to_np(keras.losses.cosine_similarity(a, b, axis=1))
    cos_metric = keras.metrics.CosineSimilarity(axis=1)
    cos_metric.update_state(a, b)
    out["close_cosine_metric"] = float(cos_metric.result())
    unit_norm = layers.UnitNormalization(axis=-1)
    out["close_unit_normalization"] = to_np(unit_norm(a))
    out["same_unit_normalization_config"] = unit_norm.get_config()
    out["same_unit_normalization_shape"] = tuple(
        unit_norm.compute_output_shape((None, 5))
    )
    np.testing.assert_allclose(to_np(unit_norm(a)), to_np(a_unit), rtol=1e-5)
    similarities = ops.matmul(a_unit, ops.transpose(b_unit)) / 0.1
    out["close_similarity_matrix"] = to_np(similarities)
    out["same_similarity_dtype"] = str(to_np(similarities).dtype)

    def cross_correlation(z_a, z_b):
        batch = ops.cast(ops.shape(z_a)[0], "float32")
        z_a = (z_a - ops.mean(z_a, axis=0)) / (ops.std(z_a, axis=0) + 1e-6)
        z_b = (z_b - ops.mean(z_b, axis=0)) / (ops.std(z_b, axis=0) + 1e-6)
        return ops.matmul(ops.transpose(z_a), z_b) / batch

    corr = to_np(cross_correlation(a, a))
    np.testing.assert_allclose(np.diag(corr), np.ones(5), rtol=1e-4)
    out["close_cross_correlation"] = to_np(cross_correlation(a, b))
    out["close_eye_mask"] = to_np(1.0 - ops.eye(4))

    # --- The learning rate schedule -------------------------------------------
    steps_per_epoch = len(x_train) // BATCH
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0,
        decay_steps=2 * steps_per_epoch,
        alpha=0.1,
        warmup_target=0.05,
        warmup_steps=steps_per_epoch,
    )
    out["close_schedule"] = [
        float(schedule(step)) for step in [0, 1, 2, 3, 4, 6, 9, 12, 50]
    ]
    out["same_schedule_config"] = schedule.get_config()
    schedule_copy = keras.optimizers.schedules.CosineDecay.from_config(
        schedule.get_config()
    )
    out["close_schedule_copy"] = float(schedule_copy(5))
    out["same_schedule_serialized"] = keras.optimizers.schedules.serialize(schedule)[
        "class_name"
    ]

    # --- SimSiam: JAX train_step --------------------------------------------
    def negative_cosine(p, z):
        z = ops.stop_gradient(z)
        p = ops.normalize(p, axis=1)
        z = ops.normalize(z, axis=1)
        return -ops.mean(ops.sum(p * z, axis=1))

    class SimSiam(keras.Model):
        def __init__(self, encoder, predictor, **kwargs):
            super().__init__(**kwargs)
            self.encoder = encoder
            self.predictor = predictor
            self.loss_tracker = keras.metrics.Mean(name="loss")

        @property
        def metrics(self):
            return [self.loss_tracker]

        def call(self, inputs, training=False):
            view_a, view_b = inputs
            z1 = self.encoder(view_a, training=training)
            z2 = self.encoder(view_b, training=training)
            p1 = self.predictor(z1, training=training)
            p2 = self.predictor(z2, training=training)
            return p1, p2, z1, z2

        def compute_loss_and_updates(
            self, trainable_variables, non_trainable_variables, views, training=False
        ):
            (p1, p2, z1, z2), non_trainable_variables, losses = self.stateless_call(
                trainable_variables,
                non_trainable_variables,
                views,
                training=training,
                return_losses=True,
            )
            loss = negative_cosine(p1, z2) / 2 + negative_cosine(p2, z1) / 2
            return loss + sum(losses), non_trainable_variables

        def train_step(self, state, data):
            (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                metrics_variables,
            ) = state
            views, _, _ = keras.utils.unpack_x_y_sample_weight(data)
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (loss, non_trainable_variables), grads = grad_fn(
                trainable_variables, non_trainable_variables, views, training=True
            )
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables
            )
            metrics_variables = self.loss_tracker.stateless_update_state(
                metrics_variables, loss
            )
            logs = {"loss": self.loss_tracker.stateless_result(metrics_variables)}
            return logs, (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                metrics_variables,
            )

    class LearningRateRecorder(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.rates, self.iterations = [], []

        def on_train_batch_end(self, batch, logs=None):
            optimizer = self.model.optimizer
            self.rates.append(float(to_np(optimizer.learning_rate)))
            self.iterations.append(int(to_np(optimizer.iterations)))

    reg = keras.regularizers.l2(5e-4)
    simsiam_encoder = get_encoder("simsiam_encoder", reg=reg)
    predictor = keras.Sequential(
        [
            keras.Input(shape=(16,)),
            layers.Dense(8, activation="relu", kernel_regularizer=reg),
            layers.BatchNormalization(),
            layers.Dense(16),
        ],
        name="predictor",
    )
    seed_weights(simsiam_encoder, 10)
    seed_weights(predictor, 11)
    simsiam = SimSiam(simsiam_encoder, predictor)
    out["same_fit_before_compile_error"] = _outcome(
        lambda: simsiam.fit((view_1, view_2), epochs=1, verbose=0)
    )
    simsiam.compile(
        optimizer=keras.optimizers.SGD(schedule, momentum=0.6, weight_decay=1e-3)
    )
    recorder = LearningRateRecorder()
    history = simsiam.fit(
        (view_1, view_2),
        batch_size=BATCH,
        epochs=3,
        shuffle=False,
        callbacks=[recorder],
        verbose=0,
    )
    loss = history.history["loss"]
    assert loss[-1] < loss[0], loss
    out["same_simsiam_history_keys"] = sorted(history.history)
    out["close_simsiam_loss"] = loss
    out["close_simsiam_recorded_lr"] = recorder.rates
    out["same_simsiam_recorded_iterations"] = recorder.iterations
    out["same_simsiam_n_losses"] = len(simsiam.losses)
    out["same_simsiam_iterations"] = int(to_np(simsiam.optimizer.iterations))
    out["close_simsiam_final_lr"] = float(to_np(simsiam.optimizer.learning_rate))
    out["close_simsiam_reg_losses"] = [float(to_np(v)) for v in simsiam.losses]
    out["same_simsiam_summary"] = _summary(simsiam)
    out["same_simsiam_optimizer_variables"] = [
        (v.name, tuple(v.shape)) for v in simsiam.optimizer.variables
    ]
    out["close_simsiam_encoder_kernel"] = to_np(
        simsiam_encoder.get_layer("projection").kernel
    )[:4]
    bn = simsiam_encoder.layers[2]
    out["close_simsiam_moving_mean"] = to_np(bn.moving_mean)
    out["same_simsiam_encoder_weight_paths"] = [w.path for w in simsiam.weights]
    p1, p2, z1, z2 = simsiam.predict((test_1, test_2), batch_size=16, verbose=0)
    out["same_simsiam_predict_shapes"] = [np.shape(t) for t in (p1, p2, z1, z2)]
    out["close_simsiam_test_similarity"] = float(
        -to_np(negative_cosine(p1, z2)) / 2 - to_np(negative_cosine(p2, z1)) / 2
    )

    # The encoder alone, through .weights.h5, into a fresh encoder.
    weights_path = str(workdir / "simsiam_encoder.weights.h5")
    simsiam_encoder.save_weights(weights_path)
    fresh = get_encoder("simsiam_encoder_copy", reg=reg)
    fresh.load_weights(weights_path)
    features = simsiam_encoder.predict(x_test, verbose=0)
    np.testing.assert_allclose(
        fresh.predict(x_test, verbose=0), features, rtol=1e-5, atol=1e-6
    )
    out["close_simsiam_features"] = features[:4]

    # --- Barlow Twins: compute_loss overridden --------------------------------
    class BarlowTwins(keras.Model):
        def __init__(self, encoder, lambd=5e-3, **kwargs):
            super().__init__(**kwargs)
            self.encoder = encoder
            self.lambd = lambd
            self.on_diag_tracker = keras.metrics.Mean(name="on_diag")

        def call(self, inputs, training=False):
            view_a, view_b = inputs
            return (
                self.encoder(view_a, training=training),
                self.encoder(view_b, training=training),
            )

        def compute_loss(
            self, x=None, y=None, y_pred=None, sample_weight=None, training=True
        ):
            z_a, z_b = y_pred
            c = cross_correlation(z_a, z_b)
            off_diagonal = 1.0 - ops.eye(ops.shape(c)[0])
            on_diag = ops.sum(ops.square(ops.diagonal(c) - 1.0))
            off_diag = ops.sum(ops.square(c * off_diagonal))
            self.on_diag_tracker.update_state(on_diag)
            return on_diag + self.lambd * off_diag

    barlow_encoder = get_encoder("barlow_encoder")
    seed_weights(barlow_encoder, 20)
    barlow = BarlowTwins(barlow_encoder)
    adamw = keras.optimizers.AdamW(learning_rate=0.01, weight_decay=0.05)
    adamw.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
    barlow.compile(optimizer=adamw)
    history = barlow.fit(
        (view_1, view_2), batch_size=BATCH, epochs=3, shuffle=False, verbose=0
    )
    loss = history.history["loss"]
    assert loss[-1] < loss[0], loss
    out["same_barlow_history_keys"] = sorted(history.history)
    out["close_barlow_loss"] = loss
    out["close_barlow_on_diag"] = history.history["on_diag"]
    out["same_barlow_metrics"] = [m.name for m in barlow.metrics]
    # BatchNormalization's gamma and beta get (almost) no gradient: the loss
    # standardizes each feature, so only the kernels are compared.
    out["close_barlow_conv_kernel"] = to_np(barlow_encoder.layers[1].kernel)[1, 1]
    # Keras's check for "already built" reads a `_built` attribute that its
    # optimizers never set, so it never raises; kerasish raises the ValueError
    # that the docstring promises.
    out["exclude_after_build_error"] = _outcome(
        lambda: adamw.exclude_from_weight_decay(var_names=["kernel"])
    )
    evaluation = barlow.evaluate(
        (test_1, test_2), batch_size=BATCH, return_dict=True, verbose=0
    )
    out["same_barlow_evaluate_keys"] = sorted(evaluation)
    out["close_barlow_evaluate"] = [evaluation[k] for k in sorted(evaluation)]

    # Weight decay with and without exclusions, on zero gradients.
    dense = layers.Dense(3)
    dense.build((None, 4))
    norm = layers.BatchNormalization()
    norm.build((None, 3))
    dense.set_weights(
        [np.linspace(-1, 1, 12).reshape(4, 3).astype("float32"), np.ones(3, "float32")]
    )
    variables = dense.trainable_variables + norm.trainable_variables
    out["same_decay_variable_names"] = [v.name for v in variables]
    decays = {}
    for label, opt in [
        ("adamw_names", keras.optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)),
        ("sgd_list", keras.optimizers.SGD(learning_rate=0.1, weight_decay=0.5)),
        ("adamw_all", keras.optimizers.AdamW(learning_rate=0.1, weight_decay=0.5)),
    ]:
        if label == "adamw_names":
            opt.exclude_from_weight_decay(var_names=["bias", "gamma"])
        elif label == "sgd_list":
            opt.exclude_from_weight_decay(var_list=[dense.kernel])
        before = [to_np(v).copy() for v in variables]
        opt.apply_gradients([(ops.zeros(v.shape), v) for v in variables])
        decays[label] = [
            float(np.linalg.norm(to_np(v)) / max(np.linalg.norm(w), 1e-6))
            for v, w in zip(variables, before)
        ]
        for v, w in zip(variables, before):
            v.assign(w)
    out["same_weight_decay_runs"] = sorted(decays)
    out["close_weight_decay_ratios"] = [decays[k] for k in sorted(decays)]

    # --- SimCLR: NT-Xent and contrastive accuracy in compute_loss -------------
    class ContrastiveModel(keras.Model):
        def __init__(self, encoder, projection_head, temperature=0.1, **kwargs):
            super().__init__(**kwargs)
            self.encoder = encoder
            self.projection_head = projection_head
            self.temperature = temperature
            self.contrastive_loss_tracker = keras.metrics.Mean(name="c_loss")
            self.contrastive_accuracy = keras.metrics.SparseCategoricalAccuracy(
                name="c_acc"
            )

        def call(self, inputs, training=False):
            view_a, view_b = inputs
            h1 = self.projection_head(self.encoder(view_a, training=training))
            h2 = self.projection_head(self.encoder(view_b, training=training))
            return h1, h2

        def contrastive_loss(self, projections_1, projections_2):
            projections_1 = ops.normalize(projections_1, axis=1)
            projections_2 = ops.normalize(projections_2, axis=1)
            similarities = (
                ops.matmul(projections_1, ops.transpose(projections_2))
                / self.temperature
            )
            batch_size = ops.shape(projections_1)[0]
            contrastive_labels = ops.arange(batch_size)
            self.contrastive_accuracy.update_state(contrastive_labels, similarities)
            self.contrastive_accuracy.update_state(
                contrastive_labels, ops.transpose(similarities)
            )
            loss_1_2 = keras.losses.sparse_categorical_crossentropy(
                contrastive_labels, similarities, from_logits=True
            )
            loss_2_1 = keras.losses.sparse_categorical_crossentropy(
                contrastive_labels, ops.transpose(similarities), from_logits=True
            )
            return ops.mean((loss_1_2 + loss_2_1) / 2)

        def compute_loss(
            self, x=None, y=None, y_pred=None, sample_weight=None, training=True
        ):
            loss = self.contrastive_loss(*y_pred)
            self.contrastive_loss_tracker.update_state(loss)
            return loss

    simclr_encoder = get_encoder("simclr_encoder")
    projection_head = keras.Sequential(
        [
            keras.Input(shape=(16,)),
            layers.Dense(16, activation="relu"),
            layers.Dense(8),
            layers.UnitNormalization(),
        ],
        name="projection_head",
    )
    seed_weights(simclr_encoder, 30)
    seed_weights(projection_head, 31)
    simclr = ContrastiveModel(simclr_encoder, projection_head, temperature=0.2)
    simclr.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01))
    history = simclr.fit(
        (view_1, view_2), batch_size=BATCH, epochs=3, shuffle=False, verbose=0
    )
    loss = history.history["loss"]
    assert loss[-1] < loss[0], loss
    np.testing.assert_allclose(history.history["c_loss"], loss, rtol=1e-5)
    out["same_simclr_history_keys"] = sorted(history.history)
    out["close_simclr_loss"] = loss
    out["close_simclr_c_acc"] = history.history["c_acc"]
    out["same_simclr_metrics"] = [m.name for m in simclr.metrics]
    evaluation = simclr.evaluate(
        (test_1, test_2), batch_size=16, return_dict=True, verbose=0
    )
    out["same_simclr_evaluate_keys"] = sorted(evaluation)
    out["close_simclr_evaluate"] = [evaluation[k] for k in sorted(evaluation)]
    h1, _ = simclr.predict((test_1, test_2), verbose=0)
    np.testing.assert_allclose(np.linalg.norm(h1, axis=1), np.ones(32), rtol=1e-5)
    out["close_simclr_projections"] = h1[:3]
    out["same_simclr_summary"] = _summary(simclr)

    # --- Supervised contrastive learning, then linear evaluation -------------
    class SupervisedContrastiveLoss(keras.losses.Loss):
        def __init__(self, temperature=1.0, name="supervised_contrastive", **kwargs):
            super().__init__(name=name, **kwargs)
            self.temperature = temperature

        def call(self, labels, feature_vectors):
            features = ops.normalize(feature_vectors, axis=1)
            logits = ops.matmul(features, ops.transpose(features)) / self.temperature
            labels = ops.reshape(labels, (-1, 1))
            same = ops.cast(ops.equal(labels, ops.transpose(labels)), logits.dtype)
            targets = same / ops.sum(same, axis=1, keepdims=True)
            return keras.losses.categorical_crossentropy(
                targets, logits, from_logits=True
            )

        def get_config(self):
            return {**super().get_config(), "temperature": self.temperature}

    supcon_loss = SupervisedContrastiveLoss(temperature=0.5)
    out["same_supcon_loss_config"] = supcon_loss.get_config()
    supcon_copy = SupervisedContrastiveLoss.from_config(supcon_loss.get_config())
    out["same_supcon_loss_copy"] = [supcon_copy.name, supcon_copy.temperature]
    out["close_supcon_loss_direct"] = float(
        supcon_loss(y_train[:16].astype("float32"), view_1[:16].reshape(16, -1))
    )

    def add_projection_head(encoder):
        inputs = keras.Input(shape=(SIZE, SIZE, 3))
        features = encoder(inputs)
        outputs = layers.Dense(8, activation="relu")(features)
        return keras.Model(inputs, outputs, name="encoder_with_projection_head")

    supcon_encoder = get_encoder("supcon_encoder")
    seed_weights(supcon_encoder, 40)
    with_head = add_projection_head(supcon_encoder)
    seed_weights(with_head.layers[-1], 41)
    with_head.compile(optimizer=keras.optimizers.Adam(0.01), loss=supcon_loss)
    history = with_head.fit(
        view_1, y_train, batch_size=BATCH, epochs=3, shuffle=False, verbose=0
    )
    loss = history.history["loss"]
    assert loss[-1] < loss[0], loss
    out["close_supcon_loss"] = loss
    out["same_supcon_summary"] = _summary(with_head)
    out["same_supcon_layer_names"] = [layer.name for layer in with_head.layers]

    def create_classifier(encoder, trainable=True):
        for layer in encoder.layers:
            layer.trainable = trainable
        inputs = keras.Input(shape=(SIZE, SIZE, 3))
        features = encoder(inputs)
        features = layers.Dense(12, activation="relu")(features)
        outputs = layers.Dense(NUM_CLASSES, activation="softmax")(features)
        model = keras.Model(inputs, outputs, name="classifier")
        model.compile(
            optimizer=keras.optimizers.Adam(0.01),
            loss=keras.losses.SparseCategoricalCrossentropy(),
            metrics=[keras.metrics.SparseCategoricalAccuracy()],
        )
        return model

    frozen_kernel = to_np(supcon_encoder.get_layer("projection").kernel).copy()
    frozen_mean = to_np(supcon_encoder.get_layer("projection_bn").moving_mean).copy()
    classifier = create_classifier(supcon_encoder, trainable=False)
    classifier.layers[-2].set_weights(
        [
            np.random.default_rng(50).normal(size=(16, 12)).astype("float32") * 0.25,
            np.zeros(12, "float32"),
        ]
    )
    classifier.layers[-1].set_weights(
        [
            np.random.default_rng(51).normal(size=(12, 4)).astype("float32") * 0.3,
            np.zeros(4, "float32"),
        ]
    )
    summary = _summary(classifier)
    out["same_classifier_summary"] = summary
    out["same_classifier_param_lines"] = [
        line for line in summary.splitlines() if "params" in line
    ]
    trainable_lines = []
    classifier.summary(
        show_trainable=True,
        print_fn=lambda line, *args, **kwargs: trainable_lines.append(line),
    )
    out["same_classifier_summary_trainable"] = "\n".join(trainable_lines)
    out["same_classifier_layer_trainable"] = [
        (layer.name, layer.trainable) for layer in classifier.layers
    ]
    out["same_classifier_counts"] = [
        classifier.count_params(),
        len(classifier.trainable_weights),
        len(classifier.non_trainable_weights),
    ]
    history = classifier.fit(
        x_train,
        y_train,
        batch_size=BATCH,
        epochs=3,
        shuffle=False,
        validation_data=(x_test, y_test),
        verbose=0,
    )
    # The frozen encoder did not move, BatchNormalization statistics included.
    np.testing.assert_array_equal(
        to_np(supcon_encoder.get_layer("projection").kernel), frozen_kernel
    )
    np.testing.assert_array_equal(
        to_np(supcon_encoder.get_layer("projection_bn").moving_mean), frozen_mean
    )
    loss = history.history["loss"]
    assert loss[-1] < loss[0], loss
    out["same_classifier_history_keys"] = sorted(history.history)
    out["close_classifier_history"] = [
        history.history[k] for k in sorted(history.history)
    ]
    accuracy = classifier.evaluate(x_test, y_test, verbose=0)
    out["close_classifier_evaluate"] = accuracy
    out["classifier_test_accuracy"] = accuracy[1]

    # The encoder alone: .keras round trip keeps the frozen layers.
    encoder_path = str(workdir / "supcon_encoder.keras")
    supcon_encoder.save(encoder_path)
    reloaded = keras.saving.load_model(encoder_path)
    features = supcon_encoder.predict(x_test, verbose=0)
    np.testing.assert_allclose(
        reloaded.predict(x_test, verbose=0), features, rtol=1e-5, atol=1e-6
    )
    out["close_encoder_features"] = features[:4]
    out["same_reloaded_trainable"] = [layer.trainable for layer in reloaded.layers]
    out["same_reloaded_counts"] = [
        len(reloaded.trainable_weights),
        len(reloaded.non_trainable_weights),
    ]
    out["same_reloaded_summary"] = _summary(reloaded)
    out["same_reloaded_config_layers"] = [
        (layer["class_name"], layer["config"]["name"])
        for layer in reloaded.get_config()["layers"]
    ]
    # Unfreezing the reloaded encoder for fine-tuning.
    reloaded.trainable = True
    out["same_unfrozen_counts"] = [
        len(reloaded.trainable_weights),
        len(reloaded.non_trainable_weights),
    ]

    # --- Random augmentation layers (reported values) -------------------------
    augmenter = keras.Sequential(
        [
            layers.RandomFlip("horizontal"),
            layers.RandomContrast(0.2),
            layers.RandomBrightness(0.2, value_range=(0.0, 1.0)),
        ],
        name="augmenter",
    )
    augmented = to_np(augmenter(x_test[:8], training=True))
    unchanged = to_np(augmenter(x_test[:8], training=False))
    np.testing.assert_allclose(unchanged, x_test[:8], rtol=1e-6)
    out["same_augmented_shape"] = augmented.shape
    out["same_augmenter_layers"] = [layer.name for layer in augmenter.layers]
    out["augmented_mean"] = float(augmented.mean())
    return out

"""Image similarity with a Siamese network and a contrastive loss (keras.io example).

Pairs of small generated images (same class: label 0, different classes: label 1)
go through one shared embedding tower; a Lambda layer computes the euclidean
distance, then BatchNormalization and a sigmoid Dense. Trained with a
`loss(margin=1)` closure, RMSprop, validation data; weights saved to
`siamese.weights.h5` and loaded into a freshly built model.
"""

import io
from contextlib import redirect_stdout

import numpy as np


def make_data(rng, n_per_class, num_classes=4, size=12):
    """Noisy images of `num_classes` fixed random patterns."""
    patterns = rng.random((num_classes, size, size, 1)).astype("float32")
    y = np.repeat(np.arange(num_classes), n_per_class)
    x = patterns[y] + 0.3 * rng.normal(size=(len(y), size, size, 1))
    order = rng.permutation(len(y))
    return x[order].astype("float32"), y[order]


def make_pairs(rng, x, y):
    """One positive (same class, label 0) and one negative (label 1) pair per image."""
    num_classes = max(y) + 1
    digit_indices = [np.where(y == i)[0] for i in range(num_classes)]
    pairs = []
    labels = []
    for idx1 in range(len(x)):
        x1 = x[idx1]
        label1 = y[idx1]
        idx2 = rng.choice(digit_indices[label1])
        pairs += [[x1, x[idx2]]]
        labels += [0]
        label2 = rng.integers(0, num_classes)
        while label2 == label1:
            label2 = rng.integers(0, num_classes)
        idx2 = rng.choice(digit_indices[label2])
        pairs += [[x1, x[idx2]]]
        labels += [1]
    return np.array(pairs), np.array(labels).astype("float32")


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x_all, y_all = make_data(rng, n_per_class=40)
    x_train, y_train = x_all[:120], y_all[:120]
    x_val, y_val = x_all[120:140], y_all[120:140]
    x_test, y_test = x_all[140:], y_all[140:]
    pairs_train, labels_train = make_pairs(rng, x_train, y_train)
    pairs_val, labels_val = make_pairs(rng, x_val, y_val)
    pairs_test, labels_test = make_pairs(rng, x_test, y_test)
    x_train_1, x_train_2 = pairs_train[:, 0], pairs_train[:, 1]
    x_val_1, x_val_2 = pairs_val[:, 0], pairs_val[:, 1]
    x_test_1, x_test_2 = pairs_test[:, 0], pairs_test[:, 1]
    assert x_train_1.shape == (240, 12, 12, 1)

    def euclidean_distance(vects):
        x, y = vects
        sum_square = ops.sum(ops.square(x - y), axis=1, keepdims=True)
        return ops.sqrt(ops.maximum(sum_square, keras.backend.epsilon()))

    def build_siamese():
        input = layers.Input((12, 12, 1))
        x = layers.BatchNormalization()(input)
        x = layers.Conv2D(4, (3, 3), activation="tanh")(x)
        x = layers.AveragePooling2D(pool_size=(2, 2))(x)
        x = layers.Flatten()(x)
        x = layers.BatchNormalization()(x)
        x = layers.Dense(10, activation="tanh")(x)
        embedding_network = keras.Model(input, x)

        input_1 = layers.Input((12, 12, 1))
        input_2 = layers.Input((12, 12, 1))
        tower_1 = embedding_network(input_1)
        tower_2 = embedding_network(input_2)
        merge_layer = layers.Lambda(euclidean_distance, output_shape=(1,))(
            [tower_1, tower_2]
        )
        normal_layer = layers.BatchNormalization()(merge_layer)
        output_layer = layers.Dense(1, activation="sigmoid")(normal_layer)
        siamese = keras.Model(inputs=[input_1, input_2], outputs=output_layer)
        return siamese, embedding_network

    def loss(margin=1):
        def contrastive_loss(y_true, y_pred):
            square_pred = ops.square(y_pred)
            margin_square = ops.square(ops.maximum(margin - (y_pred), 0))
            return ops.mean((1 - y_true) * square_pred + (y_true) * margin_square)

        return contrastive_loss

    siamese, embedding_network = build_siamese()
    # Fixed starting weights, so both libraries compute the same numbers.
    wrng = np.random.default_rng(1)
    start = [
        (wrng.normal(size=w.shape) * 0.3).astype("float32")
        if w.ndim > 1
        else np.asarray(w)
        for w in siamese.get_weights()
    ]
    siamese.set_weights(start)
    pred_before = siamese.predict([x_test_1, x_test_2], verbose=0)
    embedding = embedding_network.predict(x_test_1[:4], verbose=0)

    siamese.compile(
        loss=loss(margin=1), optimizer=keras.optimizers.RMSprop(), metrics=["accuracy"]
    )
    buf = io.StringIO()
    with redirect_stdout(buf):
        siamese.summary()
    summary = buf.getvalue()
    emb_lines = []
    embedding_network.summary(print_fn=lambda line, **kw: emb_lines.append(line))

    history = siamese.fit(
        [x_train_1, x_train_2],
        labels_train,
        validation_data=([x_val_1, x_val_2], labels_val),
        batch_size=16,
        epochs=6,
        shuffle=False,
        verbose=0,
    )
    assert history.history["loss"][-1] < history.history["loss"][0], history.history
    results = siamese.evaluate([x_test_1, x_test_2], labels_test, verbose=0)
    predictions = siamese.predict([x_test_1, x_test_2], verbose=0)
    accuracy = float(np.mean((predictions[:, 0] > 0.5) == (labels_test > 0.5)))
    assert accuracy > 0.6, accuracy

    path = workdir / "siamese.weights.h5"
    siamese.save_weights(path)
    fresh, _ = build_siamese()
    fresh.load_weights(path)
    reloaded = fresh.predict([x_test_1, x_test_2], verbose=0)
    np.testing.assert_allclose(reloaded, predictions, rtol=1e-5, atol=1e-6)

    lam = next(layer for layer in siamese.layers if isinstance(layer, layers.Lambda))
    lam_config = lam.get_config()
    return {
        "same_summary": summary.splitlines(),
        "same_embedding_summary": emb_lines,
        "same_params": siamese.count_params(),
        "same_trainable_params": sum(
            int(np.prod(w.shape)) for w in siamese.trainable_weights
        ),
        "same_non_trainable_params": sum(
            int(np.prod(w.shape)) for w in siamese.non_trainable_weights
        ),
        "same_embedding_params": embedding_network.count_params(),
        "same_layer_types": [type(layer).__name__ for layer in siamese.layers],
        "same_layer_names": [layer.name for layer in siamese.layers],
        "same_n_weights": len(siamese.weights),
        "same_history_keys": sorted(history.history),
        "same_eval_len": len(results) if isinstance(results, list) else 1,
        "same_pred_shape": predictions.shape,
        "same_lambda_config_keys": sorted(lam_config),
        "same_lambda_output_shape": tuple(lam_config["output_shape"]),
        "same_lambda_output": tuple(lam.output.shape),
        "close_pred_before": pred_before,
        "close_embedding": embedding,
        "close_loss": history.history["loss"],
        "close_val_loss": history.history["val_loss"],
        "close_evaluate": results,
        "close_predictions": predictions,
        "close_reloaded": reloaded,
        "accuracy": accuracy,
        "val_loss": history.history["val_loss"][-1],
        "final_loss": history.history["loss"][-1],
    }

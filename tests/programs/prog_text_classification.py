"""Text classification from raw strings: TextVectorization, then Embedding + pooling."""

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    good = ["great", "wonderful", "loved", "excellent", "fun"]
    bad = ["awful", "boring", "hated", "terrible", "dull"]
    filler = ["the", "movie", "was", "really", "and", "plot", "actors"]

    def review(words):
        picks = list(rng.choice(filler, 5)) + list(rng.choice(words, 2))
        rng.shuffle(picks)
        return " ".join(picks)

    texts = np.array(
        [review(good) for _ in range(150)] + [review(bad) for _ in range(150)]
    )
    labels = np.array([1] * 150 + [0] * 150)
    order = rng.permutation(300)
    texts, labels = texts[order], labels[order]

    vectorize_layer = layers.TextVectorization(
        max_tokens=50, output_mode="int", output_sequence_length=10
    )
    vectorize_layer.adapt(texts)
    # As in the guide for non-TensorFlow backends: vectorize in the data pipeline.
    x_ids = np.asarray(vectorize_layer(texts))
    inputs = keras.Input(shape=(10,), dtype="int64")
    x = layers.Embedding(50, 8)(inputs)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(
        loss="binary_crossentropy",
        optimizer=keras.optimizers.Adam(0.05),
        metrics=["accuracy"],
    )
    history = model.fit(
        x_ids[:240],
        labels[:240],
        validation_data=(x_ids[240:], labels[240:]),
        epochs=8,
        batch_size=32,
        verbose=0,
    )
    acc = model.evaluate(x_ids[240:], labels[240:], verbose=0)[1]
    assert acc > 0.9, acc
    new = vectorize_layer(np.array(["a great and wonderful movie", "boring and awful"]))
    pred = model.predict(np.asarray(new), verbose=0)
    assert pred[0, 0] > 0.5 > pred[1, 0], pred
    return {
        "same_keys": sorted(history.history),
        "same_vocab_size": vectorize_layer.vocabulary_size(),
        "same_pred_shape": pred.shape,
        "accuracy": acc,
    }

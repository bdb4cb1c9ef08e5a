"""Raw strings go through fit / evaluate / predict: host-side layers run in numpy."""

import numpy as np

import kerasish as keras
from kerasish.layers import TextVectorization

TEXTS = np.array(
    ["good movie great", "bad film awful", "great great fun", "awful bad boring"] * 25
)
LABELS = np.array([1, 0, 1, 0] * 25, "float32")


def _model(with_input):
    vectorize = TextVectorization(max_tokens=20, output_sequence_length=4)
    vectorize.adapt(TEXTS)
    head = [
        keras.layers.Embedding(20, 4),
        keras.layers.Flatten(),
        keras.layers.Dense(1, activation="sigmoid"),
    ]
    first = [keras.Input((), dtype="string")] if with_input else []
    return keras.Sequential(first + [vectorize] + head), vectorize


def test_fit_predict_on_raw_strings_equals_vectorized_pipeline():
    model, vectorize = _model(with_input=True)
    model.compile(
        keras.optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"]
    )
    history = model.fit(TEXTS, LABELS, epochs=10, batch_size=16, verbose=0)
    assert history.history["accuracy"][-1] == 1.0
    predicted = model.predict(TEXTS[:4], verbose=0).ravel()
    np.testing.assert_array_equal(predicted > 0.5, LABELS[:4] > 0.5)
    # The device part of the model on the vectorized ids gives the same numbers.
    ids = np.asarray(vectorize(TEXTS[:4]))
    x = ids
    for layer in model.layers[1:]:
        x = layer(x)
    np.testing.assert_allclose(np.asarray(x).ravel(), predicted, rtol=1e-5)
    np.testing.assert_allclose(
        np.asarray(model(TEXTS[:4])).ravel(), predicted, rtol=1e-5
    )


def test_deferred_build_and_generator_of_strings():
    model, _ = _model(with_input=False)
    model.compile("adam", "binary_crossentropy")
    batches = [(TEXTS[i : i + 20], LABELS[i : i + 20]) for i in range(0, 100, 20)]
    model.fit(batches, epochs=1, verbose=0)
    assert model.predict(batches, verbose=0).shape == (100, 1)


def test_string_input_symbolic_dtype():
    assert keras.Input((), dtype="string").dtype == "string"

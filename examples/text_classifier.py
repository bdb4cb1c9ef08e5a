"""Text classification on a generated corpus: TextVectorization + Embedding + LSTM.

Raw strings go straight into `fit` and `predict`: the TextVectorization layer runs on
the host (strings cannot enter a compiled XLA graph) and the rest is compiled.

    python examples/text_classifier.py
"""

import numpy as np

import kerasish as keras
from kerasish import layers

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
positive = ["great", "wonderful", "loved", "excellent", "fun", "moving", "brilliant"]
negative = ["awful", "boring", "hated", "terrible", "dull", "weak", "clumsy"]
neutral = ["the", "movie", "plot", "actors", "film", "story", "was", "and", "a", "it"]


def sentence(label):
    words = list(rng.choice(neutral, size=rng.integers(4, 9)))
    for _ in range(rng.integers(1, 3)):
        words.insert(
            rng.integers(0, len(words)), rng.choice(positive if label else negative)
        )
    return " ".join(words)


labels = rng.integers(0, 2, size=1200)
texts = np.array([sentence(label) for label in labels])
labels = labels.astype("float32")

vectorize = layers.TextVectorization(max_tokens=64, output_sequence_length=12)
vectorize.adapt(texts[:1000])
model = keras.Sequential(
    [
        keras.Input((), dtype="string"),
        vectorize,
        layers.Embedding(64, 16, mask_zero=True),
        layers.LSTM(16),
        layers.Dense(1, activation="sigmoid"),
    ]
)
model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
model.fit(texts[:1000], labels[:1000], epochs=8, batch_size=32, verbose=2)
loss, accuracy = model.evaluate(texts[1000:], labels[1000:], verbose=0)
print(f"text classifier held-out accuracy {accuracy:.4f}")
samples = np.array(["the movie was wonderful and fun", "a dull and boring story"])
print(
    dict(
        zip(
            samples.tolist(),
            model.predict(samples, verbose=0).ravel().round(3).tolist(),
        )
    )
)

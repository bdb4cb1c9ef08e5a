"""Classify scikit-learn's handwritten digits, with a model built three ways.

The same two-layer network as a Sequential model, a Functional model and a
subclassed model; each prints its summary, trains for a few epochs and reports its
accuracy on held-out digits.

    python examples/digits_classifier.py
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import kerasish as keras
from kerasish import layers

keras.utils.set_random_seed(0)
digits = load_digits()
x = (digits.data / 16.0).astype("float32")  # (1797, 64), pixel values in [0, 1]
y = digits.target.astype("int32")
x_train, x_test, y_train, y_test = train_test_split(
    x, y, test_size=0.25, random_state=0
)


def sequential_model():
    return keras.Sequential(
        [
            keras.Input((64,)),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax"),
        ],
        name="digits_sequential",
    )


def functional_model():
    inputs = keras.Input((64,), name="pixels")
    x = layers.Dense(128, activation="relu")(inputs)
    x = layers.Dropout(0.2)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="digits_functional")


class DigitsModel(keras.Model):
    def __init__(self):
        super().__init__(name="digits_subclassed")
        self.hidden = layers.Dense(128, activation="relu")
        self.dropout = layers.Dropout(0.2)
        self.classifier = layers.Dense(10, activation="softmax")

    def call(self, inputs, training=False):
        return self.classifier(self.dropout(self.hidden(inputs), training=training))


for make in (sequential_model, functional_model, DigitsModel):
    model = make()
    model.build((None, 64))
    model.summary()
    model.compile(
        optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    model.fit(
        x_train, y_train, epochs=30, batch_size=32, validation_split=0.1, verbose=0
    )
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"{model.name}: held-out accuracy {accuracy:.4f} (loss {loss:.4f})\n")
    predicted = np.argmax(model.predict(x_test[:10], verbose=0), axis=1)
    print("first ten predictions:", predicted.tolist(), "labels:", y_test[:10].tolist())

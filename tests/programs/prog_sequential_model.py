"""The sequential model guide: build, add, pop, summary, weights, feature extraction."""

import io
from contextlib import redirect_stdout

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    model = keras.Sequential(
        [
            layers.Dense(2, activation="relu", name="layer1"),
            layers.Dense(3, activation="relu", name="layer2"),
            layers.Dense(4, name="layer3"),
        ]
    )
    x = keras.ops.ones((3, 3))
    y = model(x)
    names = [layer.name for layer in model.layers]
    n_weights = len(model.weights)

    model = keras.Sequential()
    model.add(keras.Input(shape=(4,)))
    model.add(layers.Dense(2, activation="relu"))
    model.add(layers.Dense(3, activation="relu"))
    model.pop()
    buf = io.StringIO()
    with redirect_stdout(buf):
        model.summary()
    n_layers_after_pop = len(model.layers)

    # Feature extraction with a Sequential model.
    initial = keras.Sequential(
        [
            keras.Input(shape=(250, 250, 3)),
            layers.Conv2D(4, 5, strides=2, activation="relu"),
            layers.Conv2D(4, 3, activation="relu", name="my_intermediate_layer"),
            layers.Conv2D(4, 3, activation="relu"),
        ]
    )
    extractor = keras.Model(
        inputs=initial.inputs,
        outputs=initial.get_layer(name="my_intermediate_layer").output,
    )
    features = extractor(np.ones((1, 250, 250, 3), dtype="float32"))
    return {
        "same_output_shape": tuple(y.shape),
        "same_names": names,
        "same_n_weights": n_weights,
        "same_layers_after_pop": n_layers_after_pop,
        "same_summary_params": [
            line for line in buf.getvalue().splitlines() if "params" in line
        ],
        "same_feature_shape": tuple(features.shape),
        "same_param_count": initial.count_params(),
    }

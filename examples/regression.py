"""Regression on generated data: predict y = sin(x0) + x1^2 - 0.5 x2 + noise.

python examples/regression.py
"""

import numpy as np

import kerasish as keras
from kerasish import layers

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x = rng.uniform(-2, 2, size=(4000, 3)).astype("float32")
y = (np.sin(x[:, 0]) + x[:, 1] ** 2 - 0.5 * x[:, 2])[:, None]
y = (y + rng.normal(scale=0.05, size=y.shape)).astype("float32")
x_train, y_train, x_test, y_test = x[:3200], y[:3200], x[3200:], y[3200:]

model = keras.Sequential(
    [
        keras.Input((3,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(1),
    ]
)
model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mse", metrics=["mae"])
history = model.fit(
    x_train, y_train, epochs=40, batch_size=64, validation_split=0.1, verbose=2
)
mse, mae = model.evaluate(x_test, y_test, verbose=0)
baseline = float(np.mean((y_test - y_train.mean()) ** 2))
print(f"test mse {mse:.4f} (predicting the mean: {baseline:.4f}), test mae {mae:.4f}")

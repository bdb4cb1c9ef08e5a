"""Forecast the next value of a generated noisy signal from the last 24 steps.

python examples/timeseries_forecast.py
"""

import numpy as np

import kerasish as keras
from kerasish import layers

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
t = np.arange(3000, dtype="float32")
signal = np.sin(t / 12) + 0.5 * np.sin(t / 31) + 0.05 * rng.normal(size=t.shape)
window = 24
x = np.stack([signal[i : i + window] for i in range(len(signal) - window)])[..., None]
y = signal[window:, None].astype("float32")
x = x.astype("float32")
split = int(0.8 * len(x))

model = keras.Sequential(
    [
        keras.Input((window, 1)),
        layers.GRU(32),
        layers.Dense(16, activation="relu"),
        layers.Dense(1),
    ]
)
model.compile(keras.optimizers.Adam(3e-3), "mse", metrics=["mae"])
model.fit(
    x[:split], y[:split], epochs=10, batch_size=64, validation_split=0.1, verbose=2
)
mse, mae = model.evaluate(x[split:], y[split:], verbose=0)
naive = float(np.mean((x[split:, -1, 0] - y[split:, 0]) ** 2))
print(f"forecast test mse {mse:.5f} (repeat-last-value baseline: {naive:.5f})")

"""Writing your own callbacks: a file logger and a custom stopping rule.

A callback is a class with the hooks you need: `on_epoch_end(self, epoch, logs)`
gets the epoch's metrics (`logs["loss"]`, `logs["val_loss"]`, ...), and
`self.model` is the model being trained. Set `self.model.stop_training = True`
to end `fit` after the current epoch (or batch).

Run: python examples/custom_callbacks.py   (a few seconds on a laptop CPU)
"""

import json
import os
import tempfile

import numpy as np

import kerasish as keras


class FileLogger(keras.callbacks.Callback):
    """Appends one line per epoch to a text file: `epoch=3 loss=0.1234 ...`."""

    def __init__(self, path):
        super().__init__()
        self.path = path

    def on_train_begin(self, logs=None):
        self.file = open(self.path, "w")  # noqa: SIM115

    def on_epoch_end(self, epoch, logs=None):
        items = " ".join(f"{k}={v:.4f}" for k, v in sorted(logs.items()))
        self.file.write(f"epoch={epoch + 1} {items}\n")
        self.file.flush()  # a crash loses nothing

    def on_train_end(self, logs=None):
        self.file.close()


class StopAtAccuracy(keras.callbacks.Callback):
    """Stops as soon as the validation accuracy reaches `target`."""

    def __init__(self, target=0.95):
        super().__init__()
        self.target = target

    def on_epoch_end(self, epoch, logs=None):
        if logs.get("val_accuracy", 0.0) >= self.target:
            print(f"Epoch {epoch + 1}: val_accuracy reached {self.target}, stopping.")
            self.model.stop_training = True


def main():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    # Two Gaussian blobs: an easy binary classification problem.
    x = np.concatenate([rng.normal(-1, 1, (500, 2)), rng.normal(1, 1, (500, 2))])
    y = np.concatenate([np.zeros(500), np.ones(500)]).astype("float32")
    order = rng.permutation(len(x))  # validation_split takes the last 20%
    x, y = x[order].astype("float32"), y[order]

    model = keras.Sequential(
        [
            keras.Input((2,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])

    out_dir = tempfile.mkdtemp(prefix="kerasish-callbacks-")
    log_path = os.path.join(out_dir, "train.log")
    callbacks = [
        FileLogger(log_path),
        StopAtAccuracy(target=0.9),
        # Built-ins combine freely with your own:
        keras.callbacks.JSONLogger(os.path.join(out_dir, "train.jsonl")),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=5),
    ]
    history = model.fit(
        x,
        y,
        epochs=50,
        batch_size=32,
        validation_split=0.2,
        callbacks=callbacks,
        verbose=0,
    )

    print(f"trained {len(history.epoch)} epochs; log file {log_path}:")
    with open(log_path) as f:
        print(f.read().rstrip())
    with open(os.path.join(out_dir, "train.jsonl")) as f:
        last = json.loads(f.readlines()[-1])
    print("last JSON line:", last)


if __name__ == "__main__":
    main()

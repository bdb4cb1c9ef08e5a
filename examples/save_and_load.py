"""Save a trained model, load it in a new process, predict; resume a training.

Run: python examples/save_and_load.py   (a few seconds on a laptop CPU)

1. Train a small classifier and `model.save("classifier.keras")`: one zip file with
   the architecture, the weights, the compile arguments and the optimizer state.
2. A *new Python process* loads it with `kerasish.models.load_model` and predicts
   exactly (bitwise) what the original model predicts.
3. Resume an interrupted training: train 2 epochs, save a checkpoint, "crash",
   load the checkpoint and train the remaining epochs. The result equals an
   uninterrupted 4-epoch run, because the optimizer state (moments, iteration
   count) and the dropout random state are in the file too.
4. Export the forward pass for serving: `kerasish.export.load` runs it without
   the model's Python code, for any batch size.
"""

import os
import subprocess
import sys
import tempfile
import textwrap

import numpy as np

import kerasish as keras
from kerasish import export
from kerasish.saving import load_model


def make_data(n=512, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 10)).astype("float32")
    y = (x[:, 0] * x[:, 1] + x[:, 2] > 0).astype("int32")
    return x, y


def make_model():
    model = keras.Sequential(
        [
            keras.Input((10,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dropout(0.1),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(
        optimizer="adam",
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def main():
    workdir = tempfile.mkdtemp(prefix="kerasish_save_")
    x, y = make_data()

    # 1. Train and save.
    keras.utils.set_random_seed(0)
    model = make_model()
    model.fit(x, y, epochs=3, batch_size=64, verbose=0)
    path = os.path.join(workdir, "classifier.keras")
    model.save(path)
    print(f"saved {path} ({os.path.getsize(path)} bytes)")

    # 2. Load in a new process and predict.
    np.save(os.path.join(workdir, "x.npy"), x[:8])
    child = textwrap.dedent(
        f"""
        import numpy as np
        import kerasish
        model = kerasish.saving.load_model({path!r})
        probs = model.predict(np.load({os.path.join(workdir, "x.npy")!r}), verbose=0)
        np.save({os.path.join(workdir, "probs.npy")!r}, probs)
        """
    )
    subprocess.run([sys.executable, "-c", child], check=True)
    probs = np.load(os.path.join(workdir, "probs.npy"))
    same = np.array_equal(probs, model.predict(x[:8], verbose=0))
    print(f"new process predicts identically: {same}")

    # 3. Resume an interrupted training (shuffle=False: the data order is fixed).
    keras.utils.set_random_seed(1)
    uninterrupted = make_model()
    keras.utils.set_random_seed(1)
    interrupted = make_model()
    uninterrupted.fit(x, y, epochs=4, batch_size=64, shuffle=False, verbose=0)
    interrupted.fit(x, y, epochs=2, batch_size=64, shuffle=False, verbose=0)
    checkpoint = os.path.join(workdir, "checkpoint.keras")
    interrupted.save(checkpoint)  # atomic: a crash here keeps the old checkpoint
    del interrupted  # ... the process "crashes" ...
    resumed = load_model(checkpoint)
    print(f"resuming at optimizer step {int(resumed.optimizer.iterations)}")
    resumed.fit(
        x, y, initial_epoch=2, epochs=4, batch_size=64, shuffle=False, verbose=0
    )
    equal = all(
        np.array_equal(a, b)
        for a, b in zip(resumed.get_weights(), uninterrupted.get_weights())
    )
    print(f"resumed training equals the uninterrupted one: {equal}")

    # 4. Export for serving (needs `flatbuffers`: pip install kerasish[export]).
    try:
        served_path = os.path.join(workdir, "classifier.kerasish_export")
        model.export(served_path)
        served = export.load(served_path)
        print(f"exported model, batch of 3 -> {served(x[:3]).shape}")
    except ImportError as error:
        print(f"skipping export: {error}")


if __name__ == "__main__":
    main()

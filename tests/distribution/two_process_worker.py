"""One of the two processes of `test_two_processes.py` (4 CPU devices each).

Joins the computation through Keras's environment variables, trains one
DataParallel model on its half of the data, evaluates it, and process 0 saves the
weights while process 1 waits for it; each writes what it saw to a JSON file.

Usage: `python two_process_worker.py OUT_DIR` with `KERAS_DISTRIBUTION_*` set.
"""

import json
import os
import sys

import jax
import numpy as np

import kerasish as K
from kerasish import distribution

SAMPLES, PER_PROCESS_BATCH, EPOCHS, SEED = 64, 8, 2, 3


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(SAMPLES, 6)).astype("float32")
    y = rng.normal(size=(SAMPLES, 2)).astype("float32")
    return x, y


def build():
    return K.Sequential(
        [
            K.Input((6,)),
            K.layers.Dense(16, activation="relu"),
            K.layers.BatchNormalization(),
            K.layers.Dense(2),
        ]
    )


def main(out_dir):
    process = jax.process_index()
    # Without a user seed, every process got process 0's: the same init.
    unseeded = float(np.sum(K.layers.Dense(4)(np.ones((1, 3), "float32"))))
    K.utils.set_random_seed(SEED)
    dp = distribution.DataParallel()
    distribution.set_distribution(dp)
    x, y = data()
    half = SAMPLES // 2
    mine = slice(process * half, (process + 1) * half)
    model = build()
    model.compile(optimizer=K.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    history = model.fit(
        x[mine],
        y[mine],
        batch_size=PER_PROCESS_BATCH,
        epochs=EPOCHS,
        shuffle=False,
        verbose=0,
    )
    evaluated = model.evaluate(
        x[mine], y[mine], batch_size=PER_PROCESS_BATCH, verbose=0
    )
    path = os.path.join(out_dir, "model.weights.h5")
    if process == 0:  # one process writes the checkpoint ...
        model.save_weights(path)
    # ... the other waits until it is there.
    from jax.experimental import multihost_utils

    multihost_utils.sync_global_devices("checkpoint saved")
    seen = {
        "process": process,
        "num_processes": dp.num_processes,
        "device_count": distribution.get_device_count(),
        "local_devices": jax.local_device_count(),
        "unseeded_init": unseeded,
        "history": history.history,
        "evaluate": evaluated,
        "checkpoint_exists": os.path.exists(path),
    }
    with open(os.path.join(out_dir, f"process_{process}.json"), "w") as f:
        json.dump(seen, f)


if __name__ == "__main__":
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
    os.environ.setdefault("KERASISH_COMPILATION_CACHE", "0")
    distribution.initialize()  # first: before any computation
    jax.config.update("jax_default_matmul_precision", "highest")
    main(sys.argv[1])

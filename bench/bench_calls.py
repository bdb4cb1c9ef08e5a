"""The fixed cost of a call: kerasish against Keras 3 on small inputs.

A loop of one-row predictions (a game agent, a server), `evaluate` on a small
validation set, or a `fit` whose callback reads every batch spends its time around
the compiled program, not in it. For the tiny MLP (32-64-64-1) this times, per call,
best and median of `--calls` calls after a warm-up:

- `predict`, `predict_on_batch`, `evaluate`, `train_on_batch` on one row;
- `model(x)` (the eager call);
- a `fit` step of batch 32 with no callback, and with a callback whose
  `on_train_batch_end` does nothing (every step then hands the state to Python).

Where Keras 3 is installed the same calls run under it, in the same process.

    python bench/bench_calls.py
    python bench/bench_calls.py --calls 500 --no-keras
"""

import argparse
import os
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import numpy as np  # noqa: E402

import kerasish  # noqa: E402


def _model(lib):
    layers = lib.layers
    model = lib.Sequential(
        [
            lib.Input((32,)),
            layers.Dense(64, activation="relu"),
            layers.Dense(64, activation="relu"),
            layers.Dense(1),
        ]
    )
    model.compile(lib.optimizers.Adam(1e-3), "mse")
    return model


def _timed(fn, calls, per_call=1):
    """(best, median) microseconds of `fn`, divided by `per_call`."""
    for _ in range(5):
        fn()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) / per_call)
    return 1e6 * min(times), 1e6 * float(np.median(times))


def bench(lib, calls):
    rng = np.random.default_rng(0)
    x1 = rng.normal(size=(1, 32)).astype("float32")
    y1 = rng.normal(size=(1, 1)).astype("float32")
    x = rng.normal(size=(3200, 32)).astype("float32")
    y = rng.normal(size=(3200, 1)).astype("float32")
    model = _model(lib)
    steps = len(x) // 32

    class NoOp(lib.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    def fit(callbacks):
        return lambda: model.fit(
            x, y, batch_size=32, epochs=1, verbose=0, callbacks=callbacks
        )

    fit_calls = max(3, calls // 50)
    return {
        "predict": _timed(lambda: model.predict(x1, verbose=0), calls),
        "predict_on_batch": _timed(lambda: model.predict_on_batch(x1), calls),
        "model(x)": _timed(lambda: np.asarray(model(x1)), calls),
        "evaluate": _timed(lambda: model.evaluate(x1, y1, verbose=0), calls),
        "train_on_batch": _timed(lambda: model.train_on_batch(x1, y1), calls),
        "fit step": _timed(fit([]), fit_calls, steps),
        "fit step, batch callback": _timed(fit([NoOp()]), fit_calls, steps),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--no-keras", action="store_true")
    args = parser.parse_args()
    libs = {"kerasish": kerasish}
    if not args.no_keras:
        try:
            import keras

            libs["keras"] = keras
        except ImportError:
            pass
    results = {name: bench(lib, args.calls) for name, lib in libs.items()}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{os.cpu_count()} cpus, load {load:.2f}; microseconds per call, best/median")
    print(f"{'call':28s}" + "".join(f"{name:>18s}" for name in results))
    for call in results["kerasish"]:
        cells = []
        for name in results:
            best, median = results[name][call]
            cells.append(f"{best:.0f} / {median:.0f}".rjust(18))
        row = "".join(cells)
        print(f"{call:28s}{row}")


if __name__ == "__main__":
    main()

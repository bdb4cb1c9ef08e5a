"""fit throughput from each input type against numpy arrays of the same data.

The same model (784-256-10 MLP, SGD), the same data and batch size are trained by
`fit` from numpy arrays (placed on the device once, batches gathered there) and
from each library's usual pipeline over those arrays:

- `tf.data`: `Dataset.from_tensor_slices((x, y)).batch(bs).prefetch(2)`
- Grain: `MapDataset.source(...).batch(bs)` over row views of the arrays
- torch: `DataLoader(TensorDataset(x, y), batch_size=bs)`
- a Python generator of numpy slices (the plain-iterable path, for reference)

Reported per input: steady-state steps/s of `fit` (epochs after the first), the
ratio to numpy arrays (1.0 = as fast), and the loader alone (iterating one epoch
of batches without training), which shows how much of a gap is the library's own
batching (torch's per-sample `__getitem__` + collate, for example).

    python bench/bench_inputs.py            # 3 epochs of 32768 samples
    python bench/bench_inputs.py --quick    # a smoke run
    python bench/bench_inputs.py --only numpy tf --json inputs.json

A library that is not installed is skipped.
"""

import argparse
import json
import os
import platform
import time

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("KERASISH_COMPILATION_CACHE", "0")

import numpy as np  # noqa: E402

import kerasish  # noqa: E402

INPUTS = ["numpy", "tf", "grain", "torch", "generator"]


def make_input(kind, x, y, batch_size):
    """A fresh pass-able source of (x, y) batches, or None if its library is absent."""
    if kind == "numpy":
        return (x, y)
    if kind == "generator":

        def batches():
            while True:
                for i in range(0, len(x), batch_size):
                    yield x[i : i + batch_size], y[i : i + batch_size]

        return batches()
    try:
        if kind == "tf":
            import tensorflow as tf

            ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)
            return ds.prefetch(2)
        if kind == "grain":
            import grain

            rows = [(x[i], y[i]) for i in range(len(x))]
            return grain.MapDataset.source(rows).batch(batch_size)
        if kind == "torch":
            import torch

            data = torch.utils.data.TensorDataset(
                torch.from_numpy(x), torch.from_numpy(y)
            )
            return torch.utils.data.DataLoader(data, batch_size=batch_size)
    except ImportError:
        return None
    raise ValueError(f"Unknown input {kind!r}; valid: {INPUTS}.")


class EpochTimes(kerasish.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.times = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.times.append(time.perf_counter() - self._start)


def build(seed=0):
    kerasish.utils.set_random_seed(seed)
    model = kerasish.Sequential(
        [
            kerasish.Input((784,)),
            kerasish.layers.Dense(256, activation="relu"),
            kerasish.layers.Dense(10),
        ]
    )
    model.compile(
        optimizer=kerasish.optimizers.SGD(0.01),
        loss=kerasish.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def loader_only(kind, x, y, batch_size, steps):
    """Seconds to read one epoch of batches as numpy, without training."""
    source = make_input(kind, x, y, batch_size)
    if kind == "numpy":
        start = time.perf_counter()
        for i in range(0, len(x), batch_size):
            np.take(x, np.arange(i, min(i + batch_size, len(x))), axis=0)
        return time.perf_counter() - start
    from kerasish.trainers.data_adapters import make_data

    data = make_data(source, steps=steps)
    start = time.perf_counter()
    for _ in data.epoch():
        pass
    return time.perf_counter() - start


def run(kind, x, y, batch_size, epochs):
    source = make_input(kind, x, y, batch_size)
    if source is None:
        return None
    steps = len(x) // batch_size
    model = build()
    timer = EpochTimes()
    if kind == "numpy":
        model.fit(
            *source, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0,
            callbacks=[timer],
        )  # fmt: skip
    else:
        spe = steps if kind == "generator" else None
        model.fit(
            source, epochs=epochs, steps_per_epoch=spe, verbose=0, callbacks=[timer]
        )
    steady = timer.times[1:] or timer.times
    return {
        "input": kind,
        "steps_per_s": steps * len(steady) / sum(steady),
        "first_epoch_s": timer.times[0],
        "loader_only_steps_per_s": steps / loader_only(kind, x, y, batch_size, steps),
        "weights": model.get_weights(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=32768)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--only", nargs="*", choices=INPUTS)
    parser.add_argument("--json")
    args = parser.parse_args()
    n = 4096 if args.quick else args.samples
    epochs = 2 if args.quick else args.epochs
    n -= n % args.batch_size  # whole batches: every input runs the same steps
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 784)).astype("float32")
    y = rng.integers(0, 10, n).astype("int32")
    results = []
    reference = None
    for kind in args.only or INPUTS:
        result = run(kind, x, y, args.batch_size, epochs)
        if result is None:
            print(f"{kind:10s} skipped (not installed)")
            continue
        weights = result.pop("weights")
        if kind == "numpy":
            reference = (result["steps_per_s"], weights)
        if reference is not None:
            result["ratio_to_numpy"] = result["steps_per_s"] / reference[0]
            result["same_weights"] = all(
                np.allclose(a, b, rtol=1e-5, atol=1e-6)
                for a, b in zip(weights, reference[1])
            )
        results.append(result)
        ratio = result.get("ratio_to_numpy")
        print(
            f"{kind:10s} {result['steps_per_s']:8.1f} steps/s"
            + ("" if ratio is None else f"  ratio {ratio:5.2f}")
            + f"  first epoch {result['first_epoch_s']:6.2f} s"
            + f"  loader alone {result['loader_only_steps_per_s']:8.1f} steps/s"
            + ("" if "same_weights" not in result else f"  same weights: "
               f"{result['same_weights']}")
        )  # fmt: skip
    if args.json:
        meta = {
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "samples": n,
            "batch_size": args.batch_size,
            "epochs": epochs,
        }
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "results": results}, f, indent=2)


if __name__ == "__main__":
    main()

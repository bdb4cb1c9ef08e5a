"""fit / evaluate / predict throughput of kerasish against the plain JAX loop.

For each workload the same model, optimizer (Adam 1e-3) and data are trained by:

- `plain`: the loop most people write, and the baseline of every ratio: a
  per-epoch permutation on the host, numpy batches sliced from the permuted arrays,
  one `jax.jit` step with optax (params pytree, no donation);
- `scan`: the speed-of-light reference, the whole epoch as one `lax.scan` over
  batches gathered on the device;
- `kerasish`: `fit` with default arguments, and `kerasish-spe1` with
  `steps_per_execution=1` (the per-step path);
- `keras`: Keras 3's `fit` (JAX backend) with default arguments, where installed.

Every contender keeps its compiled step between runs; the runs are interleaved
(plain, scan, kerasish, ..., then again) so that load from other processes hits
all of them alike, and each figure is the best steady epoch (an epoch after the
first of its run). The first epoch of the first run, minus a steady epoch, is the
compile time. `predict` and `evaluate` are timed against one jitted forward (and
loss) over the same rows, host arrays in and out.

    python bench/bench_fit.py             # all CPU workloads, one table
    python bench/bench_fit.py --quick     # fewer samples and runs (~3 minutes)
    python bench/bench_fit.py --only tiny lstm --json out.json
    python bench/bench_fit.py --only resnet   # the accelerator workload
    python bench/bench_fit.py --cache         # twice: the second compiles nothing

Targets (issue 14, CPU): kerasish with default arguments >= 1.3x plain on the tiny
MLP and >= 1.0 everywhere; the per-step path >= 0.95 on the tiny MLP; predict and
evaluate >= 1.0 of one jitted forward; LSTM/GRU >= 1.1x Keras 3's fit.
"""

import argparse
import json
import os
import platform
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "jax")
# Compile times are part of the table: measure them, not the persistent cache,
# unless `--cache` asks for kerasish's persistent cache (run the script twice:
# the second run's compile column shows what the cache saves).
if "--cache" not in sys.argv:
    os.environ.setdefault("KERASISH_COMPILATION_CACHE", "0")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

import kerasish  # noqa: E402

# -- workloads -------------------------------------------------------------------

WORKLOADS = {
    # name: (samples, quick samples, batch size, loss)
    "tiny": (64000, 16000, 32, "mse"),
    "mlp": (30720, 3840, 128, "sparse_categorical_crossentropy"),
    "cnn": (7680, 1280, 128, "sparse_categorical_crossentropy"),
    "lstm": (6400, 960, 64, "binary_crossentropy"),
    "gru": (6400, 960, 64, "binary_crossentropy"),
    # The LSTM on post-padded sequences of 20-100 tokens, `mask_zero=True`.
    "lstm_mask": (6400, 960, 64, "binary_crossentropy"),
    # Sized for an accelerator; run it with `--only resnet` (or --accelerator).
    "resnet": (25600, 2560, 256, "sparse_categorical_crossentropy"),
}
CPU_WORKLOADS = ["tiny", "mlp", "cnn", "lstm", "gru", "lstm_mask"]


def make_data(name, n, rng):
    if name == "mlp":
        x = rng.normal(size=(n, 784)).astype("float32")
        return x, rng.integers(0, 10, n).astype("int32")
    if name == "cnn":
        x = rng.normal(size=(n, 28, 28, 1)).astype("float32")
        return x, rng.integers(0, 10, n).astype("int32")
    if name == "resnet":
        x = rng.normal(size=(n, 32, 32, 3)).astype("float32")
        return x, rng.integers(0, 10, n).astype("int32")
    if name in ("lstm", "gru", "lstm_mask"):
        x = rng.integers(1, 10000, size=(n, 100)).astype("int32")
        if name == "lstm_mask":
            lengths = rng.integers(20, 101, n)
            x[np.arange(100)[None, :] >= lengths[:, None]] = 0
        return x, rng.integers(0, 2, n).astype("float32")[:, None]
    x = rng.normal(size=(n, 32)).astype("float32")
    return x, rng.normal(size=(n, 1)).astype("float32")


def build(lib, name):
    L = lib.layers
    if name == "mlp":
        return lib.Sequential(
            [
                lib.Input((784,)),
                L.Dense(512, activation="relu"),
                L.Dense(512, activation="relu"),
                L.Dense(10, activation="softmax"),
            ]
        )
    if name == "cnn":
        return lib.Sequential(
            [
                lib.Input((28, 28, 1)),
                L.Conv2D(32, 3, activation="relu"),
                L.MaxPooling2D(2),
                L.Conv2D(64, 3, activation="relu"),
                L.MaxPooling2D(2),
                L.Flatten(),
                L.Dense(128, activation="relu"),
                L.Dense(10, activation="softmax"),
            ]
        )
    if name in ("lstm", "gru", "lstm_mask"):
        rnn = L.GRU(64) if name == "gru" else L.LSTM(64)
        return lib.Sequential(
            [
                lib.Input((100,), dtype="int32"),
                L.Embedding(10000, 32, mask_zero=name == "lstm_mask"),
                rnn,
                L.Dense(1, activation="sigmoid"),
            ]
        )
    if name == "resnet":
        return _resnet(lib)
    return lib.Sequential(
        [
            lib.Input((32,)),
            L.Dense(64, activation="relu"),
            L.Dense(64, activation="relu"),
            L.Dense(1),
        ]
    )


def _resnet(lib):
    """A ResNet-style convnet for 32x32x3 inputs: 3 stages of 2 residual blocks."""
    L = lib.layers
    inputs = lib.Input((32, 32, 3))
    h = L.Conv2D(64, 3, padding="same", use_bias=False)(inputs)
    h = L.Activation("relu")(L.BatchNormalization()(h))
    for stage, filters in enumerate((64, 128, 256)):
        for block in range(2):
            stride = 2 if stage and not block else 1
            shortcut = h
            h = L.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(h)
            h = L.Activation("relu")(L.BatchNormalization()(h))
            h = L.Conv2D(filters, 3, padding="same", use_bias=False)(h)
            h = L.BatchNormalization()(h)
            if stride != 1 or shortcut.shape[-1] != filters:
                shortcut = L.Conv2D(filters, 1, strides=stride, use_bias=False)(
                    shortcut
                )
            h = L.Activation("relu")(L.Add()([h, shortcut]))
    h = L.GlobalAveragePooling2D()(h)
    outputs = L.Dense(10, activation="softmax", dtype="float32")(h)
    return lib.Model(inputs, outputs)


# -- the plain loop and the scan reference ----------------------------------------


def _loss(loss_name, pred, yb):
    pred = pred.astype("float32")
    if loss_name == "sparse_categorical_crossentropy":
        p = jnp.clip(pred, 1e-7, 1 - 1e-7)
        return -jnp.mean(jnp.log(jnp.take_along_axis(p, yb[:, None], axis=1)))
    if loss_name == "binary_crossentropy":
        p = jnp.clip(pred, 1e-7, 1 - 1e-7)
        return -jnp.mean(yb * jnp.log(p) + (1 - yb) * jnp.log(1 - p))
    return jnp.mean((pred - yb) ** 2)


def forward_fn(name, model):
    """`(params, state, x) -> (outputs, state)` for the workload, written in JAX.

    The resnet's forward is the kerasish model's own `stateless_call` (the plain
    loop there measures the loop, not a second ResNet implementation).
    """
    if name == "resnet":

        def f(params, state, x, training=True):
            out, state = model.stateless_call(params, state, x, training=training)
            return out, state

        return f
    if name in ("mlp", "tiny"):

        def f(params, state, x, training=True):
            h = jax.nn.relu(x @ params[0] + params[1])
            h = jax.nn.relu(h @ params[2] + params[3])
            out = h @ params[4] + params[5]
            return (jax.nn.softmax(out) if name == "mlp" else out), state

        return f
    if name == "cnn":

        def conv(x, k, b):
            y = jax.lax.conv_general_dilated(
                x, k, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC")
            )
            return jax.nn.relu(y + b)

        def pool(x):
            return jax.lax.reduce_window(
                x, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID"
            )

        def f(params, state, x, training=True):
            h = pool(conv(x, params[0], params[1]))
            h = pool(conv(h, params[2], params[3]))
            h = h.reshape(h.shape[0], -1)
            h = jax.nn.relu(h @ params[4] + params[5])
            return jax.nn.softmax(h @ params[6] + params[7]), state

        return f
    if name == "gru":

        def f(params, state, ids, training=True):
            emb, kernel, recurrent, bias, w, b = params
            x = emb[ids]  # (batch, time, 32)
            units = recurrent.shape[0]

            def cell(h, xt):
                xz, xr, xh = jnp.split(xt @ kernel + bias[0], 3, axis=-1)
                rz, rr, rh = jnp.split(h @ recurrent + bias[1], 3, axis=-1)
                z = jax.nn.sigmoid(xz + rz)
                r = jax.nn.sigmoid(xr + rr)
                hh = jnp.tanh(xh + r * rh)
                return z * h + (1 - z) * hh, None

            h0 = jnp.zeros((ids.shape[0], units), x.dtype)
            h, _ = jax.lax.scan(cell, h0, jnp.swapaxes(x, 0, 1))
            return jax.nn.sigmoid(h @ w + b), state

        return f

    def f(params, state, ids, training=True):
        emb, kernel, recurrent, bias, w, b = params
        x = emb[ids]  # (batch, time, 32)
        units = recurrent.shape[0]

        def cell(carry, inputs):
            h, c = carry
            xt, mt = inputs
            z = xt @ kernel + h @ recurrent + bias
            i, f_, g, o = jnp.split(z, 4, axis=-1)
            new_c = jax.nn.sigmoid(f_) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            new_h = jax.nn.sigmoid(o) * jnp.tanh(new_c)
            if mt is None:
                return (new_h, new_c), None
            # A masked (padding) step keeps the states, as Keras's RNN.
            return (jnp.where(mt, new_h, h), jnp.where(mt, new_c, c)), None

        zeros = jnp.zeros((ids.shape[0], units), x.dtype)
        mask = (ids != 0).T[:, :, None] if name == "lstm_mask" else None
        (h, _), _ = jax.lax.scan(cell, (zeros, zeros), (jnp.swapaxes(x, 0, 1), mask))
        return jax.nn.sigmoid(h @ w + b), state

    return f


class PlainLoop:
    """The hand-written baseline: host batches, one jitted optax step each."""

    def __init__(self, name, model, x, y, batch_size, loss_name, scan=False):
        self.x, self.y, self.bs, self.scan = x, y, batch_size, scan
        self.forward = forward_fn(name, model)
        params = [jnp.asarray(v.value) for v in model.trainable_variables]
        state = [jnp.asarray(v.value) for v in model.non_trainable_variables]
        tx = optax.adam(1e-3, eps=1e-7)
        forward = self.forward

        def step(params, opt_state, state, xb, yb):
            def loss_fn(p):
                pred, new_state = forward(p, state, xb)
                return _loss(loss_name, pred, yb), new_state

            (loss, state), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
            updates, opt_state = tx.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state, state, loss

        steps = len(x) // batch_size

        def epoch(params, opt_state, state, xs, ys, perm):
            xs, ys = xs[perm], ys[perm]

            def body(carry, i):
                xb = jax.lax.dynamic_slice_in_dim(xs, i * batch_size, batch_size)
                yb = jax.lax.dynamic_slice_in_dim(ys, i * batch_size, batch_size)
                p, o, s, loss = step(*carry, xb, yb)
                return (p, o, s), loss

            carry, losses = jax.lax.scan(
                body, (params, opt_state, state), jnp.arange(steps)
            )
            return (*carry, losses)

        self.step = jax.jit(step)
        self.epoch = jax.jit(epoch)
        self.carry = (params, tx.init(params), state)
        self.steps = steps
        self.rng = np.random.default_rng(0)
        if scan:
            self.x_dev, self.y_dev = jax.device_put((x, y))
        self.flops = None

    def step_flops(self):
        """FLOPs of one compiled train step (XLA's cost analysis), or None."""
        xb, yb = self.x[: self.bs], self.y[: self.bs]
        try:
            cost = self.step.lower(*self.carry, xb, yb).compile().cost_analysis()
            cost = cost[0] if isinstance(cost, list) else cost
            return float(cost.get("flops", 0.0)) or None
        except Exception:  # a backend without cost analysis
            return None

    def run(self, epochs):
        times = []
        for _ in range(epochs):
            start = time.perf_counter()
            perm = self.rng.permutation(len(self.x))[: self.steps * self.bs]
            if self.scan:
                *carry, loss = self.epoch(*self.carry, self.x_dev, self.y_dev, perm)
                self.carry = tuple(carry)
            else:
                xs, ys = self.x[perm], self.y[perm]
                p, o, s = self.carry
                bs = self.bs
                for i in range(self.steps):
                    p, o, s, loss = self.step(
                        p, o, s, xs[i * bs : (i + 1) * bs], ys[i * bs : (i + 1) * bs]
                    )
                self.carry = (p, o, s)
            jax.block_until_ready(self.carry)
            times.append(time.perf_counter() - start)
        return times


# -- the libraries' fit ------------------------------------------------------------


class LibFit:
    """`fit` of kerasish or Keras 3, one model kept across runs."""

    def __init__(self, lib, name, x, y, batch_size, loss, **compile_kwargs):
        lib.utils.set_random_seed(0)
        self.model = build(lib, name)
        self.model.compile(
            optimizer=lib.optimizers.Adam(1e-3), loss=loss, **compile_kwargs
        )
        self.x, self.y, self.bs = x, y, batch_size
        times = self.times = []

        class EpochTimer(lib.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                self.start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                times.append(time.perf_counter() - self.start)

        self.callback = EpochTimer()
        self.first_call = True

    def run(self, epochs):
        del self.times[:]
        start = time.perf_counter()
        self.model.fit(
            self.x,
            self.y,
            batch_size=self.bs,
            epochs=epochs,
            verbose=0,
            callbacks=[self.callback],
        )
        total = time.perf_counter() - start
        times = list(self.times)
        if self.first_call:
            # The first epoch as a user sees it: from calling fit, compile included.
            times[0] = total - sum(times[1:])
            self.first_call = False
        return times


# -- predict and evaluate against one jitted forward ---------------------------------


def _best(fn, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


# Each round calls each inference contender for at least this long: a call of a
# few milliseconds is timed tens of times, not once, so that one descheduling
# does not decide its figure. With 0.1 s and 3 rounds, a 40 ms call was timed 6
# times and the mlp's evaluate read 0.85 where 30 calls each read 1.07-1.08.
_ROUND_SECONDS = 0.25
_INFERENCE_ROUNDS = 5


def inference_ratios(name, model, plain, x, y, loss_name, repeats):
    """predict / evaluate speed as ratios to one jitted forward over the same rows
    (host arrays in, host arrays out; higher is better)."""
    forward = plain.forward
    params = [jnp.asarray(v.value) for v in model.trainable_variables]
    state = [jnp.asarray(v.value) for v in model.non_trainable_variables]
    fwd = jax.jit(lambda p, s, xb: forward(p, s, xb, training=False)[0])
    ev = jax.jit(lambda p, s, xb, yb: _loss(loss_name, fwd(p, s, xb), yb))
    reference = {
        "predict": lambda: np.asarray(fwd(params, state, x)),
        "evaluate": lambda: float(ev(params, state, x, y)),
    }
    ours = {
        "predict": lambda: model.predict(x, verbose=0),
        "predict_large": lambda: model.predict(x, batch_size=len(x), verbose=0),
        "evaluate": lambda: model.evaluate(x, y, verbose=0),
    }
    calls = {**{"ref_" + k: f for k, f in reference.items()}, **ours}
    for fn in calls.values():
        fn()  # compile
    per_round = {k: max(1, int(_ROUND_SECONDS / _best(f, 1))) for k, f in calls.items()}
    best = {k: float("inf") for k in calls}
    for _ in range(repeats):  # interleaved
        for key, fn in calls.items():
            best[key] = min(best[key], _best(fn, per_round[key]))
    return {
        "predict": best["ref_predict"] / best["predict"],
        "predict_large": best["ref_predict"] / best["predict_large"],
        "evaluate": best["ref_evaluate"] / best["evaluate"],
    }


# -- one workload ----------------------------------------------------------------


def bench_workload(name, args, keras, rng):
    full, quick, bs, loss = WORKLOADS[name]
    n = quick if args.quick else full
    x, y = make_data(name, n, rng)
    policy = "mixed_bfloat16" if name == "resnet" else None
    if policy:
        kerasish.mixed_precision.set_dtype_policy(policy)
        if keras is not None:
            keras.mixed_precision.set_dtype_policy(policy)
    try:
        contenders = {"kerasish": LibFit(kerasish, name, x, y, bs, loss)}
        model = contenders["kerasish"].model
        contenders["kerasish-spe1"] = LibFit(
            kerasish, name, x, y, bs, loss, steps_per_execution=1
        )
        contenders["plain"] = PlainLoop(name, model, x, y, bs, loss)
        contenders["scan"] = PlainLoop(name, model, x, y, bs, loss, scan=True)
        if keras is not None:
            contenders["keras"] = LibFit(keras, name, x, y, bs, loss)
        epochs = {k: [] for k in contenders}
        first = {}
        for _ in range(args.runs):
            for key, contender in contenders.items():
                times = contender.run(args.epochs)
                first.setdefault(key, times[0])
                epochs[key] += times[1:]
        samples = {
            k: (n if k.startswith(("kerasish", "keras")) else contenders[k].steps * bs)
            for k in contenders
        }
        speed = {k: samples[k] / min(epochs[k]) for k in contenders}
        compile_s = {k: first[k] - min(epochs[k]) for k in contenders}
        row = {"samples_per_s": speed, "compile_s": compile_s}
        plain = speed["plain"]
        row["ratio"] = {k: v / plain for k, v in speed.items()}
        if keras is not None:
            row["kerasish_over_keras"] = speed["kerasish"] / speed["keras"]
        row["inference"] = inference_ratios(
            name, model, contenders["plain"], x, y, loss, _INFERENCE_ROUNDS
        )
        if name == "resnet":
            flops = contenders["plain"].step_flops()
            if flops:
                row["train_tflops"] = {
                    k: flops * v / bs / 1e12 for k, v in speed.items()
                }
    finally:
        if policy:
            kerasish.mixed_precision.set_dtype_policy("float32")
            if keras is not None:
                keras.mixed_precision.set_dtype_policy("float32")
    return row


def _columns(keras):
    return ["scan", "kerasish", "kerasish-spe1"] + (["keras"] if keras else [])


def print_header(keras):
    print(
        f"{'workload':9s}{'plain/s':>10s}"
        + "".join(f"{c:>15s}" for c in _columns(keras))
        + (f"{'ish/keras':>11s}" if keras else "")
        + f"{'predict':>9s}{'pred-1b':>9s}{'evaluate':>10s}  compile s (ish, plain"
        + (", keras)" if keras else ")"),
        flush=True,
    )


def print_row(name, row, keras):
    r = row["ratio"]
    line = f"{name:9s}{row['samples_per_s']['plain']:10.0f}"
    line += "".join(f"{r[c]:15.2f}" for c in _columns(keras))
    if keras:
        line += f"{row['kerasish_over_keras']:11.2f}"
    inf = row["inference"]
    line += f"{inf['predict']:9.2f}{inf['predict_large']:9.2f}{inf['evaluate']:10.2f}"
    c = row["compile_s"]
    figures = [c["kerasish"], c["plain"]] + ([c["keras"]] if keras else [])
    line += "  " + ", ".join(f"{v:.2f}" for v in figures)
    print(line, flush=True)
    if "train_tflops" in row:
        tf = row["train_tflops"]
        print("          TFLOP/s: " + ", ".join(f"{k} {v:.1f}" for k, v in tf.items()))


def print_table(results, keras):
    print_header(keras)
    for name, row in results.items():
        print_row(name, row, keras)
    print(
        "Ratios are samples/s over the plain loop's (higher is better); predict, "
        "pred-1b (batch_size=all rows) and evaluate over one jitted forward."
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples and runs")
    parser.add_argument("--epochs", type=int, default=None, help="epochs per run")
    parser.add_argument("--runs", type=int, default=None, help="interleaved runs")
    parser.add_argument("--only", nargs="*", default=None, choices=list(WORKLOADS))
    parser.add_argument("--no-keras", action="store_true")
    parser.add_argument(
        "--cache", action="store_true", help="use the persistent compilation cache"
    )
    parser.add_argument("--json", default=None, help="also write results to this file")
    args = parser.parse_args()
    args.epochs = args.epochs or (2 if args.quick else 3)
    args.runs = args.runs or 2
    platform_name = jax.devices()[0].platform
    only = args.only or (
        CPU_WORKLOADS if platform_name == "cpu" else CPU_WORKLOADS + ["resnet"]
    )
    keras = None
    if not args.no_keras:
        try:
            import keras
        except ImportError:
            keras = None
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cpus, load {load:.2f}, "
        f"jax {jax.__version__} on {jax.devices()[0].device_kind}; "
        f"{args.runs} runs x {args.epochs} epochs, interleaved; best steady epoch",
        flush=True,
    )
    rng = np.random.default_rng(0)
    results = {}
    for name in only:
        start = time.perf_counter()
        results[name] = bench_workload(name, args, keras, rng)
        print(f"  {name} ({time.perf_counter() - start:.0f} s): ", end="")
        print_row(name, results[name], keras is not None)
    print("\nThe table, once all workloads ran:")
    print_table(results, keras is not None)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()

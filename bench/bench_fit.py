"""fit / predict throughput of kerasish against a hand-written jax.jit + optax loop.

For each workload the same model, optimizer (Adam 1e-3) and data are trained by
kerasish's `fit`, by a hand-written loop (params pytree, `jax.jit` step, optax,
device-resident data, one shuffle gather per epoch) and, where Keras 3 is installed,
by Keras 3's `fit` on its JAX backend. Reported: samples/s of the steady state (epochs
after the first), the first epoch's time (compilation included), and ratios
kerasish / hand-written (higher is better; 1.0 = as fast).

    python bench/bench_fit.py             # all workloads
    python bench/bench_fit.py --quick     # fewer samples, for a smoke run
    python bench/bench_fit.py --only mlp tiny

Targets (CPU): >= 0.95 on every workload with default arguments; tiny MLP >= 1.4
with steps_per_execution=32; predict >= 0.9 of one jitted forward over large chunks.
"""

import argparse
import json
import os
import platform
import time

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("KERASISH_COMPILATION_CACHE", "0")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

import kerasish  # noqa: E402

# -- workloads -------------------------------------------------------------------


def _data(name, n, rng):
    if name in ("mlp",):
        return rng.normal(size=(n, 784)).astype("float32"), rng.integers(
            0, 10, n
        ).astype("int32")
    if name == "cnn":
        return rng.normal(size=(n, 28, 28, 1)).astype("float32"), rng.integers(
            0, 10, n
        ).astype("int32")
    if name == "lstm":
        return rng.integers(1, 10000, size=(n, 100)).astype("int32"), rng.integers(
            0, 2, n
        ).astype("float32")[:, None]
    return rng.normal(size=(n, 32)).astype("float32"), rng.normal(size=(n, 1)).astype(
        "float32"
    )


WORKLOADS = {
    # name: (samples, quick samples, batch size, loss)
    "mlp": (60000, 6000, 128, "sparse_categorical_crossentropy"),
    "cnn": (12000, 2400, 128, "sparse_categorical_crossentropy"),
    "lstm": (6400, 1280, 64, "binary_crossentropy"),
    "tiny": (100000, 20000, 32, "mse"),
}


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
    if name == "lstm":
        return lib.Sequential(
            [
                lib.Input((100,), dtype="int32"),
                L.Embedding(10000, 32),
                L.LSTM(64),
                L.Dense(1, activation="sigmoid"),
            ]
        )
    return lib.Sequential(
        [
            lib.Input((32,)),
            L.Dense(64, activation="relu"),
            L.Dense(64, activation="relu"),
            L.Dense(1),
        ]
    )


# -- the hand-written loop ------------------------------------------------------


def hand_written(model, name, x, y, batch_size, epochs, loss_name, scan_epoch=False):
    """A plain jax + optax loop over the same architecture, given kerasish weights."""
    weights = [jnp.asarray(w) for w in model.get_weights()]
    forward = _forward_fn(name)

    def loss_fn(params, xb, yb):
        pred = forward(params, xb)
        if loss_name == "sparse_categorical_crossentropy":
            p = jnp.clip(pred, 1e-7, 1 - 1e-7)
            return -jnp.mean(jnp.log(jnp.take_along_axis(p, yb[:, None], axis=1)))
        if loss_name == "binary_crossentropy":
            p = jnp.clip(pred, 1e-7, 1 - 1e-7)
            return -jnp.mean(yb * jnp.log(p) + (1 - yb) * jnp.log(1 - p))
        return jnp.mean((pred - yb) ** 2)

    tx = optax.adam(1e-3, eps=1e-7)

    @jax.jit
    def step(params, opt_state, xb, yb):
        loss, grads = jax.value_and_grad(loss_fn)(params, xb, yb)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    steps = len(x) // batch_size

    @jax.jit
    def epoch_scan(params, opt_state, xs, ys):
        def body(carry, i):
            p, o = carry
            xb = jax.lax.dynamic_slice_in_dim(xs, i * batch_size, batch_size)
            yb = jax.lax.dynamic_slice_in_dim(ys, i * batch_size, batch_size)
            p, o, loss = step(p, o, xb, yb)
            return (p, o), loss

        (params, opt_state), losses = jax.lax.scan(
            body, (params, opt_state), jnp.arange(steps)
        )
        return params, opt_state, losses

    params, opt_state = weights, tx.init(weights)
    x_dev, y_dev = jax.device_put(x), jax.device_put(y)
    rng = np.random.default_rng(0)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        perm = jnp.asarray(rng.permutation(len(x)))
        xs, ys = x_dev[perm], y_dev[perm]
        if scan_epoch:
            params, opt_state, loss = epoch_scan(params, opt_state, xs, ys)
        else:
            for i in range(steps):
                sl = slice(i * batch_size, (i + 1) * batch_size)
                params, opt_state, loss = step(params, opt_state, xs[sl], ys[sl])
        jax.block_until_ready(params)
        times.append(time.perf_counter() - start)
    return times, steps * batch_size, (forward, params)


def _forward_fn(name):
    def dense(p, x, act=None):
        y = x @ p[0] + p[1]
        return act(y) if act else y

    if name in ("mlp", "tiny"):

        def f(params, x):
            h = jax.nn.relu(x @ params[0] + params[1])
            h = jax.nn.relu(h @ params[2] + params[3])
            out = h @ params[4] + params[5]
            return jax.nn.softmax(out) if name == "mlp" else out

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

        def f(params, x):
            h = pool(conv(x, params[0], params[1]))
            h = pool(conv(h, params[2], params[3]))
            h = h.reshape(h.shape[0], -1)
            h = jax.nn.relu(h @ params[4] + params[5])
            return jax.nn.softmax(h @ params[6] + params[7])

        return f

    def f(params, ids):
        emb, kernel, recurrent, bias, w, b = params
        x = emb[ids]  # (batch, time, 32)
        units = recurrent.shape[0]
        xw = jnp.einsum("btd,dk->tbk", x, kernel) + bias

        def cell(carry, xt):
            h, c = carry
            z = xt + h @ recurrent
            i, f_, g, o = jnp.split(z, 4, axis=-1)
            c = jax.nn.sigmoid(f_) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h, c), None

        zeros = jnp.zeros((ids.shape[0], units), x.dtype)
        (h, _), _ = jax.lax.scan(cell, (zeros, zeros), xw)
        return jax.nn.sigmoid(h @ w + b)

    return f


# -- library fit ------------------------------------------------------------------


class _Timer:
    def __init__(self, lib):
        base = lib.callbacks.Callback
        timer = self

        class EpochTimer(base):
            def on_epoch_begin(self, epoch, logs=None):
                timer.start = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                timer.times.append(time.perf_counter() - timer.start)

        self.times = []
        self.callback = EpochTimer()


def lib_fit(lib, name, x, y, batch_size, epochs, loss, **compile_kwargs):
    lib.utils.set_random_seed(0)
    model = build(lib, name)
    model.compile(optimizer=lib.optimizers.Adam(1e-3), loss=loss, **compile_kwargs)
    timer = _Timer(lib)
    start = time.perf_counter()
    model.fit(
        x,
        y,
        batch_size=batch_size,
        epochs=epochs,
        verbose=0,
        callbacks=[timer.callback],
    )
    total = time.perf_counter() - start
    # The first epoch's time as a user sees it: from calling fit (compile included).
    timer.times[0] = total - sum(timer.times[1:])
    return timer.times, model


def steady(times, samples):
    rest = times[1:] if len(times) > 1 else times
    return samples / (sum(rest) / len(rest))


def bench_predict(model, forward_and_params, x):
    forward, params = forward_and_params
    fwd = jax.jit(forward)
    chunk = 8192
    x_dev = jax.device_put(x)
    for _ in range(2):
        jax.block_until_ready(
            [fwd(params, x_dev[i : i + chunk]) for i in range(0, len(x), chunk)]
        )
    start = time.perf_counter()
    jax.block_until_ready(
        [fwd(params, x_dev[i : i + chunk]) for i in range(0, len(x), chunk)]
    )
    reference = time.perf_counter() - start
    model.predict(x, verbose=0, batch_size=128)  # warm: compiled once
    start = time.perf_counter()
    model.predict(x, verbose=0, batch_size=128)
    ours = time.perf_counter() - start
    return reference / ours


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=list(WORKLOADS))
    parser.add_argument("--no-keras", action="store_true")
    parser.add_argument("--json", default=None, help="also write results to this file")
    args = parser.parse_args()
    try:
        if args.no_keras:
            raise ImportError
        import keras
    except ImportError:
        keras = None
    rng = np.random.default_rng(0)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cpus, jax {jax.__version__} "
        f"on {jax.devices()[0].platform}; epochs={args.epochs}"
    )
    results = {}
    for name in args.only:
        full, quick, bs, loss = WORKLOADS[name]
        n = quick if args.quick else full
        x, y = _data(name, n, rng)
        try:
            ours_t, model = lib_fit(kerasish, name, x, y, bs, args.epochs, loss)
        except AttributeError as error:
            print(f"{name}: skipped ({error})")
            continue
        hand_t, samples, fp = hand_written(model, name, x, y, bs, args.epochs, loss)
        row = {
            "kerasish_samples_per_s": steady(ours_t, n),
            "hand_samples_per_s": steady(hand_t, samples),
            "kerasish_first_epoch_s": ours_t[0],
            "hand_first_epoch_s": hand_t[0],
        }
        row["fit_ratio"] = row["kerasish_samples_per_s"] / row["hand_samples_per_s"]
        row["predict_ratio"] = bench_predict(model, fp, x)
        if name == "tiny":
            spe_t, _ = lib_fit(
                kerasish, name, x, y, bs, args.epochs, loss, steps_per_execution=32
            )
            row["fit_ratio_spe32"] = steady(spe_t, n) / row["hand_samples_per_s"]
            scan_t, scan_samples, _ = hand_written(
                model, name, x, y, bs, args.epochs, loss, scan_epoch=True
            )
            row["hand_scan_ratio"] = (
                steady(scan_t, scan_samples) / row["hand_samples_per_s"]
            )
        if keras is not None:
            k_t, _ = lib_fit(keras, name, x, y, bs, args.epochs, loss)
            row["keras_samples_per_s"] = steady(k_t, n)
            row["kerasish_over_keras"] = (
                row["kerasish_samples_per_s"] / row["keras_samples_per_s"]
            )
            row["keras_first_epoch_s"] = k_t[0]
        results[name] = row
        print(
            f"{name:5s} " + "  ".join(f"{k}={v:.3g}" for k, v in row.items()),
            flush=True,
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()

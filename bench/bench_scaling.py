"""Scaling of `fit` under `kerasish.distribution.DataParallel` over 1, 2, 4, 8 devices.

For each device count N (the first N of `list_devices()`), the same model, data and
optimizer are trained by kerasish's `fit` under `DataParallel(devices=first N)` and
by a hand-written loop over the same devices: parameters replicated with a
`NamedSharding`, numpy batches sliced on the host and put on the devices split
along the batch axis, one `jax.jit` optax step. Reported per N: the compile time
(first epoch minus a steady epoch), the steady step time of both, and
`ratio` = hand-written step time / kerasish step time (1.0 = as fast; higher is
better for kerasish). `N=0` is kerasish without any distribution.

On a CPU the "devices" are simulated (`--xla_force_host_platform_device_count=8`)
and share the same cores: read the figures as the overhead of splitting, not as a
speed-up. On a GPU or TPU machine the real devices are used.

    python bench/bench_scaling.py                # mlp and cnn, N = 0, 1, 2, 4, 8
    python bench/bench_scaling.py --quick        # a smoke run
    python bench/bench_scaling.py --only mlp --json scaling.json
"""

import argparse
import json
import os
import platform
import time

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=8")
os.environ.setdefault("KERASISH_COMPILATION_CACHE", "0")

import jax  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402
from jax.sharding import Mesh, NamedSharding, PartitionSpec  # noqa: E402

import kerasish  # noqa: E402
from kerasish import distribution  # noqa: E402

WORKLOADS = {
    # name: (samples, quick samples, batch size)
    "mlp": (16384, 4096, 256),
    "cnn": (2048, 512, 64),
}


def _data(name, n, rng):
    shape = (n, 784) if name == "mlp" else (n, 28, 28, 1)
    x = rng.normal(size=shape).astype("float32")
    return x, rng.integers(0, 10, n).astype("int32")


def _model(name):
    layers = kerasish.layers
    if name == "mlp":
        body = [
            kerasish.Input((784,)),
            layers.Dense(512, activation="relu"),
            layers.Dense(512, activation="relu"),
        ]
    else:
        body = [
            kerasish.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
        ]
    return kerasish.Sequential(body + [layers.Dense(10)])


def _loss(logits, labels):
    return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()


def time_kerasish(name, x, y, batch, devices, epochs):
    kerasish.utils.set_random_seed(0)
    dist = distribution.DataParallel(devices=devices) if devices else None
    scope = dist.scope() if dist is not None else _Null()
    with scope:
        model = _model(name)
        model.compile(
            optimizer=kerasish.optimizers.Adam(1e-3),
            loss=kerasish.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
        first = time.perf_counter() - start
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0, shuffle=False)
        steady = (time.perf_counter() - start) / epochs
    return first, steady


def time_hand_written(name, x, y, batch, devices, epochs):
    """The plain loop: host slices, `device_put` split on the batch, one jit step."""
    kerasish.utils.set_random_seed(0)
    model = _model(name)
    params = [v.value for v in model.trainable_variables]
    fixed = [v.value for v in model.non_trainable_variables]
    mesh = Mesh(np.array(_jax_devices(devices)), ("batch",))
    replicated = NamedSharding(mesh, PartitionSpec())
    split = NamedSharding(mesh, PartitionSpec("batch"))
    params = jax.device_put(params, replicated)
    optimizer = optax.adam(1e-3)
    opt_state = jax.device_put(optimizer.init(params), replicated)

    def loss_fn(p, xb, yb):
        logits, _ = model.stateless_call(p, fixed, xb, training=True)
        return _loss(logits, yb)

    @jax.jit
    def step(p, s, xb, yb):
        loss, grads = jax.value_and_grad(loss_fn)(p, xb, yb)
        updates, s = optimizer.update(grads, s, p)
        return optax.apply_updates(p, updates), s, loss

    steps = len(x) // batch

    def epoch(p, s):
        for i in range(steps):
            xb = jax.device_put(x[i * batch : (i + 1) * batch], split)
            yb = jax.device_put(y[i * batch : (i + 1) * batch], split)
            p, s, loss = step(p, s, xb, yb)
        jax.block_until_ready(loss)
        return p, s

    start = time.perf_counter()
    params, opt_state = epoch(params, opt_state)
    first = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(epochs):
        params, opt_state = epoch(params, opt_state)
    steady = (time.perf_counter() - start) / epochs
    return first, steady


def _jax_devices(names):
    by_name = {f"{d.platform}:{d.id}": d for d in jax.devices()}
    return [by_name[n] for n in names]


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", default=list(WORKLOADS))
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--json")
    args = parser.parse_args()
    jax.config.update("jax_default_matmul_precision", "default")
    available = distribution.list_devices()
    counts = [0] + [n for n in (1, 2, 4, 8) if n <= len(available)]
    rng = np.random.default_rng(0)
    rows = []
    print(
        f"{platform.machine()}, {os.cpu_count()} CPU cores, jax {jax.__version__}, "
        f"devices: {len(available)} x {available[0].split(':')[0]}"
    )
    header = "workload  N  compile_s  step_ms  hand_step_ms  ratio  step_vs_N1"
    print(header)
    for name in args.only:
        full, quick, batch = WORKLOADS[name]
        x, y = _data(name, quick if args.quick else full, rng)
        steps = len(x) // batch
        base = None
        for n in counts:
            devices = available[:n] if n else None
            first, steady = time_kerasish(name, x, y, batch, devices, args.epochs)
            hand_first, hand_steady = time_hand_written(
                name, x, y, batch, devices or available[:1], args.epochs
            )
            step_ms = 1000 * steady / steps
            if n == 1:
                base = step_ms
            row = {
                "workload": name,
                "devices": n,
                "compile_s": round(first - steady, 2),
                "step_ms": round(step_ms, 3),
                "hand_compile_s": round(hand_first - hand_steady, 2),
                "hand_step_ms": round(1000 * hand_steady / steps, 3),
                "ratio": round(hand_steady / steady, 3),
                "step_vs_1_device": round(step_ms / base, 3) if base else None,
            }
            rows.append(row)
            print(
                f"{name:8s} {n:2d}  {row['compile_s']:9.2f}  {row['step_ms']:7.2f}  "
                f"{row['hand_step_ms']:12.2f}  {row['ratio']:5.2f}  "
                f"{row['step_vs_1_device'] or float('nan'):10.2f}",
                flush=True,
            )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()

"""Times one jitted train-step gradient of the bench's LSTM workload, three ways.

Workload (bench issue: "Embedding-LSTM(64) on length-100 sequences at batch 64"):
Embedding(10000, 32) -> LSTM(64) -> Dense(1, sigmoid), binary crossentropy, batch
64, length 100. Each variant times `jax.jit(jax.value_and_grad(loss))` (forward +
backward) on the same data:

- kerasish: the layers' `stateless_call`s,
- keras: Keras 3's layers (JAX backend) through their `stateless_call`s,
- plain: a hand-written `lax.scan` LSTM with the input matmul inside the step (as
  a straightforward JAX user writes it), and
- hoisted: the same with the input matmul hoisted out of the scan.

Run: `python bench/lstm_layer_speed.py [--repeats 7] [--steps 20]`. Prints the
median milliseconds per step and the ratios (speed ratio = their time / ours, so
above 1 means kerasish is faster).
"""

import argparse
import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

VOCAB, EMBED, UNITS, BATCH, LENGTH = 10000, 32, 64, 64, 100


def data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, VOCAB, size=(BATCH, LENGTH)).astype("int32")
    y = rng.integers(0, 2, size=(BATCH, 1)).astype("float32")
    return jnp.asarray(x), jnp.asarray(y)


def bce(y, p):
    p = jnp.clip(p, 1e-7, 1 - 1e-7)
    return -jnp.mean(y * jnp.log(p) + (1 - y) * jnp.log(1 - p))


def kerasish_step():
    from kerasish.layers.core.dense import Dense
    from kerasish.layers.core.embedding import Embedding
    from kerasish.layers.rnn import LSTM

    layers = [Embedding(VOCAB, EMBED), LSTM(UNITS), Dense(1, activation="sigmoid")]
    shape = (BATCH, LENGTH)
    for layer in layers:
        layer.build(shape)
        shape = layer.compute_output_shape(shape)
    params = [[v.value for v in layer.trainable_variables] for layer in layers]
    fixed = [[v.value for v in layer.non_trainable_variables] for layer in layers]

    def loss(params, x, y):
        h = x
        for layer, p, n in zip(layers, params, fixed):
            h, _ = layer.stateless_call(p, n, h, training=True)
        return bce(y, h)

    return jax.jit(jax.value_and_grad(loss)), params


def keras_step():
    import keras

    layers = [
        keras.layers.Embedding(VOCAB, EMBED),
        keras.layers.LSTM(UNITS),
        keras.layers.Dense(1, activation="sigmoid"),
    ]
    shape = (BATCH, LENGTH)
    for layer in layers:
        layer.build(shape)
        shape = layer.compute_output_shape(shape)
    params = [[v.value for v in layer.trainable_variables] for layer in layers]
    fixed = [[v.value for v in layer.non_trainable_variables] for layer in layers]

    def loss(params, x, y):
        h = x
        for layer, p, n in zip(layers, params, fixed):
            # Keras's Embedding and Dense take no `training` argument.
            kwargs = {"training": True} if isinstance(layer, keras.layers.LSTM) else {}
            h, _ = layer.stateless_call(p, n, h, **kwargs)
        return bce(y, h)

    return jax.jit(jax.value_and_grad(loss)), params


def _init_plain(seed=0):
    rng = np.random.default_rng(seed)

    def u(*s, scale=0.1):
        return jnp.asarray(rng.uniform(-scale, scale, size=s).astype("float32"))

    return {
        "embeddings": u(VOCAB, EMBED, scale=0.05),
        "kernel": u(EMBED, 4 * UNITS),
        "recurrent_kernel": u(UNITS, 4 * UNITS),
        "bias": jnp.zeros((4 * UNITS,), "float32"),
        "dense_kernel": u(UNITS, 1),
        "dense_bias": jnp.zeros((1,), "float32"),
    }


def _gates(z, c):
    i, f, g, o = jnp.split(z, 4, axis=-1)
    c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
    return jax.nn.sigmoid(o) * jnp.tanh(c), c


def plain_step(hoisted):
    def loss(p, x, y):
        e = jnp.take(p["embeddings"], x, axis=0).transpose(1, 0, 2)  # (T, B, E)
        if hoisted:
            xs = e @ p["kernel"] + p["bias"]  # (T, B, 4U)

            def body(carry, x_t):
                h, c = carry
                return _gates(x_t + h @ p["recurrent_kernel"], c), None

        else:
            xs = e

            def body(carry, x_t):
                h, c = carry
                z = x_t @ p["kernel"] + h @ p["recurrent_kernel"] + p["bias"]
                return _gates(z, c), None

        zeros = jnp.zeros((x.shape[0], UNITS), "float32")
        (h, _), _ = jax.lax.scan(body, (zeros, zeros), xs)
        logits = h @ p["dense_kernel"] + p["dense_bias"]
        return bce(y, jax.nn.sigmoid(logits))

    return jax.jit(jax.value_and_grad(loss)), _init_plain()


def time_step(fn, params, x, y, steps):
    out = fn(params, x, y)
    jax.block_until_ready(out)
    start = time.perf_counter()
    for _ in range(steps):
        out = fn(params, x, y)
    jax.block_until_ready(out)
    return (time.perf_counter() - start) / steps * 1000.0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    x, y = data()
    variants = {"kerasish": kerasish_step()}
    try:
        variants["keras"] = keras_step()
    except ImportError:
        print("keras is not installed: skipping the Keras 3 comparison")
    variants["plain"] = plain_step(hoisted=False)
    variants["hoisted"] = plain_step(hoisted=True)
    times = {name: [] for name in variants}
    for fn, params in variants.values():  # compile and warm up
        time_step(fn, params, x, y, 2)
    for _ in range(args.repeats):  # interleaved, so load changes hit all alike
        for name, (fn, params) in variants.items():
            times[name].append(time_step(fn, params, x, y, args.steps))
    median = {name: statistics.median(t) for name, t in times.items()}
    print(
        f"jax {jax.__version__} on {jax.devices()[0].platform}; ms per step "
        f"(median of {args.repeats} x {args.steps}):"
    )
    for name, ms in median.items():
        print(f"  {name:9s} {ms:8.2f} ms")
    ours = median["kerasish"]
    for name in [n for n in median if n != "kerasish"]:
        print(f"  {name} / kerasish time = {median[name] / ours:.2f}x")


if __name__ == "__main__":
    main()

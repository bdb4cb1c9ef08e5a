"""keras.ops control flow and custom gradients inside layers and models.

Backend-agnostic custom layers built on `ops.scan` (an RNN cell checked against
`SimpleRNN` with the same weights, forwards and `reverse=True` against
`go_backwards=True`, `unroll`, and an autoregressive rollout with `xs=None,
length=`), `ops.associative_scan` (cumulative sums/products with a custom combine
function), `ops.while_loop` (a data-dependent stop), `ops.fori_loop`, `ops.cond`,
`ops.switch`, `ops.map`, `ops.vectorized_map`, `ops.stop_gradient` (a
straight-through estimator) and `ops.custom_gradient` (a gradient-clipping
identity and the numerically stable `log1pexp` of the Keras docs), plus
`ops.top_k`, `ops.argsort` and `ops.searchsorted` inside layers. A functional
model of these layers gets weights from a numpy seed, is trained with `fit`,
evaluated, used to predict, saved to `.keras` and reloaded with its registered
classes; gradients come from a JAX-style loop (`jax.value_and_grad` over
`model.stateless_call`). Misused control flow raises the same error types.
"""

import numpy as np

PACKAGE = "control_flow_ops"


def _summary(model):
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    return "\n".join(lines)


def _error_name(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e).__name__
    return "no error"


def run(keras, workdir):
    import jax

    layers, ops = keras.layers, keras.ops
    register = keras.saving.register_keras_serializable(package=PACKAGE)
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(7)

    # --- custom gradients -----------------------------------------------------------
    @ops.custom_gradient
    def log1pexp(x):
        e = ops.exp(x)

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1, e))

        return ops.log(1 + e), grad

    @register
    class ClipGradient(layers.Layer):
        """Identity forwards; clips the gradient flowing back through it."""

        def __init__(self, clip_value=0.1, **kwargs):
            super().__init__(**kwargs)
            self.clip_value = clip_value

        def call(self, inputs):
            clip_value = self.clip_value

            @ops.custom_gradient
            def identity(x):
                def grad(*args, upstream=None):
                    if upstream is None:
                        (upstream,) = args
                    return ops.clip(upstream, -clip_value, clip_value)

                return x, grad

            return identity(inputs)

        def get_config(self):
            return {**super().get_config(), "clip_value": self.clip_value}

    @register
    class Log1pExp(layers.Layer):
        def call(self, inputs):
            return log1pexp(inputs)

    @register
    class ScaledGradDense(layers.Layer):
        """A Dense layer whose kernel gets `grad_scale` times its true gradient."""

        def __init__(self, units, grad_scale=0.5, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.grad_scale = grad_scale

        def build(self, input_shape):
            self.kernel = self.add_weight(
                shape=(input_shape[-1], self.units),
                initializer="glorot_uniform",
                name="kernel",
            )

        def call(self, inputs):
            grad_scale = self.grad_scale

            @ops.custom_gradient
            def scaled_matmul(x, w):
                def grad(*args, upstream=None):
                    if upstream is None:
                        (upstream,) = args
                    grad_x = ops.matmul(upstream, ops.transpose(w))
                    grad_w = ops.matmul(ops.transpose(x), upstream) * grad_scale
                    return grad_x, grad_w

                return ops.matmul(x, w), grad

            return scaled_matmul(inputs, self.kernel)

        def compute_output_shape(self, input_shape):
            return (*input_shape[:-1], self.units)

        def get_config(self):
            return {
                **super().get_config(),
                "units": self.units,
                "grad_scale": self.grad_scale,
            }

    @register
    class RoundST(layers.Layer):
        """Rounds forwards, passes the gradient straight through (stop_gradient)."""

        def call(self, inputs):
            return inputs + ops.stop_gradient(ops.round(inputs) - inputs)

    # --- scan ----------------------------------------------------------------------
    @register
    class ScanRNN(layers.Layer):
        """A SimpleRNN written with ops.scan over time-major inputs."""

        def __init__(
            self, units, return_sequences=False, reverse=False, unroll=1, **kwargs
        ):
            super().__init__(**kwargs)
            self.units = units
            self.return_sequences = return_sequences
            self.reverse = reverse
            self.unroll = unroll

        def build(self, input_shape):
            self.kernel = self.add_weight(
                shape=(input_shape[-1], self.units),
                initializer="glorot_uniform",
                name="kernel",
            )
            self.recurrent_kernel = self.add_weight(
                shape=(self.units, self.units),
                initializer="orthogonal",
                name="recurrent_kernel",
            )
            self.bias = self.add_weight(
                shape=(self.units,), initializer="zeros", name="bias"
            )

        def call(self, inputs):
            xs = ops.transpose(inputs, (1, 0, 2))
            h0 = ops.zeros((ops.shape(inputs)[0], self.units), dtype=inputs.dtype)

            def step(h, x_t):
                h = ops.tanh(
                    ops.matmul(x_t, self.kernel)
                    + ops.matmul(h, self.recurrent_kernel)
                    + self.bias
                )
                return h, h

            last, seq = ops.scan(step, h0, xs, reverse=self.reverse, unroll=self.unroll)
            if self.return_sequences:
                return ops.transpose(seq, (1, 0, 2))
            return last

        def compute_output_shape(self, input_shape):
            if self.return_sequences:
                return (input_shape[0], input_shape[1], self.units)
            return (input_shape[0], self.units)

        def get_config(self):
            return {
                **super().get_config(),
                "units": self.units,
                "return_sequences": self.return_sequences,
                "reverse": self.reverse,
                "unroll": self.unroll,
            }

    @register
    class Rollout(layers.Layer):
        """Unrolls a linear recurrence from a vector for `steps` steps (xs=None)."""

        def __init__(self, steps, **kwargs):
            super().__init__(**kwargs)
            self.steps = steps

        def build(self, input_shape):
            self.transition = self.add_weight(
                shape=(input_shape[-1], input_shape[-1]),
                initializer="identity",
                name="transition",
            )

        def call(self, inputs):
            def step(h, _):
                h = ops.tanh(ops.matmul(h, self.transition))
                return h, h

            _, seq = ops.scan(step, inputs, None, length=self.steps)
            return ops.transpose(seq, (1, 0, 2))

        def get_config(self):
            return {**super().get_config(), "steps": self.steps}

    # --- associative_scan -----------------------------------------------------------
    @register
    class Cumulative(layers.Layer):
        """Cumulative sum / product / max along time with a custom combine fn."""

        def __init__(self, mode="sum", reverse=False, **kwargs):
            super().__init__(**kwargs)
            self.mode = mode
            self.reverse = reverse

        def call(self, inputs):
            fn = {
                "sum": lambda a, b: a + b,
                "prod": lambda a, b: a * b,
                "max": lambda a, b: ops.maximum(a, b),
            }[self.mode]
            return ops.associative_scan(fn, inputs, reverse=self.reverse, axis=1)

        def get_config(self):
            return {**super().get_config(), "mode": self.mode, "reverse": self.reverse}

    # --- while_loop / fori_loop / cond / switch -------------------------------------
    @register
    class HalveUntilBounded(layers.Layer):
        """Halves each sample until its largest magnitude is <= limit."""

        def __init__(self, limit=1.0, **kwargs):
            super().__init__(**kwargs)
            self.limit = limit

        def call(self, inputs):
            def halve(sample):
                def cond(i, x):
                    return ops.max(ops.abs(x)) > self.limit

                def body(i, x):
                    return i + 1, x * 0.5

                _, out = ops.while_loop(cond, body, (0, sample))
                return out

            return ops.map(halve, inputs)

        def get_config(self):
            return {**super().get_config(), "limit": self.limit}

    @register
    class TiedDense(layers.Layer):
        """Applies one Dense transform `iterations` times with ops.fori_loop."""

        def __init__(self, iterations=2, **kwargs):
            super().__init__(**kwargs)
            self.iterations = iterations

        def build(self, input_shape):
            d = input_shape[-1]
            self.w = self.add_weight(shape=(d, d), initializer="identity", name="w")
            self.b = self.add_weight(shape=(d,), initializer="zeros", name="b")

        def call(self, inputs):
            def body(i, h):
                return ops.tanh(ops.matmul(h, self.w) + self.b) + h

            return ops.fori_loop(0, self.iterations, body, inputs)

        def get_config(self):
            return {**super().get_config(), "iterations": self.iterations}

    @register
    class SignGate(layers.Layer):
        """Scales by a weight, flipping the sign when the batch mean is negative."""

        def build(self, input_shape):
            self.scale = self.add_weight(shape=(), initializer="ones", name="scale")

        def call(self, inputs):
            return ops.cond(
                ops.mean(inputs) >= 0,
                lambda: inputs * self.scale,
                lambda: -inputs * self.scale,
            )

    @register
    class SwitchActivation(layers.Layer):
        def __init__(self, index=0, **kwargs):
            super().__init__(**kwargs)
            self.index = index

        def call(self, inputs):
            branches = [ops.relu, ops.tanh, log1pexp]
            return ops.switch(self.index, branches, inputs)

        def get_config(self):
            return {**super().get_config(), "index": self.index}

    # --- top_k / argsort / searchsorted --------------------------------------------
    @register
    class TopKPool(layers.Layer):
        """Mean of the k largest values over time, per feature."""

        def __init__(self, k=2, **kwargs):
            super().__init__(**kwargs)
            self.k = k

        def call(self, inputs):
            values, _ = ops.top_k(ops.transpose(inputs, (0, 2, 1)), k=self.k)
            return ops.mean(values, axis=-1)

        def compute_output_shape(self, input_shape):
            return (input_shape[0], input_shape[2])

        def get_config(self):
            return {**super().get_config(), "k": self.k}

    @register
    class SortFeatures(layers.Layer):
        def call(self, inputs):
            order = ops.argsort(inputs, axis=-1)
            return ops.take_along_axis(inputs, order, axis=-1)

    @register
    class Bucketize(layers.Layer):
        def __init__(self, boundaries, **kwargs):
            super().__init__(**kwargs)
            self.boundaries = list(boundaries)

        def call(self, inputs):
            flat = ops.reshape(inputs, (-1,))
            ids = ops.searchsorted(
                ops.convert_to_tensor(self.boundaries, dtype=inputs.dtype),
                flat,
                side="right",
            )
            return ops.reshape(ids, ops.shape(inputs))

        def compute_output_spec(self, inputs):
            return keras.KerasTensor(inputs.shape, dtype="int32")

        def get_config(self):
            return {**super().get_config(), "boundaries": self.boundaries}

    out = {}

    # --- the layers on their own ----------------------------------------------------
    seq = rng.normal(size=(4, 5, 3)).astype("float32")
    scan_rnn = ScanRNN(6, return_sequences=True, unroll=2, name="scan_rnn")
    scan_rnn.build(seq.shape)
    scan_rnn.set_weights(
        [rng.normal(size=w.shape).astype("float32") * 0.5 for w in scan_rnn.weights]
    )
    scan_out = scan_rnn(seq)
    simple = layers.SimpleRNN(6, return_sequences=True)
    simple.build(seq.shape)
    simple.set_weights(scan_rnn.get_weights())
    np.testing.assert_allclose(
        ops.convert_to_numpy(scan_out), simple(seq), rtol=1e-5, atol=1e-6
    )
    out["close_scan_rnn_seq"] = ops.convert_to_numpy(scan_out)

    back = ScanRNN(6, return_sequences=True, reverse=True, name="scan_rnn_back")
    back.build(seq.shape)
    back.set_weights(scan_rnn.get_weights())
    back_out = ops.convert_to_numpy(back(seq))
    simple_back = layers.SimpleRNN(6, return_sequences=True, go_backwards=True)
    simple_back.build(seq.shape)
    simple_back.set_weights(back.get_weights())
    # scan(reverse=True) stacks outputs in input order; go_backwards in step order.
    np.testing.assert_allclose(
        back_out, np.flip(simple_back(seq), axis=1), rtol=1e-5, atol=1e-6
    )
    out["close_scan_rnn_reverse"] = back_out
    out["same_scan_rnn_weights"] = [w.path for w in scan_rnn.weights]
    out["same_scan_rnn_config"] = scan_rnn.get_config()
    clone = ScanRNN.from_config(scan_rnn.get_config())
    assert clone.get_config() == scan_rnn.get_config()
    out["same_scan_rnn_output_shape"] = clone.compute_output_shape((None, 5, 3))

    roll = Rollout(4)
    roll.build((None, 3))
    roll.set_weights([rng.normal(size=(3, 3)).astype("float32")])
    out["close_rollout"] = ops.convert_to_numpy(roll(seq[:, 0, :]))

    cum = {m: Cumulative(m) for m in ("sum", "prod", "max")}
    np.testing.assert_allclose(cum["sum"](seq), np.cumsum(seq, axis=1), rtol=1e-5)
    np.testing.assert_allclose(cum["prod"](seq), np.cumprod(seq, axis=1), rtol=1e-5)
    out["close_cumsum"] = ops.convert_to_numpy(cum["sum"](seq))
    out["close_cumprod"] = ops.convert_to_numpy(cum["prod"](seq))
    out["close_cummax"] = ops.convert_to_numpy(cum["max"](seq))
    out["close_cumsum_reverse"] = ops.convert_to_numpy(
        Cumulative("sum", reverse=True)(seq)
    )
    np.testing.assert_allclose(
        out["close_cumsum"], ops.convert_to_numpy(ops.cumsum(seq, axis=1)), rtol=1e-5
    )

    big = (seq * np.array([1.0, 4.0, 30.0, 0.5], "float32")[:, None, None]).astype(
        "float32"
    )
    halved = ops.convert_to_numpy(HalveUntilBounded(1.0)(big))
    assert np.all(np.abs(halved).max(axis=(1, 2)) <= 1.0), halved
    out["close_halved"] = halved

    flat = seq[:, 0, :]
    out["close_tied_dense"] = ops.convert_to_numpy(TiedDense(3)(flat))
    gate = SignGate()
    out["close_sign_gate_pos"] = ops.convert_to_numpy(gate(np.abs(flat)))
    out["close_sign_gate_neg"] = ops.convert_to_numpy(gate(-np.abs(flat)))
    out["close_switch"] = [
        ops.convert_to_numpy(SwitchActivation(i)(flat)) for i in range(3)
    ]

    def standardize(row):
        return (row - ops.mean(row)) / (ops.std(row) + 1e-6)

    mapped = ops.convert_to_numpy(ops.map(standardize, flat))
    vmapped = ops.convert_to_numpy(ops.vectorized_map(standardize, flat))
    np.testing.assert_allclose(mapped, vmapped, rtol=1e-5, atol=1e-6)
    out["close_map_standardize"] = mapped

    out["close_topk_pool"] = ops.convert_to_numpy(TopKPool(2)(seq))
    out["close_sorted"] = ops.convert_to_numpy(SortFeatures()(flat))
    buckets = Bucketize([-1.0, 0.0, 1.0])(flat)
    out["same_buckets"] = ops.convert_to_numpy(buckets).tolist()
    out["same_buckets_dtype"] = keras.backend.standardize_dtype(buckets.dtype)
    out["close_round_st"] = ops.convert_to_numpy(RoundST()(flat * 3))

    # log1pexp from the docs: its gradient stays finite where exp overflows.
    grid = np.array([-5.0, 0.0, 10.0, 100.0], "float32")
    g = jax.grad(lambda v: ops.sum(log1pexp(v)))(grid)
    assert np.all(np.isfinite(np.asarray(g))), g
    out["close_log1pexp_grad"] = np.asarray(g)
    out["close_log1pexp"] = ops.convert_to_numpy(log1pexp(grid[:3]))

    clip_layer = ClipGradient(0.05)
    g = jax.grad(lambda v: ops.sum(clip_layer(v) * 3.0))(flat)
    out["close_clip_grad"] = np.asarray(g)
    assert np.allclose(np.asarray(g), 0.05), g
    g = jax.grad(lambda v: ops.sum(RoundST()(v) * v))(flat)
    out["close_round_st_grad"] = np.asarray(g)

    # --- a model of the layers, trained with fit ------------------------------------
    x = (rng.normal(size=(64, 6, 3)) * 3.0).astype("float32")
    y = (np.tanh(x[:, :, 0].mean(axis=1, keepdims=True)) + 0.5).astype("float32")

    def build_model():
        inputs = keras.Input(shape=(6, 3), name="sequence")
        h = HalveUntilBounded(1.0, name="halve")(inputs)
        h = ScanRNN(8, return_sequences=True, unroll=3, name="scan_rnn")(h)
        h = ClipGradient(0.5, name="clip_gradient")(h)
        h = Cumulative("sum", name="cumsum")(h)
        h = TopKPool(2, name="top_k_pool")(h)
        h = TiedDense(2, name="tied_dense")(h)
        h = SignGate(name="sign_gate")(h)
        h = SwitchActivation(2, name="log1pexp")(h)
        h = ScaledGradDense(4, grad_scale=0.5, name="scaled_grad_dense")(h)
        outputs = layers.Dense(1, name="head")(h)
        return keras.Model(inputs, outputs, name="control_flow_model")

    model = build_model()
    out["same_summary"] = _summary(model)
    out["same_weight_paths"] = [w.path for w in model.weights]
    out["same_n_params"] = model.count_params()
    wrng = np.random.default_rng(123)
    start = [
        (wrng.normal(size=w.shape) * 0.3 + (1.0 if w.shape == () else 0.0)).astype(
            "float32"
        )
        for w in model.get_weights()
    ]
    model.set_weights(start)

    # Gradients from a JAX-style step over stateless_call, before any training.
    def compute_loss(trainable_variables, non_trainable_variables, xb, yb):
        y_pred, non_trainable_variables = model.stateless_call(
            trainable_variables, non_trainable_variables, xb
        )
        return ops.mean(ops.square(yb - y_pred)), non_trainable_variables

    grad_fn = jax.value_and_grad(compute_loss, has_aux=True)
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]
    (loss0, _), grads = jax.jit(grad_fn)(trainable, non_trainable, x[:16], y[:16])
    out["close_jax_loss"] = float(loss0)
    out["same_grad_paths"] = [v.path for v in model.trainable_variables]
    out["close_jax_grads"] = np.concatenate([np.ravel(g) for g in grads])
    assert all(np.all(np.isfinite(np.asarray(g))) for g in grads)

    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.05),
        loss="mse",
        metrics=["mae"],
    )
    history = model.fit(
        x,
        y,
        batch_size=16,
        epochs=3,
        shuffle=False,
        validation_split=0.25,
        verbose=0,
    )
    assert history.history["loss"][-1] < history.history["loss"][0], history.history
    out["same_history_keys"] = sorted(history.history)
    out["close_history"] = [history.history[k] for k in sorted(history.history)]
    evaluation = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
    out["same_evaluate_keys"] = sorted(evaluation)
    out["close_evaluate"] = [evaluation[k] for k in sorted(evaluation)]
    preds = model.predict(x[:8], batch_size=8, verbose=0)
    out["same_pred_shape"] = preds.shape
    out["close_predictions"] = preds

    path = workdir / "control_flow.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    reloaded_preds = loaded.predict(x[:8], batch_size=8, verbose=0)
    np.testing.assert_allclose(reloaded_preds, preds, rtol=1e-5, atol=1e-6)
    out["close_reloaded_predictions"] = reloaded_preds
    out["same_reloaded_layers"] = [
        (layer.name, type(layer).__name__) for layer in loaded.layers
    ]
    out["same_reloaded_configs"] = {
        layer.name: {k: v for k, v in layer.get_config().items() if k != "dtype"}
        for layer in loaded.layers[1:]
    }
    out["same_registered_name"] = keras.saving.get_registered_name(ScanRNN)

    # --- a scan RNN and SimpleRNN give the same gradients ---------------------------
    def rnn_model(rnn_layer):
        inputs = keras.Input(shape=(5, 3))
        return keras.Model(inputs, layers.Dense(1)(rnn_layer(inputs)))

    m_scan = rnn_model(ScanRNN(4, name="scan_rnn"))
    m_simple = rnn_model(layers.SimpleRNN(4, name="simple_rnn"))
    m_scan.set_weights(
        [rng.normal(size=w.shape).astype("float32") * 0.5 for w in m_scan.weights]
    )
    m_simple.set_weights(m_scan.get_weights())
    yseq = rng.normal(size=(4, 1)).astype("float32")

    def rnn_grads(m):
        ntv = [v.value for v in m.non_trainable_variables]

        def loss_fn(tv):
            pred, _ = m.stateless_call(tv, ntv, seq)
            return ops.mean(ops.square(pred - yseq))

        return jax.jit(jax.grad(loss_fn))([v.value for v in m.trainable_variables])

    g_scan = rnn_grads(m_scan)
    for a, b in zip(g_scan, rnn_grads(m_simple)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-6)
    out["close_scan_rnn_grads"] = np.concatenate([np.ravel(g) for g in g_scan])

    # loop_vars given as a list come back as a tuple (as with the JAX backend).
    loop_out = ops.while_loop(
        lambda i, v: i < 3, lambda i, v: (i + 1, v * 2.0), [0, ops.ones((2,))]
    )
    out["same_while_list_type"] = type(loop_out).__name__
    out["close_while_list"] = ops.convert_to_numpy(loop_out[1])

    # --- misuse: the error types ----------------------------------------------------
    t = ops.convert_to_tensor(np.ones((2,), "float32"))
    # On a symbolic pred Keras raises ValueError ("should return outputs of the
    # same kind"), kerasish JAX's TypeError (reported, not compared).
    out["cond_symbolic_shapes_error"] = _error_name(
        lambda: ops.cond(
            keras.KerasTensor((), dtype="bool"),
            lambda: ops.zeros((2,)),
            lambda: ops.zeros((3,)),
        )
    )
    out["same_errors"] = {
        "cond_shapes": _error_name(
            lambda: ops.cond(
                ops.sum(t) > 0, lambda: ops.zeros((2,)), lambda: ops.zeros((3,))
            )
        ),
        "while_body_not_callable": _error_name(
            lambda: ops.while_loop(lambda i: i < 3, 5, (0,))
        ),
        "while_body_structure": _error_name(
            lambda: ops.while_loop(lambda i, s: i < 3, lambda i, s: i + 1, (0, t))
        ),
        "scan_carry_shape": _error_name(
            lambda: ops.scan(lambda c, x: (ops.concatenate([c, x]), x), t, seq[0])
        ),
        "scan_unroll_zero": _error_name(
            lambda: ops.scan(lambda c, x: (c, x), t, seq[0], unroll=0)
        ),
        "switch_shapes": _error_name(
            lambda: ops.switch(0, [lambda v: v, lambda v: v[:1]], t)
        ),
        "fori_body_structure": _error_name(
            lambda: ops.fori_loop(0, 3, lambda i, s: (s, s), t)
        ),
    }

    # --- the ops called straight on KerasTensors in a functional model ----------
    inputs = keras.Input(shape=(5, 3), name="sequence")
    time_major = ops.transpose(inputs, (1, 0, 2))
    running, _ = ops.scan(
        lambda c, x_t: (c + x_t, c), ops.zeros_like(time_major[0]), time_major
    )
    symbolic = {
        "scan": running,
        "cummax": ops.associative_scan(ops.maximum, inputs, axis=1),
        "map": ops.map(lambda s: ops.sum(s, axis=0), inputs),
        "vectorized_map": ops.vectorized_map(lambda s: ops.max(s, axis=0), inputs),
        "fori_loop": ops.fori_loop(0, 3, lambda i, h: h * 0.5 + 1.0, inputs),
        "while_loop": ops.while_loop(
            lambda h: ops.max(ops.abs(h)) > 1.0, lambda h: h * 0.5, inputs
        ),
        "switch": ops.switch(1, [ops.relu, ops.tanh], inputs),
        "stop_gradient": ops.stop_gradient(inputs),
        "top_k": ops.top_k(inputs, k=2)[0],
        "argsort": ops.argsort(inputs, axis=1),
    }
    out["same_symbolic_shapes"] = {k: tuple(v.shape) for k, v in symbolic.items()}
    out["same_symbolic_dtypes"] = {k: v.dtype for k, v in symbolic.items()}
    ops_model = keras.Model(inputs, symbolic, name="ops_model")
    out["same_ops_model_layers"] = [layer.name for layer in ops_model.layers]
    out["same_ops_model_summary"] = _summary(ops_model)
    ops_preds = ops_model.predict(x[:4, :5], verbose=0)
    for name in sorted(symbolic):
        out[f"close_symbolic_{name}"] = np.asarray(ops_preds[name])
    return out

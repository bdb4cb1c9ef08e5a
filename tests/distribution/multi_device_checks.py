"""The 8-device checks of `kerasish.distribution`, run in one subprocess.

`tests/distribution/test_multi_device.py` starts this script once with
`XLA_FLAGS=--xla_force_host_platform_device_count=8` and reads the JSON it prints
last: for each family (MLP, convnet with BatchNormalization, LSTM, ModelParallel,
checkpoints, ...) the largest differences between a run on one device (no
distribution) and the same run, from the same seed and data, under a
distribution, plus facts read from the arrays' shardings. The test asserts.

Run it by hand to see the figures: `python tests/distribution/multi_device_checks.py`.
"""

import json
import os
import sys
import tempfile
import time

os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8"
)
os.environ.setdefault("KERASISH_COMPILATION_CACHE", "0")

import jax  # noqa: E402
import numpy as np  # noqa: E402

jax.config.update("jax_default_matmul_precision", "highest")

import kerasish as K  # noqa: E402
from kerasish import distribution as D  # noqa: E402


def _max_diff(a, b):
    return max(
        float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) for x, y in zip(a, b)
    )


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _run(build, data, dist=None, full=True, epsilon=1e-7, **compile_kwargs):
    """Builds and trains one epoch from seed 7 (then evaluates and predicts, if
    `full`); returns what a user would see."""
    x, y = data
    K.utils.set_random_seed(7)
    with dist.scope() if dist is not None else _null():
        model = build()
        model.compile(
            optimizer=K.optimizers.Adam(0.01, epsilon=epsilon),
            loss="mse",
            metrics=["mae"],
            **compile_kwargs,
        )
        history = model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=True)
        out = {"history": history.history, "weights": model.get_weights()}
        out["model"] = model
        if full:
            out["evaluate"] = model.evaluate(x, y, batch_size=16, verbose=0)
            out["predict"] = model.predict(x, batch_size=16, verbose=0)
    return out


def _compare(one, many):
    """The largest differences between two runs (`loss_1_device` for scale)."""
    out = {
        "history": max(
            abs(a - b)
            for key in one["history"]
            for a, b in zip(one["history"][key], many["history"][key])
        ),
        "weights": _max_diff(one["weights"], many["weights"]),
        "loss_1_device": one["history"]["loss"][-1],
    }
    if "predict" in one:
        out["evaluate"] = _max_diff(one["evaluate"], many["evaluate"])
        out["predict"] = _max_diff([one["predict"]], [many["predict"]])
    return out


def _data(shape_x, shape_y, n=60, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, *shape_x)).astype("float32")
    y = rng.normal(size=(n, *shape_y)).astype("float32")
    return x, y


def mlp():
    return K.Sequential(
        [
            K.Input((6,)),
            K.layers.Dense(32, activation="relu"),
            K.layers.Dropout(0.2),
            K.layers.Dense(3),
        ]
    )


def convnet():
    return K.Sequential(
        [
            K.Input((8, 8, 2)),
            # No bias before BatchNormalization: its gradient is zero up to
            # rounding, and Adam would turn that noise into steps of `lr`.
            K.layers.Conv2D(4, 3, padding="same", use_bias=False),
            K.layers.BatchNormalization(),
            K.layers.ReLU(),
            K.layers.GlobalAveragePooling2D(),
            K.layers.Dense(2),
        ]
    )


def lstm():
    return K.Sequential([K.Input((5, 3)), K.layers.LSTM(8), K.layers.Dense(2)])


def wide():
    return K.Sequential(
        [
            K.Input((6,)),
            K.layers.Dense(64, activation="relu", name="big_dense_1"),
            K.layers.BatchNormalization(),
            K.layers.Dense(32, activation="relu", name="big_dense_2"),
            K.layers.Dense(3, name="head"),
        ]
    )


def _model_parallel():
    mesh = D.DeviceMesh((2, 4), ["batch", "model"], devices=D.list_devices())
    layout_map = D.LayoutMap(mesh)
    layout_map[".*big_dense.*kernel"] = (None, "model")
    layout_map[".*big_dense.*bias"] = ("model",)
    return D.ModelParallel(layout_map=layout_map, batch_dim_name="batch")


def _fractions(array):
    """`(each device's share of the elements, how many devices hold a part)`."""
    total = int(np.prod(array.shape))
    shares = {int(np.prod(s.data.shape)) / total for s in array.addressable_shards}
    return sorted(shares), len(array.addressable_shards)


def check_data_parallel(out):
    """MLP (with dropout), convnet with BatchNormalization and LSTM: 1 device vs
    DataParallel on 8; a padded last batch (60 = 3 * 16 + 12), fused steps,
    streamed arrays, an iterable of batches, a second fit compiling nothing."""
    dp = D.DataParallel()
    mlp_data = _data((6,), (3,))
    one = _run(mlp, mlp_data)
    many = _run(mlp, mlp_data, dp)
    out["mlp"] = _compare(one, many)
    conv_data = _data((8, 8, 2), (2,), n=32)
    out["convnet_bn"] = _compare(
        _run(convnet, conv_data, full=False), _run(convnet, conv_data, dp, full=False)
    )
    lstm_data = _data((5, 3), (2,), n=32)
    out["lstm"] = _compare(
        _run(lstm, lstm_data, full=False), _run(lstm, lstm_data, dp, full=False)
    )
    fused = _run(mlp, mlp_data, dp, full=False, steps_per_execution=3)
    K.config.set_device_data_budget(0)
    try:
        streamed = _run(mlp, mlp_data, dp, full=False)
    finally:
        K.config.set_device_data_budget(-1)
    x, y = mlp_data

    def run_batches(dist):
        K.utils.set_random_seed(7)
        with dist.scope() if dist is not None else _null():
            model = mlp()
            model.compile(optimizer=K.optimizers.Adam(0.01), loss="mse")
            # The last batch has 12 rows: not a multiple of 8 devices.
            model.fit(
                ((x[i : i + 16], y[i : i + 16]) for i in range(0, 60, 16)), verbose=0
            )
            predicted = model.predict(
                (x[i : i + 16] for i in range(0, 60, 16)), verbose=0
            )
            return model.get_weights(), predicted

    w1, p1 = run_batches(None)
    w8, p8 = run_batches(dp)
    with dp.scope(), _counter() as counter:
        many["model"].fit(x, y, batch_size=16, epochs=1, verbose=0)
    second_fit_compilations = counter.count
    with dp.scope():  # 3 rows over 8 devices: placed whole, split in the step
        model = many["model"]
        full = model.predict(x, verbose=0)
        few = [model.predict_on_batch(x[:3]), model.predict(x[:3], verbose=0)]
        few_loss = model.evaluate(x[:3], y[:3], verbose=0, return_dict=True)["loss"]
    sharding = many["model"].trainable_variables[0].value.sharding
    out["data_kinds"] = {
        "three_rows_predict": _max_diff([full[:3], full[:3]], few),
        "three_rows_evaluate": float(abs(few_loss - np.mean((full[:3] - y[:3]) ** 2))),
        "fused_padded_weights": _max_diff(one["weights"], fused["weights"]),
        "streamed_weights": _max_diff(one["weights"], streamed["weights"]),
        "iterable_weights": _max_diff(w1, w8),
        "iterable_predict": _max_diff([p1], [p8]),
    }
    out["data_parallel_layout"] = {
        "kernel_replicated": bool(sharding.is_fully_replicated),
        "kernel_devices": len(sharding.device_set),
        "second_fit_compilations": second_fit_compilations,
    }


def check_model_parallel(out):
    """A 2x4 mesh whose "model" axis splits the big Dense kernels."""
    data = _data((6,), (3,))
    # Adam's default epsilon turns a near-zero gradient's rounding (summed in
    # another order over the "model" axis) into a step of up to `lr`: 2e-5
    # apart after 4 steps, against 6e-8 with SGD. A larger epsilon keeps that
    # amplification out of the comparison.
    one = _run(wide, data, epsilon=1e-3)
    many = _run(wide, data, _model_parallel(), epsilon=1e-3)
    out["model_parallel"] = _compare(one, many)
    model = many["model"]
    slots = [
        _fractions(leaf)[0]
        for leaf in jax.tree_util.tree_leaves(model.optimizer.state)
        if isinstance(leaf, jax.Array) and leaf.shape == (64, 32)
    ]
    out["model_parallel_layout"] = {
        "fractions": {v.path: _fractions(v.value) for v in model.variables},
        "optimizer_slot_fractions": slots,
    }


def check_checkpoints(out):
    """Saved under 8 devices, loaded on one; loaded back into the sharded layout."""
    data = _data((6,), (3,))
    x = data[0]
    mp = _model_parallel()
    folder = tempfile.mkdtemp()
    keras_file = os.path.join(folder, "model.keras")
    weights_file = os.path.join(folder, "model.weights.h5")
    callback_file = os.path.join(folder, "callback.weights.h5")
    callbacks = [
        K.callbacks.ModelCheckpoint(callback_file, save_weights_only=True),
        K.callbacks.BackupAndRestore(os.path.join(folder, "backup")),
    ]
    K.utils.set_random_seed(7)
    with mp.scope():
        model = wide()
        model.compile(optimizer=K.optimizers.Adam(0.01), loss="mse")
        model.fit(*data, batch_size=16, epochs=1, verbose=0, callbacks=callbacks)
        sharded_predict = model.predict(x, verbose=0)
        model.save(keras_file)
        model.save_weights(weights_file)
    # One device: the files are ordinary.
    single = K.models.load_model(keras_file)
    single_devices = len(single.trainable_variables[0].value.sharding.device_set)
    plain = wide()
    plain.load_weights(callback_file)
    # Back into the sharded layout; training goes on (the optimizer state too).
    with mp.scope():
        again = wide()
        again.load_weights(weights_file)
        back_fraction = _fractions(again.get_layer("big_dense_1").kernel.value)
        back_predict = again.predict(x, verbose=0)
        loaded = K.models.load_model(keras_file)
        loaded_fraction = _fractions(loaded.get_layer("big_dense_1").kernel.value)
        loaded.fit(*data, batch_size=16, epochs=1, verbose=0)
        trained_fraction = _fractions(loaded.get_layer("big_dense_1").kernel.value)
    out["checkpoints"] = {
        "load_on_one_device": _max_diff(
            [sharded_predict], [single.predict(x, verbose=0)]
        ),
        "single_device_count": single_devices,
        "model_checkpoint_on_one_device": _max_diff(
            [sharded_predict], [plain.predict(x, verbose=0)]
        ),
        "load_back_sharded": _max_diff([sharded_predict], [back_predict]),
        "load_back_fraction": back_fraction,
        "load_model_sharded_fraction": loaded_fraction,
        "trained_after_load_fraction": trained_fraction,
    }


def _counter():
    from kerasish.engine import get_engine

    return get_engine().count_compilations()


CHECKS = {
    "data_parallel": check_data_parallel,
    "model_parallel": check_model_parallel,
    "checkpoints": check_checkpoints,
}


def main(names):
    out = {"device_count": D.get_device_count(), "devices": D.list_devices()}
    seconds = {}
    for name in names or CHECKS:
        start = time.perf_counter()
        CHECKS[name](out)
        seconds[name] = round(time.perf_counter() - start, 1)
    out["seconds"] = seconds
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])

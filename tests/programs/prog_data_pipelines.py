"""One set of tiny models fed through every input kind Keras 3 accepts on JAX.

In the style of the data sections of keras.io's "Training & evaluation with the
built-in methods" guide (NumPy arrays, `tf.data.Dataset`, `PyDataset`, class and
sample weights, validation data) and of the Keras 3 "multi-framework data" story
(one model trained from tf.data, a torch `DataLoader`, Python generators or
NumPy alike). Every model has its weights set from numpy and trains with
`shuffle=False`, so losses, metrics and predictions are the same numbers under
both libraries and across input kinds.

Covers: NumPy arrays (also `validation_split`); `tf.data.Dataset` batched, with
`.map` and `.prefetch`, `.repeat()` with `steps_per_epoch`, as
`validation_data` with `validation_steps`, yielding `(x, y)` and
`(x, y, sample_weight)`, dict inputs keyed by `Input` names, nested tuple inputs
for a multi-input model and a dict of targets for a multi-output model,
`class_weight` with a dataset; a torch `DataLoader` over a `TensorDataset`; a
Python generator with `steps_per_epoch`; a `keras.utils.PyDataset` subclass;
`evaluate`/`predict` on each kind, `predict` on a dataset whose last batch is
partial; `keras.utils.split_dataset` on NumPy and on tf.data; and
`keras.utils.timeseries_dataset_from_array` fed to `fit`. Batches seen are
counted with a callback's `on_train_batch_end` / `on_test_batch_end` /
`on_predict_batch_end`.
"""

import numpy as np


def run(keras, workdir):
    import tensorflow as tf
    import torch

    layers = keras.layers
    keras.utils.set_random_seed(0)

    rng = np.random.default_rng(11)
    n, bs = 40, 8
    x = rng.normal(size=(n, 4)).astype("float32")
    w_true = np.array([[1.0], [-2.0], [0.5], [1.5]], "float32")
    y = (np.tanh(x @ w_true) + 0.1 * rng.normal(size=(n, 1))).astype("float32")
    sw = rng.uniform(0.2, 2.0, size=(n,)).astype("float32")
    x_val = rng.normal(size=(16, 4)).astype("float32")
    y_val = np.tanh(x_val @ w_true).astype("float32")
    labels = (x[:, 0] + 0.5 * x[:, 1] > 0.6).astype("int32")  # imbalanced

    wrng = np.random.default_rng(5)

    def normal(*shape, scale=0.4):
        return (wrng.normal(size=shape) * scale).astype("float32")

    mlp_weights = [normal(4, 6), normal(6, scale=0.1), normal(6, 1), normal(1)]
    cls_weights = [normal(4, 2), normal(2, scale=0.1)]
    multi_weights = [
        normal(3, 5),
        normal(5, scale=0.1),
        normal(7, 1),
        normal(1),
        normal(7, 1),
        normal(1),
    ]
    ts_weights = [normal(10, 1, scale=0.2), normal(1)]

    class BatchCounter(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.train, self.test, self.predict = [], 0, 0

        def on_epoch_begin(self, epoch, logs=None):
            self.train.append(0)

        def on_train_batch_end(self, batch, logs=None):
            self.train[-1] += 1

        def on_test_batch_end(self, batch, logs=None):
            self.test += 1

        def on_predict_batch_end(self, batch, logs=None):
            self.predict += 1

    def build_mlp():
        inputs = keras.Input(shape=(4,), name="features")
        h = layers.Dense(6, activation="tanh", name="hidden")(inputs)
        outputs = layers.Dense(1, name="out")(h)
        model = keras.Model(inputs, outputs, name="mlp")
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=0.05),
            loss="mse",
            metrics=["mae"],
        )
        return model

    def build_classifier():
        model = keras.Sequential(
            [keras.Input(shape=(4,)), layers.Dense(2, name="logits")], name="cls"
        )
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=0.1),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        return model

    def build_multi_io():
        num = keras.Input(shape=(3,), name="num")
        cat = keras.Input(shape=(2,), name="cat")
        h = layers.Dense(5, activation="relu", name="num_hidden")(num)
        merged = layers.Concatenate(name="merge")([h, cat])
        reg = layers.Dense(1, name="reg")(merged)
        prob = layers.Dense(1, activation="sigmoid", name="cls")(merged)
        model = keras.Model([num, cat], [reg, prob], name="multi_io")
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=0.05),
            loss={"reg": "mse", "cls": "binary_crossentropy"},
            loss_weights={"reg": 1.0, "cls": 0.5},
        )
        return model

    # Each model is built and compiled once, then reset to its numpy weights
    # before every run: plain SGD keeps no state, so each run starts afresh
    # (and reuses the compiled train/test/predict functions).
    built = {}

    def fresh(build, weights):
        if build not in built:
            built[build] = build()
        model = built[build]
        model.set_weights(weights)
        return model

    def mlp():
        return fresh(build_mlp, mlp_weights)

    def classifier():
        return fresh(build_classifier, cls_weights)

    def multi_io():
        return fresh(build_multi_io, multi_weights)

    def hist(h):
        return np.array([h.history[k] for k in sorted(h.history)], dtype="float64")

    def flat(values):
        if isinstance(values, dict):
            values = [values[k] for k in sorted(values)]
        if not isinstance(values, list | tuple):
            values = [values]
        return np.concatenate([np.ravel(np.asarray(v, "float64")) for v in values])

    out, keys, batches = {}, {}, {}

    def fit(name, model, data, **kwargs):
        counter = BatchCounter()
        kwargs.setdefault("epochs", 2)
        kwargs.setdefault("verbose", 0)
        kwargs.setdefault("shuffle", False)
        h = model.fit(data, callbacks=[counter], **kwargs)
        keys[name] = sorted(h.history)
        batches[name] = (counter.train, counter.test)
        out[f"close_{name}_history"] = hist(h)
        return h

    def evaluate(name, model, data, **kwargs):
        counter = BatchCounter()
        result = model.evaluate(data, verbose=0, callbacks=[counter], **kwargs)
        out[f"close_{name}_evaluate"] = flat(result)
        batches[f"{name}_evaluate"] = counter.test
        return result

    def predict(name, model, data, **kwargs):
        counter = BatchCounter()
        pred = model.predict(data, verbose=0, callbacks=[counter], **kwargs)
        out[f"close_{name}_predict"] = flat(pred)
        batches[f"{name}_predict"] = counter.predict
        return pred

    # --- NumPy arrays: the reference every other input kind is compared to. ---
    model = mlp()
    ref = fit("numpy", model, x, y=y, batch_size=bs)
    ref_eval = evaluate("numpy", model, x_val, y=y_val, batch_size=bs)
    ref_pred = predict("numpy", model, x_val, batch_size=bs)
    assert ref.history["loss"][-1] < ref.history["loss"][0]

    # --- tf.data: batched, mapped and prefetched. ---
    train_ds = (
        tf.data.Dataset.from_tensor_slices((x, y))
        .batch(bs)
        .map(lambda a, b: (a, tf.cast(b, "float32")))
        .prefetch(tf.data.AUTOTUNE)
    )
    val_ds = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(bs)
    model = mlp()
    h = fit("tf", model, train_ds)
    np.testing.assert_allclose(h.history["loss"], ref.history["loss"], rtol=1e-4)
    tf_eval = evaluate("tf", model, val_ds)
    np.testing.assert_allclose(tf_eval, ref_eval, rtol=1e-4)
    tf_pred = predict("tf", model, tf.data.Dataset.from_tensor_slices(x_val).batch(bs))
    np.testing.assert_allclose(tf_pred, ref_pred, rtol=1e-4, atol=1e-5)
    out["same_tf_predict_shape"] = tuple(tf_pred.shape)
    # evaluate(return_dict=True) on a dataset.
    out["same_tf_evaluate_dict_keys"] = sorted(
        model.evaluate(val_ds, verbose=0, return_dict=True)
    )

    # Partial last batch: 40 rows in batches of 16 -> 16, 16, 8.
    partial = predict("partial", model, tf.data.Dataset.from_tensor_slices(x).batch(16))
    out["same_partial_predict_shape"] = tuple(partial.shape)
    np.testing.assert_allclose(
        partial, model.predict(x, batch_size=16, verbose=0), rtol=1e-5, atol=1e-6
    )

    # --- .repeat() with steps_per_epoch, validation_data as a dataset with
    # validation_steps: training epochs continue where the previous one
    # stopped; each validation starts again at the dataset's first batch. ---
    model = mlp()
    fit(
        "repeat",
        model,
        tf.data.Dataset.from_tensor_slices((x, y)).batch(bs).repeat(),
        epochs=3,
        steps_per_epoch=3,
        validation_data=val_ds,
        validation_steps=1,
    )
    repeat_weights = flat(model.get_weights())
    out["close_repeat_weights"] = repeat_weights
    # With `validation_steps`, each validation restarts the dataset (Keras's
    # evaluate resets its iterator, as its fit docstring says).
    # The same 9 batches as a finite dataset in one epoch give the same weights.
    model = mlp()
    model.fit(
        tf.data.Dataset.from_tensor_slices((x, y)).batch(bs).repeat(2).take(9),
        epochs=1,
        verbose=0,
        shuffle=False,
    )
    np.testing.assert_allclose(flat(model.get_weights()), repeat_weights, rtol=1e-4)

    # --- (x, y, sample_weight) datasets vs. NumPy with sample_weight. ---
    model = mlp()
    fit("sw_numpy", model, x, y=y, sample_weight=sw, batch_size=bs)
    model = mlp()
    fit("sw_tf", model, tf.data.Dataset.from_tensor_slices((x, y, sw)).batch(bs))
    evaluate(
        "sw_tf",
        model,
        tf.data.Dataset.from_tensor_slices((x_val, y_val, sw[:16])).batch(bs),
    )

    # --- class_weight with a dataset, and with NumPy. ---
    class_weight = {0: 1.0, 1: 3.0}
    model = classifier()
    fit(
        "cw_numpy",
        model,
        x,
        y=labels,
        class_weight=class_weight,
        batch_size=bs,
    )
    model = classifier()
    fit(
        "cw_tf",
        model,
        tf.data.Dataset.from_tensor_slices((x, labels)).batch(bs),
        class_weight=class_weight,
        epochs=3,
    )
    evaluate("cw_tf", model, tf.data.Dataset.from_tensor_slices((x, labels)).batch(bs))

    # --- validation_split with NumPy: the last 25% validate. ---
    model = mlp()
    fit(
        "split",
        model,
        x,
        y=y,
        batch_size=bs,
        validation_split=0.25,
    )

    # --- A multi-input, multi-output model: dict inputs keyed by Input names
    # with a dict of targets, and nested tuples. ---
    xn = rng.normal(size=(n, 3)).astype("float32")
    xc = rng.normal(size=(n, 2)).astype("float32")
    yr = (xn.sum(axis=1, keepdims=True) - xc[:, :1]).astype("float32")
    yc = (xn[:, :1] > 0).astype("float32")
    model = multi_io()
    fit(
        "multi_numpy",
        model,
        {"num": xn, "cat": xc},
        y={"reg": yr, "cls": yc},
        batch_size=bs,
    )
    model = multi_io()
    dict_ds = tf.data.Dataset.from_tensor_slices(
        ({"num": xn, "cat": xc}, {"reg": yr, "cls": yc})
    ).batch(bs)
    fit("multi_dict_tf", model, dict_ds)
    multi_eval = evaluate("multi_dict_tf", model, dict_ds)
    out["same_multi_evaluate_dict_keys"] = sorted(
        model.evaluate(dict_ds, verbose=0, return_dict=True)
    )
    multi_pred = predict(
        "multi_dict_tf",
        model,
        tf.data.Dataset.from_tensor_slices({"num": xn, "cat": xc}).batch(16),
    )
    out["same_multi_predict"] = (type(multi_pred).__name__, len(multi_pred)) + tuple(
        tuple(p.shape) for p in multi_pred
    )
    model = multi_io()
    tuple_ds = tf.data.Dataset.from_tensor_slices(((xn, xc), (yr, yc))).batch(bs)
    fit("multi_tuple_tf", model, tuple_ds)
    np.testing.assert_allclose(
        evaluate("multi_tuple_tf", model, tuple_ds), multi_eval, rtol=1e-4
    )
    # A 1-tuple around the input tuple: a bare 2-tuple would read as (x, y).
    predict(
        "multi_tuple_tf",
        model,
        tf.data.Dataset.from_tensor_slices(((xn, xc),)).batch(16),
    )

    # --- A torch DataLoader over a TensorDataset (CPU tensors). ---
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
        batch_size=bs,
    )
    val_loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(*map(torch.from_numpy, (x_val, y_val))),
        batch_size=bs,
    )
    model = mlp()
    h = fit("torch", model, loader, validation_data=val_loader)
    np.testing.assert_allclose(h.history["loss"], ref.history["loss"], rtol=1e-4)
    evaluate("torch", model, val_loader)
    torch_pred = predict(
        "torch",
        model,
        torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(torch.from_numpy(x)), batch_size=16
        ),
    )
    out["same_torch_predict_shape"] = tuple(torch_pred.shape)

    # --- A Python generator, infinite, with steps_per_epoch. ---
    def batches_of(*arrays, size=bs):
        while True:
            for i in range(0, len(arrays[0]), size):
                # Always a tuple: (x,) or (x, y).
                yield tuple(a[i : i + size] for a in arrays)

    model = mlp()
    h = fit("generator", model, batches_of(x, y), steps_per_epoch=n // bs)
    np.testing.assert_allclose(h.history["loss"], ref.history["loss"], rtol=1e-4)
    evaluate("generator", model, batches_of(x_val, y_val), steps=2)
    predict("generator", model, batches_of(x, size=16), steps=3)

    # --- A keras.utils.PyDataset subclass. ---
    class Batches(keras.utils.PyDataset):
        def __init__(self, *arrays, batch_size=bs, **kwargs):
            super().__init__(**kwargs)
            self.arrays, self.batch_size = arrays, batch_size

        def __len__(self):
            return -(-len(self.arrays[0]) // self.batch_size)

        def __getitem__(self, index):
            sl = slice(index * self.batch_size, (index + 1) * self.batch_size)
            chunk = tuple(a[sl] for a in self.arrays)
            return chunk if len(chunk) > 1 else chunk[0]

    model = mlp()
    h = fit(
        "pydataset",
        model,
        Batches(x, y),
        validation_data=Batches(x_val, y_val),
    )
    evaluate("pydataset", model, Batches(x_val, y_val))
    predict("pydataset", model, Batches(x, batch_size=16))

    # --- keras.utils.split_dataset on NumPy and on tf.data. ---
    left, right = keras.utils.split_dataset((x, y), left_size=0.75)
    out["same_split_numpy_sizes"] = (len(list(left)), len(list(right)))
    first = next(iter(right))
    out["close_split_numpy_first_right"] = flat([first[0], first[1]])
    model = mlp()
    fit("split_numpy", model, left.batch(bs))
    evaluate("split_numpy", model, right.batch(bs))

    tf_source = tf.data.Dataset.from_tensor_slices((x, y))
    left, right = keras.utils.split_dataset(tf_source, left_size=30, right_size=10)
    out["same_split_tf_types"] = (type(left).__module__.split(".")[0],) * 2
    out["same_split_tf_sizes"] = (len(list(left)), len(list(right)))
    out["close_split_tf_right"] = flat([np.stack([np.asarray(e[0]) for e in right])])
    model = mlp()
    fit("split_tf", model, left.batch(bs))
    evaluate("split_tf", model, right.batch(bs))

    # --- timeseries_dataset_from_array fed to fit. ---
    t = np.arange(50, dtype="float32")
    series = np.stack([np.sin(t / 4.0), np.cos(t / 7.0)], axis=1).astype("float32")
    seq_len = 5
    ts_ds = keras.utils.timeseries_dataset_from_array(
        series[:-seq_len],
        series[seq_len:, :1],
        sequence_length=seq_len,
        batch_size=bs,
    )
    first_x, first_y = next(iter(ts_ds))
    out["same_ts_first_batch_shapes"] = (tuple(first_x.shape), tuple(first_y.shape))
    out["close_ts_first_window"] = np.asarray(first_x)[1]
    ts_model = keras.Sequential(
        [
            keras.Input(shape=(seq_len, 2)),
            layers.Flatten(name="flat"),
            layers.Dense(1, name="next"),
        ],
        name="ts",
    )
    ts_model.set_weights(ts_weights)
    ts_model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.05), loss="mse")
    h = fit("ts", ts_model, ts_ds, epochs=3)
    assert h.history["loss"][-1] < h.history["loss"][0]
    predict("ts", ts_model, ts_ds)

    out["same_history_keys"] = keys
    out["same_batches_seen"] = batches
    return out

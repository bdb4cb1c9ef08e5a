"""Feeding fit without tf.data: a keras.utils.PyDataset, Python generators, workers.

The data idioms of keras.io's "Training & evaluation with the built-in methods"
(the `PyDataset` section) and of the Keras 3 API docs: a `PyDataset` subclass with
`__len__`/`__getitem__` and an `on_epoch_end` that reshuffles, run with and without
worker threads; `steps_per_epoch` smaller than the dataset; a `PyDataset` as
`validation_data` with `validation_steps`; generator functions yielding `(x, y)` and
`(x, y, sample_weight)`; dict inputs; predict/evaluate on these; `class_weight`.
"""

import math
import warnings

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(7)
    n, batch_size = 64, 8
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 1.5], "float32") + 0.3)[:, None]
    y = y.astype("float32")
    x_val = rng.normal(size=(32, 4)).astype("float32")
    y_val = (x_val @ np.array([1.0, -2.0, 0.5, 1.5], "float32"))[:, None]
    y_val = y_val.astype("float32")
    init = [
        rng.normal(scale=0.5, size=(4, 8)).astype("float32"),
        rng.normal(scale=0.1, size=(8,)).astype("float32"),
        rng.normal(scale=0.5, size=(8, 1)).astype("float32"),
        np.zeros((1,), "float32"),
    ]

    class ArrayDataset(keras.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y = x, y
            self.batch_size = batch_size
            self.indices = np.arange(len(x))
            self.served = []

        def __len__(self):
            return math.ceil(len(self.x) / self.batch_size)

        def __getitem__(self, idx):
            self.served.append(idx)
            rows = self.indices[idx * self.batch_size : (idx + 1) * self.batch_size]
            return self.x[rows], self.y[rows]

    class ShuffledDataset(ArrayDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(x, y, batch_size, **kwargs)
            self.rng = np.random.default_rng(1234)
            self.epochs_begun = 0
            self.epochs_ended = 0

        def on_epoch_begin(self):
            self.epochs_begun += 1

        def on_epoch_end(self):
            self.epochs_ended += 1
            self.rng.shuffle(self.indices)

    class BatchCounter(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.train_batches = []
            self.test_batches = 0

        def on_epoch_begin(self, epoch, logs=None):
            self.train_batches.append(0)

        def on_train_batch_end(self, batch, logs=None):
            self.train_batches[-1] += 1

        def on_test_batch_end(self, batch, logs=None):
            self.test_batches += 1

    def get_model():
        model = keras.Sequential(
            [
                keras.Input(shape=(4,)),
                layers.Dense(8, activation="relu", name="hidden"),
                layers.Dense(1, name="out"),
            ]
        )
        model.set_weights(init)
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=0.05),
            loss="mse",
            metrics=["mae"],
            steps_per_execution=1,
        )
        return model

    result = {}

    # 1. A plain PyDataset, in order: the same numbers as the arrays themselves.
    model = get_model()
    counter = BatchCounter()
    ds = ArrayDataset(x, y, batch_size)
    h = model.fit(ds, epochs=2, shuffle=False, callbacks=[counter], verbose=0)
    model_arrays = get_model()
    h_arrays = model_arrays.fit(
        x, y, batch_size=batch_size, epochs=2, shuffle=False, verbose=0
    )
    np.testing.assert_allclose(h.history["loss"], h_arrays.history["loss"], rtol=1e-5)
    result["same_plain_keys"] = sorted(h.history)
    result["same_plain_batches"] = counter.train_batches
    result["close_plain_loss"] = h.history["loss"]
    result["close_plain_mae"] = h.history["mae"]
    result["close_plain_weights"] = np.concatenate(
        [w.ravel() for w in model.get_weights()]
    ).tolist()

    # 2. A PyDataset that reshuffles itself in on_epoch_end (seeded numpy rng).
    model = get_model()
    shuffled = ShuffledDataset(x, y, batch_size)
    h = model.fit(shuffled, epochs=3, shuffle=False, verbose=0)
    result["same_shuffled_epochs_ended"] = shuffled.epochs_ended
    result["same_on_epoch_begin_called"] = shuffled.epochs_begun > 0
    # Keras also draws one batch to build the model's metrics on the first fit.
    result["shuffled_served"] = len(shuffled.served)
    result["close_shuffled_loss"] = h.history["loss"]
    shuffled_loss = h.history["loss"]

    # 3. The same with two worker threads: batches come in the same order.
    model = get_model()
    threaded = ShuffledDataset(x, y, batch_size, workers=2, use_multiprocessing=False)
    counter = BatchCounter()
    h = model.fit(threaded, epochs=3, shuffle=False, callbacks=[counter], verbose=0)
    result["same_workers_keys"] = sorted(h.history)
    result["same_workers_batches"] = counter.train_batches
    result["same_workers_epochs_ended"] = threaded.epochs_ended
    result["workers_loss"] = h.history["loss"]
    result["workers_loss_equal_single_thread"] = bool(
        np.allclose(h.history["loss"], shuffled_loss, rtol=1e-5)
    )
    assert h.history["loss"][-1] < h.history["loss"][0], h.history

    # 4. fit's own shuffle=True reorders a PyDataset's batches (not its rows).
    model = get_model()
    ds = ArrayDataset(x, y, batch_size)
    model.fit(ds, epochs=1, verbose=0)
    epoch_order = ds.served[-len(ds) :]
    result["same_fit_shuffle_covers_all"] = sorted(epoch_order)
    result["same_fit_shuffle_reorders"] = epoch_order != sorted(epoch_order)
    result["fit_shuffle_order"] = epoch_order

    # 5. steps_per_epoch smaller than len; a PyDataset for validation, with
    #    validation_steps.
    model = get_model()
    counter = BatchCounter()
    train_ds = ArrayDataset(x, y, batch_size)
    val_ds = ArrayDataset(x_val, y_val, batch_size)
    h = model.fit(
        train_ds,
        epochs=4,
        steps_per_epoch=4,
        validation_data=val_ds,
        validation_steps=2,
        shuffle=False,
        callbacks=[counter],
        verbose=0,
    )
    # The epochs continue through the dataset: 4 epochs of 4 steps see all 8.
    result["same_steps_batches_seen"] = sorted(set(train_ds.served))
    result["same_steps_val_batches_seen"] = sorted(set(val_ds.served))
    result["same_steps_keys"] = sorted(h.history)
    result["same_steps_batches"] = counter.train_batches
    result["same_steps_val_batches"] = counter.test_batches
    result["close_steps_loss"] = h.history["loss"]
    result["close_steps_val_loss"] = h.history["val_loss"]
    result["close_steps_val_mae"] = h.history["val_mae"]

    # 6. A Python generator function, looping forever, with steps_per_epoch.
    def batch_generator(x, y, batch_size, sample_weight=None):
        while True:
            for i in range(0, len(x), batch_size):
                sl = slice(i, i + batch_size)
                if sample_weight is None:
                    yield x[sl], y[sl]
                else:
                    yield x[sl], y[sl], sample_weight[sl]

    model = get_model()
    counter = BatchCounter()
    h = model.fit(
        batch_generator(x, y, batch_size),
        steps_per_epoch=5,
        epochs=3,
        callbacks=[counter],
        verbose=0,
    )
    result["same_gen_keys"] = sorted(h.history)
    result["same_gen_batches"] = counter.train_batches
    result["close_gen_loss"] = h.history["loss"]

    # 7. A generator yielding (x, y, sample_weight).
    sw = np.where(y[:, 0] > 0, 2.0, 0.5).astype("float32")
    model = get_model()
    h = model.fit(
        batch_generator(x, y, batch_size, sw), steps_per_epoch=8, epochs=2, verbose=0
    )
    model_arrays = get_model()
    h_arrays = model_arrays.fit(
        x,
        y,
        sample_weight=sw,
        batch_size=batch_size,
        epochs=2,
        shuffle=False,
        verbose=0,
    )
    result["close_gen_sw_loss"] = h.history["loss"]
    result["close_arrays_sw_loss"] = h_arrays.history["loss"]

    # 8. Evaluate on a generator with steps; predict on a PyDataset.
    eval_out = model.evaluate(
        batch_generator(x_val, y_val, batch_size),
        steps=3,
        verbose=0,
        return_dict=True,
    )
    result["same_eval_keys"] = sorted(eval_out)
    result["close_eval"] = [eval_out["loss"], eval_out["mae"]]
    preds = model.predict(ArrayDataset(x_val, y_val, 5), verbose=0)
    result["same_predict_shape"] = preds.shape
    result["close_predict"] = preds[:6, 0].tolist()
    np.testing.assert_allclose(
        preds, model.predict(x_val, verbose=0), rtol=1e-5, atol=1e-6
    )

    # 9. Dict inputs from a PyDataset into a two-input functional model.
    class DictDataset(keras.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size = x, y, batch_size

        def __len__(self):
            return math.ceil(len(self.x) / self.batch_size)

        def __getitem__(self, idx):
            sl = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
            return {"left": self.x[sl, :2], "right": self.x[sl, 2:]}, self.y[sl]

    left = keras.Input(shape=(2,), name="left")
    right = keras.Input(shape=(2,), name="right")
    merged = layers.Concatenate(name="concat")([left, right])
    hidden = layers.Dense(8, activation="relu", name="hidden")(merged)
    dict_model = keras.Model([left, right], layers.Dense(1, name="out")(hidden))
    dict_model.set_weights(init)
    dict_model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.05),
        loss="mse",
        steps_per_execution=1,
    )
    h = dict_model.fit(
        DictDataset(x, y, batch_size), epochs=2, shuffle=False, verbose=0
    )
    result["same_dict_keys"] = sorted(h.history)
    result["close_dict_loss"] = h.history["loss"]
    result["same_dict_predict_shape"] = dict_model.predict(
        DictDataset(x_val, y_val, 16), verbose=0
    ).shape

    # 10. class_weight with arrays (a classifier), and from a PyDataset.
    labels = (y[:, 0] > 1.0).astype("int32")

    def get_classifier():
        model = keras.Sequential(
            [
                keras.Input(shape=(4,)),
                layers.Dense(8, activation="relu", name="hidden"),
                layers.Dense(1, activation="sigmoid", name="out"),
            ]
        )
        model.set_weights(init)
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=0.1),
            loss="binary_crossentropy",
            metrics=["accuracy"],
            steps_per_execution=1,
        )
        return model

    class_weight = {0: 1.0, 1: 4.0}
    clf = get_classifier()
    h = clf.fit(
        x,
        labels,
        class_weight=class_weight,
        batch_size=batch_size,
        epochs=2,
        shuffle=False,
        verbose=0,
    )
    result["same_cw_keys"] = sorted(h.history)
    result["close_cw_arrays_loss"] = h.history["loss"]
    clf = get_classifier()
    h_ds = clf.fit(
        ArrayDataset(x, labels[:, None].astype("float32"), batch_size),
        class_weight=class_weight,
        epochs=2,
        shuffle=False,
        verbose=0,
    )
    result["close_cw_pydataset_loss"] = h_ds.history["loss"]
    try:
        get_classifier().fit(
            batch_generator(x, labels, batch_size),
            steps_per_epoch=2,
            class_weight=class_weight,
            verbose=0,
        )
        result["same_cw_generator_error"] = None
        result["cw_generator_message"] = None
    except ValueError as e:
        result["same_cw_generator_error"] = "ValueError"
        result["cw_generator_message"] = str(e)

    # 11. A generator that runs out of data before steps_per_epoch * epochs.
    def short_generator():
        for i in range(5):
            sl = slice(i * batch_size, (i + 1) * batch_size)
            yield x[sl], y[sl]

    model = get_model()
    counter = BatchCounter()
    result["short_gen_epochs"] = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            h = model.fit(
                short_generator(),
                steps_per_epoch=3,
                epochs=3,
                callbacks=[counter],
                verbose=0,
            )
            result["short_gen_outcome"] = "returned"
            result["same_short_gen_returned"] = True
            result["short_gen_epochs"] = len(h.history.get("loss", []))
        except Exception as e:  # noqa: BLE001 - reported, both libraries
            result["short_gen_outcome"] = f"{type(e).__name__}: {e}"
            result["same_short_gen_returned"] = False
    result["short_gen_batches"] = counter.train_batches
    result["short_gen_warnings"] = sorted({str(w.message) for w in caught})
    return result

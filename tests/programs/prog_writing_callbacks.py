"""Writing your own callbacks: hook order, logs keys, stopping, lr scheduling."""

import numpy as np


def run(keras, workdir):
    layers = keras.layers
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)

    events = []

    class Recorder(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            events.append(("train_begin", sorted(logs or {})))

        def on_epoch_begin(self, epoch, logs=None):
            events.append(("epoch_begin", epoch))

        def on_train_batch_end(self, batch, logs=None):
            events.append(("train_batch_end", batch, sorted(logs)))

        def on_test_begin(self, logs=None):
            events.append(("test_begin",))

        def on_test_batch_end(self, batch, logs=None):
            events.append(("test_batch_end", batch, sorted(logs)))

        def on_epoch_end(self, epoch, logs=None):
            events.append(("epoch_end", epoch, sorted(logs)))

        def on_train_end(self, logs=None):
            events.append(("train_end", sorted(logs or {})))

        def on_predict_batch_end(self, batch, logs=None):
            events.append(("predict_batch_end", batch, sorted(logs)))

    class StopAtLoss(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    def scheduler(epoch, lr):
        return lr if epoch < 1 else lr * 0.5

    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse", metrics=["mae"])
    history = model.fit(
        x,
        y,
        batch_size=40,
        epochs=5,
        validation_data=(x[:20], y[:20]),
        callbacks=[
            Recorder(),
            StopAtLoss(),
            keras.callbacks.LearningRateScheduler(scheduler),
        ],
        verbose=0,
    )
    model.evaluate(x, y, batch_size=50, callbacks=[Recorder()], verbose=0)
    model.predict(x, batch_size=50, callbacks=[Recorder()], verbose=0)
    return {
        "same_events": events,
        "same_epochs": len(history.history["loss"]),
        "close_lr": history.history["learning_rate"],
        "same_params": history.params if hasattr(history, "params") else None,
    }

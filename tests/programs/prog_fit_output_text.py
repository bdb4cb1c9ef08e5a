"""What a user sees in the terminal: the text that fit, evaluate and predict print.

The progress text of `fit`/`evaluate`/`predict` with `verbose=1`, `2` and `"auto"`,
with validation data, `steps_per_epoch`, `initial_epoch`, several metrics (values
such as 1e-5, 123456.7, 0, -5 and nan), a callback that sets `stop_training`, the
messages of the built-in callbacks (EarlyStopping, ReduceLROnPlateau,
ModelCheckpoint, LearningRateScheduler, TerminateOnNaN, BackupAndRestore), the file
CSVLogger writes, `keras.utils.Progbar` used directly, and `model.summary()`.

stdout is captured into a buffer that says it is a terminal (as a user's shell
is) and then rendered as a terminal shows it: ANSI styles dropped, a carriage
return or backspace moves the cursor back and later characters overwrite earlier
ones. Times (`0s`, `3ms/step`, ETAs) differ between runs and are replaced by `<t>`.
Weights are set from numpy before each fit, so the printed values agree too.
"""

import contextlib
import io
import os
import re
import warnings

import numpy as np

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class Terminal(io.StringIO):
    """A stdout that, like a shell's, is a terminal."""

    def isatty(self):
        return True


def screen(raw):
    """The lines a terminal shows for `raw`, and every state a line was seen in
    (`frames`: the line each time the cursor went back to its start or on)."""
    raw = _ANSI.sub("", raw)
    lines, frames, line, col = [], [], [], 0
    for ch in raw:
        if ch == "\n":
            lines.append("".join(line).rstrip())
            frames.append(lines[-1])
            line, col = [], 0
        elif ch == "\r":
            if "".join(line).strip():
                frames.append("".join(line).rstrip())
            col = 0
        elif ch == "\b":
            col = max(col - 1, 0)
        else:
            if col < len(line):
                line[col] = ch
            else:
                line.extend(" " * (col - len(line)))
                line.append(ch)
            col += 1
    if "".join(line).strip():
        lines.append("".join(line).rstrip())
        frames.append(lines[-1])
    # kerasish's one extra line, by design: a memory estimate before the first
    # epoch (its issue 14). Left out of the comparison.
    lines = [t for t in lines if not t.startswith("Memory estimate:")]
    frames = [t for t in frames if not t.startswith("Memory estimate:")]
    # A frame drawn twice in a row (a redraw) counts once.
    frames = [f for i, f in enumerate(frames) if i == 0 or f != frames[i - 1]]
    return lines, frames


def untimed(text):
    """Times replaced by `<t>`: `3ms/step`, elapsed `0s`, ETAs `12s` or `1:02`."""
    text = re.sub(r"\d+(?:\.\d+)?(?:ms|us|s)/", "<t>/", text)
    return re.sub(r"(?<=[ ])(?:\d+:\d\d(?::\d\d)?|\d+(?:\.\d+)?s)(?= |$)", "<t>", text)


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    workdir = str(workdir)
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5, 1.5]) > 0).astype("float32").reshape(-1, 1)
    x_val = rng.normal(size=(32, 4)).astype("float32")
    y_val = (x_val @ np.array([1.0, -2.0, 0.5, 1.5]) > 0).astype("float32")
    y_val = y_val.reshape(-1, 1)
    weights = [
        rng.normal(scale=0.5, size=(4, 8)).astype("float32"),
        np.full((8,), 0.05, "float32"),
        rng.normal(scale=0.5, size=(8, 1)).astype("float32"),
        np.zeros((1,), "float32"),
    ]

    def tiny(y_true, y_pred):
        return ops.zeros_like(y_pred[:, 0]) + 1e-5

    def big(y_true, y_pred):
        return ops.zeros_like(y_pred[:, 0]) + 123456.7

    def zero(y_true, y_pred):
        return ops.zeros_like(y_pred[:, 0])

    def negative(y_true, y_pred):
        return ops.zeros_like(y_pred[:, 0]) - 5.0

    def undefined(y_true, y_pred):
        return ops.zeros_like(y_pred[:, 0]) + float("nan")

    def make_model(metrics=("accuracy",)):
        inputs = keras.Input(shape=(4,), name="features")
        h = layers.Dense(8, activation="relu", name="hidden")(inputs)
        outputs = layers.Dense(1, activation="sigmoid", name="score")(h)
        model = keras.Model(inputs, outputs, name="scorer")
        model.compile(
            optimizer=keras.optimizers.SGD(learning_rate=0.1),
            loss="binary_crossentropy",
            metrics=list(metrics),
        )
        return model

    # One model, compiled once, started again from the same weights before each
    # fit (SGD without momentum keeps no state that changes the steps).
    plain = make_model()

    def get_model(learning_rate=0.1):
        plain.set_weights(weights)
        plain.optimizer.learning_rate = learning_rate
        return plain

    result = {}
    all_warnings = []

    def shown(fn, *args, piped=False, **kwargs):
        """Runs fn(*args, **kwargs) with stdout and stderr captured; returns the
        rendered lines, the frames, fn's return value and the raw text."""
        out = io.StringIO() if piped else Terminal()
        err = io.StringIO()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                value = fn(*args, **kwargs)
        all_warnings.extend(f"{w.category.__name__}: {w.message}" for w in caught)
        raw = out.getvalue().replace(workdir, "<workdir>")
        lines, frames = screen(raw)
        lines = [untimed(line) for line in lines]
        frames = [untimed(frame) for frame in frames]
        if err.getvalue().strip():
            all_warnings.append("stderr: " + err.getvalue().strip())
        return lines, frames, value, raw

    # 1. The default bar: three epochs of four steps.
    model = get_model()
    lines, _, history, raw = shown(
        lambda: model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=1)
    )
    result["same_fit_verbose1_lines"] = lines
    result["close_fit_verbose1_loss"] = history.history["loss"]
    assert history.history["loss"][-1] < history.history["loss"][0], history.history
    # Styling a terminal shows (bold step counter, green and grey bar).
    result["same_fit_verbose1_styles"] = sorted(set(_ANSI.findall(raw)))
    result["same_fit_verbose1_bar_chars"] = sorted(
        set(ch for ch in _ANSI.sub("", raw) if ord(ch) > 127)
    )

    # The same, written to a pipe or file (`python train.py | tee log.txt`).
    model = get_model()
    lines, _, _, _ = shown(
        lambda: model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=1),
        piped=True,
    )
    result["same_fit_verbose1_piped_lines"] = lines

    # 2. verbose=2: one line per epoch, with validation.
    model = get_model()
    lines, _, history, _ = shown(
        lambda: model.fit(
            x,
            y,
            batch_size=16,
            epochs=3,
            validation_data=(x_val, y_val),
            shuffle=False,
            verbose=2,
        )
    )
    result["same_fit_verbose2_val_lines"] = lines
    result["close_fit_verbose2_val_loss"] = history.history["val_loss"]

    # 3. verbose="auto" (the default) with validation_split; a single epoch.
    model = get_model()
    lines, _, _, _ = shown(
        lambda: model.fit(
            x, y, batch_size=16, epochs=2, validation_split=0.25, shuffle=False
        )
    )
    result["same_fit_auto_split_lines"] = lines
    model = get_model()
    lines, _, _, _ = shown(
        lambda: model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=1)
    )
    result["same_fit_one_epoch_lines"] = lines

    # 4. steps_per_epoch and initial_epoch.
    model = get_model()
    lines, _, history, _ = shown(
        lambda: model.fit(
            x, y, batch_size=16, epochs=3, steps_per_epoch=2, shuffle=False, verbose=1
        )
    )
    # Reported only: Keras's data iterator goes on across epochs (epoch 2 sees
    # batches 3 and 4); kerasish's epochs start again from the first batch.
    result["fit_steps_per_epoch_lines"] = lines
    result["fit_steps_per_epoch_loss"] = history.history["loss"]
    # More steps than the data holds: the epoch ends early, with a warning.
    model = get_model()
    lines, _, history, _ = shown(
        lambda: model.fit(
            x, y, batch_size=16, epochs=1, steps_per_epoch=6, shuffle=False, verbose=2
        )
    )
    # Reported only: Keras's bar counts the steps asked for (6/6), kerasish's
    # the steps run (4/4); the loss is the same.
    result["fit_too_many_steps_lines"] = lines
    result["close_fit_too_many_steps_loss"] = history.history["loss"]
    model = get_model()
    lines, _, history, _ = shown(
        lambda: model.fit(
            x,
            y,
            batch_size=16,
            epochs=4,
            initial_epoch=2,
            validation_data=(x_val, y_val),
            shuffle=False,
            verbose=2,
        )
    )
    result["same_fit_initial_epoch_lines"] = lines
    result["same_fit_initial_epoch_epochs"] = history.epoch

    # 5. Several metrics, whose values print in different formats.
    multi = make_model(["accuracy", tiny, big, zero, negative, undefined])
    model = multi
    model.set_weights(weights)
    lines, _, history, _ = shown(
        lambda: model.fit(
            x,
            y,
            batch_size=16,
            epochs=2,
            validation_data=(x_val, y_val),
            shuffle=False,
            verbose=1,
        )
    )
    result["same_fit_metrics_verbose1_lines"] = lines
    result["same_fit_metrics_history_keys"] = list(history.history)
    model.set_weights(weights)
    lines, _, _, _ = shown(
        lambda: model.fit(
            x,
            y,
            batch_size=16,
            epochs=2,
            validation_data=(x_val, y_val),
            shuffle=False,
            verbose=2,
        )
    )
    result["same_fit_metrics_verbose2_lines"] = lines
    for verbose in (1, 2, "auto"):
        lines, _, scores, _ = shown(
            model.evaluate, x_val, y_val, batch_size=16, verbose=verbose
        )
        result[f"same_evaluate_metrics_verbose{verbose}_lines"] = lines
    result["close_evaluate_scores"] = [s for s in scores if np.isfinite(s)]

    # 6. evaluate and predict of the plain model.
    model = get_model()
    for verbose in (1, 2, "auto"):
        lines, _, scores, _ = shown(
            model.evaluate, x_val, y_val, batch_size=16, verbose=verbose
        )
        result[f"same_evaluate_verbose{verbose}_lines"] = lines
    result["close_evaluate_plain"] = scores
    lines, _, logs, _ = shown(
        lambda: model.evaluate(x_val, y_val, batch_size=16, return_dict=True)
    )
    result["same_evaluate_return_dict_lines"] = lines
    result["same_evaluate_return_dict_keys"] = list(logs)
    for verbose in (1, 2, "auto"):
        lines, _, preds, _ = shown(model.predict, x_val, batch_size=16, verbose=verbose)
        result[f"same_predict_verbose{verbose}_lines"] = lines
    result["close_predict"] = preds

    # 7. A callback that stops training; a callback that prints at epoch end.
    class StopAfterTwo(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    class PrintLoss(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            print(f"epoch {epoch} ended, loss {logs['loss']:.4f}")

    model = get_model()
    lines, _, history, _ = shown(
        lambda: model.fit(
            x,
            y,
            batch_size=16,
            epochs=5,
            shuffle=False,
            verbose=2,
            callbacks=[StopAfterTwo(), PrintLoss()],
        )
    )
    result["same_fit_stop_training_lines"] = lines
    result["same_fit_stop_training_epochs"] = len(history.history["loss"])

    # One step per epoch from here: what the bar shows before a callback's message
    # at the epoch's end does not depend on timing then.
    x1, y1, val1 = x[:16], y[:16], (x_val[:16], y_val[:16])

    # 8. EarlyStopping: min_delta too large to ever improve.
    model = get_model()
    stopper = keras.callbacks.EarlyStopping(
        monitor="val_loss",
        min_delta=10.0,
        patience=1,
        restore_best_weights=True,
        verbose=1,
    )
    lines, _, history, _ = shown(
        lambda: model.fit(
            x1,
            y1,
            batch_size=16,
            epochs=5,
            validation_data=val1,
            shuffle=False,
            verbose=1,
            callbacks=[stopper],
        )
    )
    result["same_early_stopping_lines"] = lines
    result["same_early_stopping_epochs"] = len(history.history["loss"])

    # 9. ReduceLROnPlateau.
    model = get_model()
    lines, _, history, _ = shown(
        lambda: model.fit(
            x1,
            y1,
            batch_size=16,
            epochs=3,
            shuffle=False,
            verbose=1,
            callbacks=[
                keras.callbacks.ReduceLROnPlateau(
                    monitor="loss", factor=0.5, patience=0, min_delta=10.0, verbose=1
                )
            ],
        )
    )
    result["same_reduce_lr_lines"] = lines
    result["close_reduce_lr_learning_rate"] = history.history["learning_rate"]

    # 10. ModelCheckpoint keeping the best model only.
    model = get_model(learning_rate=2.0)
    lines, _, history, _ = shown(
        lambda: model.fit(
            x1,
            y1,
            batch_size=16,
            epochs=4,
            validation_data=val1,
            shuffle=False,
            verbose=1,
            callbacks=[
                keras.callbacks.ModelCheckpoint(
                    os.path.join(workdir, "best.keras"),
                    monitor="val_loss",
                    save_best_only=True,
                    verbose=1,
                )
            ],
        )
    )
    result["same_checkpoint_lines"] = lines
    result["close_checkpoint_val_loss"] = history.history["val_loss"]

    # 11. LearningRateScheduler: halve the rate after the first epoch.
    def schedule(epoch, lr):
        return lr if epoch < 1 else lr * 0.5

    model = get_model()
    lines, _, history, _ = shown(
        lambda: model.fit(
            x1,
            y1,
            batch_size=16,
            epochs=3,
            shuffle=False,
            verbose=1,
            callbacks=[keras.callbacks.LearningRateScheduler(schedule, verbose=1)],
        )
    )
    result["same_lr_scheduler_lines"] = lines
    result["same_lr_scheduler_history_keys"] = list(history.history)
    model = get_model()
    lines, _, history, _ = shown(
        lambda: model.fit(
            x,
            y,
            batch_size=16,
            epochs=2,
            shuffle=False,
            verbose=2,
            callbacks=[keras.callbacks.LearningRateScheduler(schedule, verbose=1)],
        )
    )
    result["same_lr_scheduler_verbose2_lines"] = lines

    # 12. TerminateOnNaN: a label is NaN, so the first batch's loss is.
    y_nan = y.copy()
    y_nan[3] = np.nan
    model = get_model()
    lines, _, history, _ = shown(
        lambda: model.fit(
            x,
            y_nan,
            batch_size=16,
            epochs=3,
            shuffle=False,
            verbose=1,
            callbacks=[keras.callbacks.TerminateOnNaN()],
        )
    )
    result["same_terminate_on_nan_lines"] = lines
    result["same_terminate_on_nan_epochs"] = len(history.history["loss"])

    # 13. BackupAndRestore: training interrupted in epoch 3, then resumed.
    class Interrupt(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise RuntimeError("Interrupting!")

    backup_dir = os.path.join(workdir, "backup")
    model = make_model()
    model.set_weights(weights)

    def interrupted():
        try:
            model.fit(
                x,
                y,
                batch_size=16,
                epochs=4,
                shuffle=False,
                verbose=2,
                callbacks=[
                    keras.callbacks.BackupAndRestore(backup_dir=backup_dir),
                    Interrupt(),
                ],
            )
        except RuntimeError as error:
            print(f"Training interrupted: {error}")

    lines, _, _, _ = shown(interrupted)
    result["same_backup_interrupted_lines"] = lines
    model = make_model()  # as a restarted program would
    lines, _, history, _ = shown(
        lambda: model.fit(
            x,
            y,
            batch_size=16,
            epochs=4,
            shuffle=False,
            verbose=2,
            callbacks=[keras.callbacks.BackupAndRestore(backup_dir=backup_dir)],
        )
    )
    result["same_backup_resumed_lines"] = lines
    result["same_backup_resumed_history_len"] = len(history.history["loss"])

    # 14. CSVLogger's file.
    csv_path = os.path.join(workdir, "training.log")
    model = get_model()
    lines, _, history, _ = shown(
        lambda: model.fit(
            x,
            y,
            batch_size=16,
            epochs=3,
            validation_data=(x_val, y_val),
            shuffle=False,
            verbose=0,
            callbacks=[keras.callbacks.CSVLogger(csv_path)],
        )
    )
    result["same_csv_logger_printed"] = lines
    with open(csv_path) as f:
        rows = f.read().splitlines()
    result["same_csv_header"] = rows[0]
    result["same_csv_rows"] = len(rows)
    result["same_csv_epochs"] = [row.split(",")[0] for row in rows[1:]]
    result["close_csv_values"] = [
        [float(v) for v in row.split(",")[1:]] for row in rows[1:]
    ]

    # 15. keras.utils.Progbar used directly, in a custom loop.
    def progbar_loop():
        bar = keras.utils.Progbar(
            target=5, width=10, interval=0.0, stateful_metrics=["acc"]
        )
        for step in range(1, 6):
            bar.update(step, values=[("loss", 1.0 / step), ("acc", 0.1 * step)])

    lines, frames, _, _ = shown(progbar_loop)
    result["same_progbar_update_lines"] = lines
    result["same_progbar_update_frames"] = frames

    def progbar_add():
        bar = keras.utils.Progbar(target=128, unit_name="sample", interval=0.0)
        for _ in range(4):
            bar.add(32, values=[("loss", 0.25), ("tiny", 1e-5)])

    lines, frames, _, _ = shown(progbar_add)
    result["same_progbar_add_lines"] = lines
    result["same_progbar_add_frames"] = frames

    def progbar_interval():
        bar = keras.utils.Progbar(target=12, interval=100.0)
        for step in range(1, 13):
            bar.update(step, values=[("loss", 1.0)])

    lines, frames, _, _ = shown(progbar_interval)
    result["same_progbar_interval_frames"] = frames

    def progbar_verbose2():
        bar = keras.utils.Progbar(target=3, verbose=2)
        for step in range(1, 4):
            bar.update(step, values=[("loss", 2.0), ("neg", -0.5)])

    lines, frames, _, _ = shown(progbar_verbose2)
    result["same_progbar_verbose2_lines"] = lines

    def progbar_unknown():
        bar = keras.utils.Progbar(target=None, interval=0.0)
        for step in range(1, 4):
            bar.update(step, values=[("loss", 0.5)])
        bar.update(3, values=[("loss", 0.5)], finalize=True)

    lines, frames, _, _ = shown(progbar_unknown)
    result["same_progbar_unknown_lines"] = lines
    result["same_progbar_unknown_frames"] = frames

    # 16. The first frame of a fit epoch (always drawn: the first batch) and
    # the last; 16 steps, so the step counter has two digits.
    model = get_model()
    _, frames, _, _ = shown(
        lambda: model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=1)
    )
    frames = [f for f in frames if re.match(r"\s*\d+/\d+ ", f)]
    result["same_fit_frames_first_last"] = frames[:1] + frames[-1:]

    # Interactive logging off: progress goes to Python's logging, not stdout.
    keras.config.disable_interactive_logging()
    try:
        model = get_model()
        lines, _, _, _ = shown(
            lambda: model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=1)
        )
    finally:
        keras.config.enable_interactive_logging()
    # (Keras's batch-level updates run in a callback thread, where the setting,
    # kept per thread, is still on: compare the epoch lines only.)
    result["same_fit_logging_disabled_epoch_lines"] = [
        line for line in lines if line.startswith("Epoch")
    ]

    # 17. model.summary() printed to stdout.
    model = get_model()
    lines, _, _, _ = shown(model.summary)
    result["same_summary_lines"] = lines

    # Warnings a user sees (DeprecationWarnings are hidden by default).
    shown_warnings = sorted(
        set(w for w in all_warnings if not w.startswith("DeprecationWarning"))
    )
    # The out-of-data warning is worded differently (kerasish says how many
    # batches the arrays hold): reported only.
    result["same_warnings"] = [w for w in shown_warnings if "ran out of data" not in w]
    result["data_warnings"] = [w for w in shown_warnings if "ran out of data" in w]
    return result

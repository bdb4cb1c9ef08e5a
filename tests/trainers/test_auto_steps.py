"""`steps_per_execution="auto"` (the default): fused chunks chosen from the step
time, with the same results as running every step alone."""

import numpy as np
import pytest

import kerasish
from kerasish import layers
from kerasish.callbacks import Callback, ProgbarLogger
from kerasish.trainers import step_compiler
from kerasish.trainers.step_compiler import choose_steps

RNG = np.random.default_rng(0)
X = RNG.normal(size=(200, 5)).astype("float32")
Y = (X @ RNG.normal(size=(5, 1))).astype("float32")


def _model(spe):
    kerasish.utils.set_random_seed(0)
    model = kerasish.Sequential(
        [kerasish.Input((5,)), layers.Dense(8, activation="relu"), layers.Dense(1)]
    )
    model.compile("adam", "mse", metrics=["mae"], steps_per_execution=spe)
    return model


def _progbar_batches(monkeypatch):
    """The batch indices the progress bar is given, from now on."""
    shown = []
    original = ProgbarLogger.on_train_batch_end

    def record(self, batch, logs=None):
        shown.append(batch)
        return original(self, batch, logs)

    monkeypatch.setattr(ProgbarLogger, "on_train_batch_end", record)
    return shown


def _fused_lengths(model, kind):
    """The step counts of the compiled programs of `kind`; "counted" for the one
    that takes its count as an argument."""
    lengths = {key[1][0] for key in model._step_compiler.cache if key[0] == kind}
    return sorted(lengths, key=str)


def _static_chunks(model):
    """Sends `model`'s training down the path of a step with convolutions: a
    single-step program, and fused chunks of fixed lengths compiled apart."""
    model._step_compiler.may_loop["train"] = False
    return model


@pytest.fixture
def long_chunks(monkeypatch):
    # Any step is "fast": the chunk length is then bounded by the epoch only, so
    # the test does not depend on this machine's speed.
    monkeypatch.setattr(step_compiler, "_CHUNK_SECONDS", 1.0)
    # Compile fused chunks when first needed, not in the background: the layout
    # of each epoch is then the same on every machine.
    monkeypatch.setattr(step_compiler, "_BACKGROUND", False)
    # Every fit is long enough to pay a chunk's compile back.
    monkeypatch.setattr(step_compiler, "_PAYBACK", 0.0)


def test_auto_is_the_default_and_equals_one_step_at_a_time(long_chunks, monkeypatch):
    results = {}
    for spe in ("auto", "static", "background", 1):
        monkeypatch.setattr(step_compiler, "_BACKGROUND", spe == "background")
        model = _model(spe if spe in ("auto", 1) else "auto")
        if spe in ("static", "background"):
            _static_chunks(model)
        history = model.fit(X, Y, batch_size=8, epochs=2, verbose=0)
        results[spe] = (
            model.get_weights(),
            history.history,
            model.evaluate(X, Y, batch_size=8, verbose=0),  # merged batches
            model,
        )
    # Background: the chunk of 25 was started in epoch 1, while steps ran alone;
    # once compiled, a later epoch runs it.
    compiler = results["background"][3]._step_compiler
    assert ("train", (25, 8, "device, no padding", 1, "donated")) in compiler.layouts
    for future in compiler.pending.values():
        future.result()
    results["background"][3].fit(X, Y, batch_size=8, epochs=1, verbose=0)
    assert 25 in _fused_lengths(results["background"][3], "train")
    # Static: 25 steps; epoch 1 runs them alone (6 timed, then the 19 left are
    # fewer than the chosen 25); epoch 2 runs as one chunk of 25.
    assert _fused_lengths(results["static"][3], "train") == [1, 25]
    # Auto: one program runs the 6 timed steps, then 19, then 25.
    assert _fused_lengths(results["auto"][3], "train") == ["counted"]
    assert results["auto"][3]._step_compiler.may_loop == {"train": True}
    assert _fused_lengths(results[1][3], "train") == [1]
    for spe in ("auto", "static", "background"):
        for a, b in zip(results[spe][0], results[1][0]):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        for key in ("loss", "mae"):
            np.testing.assert_allclose(
                results[spe][1][key], results[1][1][key], rtol=1e-5
            )
        np.testing.assert_allclose(results[spe][2], results[1][2], rtol=1e-5)


def test_a_chunk_is_compiled_once_the_steps_run_alone_pay_it_back(monkeypatch):
    monkeypatch.setattr(step_compiler, "_CHUNK_SECONDS", 1.0)
    monkeypatch.setattr(step_compiler, "_BACKGROUND", False)
    auto, one = _static_chunks(_model("auto")), _model(1)
    compiler = auto._step_compiler
    key = ("train", 8, "device")
    # Known figures instead of this machine's: a step takes 1 ms alone and the
    # single step compiled in 0.1 s, so a chunk pays back after 200 steps.
    compiler.step_times[key] = [1.0] + [1e-3] * 5
    compiler.compile_seconds["train"] = 0.1
    for epochs, fused in ((2, [1]), (2, [1]), (4, [1, 25])):
        for model in (auto, one):  # in order: the same data each step
            model.fit(X, Y, batch_size=8, epochs=epochs, verbose=0, shuffle=False)
        # 50 steps, then 100 (both short), then 100 + 100 ahead: fused from the
        # first step of that fit.
        assert _fused_lengths(auto, "train") == fused
    assert compiler.alone[key] == 100
    for a, b in zip(auto.get_weights(), one.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_steps_that_run_alone_run_in_blocks_with_the_same_results(monkeypatch):
    """Where a chunk does not pay back its compile, the single steps run as
    blocks of calls with nothing between them: the progress bar moves per
    block, and every step is still one call of the single-step program."""
    monkeypatch.setattr(step_compiler, "_CHUNK_SECONDS", 1.0)
    monkeypatch.setattr(step_compiler, "_PAYBACK", 1e9)  # never compile a chunk
    shown = _progbar_batches(monkeypatch)
    auto, one = _static_chunks(_model("auto")), _model(1)
    for model in (auto, one):
        model.fit(X, Y, batch_size=8, epochs=2, verbose=1, shuffle=False)
    # Epoch 1: six steps timed one by one, then a block of the 19 left; epoch 2:
    # one block of 25. The per-step model shows every step.
    assert shown[:8] == [0, 1, 2, 3, 4, 5, 24, 24]
    assert shown[8:] == list(range(25)) * 2
    assert _fused_lengths(auto, "train") == [1]
    for a, b in zip(auto.get_weights(), one.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_a_background_chunk_is_picked_up_not_compiled_again(long_chunks, monkeypatch):
    monkeypatch.setattr(step_compiler, "_BACKGROUND", True)
    model = _static_chunks(_model("auto"))
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    compiler = model._step_compiler
    (future,) = compiler.pending.values()
    compiled = future.result()
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    assert not compiler.pending
    layout = ("train", (25, 8, "device, no padding", 1, "donated"))
    assert compiler.layouts[layout] is compiled


def test_default_compile_is_auto():
    model = kerasish.Sequential([kerasish.Input((5,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    assert model.steps_per_execution == "auto"


def test_a_batch_callback_sees_every_batch_and_the_progbar_every_chunk(
    long_chunks, monkeypatch
):
    class Batches(Callback):
        def __init__(self):
            super().__init__()
            self.seen = []

        def on_train_batch_end(self, batch, logs=None):
            self.seen.append(batch)

    for static in (False, True):
        model = _model("auto")
        if static:
            _static_chunks(model)
        batches = Batches()
        model.fit(X, Y, batch_size=8, epochs=1, verbose=0, callbacks=[batches])
        assert batches.seen == list(range(25))
        assert _fused_lengths(model, "train") == [1 if static else "counted"]

    shown = _progbar_batches(monkeypatch)
    model = _static_chunks(_model("auto"))
    model.fit(X, Y, batch_size=8, epochs=2, verbose=1)
    # Epoch 1: every step alone (timed, then too few left for a chunk); epoch 2:
    # one chunk, one update.
    assert shown == list(range(25)) + [24]
    del shown[:]
    _model("auto").fit(X, Y, batch_size=8, epochs=2, verbose=1)
    # Counted: 6 steps timed, then the 19 left as one call; then 25.
    assert shown == [0, 1, 2, 3, 4, 5, 24, 24]


def test_choose_steps_targets_a_few_milliseconds():
    assert choose_steps(50e-6, 1000) == 100  # 5 ms / 50 us
    assert choose_steps(1e-6, 1000) == 128  # capped
    assert choose_steps(1e-6, 40) == 40  # never longer than the epoch
    assert choose_steps(2e-3, 1000) == 1  # 2 steps per 5 ms: not worth fusing
    assert choose_steps(1e-4, 1000, unrolled=True) == 8  # unrolled copies: short
    assert choose_steps(1e-4, 3) == 1


@pytest.mark.parametrize("value", [0, -2, "fast", 1.5, True])
def test_bad_steps_per_execution(value):
    model = kerasish.Sequential([kerasish.Input((5,)), layers.Dense(1)])
    with pytest.raises(
        ValueError, match=r"`steps_per_execution` must be a positive integer or 'auto'"
    ):
        model.compile("sgd", "mse", steps_per_execution=value)


def test_saved_files_hold_keras_values(tmp_path):
    import json
    import zipfile

    for spe, written, loaded in (("auto", 1, "auto"), (4, 4, 4)):
        model = kerasish.Sequential([kerasish.Input((5,)), layers.Dense(1)])
        model.compile("sgd", "mse", steps_per_execution=spe)
        path = tmp_path / f"m{spe}.keras"
        model.save(path)
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
        # Keras reads an int (its default is 1); kerasish reads 1 back as "auto".
        assert config["compile_config"]["steps_per_execution"] == written
        restored = kerasish.models.load_model(path)
        assert restored.steps_per_execution == loaded


@pytest.mark.parametrize(
    "rows, call_rows",
    [(16000, 8000), (16001, 8032), (3000, 3008)],  # 500, 501 and 94 batches of 32
)
def test_evaluate_merges_batches_into_even_calls(rows, call_rows):
    """About 8192 rows per call, as few calls as that needs, each as even as the
    batch size allows: the results are the batch-by-batch ones."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(rows, 5)).astype("float32")
    y = rng.normal(size=(rows, 1)).astype("float32")
    model = _model("auto")
    loss, mae = model.evaluate(x, y, batch_size=32, verbose=0)
    assert [key[1][1] for key in model._step_compiler.cache] == [call_rows]
    kernel, bias, kernel2, bias2 = model.get_weights()
    pred = np.maximum(x @ kernel + bias, 0) @ kernel2 + bias2
    np.testing.assert_allclose(loss, np.mean((pred - y) ** 2), rtol=1e-5)
    np.testing.assert_allclose(mae, np.mean(np.abs(pred - y)), rtol=1e-5)


def test_evaluation_streams_its_rows(monkeypatch):
    """Evaluation reads each row once, so the rows go to the compiled calls as
    host slices, with no `device_put` of the whole data first (about 100 us of
    Python each on jax 0.10), as do one-batch evaluations and `train_on_batch`."""
    import jax

    rows = 16001  # 501 batches of 32: the second merged call is padded
    rng = np.random.default_rng(2)
    x = rng.normal(size=(rows, 5)).astype("float32")
    y = rng.normal(size=(rows, 1)).astype("float32")
    model = _model("auto")
    model.evaluate(x, y, verbose=0)  # compiles
    model.evaluate(x[:8], y[:8], verbose=0)
    model.train_on_batch(x[:8], y[:8])  # the optimizer's state is placed here
    placed = []
    real_put = jax.device_put
    monkeypatch.setattr(
        jax, "device_put", lambda *a, **k: placed.append(a) or real_put(*a, **k)
    )
    loss, mae = model.evaluate(x, y, verbose=0)
    one_batch, _ = model.evaluate(x[:8], y[:8], verbose=0)
    assert placed == []
    kernel, bias, kernel2, bias2 = model.get_weights()
    pred = np.maximum(x @ kernel + bias, 0) @ kernel2 + bias2
    np.testing.assert_allclose(loss, np.mean((pred - y) ** 2), rtol=1e-5)
    np.testing.assert_allclose(mae, np.mean(np.abs(pred - y)), rtol=1e-5)
    np.testing.assert_allclose(one_batch, np.mean((pred[:8] - y[:8]) ** 2), rtol=1e-5)
    model.train_on_batch(x[:8], y[:8])
    assert placed == []


def test_streamed_rows_in_order_are_slices_padded_with_row_0():
    """In the data's own order a host chunk is a view of the arrays; past the
    end it repeats row 0 (a real row, so no NaN or inf to mask) with mask 0."""
    from kerasish.trainers import data_adapters, streaming

    x = np.arange(10, dtype="float32")[:, None] + 1
    data = data_adapters.make_data(x, x * 2, None, batch_size=4, shuffle=False)
    data.y = [data.y]  # as the trainer keeps it: one array per output
    indices, mask = data.epoch_indices()
    cx, cy, _, cm = streaming.host_chunk(data, None, mask, 4, 2, 4, lambda a: a)
    np.testing.assert_array_equal(cx[:, :, 0], [[5, 6, 7, 8], [9, 10, 1, 1]])
    np.testing.assert_array_equal(cy[0][:, :, 0], [[10, 12, 14, 16], [18, 20, 2, 2]])
    np.testing.assert_array_equal(cm, [[1, 1, 1, 1], [1, 1, 0, 0]])
    whole, _, _, _ = streaming.host_chunk(data, None, mask, 0, 2, 4, lambda a: a)
    assert np.shares_memory(whole, x)  # no padding: a slice, not a copy


def test_unshuffled_order_is_made_once_and_read_only(monkeypatch):
    """Every evaluation asks for the unshuffled order: it is shared between
    calls (read-only, so no caller can change it for the next), padded with row 0
    and masked; above the sharing limit it is made afresh."""
    from kerasish.trainers import data_adapters

    x = np.zeros((10, 1), "float32")
    first = data_adapters.make_data(x, x, None, batch_size=4, shuffle=False)
    second = data_adapters.make_data(x + 1, x, None, batch_size=4, shuffle=False)
    indices, mask = first.epoch_indices()
    np.testing.assert_array_equal(indices, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 0])
    np.testing.assert_array_equal(mask, [1] * 10 + [0, 0])
    again = second.epoch_indices()
    assert again[0] is indices and again[1] is mask
    with pytest.raises(ValueError, match="read-only"):
        mask[0] = 5.0
    monkeypatch.setattr(data_adapters, "_SHARED_ORDER_ROWS", 8)
    fresh, fresh_mask = first.epoch_indices()
    assert fresh is not indices and fresh.flags.writeable
    np.testing.assert_array_equal(fresh, indices)
    np.testing.assert_array_equal(fresh_mask, mask)


@pytest.mark.parametrize("spe", [1, "auto"])
def test_steps_over_resident_arrays_send_nothing_from_the_host(spe):
    """Once compiled, an epoch over arrays on the device makes no implicit
    host-to-device transfer: each step slices its batch there and gets its row
    offset from the previous call. Shuffled, the weights match the same epochs
    run from host batches (data over the device budget streams)."""
    import jax

    from kerasish import config

    results = []
    for budget in (-1, 0):  # automatic (on the device), then 0 (streamed)
        config.set_device_data_budget(budget)
        try:
            model = _model(spe)
            model.fit(X, Y, batch_size=8, epochs=2, verbose=0)
            if budget == -1:
                with jax.transfer_guard_host_to_device("disallow"):
                    history = model.fit(X, Y, batch_size=8, epochs=2, verbose=0)
            else:
                history = model.fit(X, Y, batch_size=8, epochs=2, verbose=0)
        finally:
            config.set_device_data_budget(-1)
        results.append((model.get_weights(), history.history["loss"]))
    (resident, loss_resident), (streamed, loss_streamed) = results
    for a, b in zip(resident, streamed):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loss_resident, loss_streamed, rtol=1e-5)


def test_a_fused_chunk_reuses_the_single_steps_trace(long_chunks):
    """The model's Python runs once per step kind: the fused chunk calls the
    jitted single step, whose trace JAX keeps."""
    traces = []

    class Counting(kerasish.Sequential):
        def train_step(self, state, data):
            traces.append(1)
            return super().train_step(state, data)

    for static in (False, True):
        del traces[:]
        kerasish.utils.set_random_seed(0)
        model = Counting([kerasish.Input((5,)), layers.Dense(1)])
        model.compile("sgd", "mse")
        if static:
            _static_chunks(model)
        model.fit(X, Y, batch_size=8, epochs=2, verbose=0)
        programs = [1, 25] if static else ["counted"]
        assert _fused_lengths(model, "train") == programs
        assert len(traces) == 1


@pytest.mark.parametrize("gather_seconds, compiled_from", [(1e3, None), (1e-9, 2)])
def test_the_gather_compiles_once_host_ordering_would_cost_more(
    monkeypatch, gather_seconds, compiled_from
):
    """The epoch's row order: on the host, timed, until the device gather pays
    back its compile; then it compiles in the background (never in the first
    epoch, which has no host time yet) and runs on the device; the same rows
    either way."""
    from kerasish.engine import get_engine
    from kerasish.trainers import data_adapters, epoch_iterator

    monkeypatch.setattr(epoch_iterator, "_GATHER_SECONDS", gather_seconds)
    rng = np.random.default_rng(3)
    rows = 37 if compiled_from is None else 38  # shapes no other test uses
    x = rng.normal(size=(rows, 3)).astype("float32")
    y = rng.normal(size=(rows, 1)).astype("float32")
    data = data_adapters.make_data(x, [y], None, batch_size=8, shuffle=True)
    gather = epoch_iterator._gather_rows(get_engine())
    for epoch in range(4):
        indices, _ = data.epoch_indices(shuffle=True)
        device = data.place()
        placed = epoch_iterator.distributed.place_resident(indices)
        key = gather._key(device, placed)
        compiled = compiled_from is not None and epoch >= compiled_from
        assert (key in gather.programs) is compiled
        assert gather.ready(device, placed) is compiled
        assert (key in gather.host_seconds) is (epoch >= 1)  # timed on the host
        ordered = epoch_iterator.order_rows(data, indices, True, None, 3)
        np.testing.assert_array_equal(np.asarray(ordered[0]), x[indices])
        np.testing.assert_array_equal(np.asarray(ordered[1][0]), y[indices])
        assert len(indices) == 40  # padded to 5 batches of 8
        if compiled_from is not None and epoch == 1:
            gather(device, placed)  # waits for the background compile


@pytest.mark.parametrize("epochs_ahead, compiles", [(18, False), (20, True)])
def test_the_gather_pays_back_over_the_epochs_ahead(epochs_ahead, compiles):
    """10 ms of host ordering per epoch, over this epoch and those ahead,
    against twice a 0.1 s compile: 19 epochs do not reach it, 21 do."""
    from kerasish.engine import get_engine
    from kerasish.trainers import epoch_iterator

    gather = epoch_iterator._Gather(get_engine())
    arrays = (np.zeros((6, 2), "float32"),)
    idx = np.arange(6)
    gather.host_seconds[gather._key(arrays, idx)] = 0.01
    assert epoch_iterator._GATHER_SECONDS == 0.1
    gather.start(arrays, idx, epochs_ahead)
    assert (gather._key(arrays, idx) in gather.programs) is compiles


def test_one_counted_program_runs_every_chunk_length(monkeypatch):
    """Known figures instead of this machine's: a step takes 1 ms alone and a
    chunk should take 7 ms, so 23 steps run as 7 + 7 + 7 + 2 from the first
    step, all in the one program, with the weights and losses of steps run one
    at a time."""
    monkeypatch.setattr(step_compiler, "_CHUNK_SECONDS", 0.007)
    shown = _progbar_batches(monkeypatch)
    auto, one = _model("auto"), _model(1)
    auto._step_compiler.step_times[("train", 9, "device")] = [1.0] + [1e-3] * 5
    histories = [
        model.fit(X, Y, batch_size=9, epochs=2, verbose=1, shuffle=False)
        for model in (auto, one)
    ]
    assert shown[:8] == [6, 13, 20, 22] * 2  # 200 rows: 23 batches of 9
    assert _fused_lengths(auto, "train") == ["counted"]
    for a, b in zip(auto.get_weights(), one.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for key in ("loss", "mae"):
        np.testing.assert_allclose(
            histories[0].history[key], histories[1].history[key], rtol=1e-5
        )


def test_a_step_with_convolutions_is_not_run_in_the_counted_loop():
    """XLA:CPU runs a convolution inside a loop about 5x slower than alone, so
    such a step compiles as a single step (and fixed chunks), with the results
    of steps run one at a time."""
    x = RNG.normal(size=(40, 6, 2)).astype("float32")
    y = RNG.normal(size=(40, 1)).astype("float32")
    results = []
    for spe in ("auto", 1):
        kerasish.utils.set_random_seed(0)
        model = kerasish.Sequential(
            [
                kerasish.Input((6, 2)),
                layers.Conv1D(3, 3, activation="relu"),
                layers.Flatten(),
                layers.Dense(1),
            ]
        )
        model.compile("adam", "mse", steps_per_execution=spe)
        history = model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
        results.append((model, history.history["loss"]))
    (auto, auto_loss), (one, one_loss) = results
    assert auto._step_compiler.may_loop == {"train": False}
    assert _fused_lengths(auto, "train") == [1]
    np.testing.assert_allclose(auto_loss, one_loss, rtol=1e-5)
    for a, b in zip(auto.get_weights(), one.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_a_keras_style_step_returns_its_last_logs_from_the_counted_loop(long_chunks):
    """A Keras-style `train_step` returns its own logs: the counted loop carries
    them and an epoch's logs are its last step's, as when steps run alone."""
    from kerasish import ops

    class Custom(kerasish.Sequential):
        def train_step(self, state, data):
            x, y = data
            return {"y_sum": ops.sum(y), "x_max": ops.max(x)}, state

    histories = []
    for spe in ("auto", 1):
        kerasish.utils.set_random_seed(0)
        model = Custom([kerasish.Input((5,)), layers.Dense(1)])
        model.compile("sgd", "mse", steps_per_execution=spe)
        history = model.fit(X, Y, batch_size=8, epochs=2, verbose=0, shuffle=False)
        histories.append(history.history)
        assert _fused_lengths(model, "train") == ["counted" if spe == "auto" else 1]
    last = slice(192, 200)  # the 25th batch of 8
    for history in histories:
        np.testing.assert_allclose(history["y_sum"], [Y[last].sum()] * 2, rtol=1e-6)
        np.testing.assert_allclose(history["x_max"], [X[last].max()] * 2, rtol=1e-6)


def test_an_epoch_without_padding_sends_no_mask_and_steps_still_read_one(recwarn):
    """When the batches divide the rows, no mask is sent: the steps see a mask
    of ones made in the program, which XLA folds away. A kerasish-style step
    still reads `data.mask`, and the padded data set's program is one of its
    own (no recompile warning between the two)."""
    from kerasish import ops

    class MaskRows(kerasish.Sequential):
        def train_step(self, state, data):
            trackers, compiled = state.metrics
            trackers = tuple(
                m.update(s, ops.sum(data.mask))
                for (_, m), s in zip(self._loss_trackers, trackers)
            )
            return state._replace(metrics=(trackers, compiled))

    model = MaskRows([kerasish.Input((5,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    exact = model.fit(X, Y, batch_size=8, epochs=1, verbose=0).history["loss"]
    padded = model.fit(X, Y, batch_size=9, epochs=1, verbose=0).history["loss"]
    np.testing.assert_allclose(exact, [8.0])  # 25 batches of 8 real rows
    np.testing.assert_allclose(padded, [(22 * 9 + 2) / 23])  # the last has 2
    placements = {key[1][2] for key in model._step_compiler.cache}
    assert placements == {"device", "device, no padding"}
    assert not [w for w in recwarn if "recompiling" in str(w.message)]

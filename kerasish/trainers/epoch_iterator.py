"""One epoch iterator for fit, evaluate and predict, over every kind of data.

An epoch is a sequence of chunks: each chunk is one call of a compiled function
running one or more steps. The producers below cut the data into chunks (arrays
placed on the device, arrays streamed from the host, iterables of batches); the
single loop in `run_chunks` compiles, calls, and dispatches the callbacks, so the
batch hooks, the progress bar and `stop_training` are handled in one place.
"""

import contextlib
import functools
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from kerasish.common import io_utils, tree
from kerasish.engine import get_engine
from kerasish.losses.loss import batch_means
from kerasish.trainers import distributed, step_compiler, streaming
from kerasish.trainers import memory_report as memory
from kerasish.trainers.exact_batches import has_stateful_layers, user_code_sees_rows
from kerasish.trainers.logs import LazyLogs, progbar_of
from kerasish.trainers.steps import Batch, flat_targets, flat_weights


class Chunk(NamedTuple):
    """One compiled call of an epoch."""

    first: int  # the index of the chunk's first step (batch)
    count: int  # how many steps it runs
    key: Any  # the compiled function within this epoch; None: look up by signature
    compile: Callable  # state -> (compiled function, seconds spent compiling)
    args: tuple  # the call's arguments after the state
    rows_kept: int | None = None  # predict: rows of the outputs to keep
    rows_seen: int | None = None  # predict: rows a batch callback sees
    measure: Any = None  # a key: time this call, for `steps_per_execution="auto"`
    prefetch: Any = None  # state -> None: start compiling a later chunk's layout
    cursor: Any = None  # a one-item list: the device row offset the call takes
    # last and returns advanced (arrays on the device); None: no offset
    repeat: int = 1  # calls of a one-step function in a row (`count` steps)


def run_chunks(model, chunks, state, callbacks, kind):
    """Runs an epoch's chunks; the one place batch callbacks are dispatched.

    Returns `(state, logs)` for `"train"`/`"test"` (device logs of the last
    chunk) and `(state, list of output chunks)` for `"predict"`.
    """
    train = kind == "train"
    begin_hook = f"on_{kind}_batch_begin"
    end_hook = f"on_{kind}_batch_end"
    begin = getattr(callbacks, begin_hook) if callbacks.wants(begin_hook) else None
    # The progress bar alone is fed per chunk through a bridge that reads the
    # logs only when it prints: no state written back, no host sync per step.
    wants_end = (
        callbacks.wants(end_hook)
        if kind == "predict"
        else wants_batches(callbacks, kind)
    )
    end = getattr(callbacks, end_hook) if wants_end else None
    progbar = progbar_of(callbacks) if kind != "predict" else None
    functions = {}  # one lookup per chunk layout, not per step
    logs, outputs = None, []
    chunks = iter(chunks)
    waited = 0.0  # host time spent producing input chunks
    # In training, batch callbacks see the state written to the variables and
    # may change it: the variables are walked once per pass, not twice a step.
    walked = model._walked_once() if train else contextlib.nullcontext()
    try:
        with walked:
            while True:
                started = time.perf_counter()
                chunk = next(chunks, None)
                waited += time.perf_counter() - started
                if chunk is None:
                    break
                state, logs = _run_chunk(
                    model, chunk, state, kind, functions, begin, end, progbar, outputs
                )
                if train and model.stop_training:
                    break
    except Exception as error:
        if memory.is_out_of_memory(error):
            raise memory.out_of_memory_error(
                error,
                getattr(model, "_memory_estimate", None),
                memory.device_memory_limit(),
            ) from error
        raise
    object.__setattr__(model, "_input_wait_seconds", waited)
    return state, (outputs if kind == "predict" else logs)


def _run_chunk(model, chunk, state, kind, functions, begin, end, progbar, outputs):
    """Compiles (once per layout) and runs one chunk; returns `(state, logs)`."""
    train = kind == "train"
    logs = None
    fn = None if chunk.key is None else functions.get(chunk.key)
    if fn is None:
        fn, seconds = chunk.compile(state)
        if chunk.key is not None:
            functions[chunk.key] = fn
        if seconds and progbar is not None:
            progbar.compiling(seconds)
        if train and (seconds or getattr(model, "_memory_line_pending", False)):
            _note_memory(model, state, chunk, fn)
    last = chunk.first + chunk.count - 1
    if begin is not None:
        begin(chunk.first)
    if chunk.prefetch is not None:
        chunk.prefetch(state)
    args = chunk.args if chunk.cursor is None else (*chunk.args, chunk.cursor[0])
    if chunk.measure:
        start = time.perf_counter()
        out = fn(state, *args)
        get_engine().block_until_ready(out)
        model._step_compiler.record_step_time(
            chunk.measure, time.perf_counter() - start
        )
    elif chunk.repeat > 1:
        out = _repeated(model, fn, state, chunk, train)
    else:
        out = fn(state, *args)
    if chunk.cursor is not None:
        *out, chunk.cursor[0] = out
    if kind == "predict":
        out, written = out
        state = step_compiler.with_written(state, written)  # carried on
        if chunk.rows_kept is not None:
            out = _first_rows(out, chunk.rows_kept)
        outputs.append(out)
        if end is not None:
            seen = out if chunk.rows_seen is None else _first_rows(out, chunk.rows_seen)
            end(last, {"outputs": seen})
        return state, None
    state, logs = step_compiler.kept_state(out[0], state), out[1]
    if train:
        # Not through Layer.__setattr__: tracking would walk the state pytree
        # on every step (measured: a third of the per-step time, tiny MLP).
        object.__setattr__(model, "_progress_state", state)
    if end is not None:
        if train:
            model._write_state(state)
        end(last, LazyLogs(logs))
        if train:
            state = state._replace(**reread(model))
    elif progbar is not None:
        progbar.on_batch(kind, last, logs)
    return state, logs


def _repeated(model, fn, state, chunk, train):
    """`chunk.repeat` calls of a one-step function over device-resident rows,
    each taking the state and row offset the last returned; returns the last
    call's outputs."""
    cursor = chunk.cursor
    for _ in range(chunk.repeat - 1):
        new, _, cursor[0] = fn(state, *chunk.args, cursor[0])
        state = step_compiler.kept_state(new, state)
        if train:  # for Ctrl-C: the state after the last completed step
            object.__setattr__(model, "_progress_state", state)
    return fn(state, *chunk.args, cursor[0])


def _note_memory(model, state, chunk, fn):
    """Keeps the memory estimate of a newly compiled train chunk; prints it once
    per fit when asked (`verbose >= 1`)."""
    est = memory.estimate(
        state, chunk.args, fn, _batch_rows(chunk), steps=max(1, chunk.count)
    )
    if est is None:
        return
    object.__setattr__(model, "_memory_estimate", est)
    if getattr(model, "_memory_line_pending", False):
        object.__setattr__(model, "_memory_line_pending", False)
        io_utils.print_msg(memory.format_estimate(est))


def _batch_rows(chunk):
    key = chunk.key
    if isinstance(key, tuple) and len(key) > 1 and isinstance(key[1], int):
        return key[1]  # arrays: (steps, rows)
    leaves = get_engine().tree_leaves(chunk.args)
    mask = leaves[-1] if leaves else None
    return int(np.shape(mask)[-1]) if mask is not None and np.ndim(mask) else 0


def donate_state(kind, per_batch, steps=None):
    """Whether the chunks of an epoch consume (donate) the state they are given:
    training without batch callbacks, where the trainer holds a private copy of
    the state (`private_state`). A batch callback reads the model's variables,
    which are then the state itself; evaluation passes the weights through; a
    one-step epoch (`train_on_batch`) would pay the copy for nothing."""
    return kind == "train" and not per_batch and (steps is None or steps > 1)


def private_state(state):
    """A copy of `state` on the device, for the donating steps to consume (the
    model's variables keep their buffers)."""
    return get_engine().copy_tree(state)


def wants_batches(callbacks, kind):
    """Whether a callback other than the plain progress bar implements a batch
    hook of `kind` (it then sees every batch, or every `steps_per_execution`)."""
    from kerasish.callbacks.callback import overrides
    from kerasish.callbacks.progbar_logger import ProgbarLogger

    hooks = (f"on_{kind}_batch_begin", f"on_{kind}_batch_end")
    return any(
        overrides(cb, hook)
        for cb in callbacks.callbacks
        if type(cb) is not ProgbarLogger
        for hook in hooks
    )


def _first_rows(out, rows):
    return get_engine().tree_map(lambda a: a[:rows], out)


def reread(model):
    """After callbacks ran mid-epoch, pick up what they may have changed."""
    trainable, non_trainable = model._variable_lists()
    return {
        "trainable": [v.value for v in trainable],
        "non_trainable": [v.value for v in non_trainable],
        "optimizer": model.optimizer.state,
    }


def order_rows(data, indices, shuffled, host_fn=None, epochs_ahead=0):
    """The data on the device in the epoch's order, padded to its index vector:
    one gather per array and epoch, after which every step slices its batch.
    Data already in that order (unshuffled, no padding) is returned as placed.

    Over host arrays, the rows are put in order on the host and placed whole
    (a copy of the data: about 1 ms per 2 MB on CPU), and that is timed. The
    device gather compiles in the background once the host ordering of this
    epoch and the `epochs_ahead` would cost `step_compiler._PAYBACK` times its
    compile (`_GATHER_SECONDS`): not in the first epoch, where it would take
    cores from the step's own compile, nor in a short fit of small data, where
    the compile would cost more than it saves.
    """
    device = data.place(host_fn)
    if not shuffled and len(indices) <= _rows_of(device):
        return device
    gather = _gather_rows(get_engine())
    placed = distributed.place_resident(indices)
    host = data.host_arrays()
    if host is not None and not gather.ready(device, placed):
        gather.start(device, placed, epochs_ahead)
        engine = get_engine()
        started = time.perf_counter()
        ordered = distributed.place_resident(
            engine.tree_map(lambda a: np.take(a, indices, axis=0), host)
        )
        gather.host_seconds[gather._key(device, placed)] = time.perf_counter() - started
        return ordered
    return gather(device, placed)


# The compile of a gather of rows at LLVM's lowest level (XLA:CPU, about; a
# background compile also slows the steps that run beside it by about as much).
_GATHER_SECONDS = 0.1


class _Gather:
    """The compiled gather of every array's rows, per argument signature,
    compiled in the background once it pays back (`start`)."""

    def __init__(self, engine):
        self.engine = engine
        self.programs = {}  # signature -> compiled, or a Future of it
        self.host_seconds = {}  # signature -> the last host ordering's seconds

    @staticmethod
    def _key(arrays, idx):
        args = (arrays, idx)
        return step_compiler.signature(args), distributed.cache_key(args)

    def _gather(self, arrays, idx):
        # Plain indexing: the indices are in range, and XLA:CPU compiles the
        # gather without `take`'s out-of-range fill in half the time.
        return self.engine.tree_map(lambda a: a[idx], arrays)

    def ready(self, arrays, idx):
        entry = self.programs.get(self._key(arrays, idx))
        return entry is not None and (not hasattr(entry, "done") or entry.done())

    def start(self, arrays, idx, epochs_ahead=0):
        """Starts the compile when the host ordering, timed in an earlier
        epoch, would cost more over this epoch and `epochs_ahead`."""
        key = self._key(arrays, idx)
        seconds = self.host_seconds.get(key)
        if key in self.programs or seconds is None:
            return
        if seconds * (1 + epochs_ahead) >= step_compiler._PAYBACK * _GATHER_SECONDS:
            self.programs[key] = self.engine.compile_async(
                self._gather, arrays, idx, one_shot=True
            )

    def __call__(self, arrays, idx):
        key = self._key(arrays, idx)
        entry = self.programs.get(key)
        if entry is None:
            entry = self.engine.compile(self._gather, arrays, idx, one_shot=True)
        elif hasattr(entry, "result"):
            entry = entry.result()
        self.programs[key] = entry
        return entry(arrays, idx)


@functools.cache
def _gather_rows(engine):
    """The one `_Gather` of an engine, shared by models."""
    return _Gather(engine)


def _rows_of(data):
    leaves = get_engine().tree_leaves(data)
    return int(np.shape(leaves[0])[0]) if leaves else 0


def array_chunks(model, data, kind, step, epoch, start_step, per_batch=False):
    """Chunks over array data: placed on the device once, put in the epoch's
    order there (`order_rows`) and sliced per step, or (over the device budget)
    streamed from the host chunk by chunk.

    With `steps_per_execution="auto"` (and no callback asking for every batch),
    the first steps of a kind run one by one and are timed; the chunk length is
    then chosen from that step time (`StepCompiler.auto_steps`), and the steps
    left over after the last whole chunk run one by one, with the function
    already compiled, rather than compiling a shorter chunk.
    """
    compiler = model._step_compiler
    n_exec = model.steps_per_execution
    merged = getattr(data, "merged", 0)
    if merged:
        step = batch_means(step, data.batch_size // merged)
    # Merged evaluation batches are large calls already: no fusing on top.
    auto = n_exec == "auto" and not merged
    n_exec = 1 if n_exec == "auto" else n_exec
    shuffled = kind == "train" and data.shuffle
    host_indices, host_mask = data.epoch_indices(shuffled)
    # Epochs that go on from each other take rows in another order than the
    # data's (`ArrayData.continues`): laid out as a shuffled epoch is.
    shuffled = shuffled or (kind == "train" and getattr(data, "continues", False))
    stream = streaming.should_stream(data)
    # Epochs after this one in `fit`.
    later = max(getattr(model, "_epochs_planned", 0) - epoch - 1, 0)
    if not stream:
        device = order_rows(data, host_indices, shuffled, model._run_host_layers, later)
        mask, start = data.resident_mask(host_mask, start_step * data.batch_size)
        if host_mask.all():
            # No padding: the steps see a constant mask, folded away by XLA
            # (an MLP's step compiles 7 fewer fusions); a program of its own.
            mask = None
        cursor = [start]
    bs = data.batch_size
    # Where user code could see padded rows, the short last batch runs at its true
    # size (one more compiled step) instead of padded. Its rows are counted by
    # the epoch's mask (an epoch going on from the last may end a pass).
    tail = int(np.sum(host_mask)) - (data.steps - 1) * bs
    exact_tail = 0 < tail < bs and user_code_sees_rows(model, kind)
    full_steps = data.steps - 1 if exact_tail else data.steps
    done = start_step
    compilers = {}  # one closure per chunk layout, not one per step
    placement = "stream" if stream else "device"
    auto_key = (kind, bs, placement)
    if not stream and mask is None:
        placement = "device, no padding"
    if merged:  # its losses' programs take batches of the user's size
        placement += f", merged batches of {data.batch_size // merged}"
    donate = donate_state(kind, per_batch, data.steps)
    background = step_compiler._BACKGROUND and not stream

    # Steps left in this call: the rest of this pass, and in `fit` the epochs after.
    def horizon(done):
        return data.steps - done + (later * data.steps if kind == "train" else 0)

    # Steps that run alone with nothing between them (no callback, no timing)
    # run as blocks of calls of about `_CHUNK_SECONDS`, the chunk loop's Python
    # paid once per block.
    block = 1
    # Training steps run in one program that takes the step count (`counted`).
    counted = auto and kind == "train" and not stream and not model.run_eagerly

    def counting():  # not once the step turned out to run convolutions
        return counted and compiler.loops(kind)

    def compile_counted(state):
        example = (state, device, mask, data.resident_count(1), np.int32(0))
        return compiler.get_counted(kind, step, bs, example, (bs, placement), donate)

    while done < data.steps:
        if counting() and done < full_steps:
            n, measure = 1, None
            if not per_batch:
                chosen = compiler.auto_steps(auto_key, full_steps, counted=True)
                if chosen is None:
                    measure = auto_key
                else:
                    n = min(chosen, full_steps - done)
            yield Chunk(
                done,
                n,
                ("counted", bs),
                compile_counted,
                (device, mask, data.resident_count(n)),
                measure=measure,
                cursor=cursor,
            )
            done += n
            continue
        measure = prefetch = None
        if auto and not per_batch and n_exec == 1 and not counting():
            chosen = compiler.auto_steps(auto_key, full_steps)
            layout = compiler.fused_layout(kind, (chosen, bs, placement), donate)
            if chosen is None:
                measure = auto_key
            elif chosen == 1 or compiler.layout_ready(*layout):
                n_exec = chosen
            elif compiler.layout_started(*layout):
                block = chosen  # compiling: blocks of steps until it is ready
            elif not compiler.pays_back(auto_key, horizon(done)):
                auto = False  # not worth a compile in this pass: steps run alone
                block = chosen
            elif not background:
                n_exec = chosen
            else:
                # Compile the chunk in the background; steps run alone meanwhile.
                def prefetch(state, chosen=chosen):
                    compiler.start_fused(
                        kind,
                        step,
                        chosen,
                        True,
                        bs,
                        (state, device, mask, np.int32(0)),
                        (chosen, bs, placement),
                        donate,
                    )

        repeat = 1
        if done < full_steps:
            n, rows = min(n_exec, full_steps - done), bs
            if auto and n < n_exec:
                n = 1  # the leftover steps: the compiled single step
            if n == 1 and not stream:
                repeat = min(block, full_steps - done)
            if n == 1:
                compiler.alone[auto_key] = compiler.alone.get(auto_key, 0) + repeat
        else:
            n, rows = 1, tail
            measure = None
        if stream:
            host = streaming.host_chunk(
                data,
                host_indices if shuffled else None,
                host_mask,
                done * bs,
                n,
                rows,
                model._run_host_layers,
            )
            args = (distributed.place_batches(Batch(*host), batch_axis=1),)
            example = args
        else:
            args = (device, mask)
            example = (*args, np.int32(0))  # shapes only: any offset serves
        compile_chunk = compilers.get((n, rows))
        if compile_chunk is None:

            def compile_chunk(state, n=n, rows=rows, example=example):
                return compiler.get_fused(
                    kind,
                    step,
                    n,
                    not stream,
                    rows,
                    (state, *example),
                    (n, rows, placement),
                    donate=donate,
                )

            compilers[(n, rows)] = compile_chunk
        yield Chunk(
            done,
            n * repeat,
            (n, rows),
            compile_chunk,
            args,
            measure=measure,
            prefetch=prefetch,
            cursor=None if stream else cursor,
            repeat=repeat,
        )
        done += n * repeat


def merged_test_data(model, data, kind, per_batch):
    """Array data for `evaluate` with batches merged into larger calls
    (`memory_report.merged_batches`), or None where merging could change a
    number.

    Evaluation's results are sums over samples when only built-in code sees the
    rows (`user_code_sees_rows`) and every loss averages over the batch (then
    each batch's mean, weighted by its size as the loss tracker does, sums to
    the mean over all samples): a larger batch gives the same numbers up to
    float rounding, with fewer, larger calls. Not with `steps=` (a prefix of the
    data) or when a callback asks for each batch. A loss that averages over
    masked entries (an output's `_keras_mask`, `ignore_class`) takes each
    batch's mean on its own inside the merged call (`losses.loss.batch_means`).
    """
    import copy

    if kind != "test" or per_batch:
        return None
    if model.steps_per_execution != "auto":
        return None
    bs = data.batch_size
    if data.steps < 2 or data.steps * bs < data.num_samples:
        return None
    if user_code_sees_rows(model, "test"):
        return None
    compile_loss = model._compile_loss
    if compile_loss is not None:
        for entry in compile_loss.losses:
            if entry is not None and getattr(entry[1], "reduction", None) not in (
                "sum_over_batch_size",
                "mean",
            ):
                return None
    first = model._run_host_layers(tree.map_structure(_first, data.x))
    merged = min(memory.merged_batches(model, first, bs), data.steps)
    if merged < 2:
        return None
    # As few calls as with `merged`, each as even as can be: 500 batches run as
    # 2 x 250, not 256 + 244 padded (no padded copy of the rows to make).
    merged = -(-data.steps // -(-data.steps // merged))
    view = copy.copy(data)
    view.batch_size = bs * merged
    view.steps = -(-data.num_samples // view.batch_size)
    view.merged = merged
    view.read_once = True
    return view


def rescaled(chunks, merged, steps):
    """Chunks of merged batches, counted in the user's batches (for callbacks
    and the progress bar)."""
    for chunk in chunks:
        first = chunk.first * merged
        count = min(chunk.count * merged, steps - first)
        yield chunk._replace(first=first, count=count)


def batch_chunks(model, data, kind, step, start_step, counter, per_batch=False):
    """Chunks over an iterable of batches: up to `steps_per_execution` batches of
    one shape stacked per call. `counter[0]` ends as the number of batches seen.

    `"auto"` runs one batch per call here: stacking batches from an iterable
    would hold several of them on the host before the first one runs.
    """
    engine = get_engine()
    compiler = model._step_compiler
    n_exec = model.steps_per_execution
    n_exec = 1 if n_exec == "auto" else n_exec
    names = model._resolved_output_names

    def make(buffer, counter):
        # Counted before the chunk runs: a stop after it still counts it.
        index, n = counter[0], len(buffer)
        counter[0] += n
        # A copy even of one batch: a generator may refill its arrays for the
        # next batch while this call still reads them (dispatch is async).
        stacked = engine.tree_map(lambda *a: np.stack(a), *buffer)
        stacked = distributed.place_batches(stacked, batch_axis=1)
        # Known by the batches' own signature: the function is looked up once
        # per shape, not by the whole state's signature for every batch.
        key = (n, "batches", step_compiler.signature(stacked))

        def compile_chunk(state):
            return compiler.get_fused(
                kind,
                step,
                n,
                False,
                None,
                (state, stacked),
                (n, "batches", len(buffer[0].mask)),
                donate=donate_state(kind, per_batch, data.steps),
            )

        return Chunk(index, n, key, compile_chunk, (stacked,))

    buffer = []
    exact = user_code_sees_rows(model, kind)
    for x, y, sw, mask in data.epoch(pad=not exact):
        if buffer and np.shape(mask) != np.shape(buffer[0].mask):
            # A short batch at its true size runs on its own.
            yield make(buffer, counter)
            buffer = []
        if counter[0] < start_step:
            counter[0] += 1
            continue
        n = len(names or ())
        flat_y = None if y is None else flat_targets(y, n, names, model)
        flat_w = None if sw is None else flat_weights(sw, n, names)
        buffer.append(Batch(model._run_host_layers(x), flat_y, flat_w, mask))
        if len(buffer) < n_exec:
            continue
        yield make(buffer, counter)
        buffer = []
    if buffer:
        yield make(buffer, counter)


def predict_array_chunks(model, data, per_batch):
    """Prediction over arrays: several batches per call (the same numbers as batch
    by batch, without per-batch dispatch) unless callbacks ask for every batch
    or user code runs in the forward (it sees each batch alone).

    Chunks are host slices of a fixed row count, the last one padded: one compiled
    function serves every data set size.
    """
    compiler = model._step_compiler
    x_host = model._run_host_layers(data.x)
    bs = data.batch_size
    chunk = 1
    stateful = has_stateful_layers(model)
    exact = user_code_sees_rows(model, "predict")
    # User code may mix the rows of a batch (a router's capacity, a batch
    # statistic), so it sees each batch alone, as in Keras: no merged calls.
    if not per_batch and data.steps > 1 and not stateful and not exact:
        chunk = min(
            memory.merged_batches(model, x_host, bs),
            1 << (data.steps - 1).bit_length(),
        )
        if getattr(model, "_predict_step_writes", False):  # known from its trace
            chunk = 1  # a layer that assigns (a counter) sees each batch
    # Built-in code computes each row alone: a batch larger than a merged call
    # runs in pieces of that call's size (`in_pieces`).
    piece = None
    if (
        not exact
        and bs > memory.MERGED_ROWS
        and not stateful  # pieces would not carry its state
        and not model.run_eagerly
        and distributed.active() is None  # pieces would cut across devices
    ):
        piece = memory.merged_batches(model, tree.map_structure(_first, x_host), 1)
    done = 0
    while done < data.steps:
        n = min(chunk, _tail_batches(data.steps - done))
        rows = n * bs
        if exact:  # no padded row reaches a user's predict_step
            rows = min(rows, data.num_samples - done * bs)
        xb = tree.map_structure(
            lambda a, start=done * bs, r=rows: _rows(a, start, r), x_host
        )
        if distributed.active() is not None:
            xb = distributed.place_batches(xb)

        def compile_chunk(state, rows=rows, xb=xb):
            forward = model._predict_rows
            # In pieces, in one program, unless the forward runs convolutions
            # (about 5x slower inside a loop on XLA:CPU): then whole, as before.
            if piece is not None and piece < rows:
                fn, seconds = compiler.get_looped(
                    "predict",
                    lambda: step_compiler.in_pieces(forward, rows, piece),
                    (state, xb),
                    (rows, piece),
                )
                if fn is not None:
                    return fn, seconds
            return compiler.get(
                "predict", lambda: forward, (state, xb), static_key=(rows,)
            )

        seen = min(bs, data.num_samples - (done + n - 1) * bs)
        yield Chunk(done, n, rows, compile_chunk, (xb,), None, seen)
        done += n


def _first(a):
    return a[:1]


def _tail_batches(remaining):
    """Batches in the next predict call: a power of two (few distinct, cached
    call sizes), the next one up when padding to it costs at most an eighth more
    rows, else the largest that fits (40 batches run as 32 + 8, not as 64)."""
    up = 1 << (remaining - 1).bit_length()
    return up if (up - remaining) * 8 <= remaining else up >> 1


def predict_batch_chunks(model, data):
    """Prediction over an iterable: one call per batch, padding rows dropped."""
    compiler = model._step_compiler
    exact = user_code_sees_rows(model, "predict")
    for index, (x, _, _, mask) in enumerate(data.epoch(pad=not exact)):
        # A copy: the call reads its host arrays after it returns (dispatch is
        # async, and on the CPU the device may read them in place), and a
        # generator may refill the same arrays for its next batch.
        x = tree.map_structure(
            lambda a: None if a is None else np.array(a), model._run_host_layers(x)
        )
        batch = distributed.place_batches(Batch(x, None, None, mask))
        size = len(mask)

        def compile_chunk(state, batch=batch, size=size):
            return compiler.get(
                "predict",
                lambda: model._predict_batch,
                (state, batch),
                static_key=("batch", size),
            )

        real = int(mask.sum())
        key = ("batch", step_compiler.signature(batch))
        yield Chunk(index, 1, key, compile_chunk, (batch,), real, real)


def _rows(array, start, rows):
    """`rows` rows of `array` from `start`, zero-padded past its end."""
    part = array[start : start + rows]
    if part.shape[0] == rows:
        return part
    part = np.asarray(part)
    filler = np.zeros((rows - part.shape[0],) + part.shape[1:], part.dtype)
    return np.concatenate([part, filler])

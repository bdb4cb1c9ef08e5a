"""Compiling steps: one compiled function per input signature, cached on the model.

`StepCompiler` keeps the cache, warns when a changed signature forces a
recompile, and chooses how N fused steps are laid out. With
`steps_per_execution="auto"`, training compiles one program that takes its step
count as an argument (`get_counted`): the timed single steps, the fused chunks
and the steps left over all run in it, so fusing costs no second compile. A step
that runs convolutions is kept out of loops where it can: on XLA:CPU a
convolution inside a loop runs about 5x slower than alone, so it compiles as a
single step, and fixed chunks, unrolled, where they pay back their compile
(DESIGN.md, "The fit loop").
"""

import re
import sys
import time
import warnings

import numpy as np

from kerasish import config, ops
from kerasish.common import tree
from kerasish.engine import get_engine
from kerasish.trainers import distributed
from kerasish.trainers.keras_steps import one_batch_key
from kerasish.trainers.steps import (
    Batch,
    StepContext,
    Steps,
    TrainState,
    step_context,
)

# An HLO convolution instruction: `%convolution.3 = f32[...] convolution(%a, %b)`.
_CONVOLUTION_OP = re.compile(r"\bconvolution\(")


def device_dtype(dtype):
    """The dtype a host array of `dtype` is compiled for: 64-bit maps down, as
    Keras's data adapters convert it (float64 to floatx, int64 to int32)."""
    dtype = str(dtype)
    if dtype == "float64":
        return config.floatx()
    return "int32" if dtype == "int64" else dtype


def spec_of(a):
    """The engine's shape/dtype struct for a host array (64-bit maps down)."""
    dtype = getattr(a, "dtype", None) or np.asarray(a).dtype
    return get_engine().shape_dtype_struct(tuple(np.shape(a)), device_dtype(dtype))


def signature(args):
    """The structure, shapes and dtypes of `args`: what a compiled call fixes.

    Looked up on every call of an epoch's first chunk, so it keeps the tree's
    structure and the dtypes as objects (hashable) rather than formatting them.
    """
    leaves, structure = get_engine().tree_flatten(args)
    return (
        hashable(structure),
        tuple(
            (tuple(a.shape), _device_dtype(a.dtype))
            if hasattr(a, "dtype") and hasattr(a, "shape")
            else (tuple(np.shape(a)), type(a).__name__)
            for a in leaves
        ),
    )


_WIDE = (np.dtype("float64"), np.dtype("int64"))


def _device_dtype(dtype):
    """`device_dtype` for a signature (a float64 batch compiles as float32:
    one program, no recompile); other dtypes stay objects, hashed fast."""
    if dtype not in _WIDE:
        return dtype
    try:
        return np.dtype(device_dtype(dtype))  # as the narrower arrays' keys
    except TypeError:  # a floatx numpy does not name ("bfloat16")
        return device_dtype(dtype)


def hashable(structure):
    # JAX's tree structures hash; another engine's may be plain lists.
    try:
        hash(structure)
    except TypeError:
        return str(structure)
    return structure


def signature_change(old, new):
    """Why a signature changed, or None for a data set's row count alone."""
    if old[0] != new[0]:
        return "the structure of the data changed"
    for a, b in zip(old[1], new[1]):
        if a != b and (a[1] != b[1] or a[0][1:] != b[0][1:] or len(a[0]) != len(b[0])):
            return f"an input was {a[0]} {a[1]}, now {b[0]} {b[1]}"
    return None


def _user_stacklevel():
    """The `warnings` stacklevel of the first caller outside kerasish."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith(
        "kerasish."
    ):
        frame, level = frame.f_back, level + 1
    return level


def convolution_count(compiled):
    """How many convolutions the compiled program runs, or None if the engine
    does not show its program text."""
    as_text = getattr(compiled, "as_text", None)
    if not callable(as_text):
        return None
    try:
        text = as_text()
    except Exception:  # an engine without program text
        return None
    return len(_CONVOLUTION_OP.findall(text or ""))


def _cache_key(kind, static_key, example_args):
    """What a compiled program is cached under (`StepCompiler.cache`)."""
    return (
        kind,
        static_key,
        signature(example_args),
        distributed.cache_key(example_args),
    )


class StepCompiler:
    """The compiled steps of one model, by kind (`"train"`, `"test"`,
    `"predict"`) and input signature."""

    def __init__(self, model):
        self.model = model
        self.cache = {}
        self.signatures = {}
        self.warned = set()  # step kinds whose recompile was reported
        self.unroll = {}  # kind -> 1 (rolled) or True (unrolled), once measured
        self.step_times = {}  # auto key -> seconds of the single steps timed
        self.auto = {}  # auto key -> the chunk length chosen
        self.pending = {}  # signature -> Future of a background compile
        self.layouts = {}  # (kind, static key) -> compiled, or a pending Future
        # (kind, packing) -> the one step, jitted (see `multi_step`)
        self.single_steps = {}
        self.compile_seconds = {}  # kind -> seconds its single step took to compile
        self.alone = {}  # auto key -> steps run alone so far (`pays_back`)
        # kind -> whether its step may run inside a loop (`get_looped`)
        self.may_loop = {}

    def loops(self, kind):
        """Whether `kind`'s step may run inside a loop (not known to run
        convolutions)."""
        return self.may_loop.get(kind) is not False

    def get_looped(self, kind, build_fn, example_args, static_key, donate=False):
        """`get` for a program running `kind`'s step inside a loop: None
        (nothing compiled) where the step runs convolutions, about 5x slower
        inside a loop than alone on XLA:CPU; that is kept (`loops`), so the
        program is traced once to find out."""
        if not self.loops(kind):
            return None, 0.0
        fn, seconds = self.get(
            kind, build_fn, example_args, static_key, donate, without_convolutions=True
        )
        self.may_loop[kind] = fn is not None
        return fn, seconds

    def fused_layout(self, kind, static_key, donate):
        """The `(kind, key)` a fused chunk is known by in `layouts`."""
        key = (*static_key, self.unroll.get(kind, 1))
        return kind, key + (("donated",) if donate else ())

    def layout_ready(self, kind, static_key):
        """Whether a chunk layout is compiled (or its background compile done)."""
        entry = self.layouts.get((kind, static_key))
        return entry is not None and (not hasattr(entry, "done") or entry.done())

    def layout_started(self, kind, static_key):
        return (kind, static_key) in self.layouts

    def single_step(self, kind, one):
        """`one` (a step with its context: `(state, batch) -> (state, logs)`),
        jitted once per kind: a single-step program and a fused chunk then
        share its trace, so a chunk traces the model's Python only once. Not
        under a distribution, whose layouts a shared trace would not follow."""
        if distributed.active() is not None or self.model.run_eagerly:
            return one
        key = (kind, *one_batch_key())  # its trace fixes the data's packing
        if key not in self.single_steps:
            self.single_steps[key] = get_engine().jit(one)
        return self.single_steps[key]

    def record_step_time(self, key, seconds):
        """Keeps the time of one single step run for `steps_per_execution="auto"`."""
        self.step_times.setdefault(key, []).append(seconds)

    def auto_steps(self, key, full_steps, counted=False):
        """The chunk length for `key = (kind, batch size, placement)`, or None
        while the single steps are still being timed.

        The first timed call is a warm-up; the best of the next ones is the step
        time (load from other processes only makes steps slower). `counted`: the
        chunk is the program already compiled (`get_counted`).
        """
        if key in self.auto:
            return self.auto[key]
        times = self.step_times.get(key, [])
        if len(times) < 1 + _TIMED_STEPS:
            return None
        unrolled = self.unroll.get(key[0], 1) is True
        chosen = choose_steps(min(times[1:]), full_steps, unrolled, counted)
        self.auto[key] = chosen
        return chosen

    def pays_back(self, key, horizon):
        """Whether compiling a fused chunk for `key` is worth its compile.

        Fusing saves at most the time the steps would take alone, and compiling
        the chunk costs about what the single step's compile did (in the
        background it still takes cores from the steps running meanwhile: on 2
        cores it slowed the tiny MLP's single steps 2-3x). So a chunk is compiled
        once the steps this model has run alone, plus the `horizon` steps still
        ahead in this call, take `_PAYBACK` times that compile: a short fit runs
        its steps alone, and a long one (or the sum of repeated short ones)
        fuses. The sum is fixed within a call, so it is asked once per pass.
        """
        ahead = (self.alone.get(key, 0) + horizon) * min(self.step_times[key][1:])
        return ahead >= _PAYBACK * self.compile_seconds.get(key[0], 0.0)

    def get(
        self,
        kind,
        build_fn,
        example_args,
        static_key=(),
        donate=False,
        without_convolutions=False,
    ):
        """Returns `(compiled function, seconds spent compiling)`.

        `build_fn()` returns the raw function; it is compiled for arguments shaped
        like `example_args` unless the model runs eagerly. With `donate`, the
        first argument (the state) is donated: updated in place. With
        `without_convolutions`, the function is None where the program would
        run a convolution (nothing is compiled or cached).
        """
        if donate:
            static_key = (*static_key, "donated")
        static_key = (*static_key, *one_batch_key())
        sig = _cache_key(kind, static_key, example_args)
        fn = self.cache.get(sig)
        if fn is not None:
            return fn, 0.0
        future = self.pending.pop(sig, None)
        if future is not None:  # compiled in the background: wait for it
            start = time.perf_counter()
            try:
                fn = future.result()
            except Exception:
                fn = None  # compile it here instead, where its error is raised
            if fn is not None:
                self.cache[sig] = fn
                self.layouts[(kind, static_key)] = fn
                return fn, time.perf_counter() - start
        previous = self.signatures.get((kind, static_key))
        reason = None if previous is None else signature_change(previous, sig[2])
        if reason is not None and kind not in self.warned:
            # Once per step kind: a model fed sequences of many lengths (Keras
            # is silent there) would otherwise warn at every new length.
            self.warned.add(kind)
            warnings.warn(
                f"Model '{self.model.name}': recompiling the {kind} step because the "
                f"input signature changed: {reason}. Keep "
                "batch shapes and dtypes fixed to avoid recompiling (further "
                f"recompiles of the {kind} step are not reported).",
                stacklevel=_user_stacklevel(),
            )
        self.signatures[(kind, static_key)] = sig[2]
        raw = build_fn()
        if kind in ("train", "test"):
            raw = distributed.keep_state_layout(raw, example_args[0])
        if self.model.run_eagerly:
            self.cache[sig] = raw
            return raw, 0.0
        start = time.perf_counter()
        compiled = get_engine().compile(
            raw,
            *example_args,
            donate_argnums=(0,) if donate else (),
            without_convolutions=without_convolutions,
        )
        seconds = time.perf_counter() - start
        if compiled is None:  # rejected: as if never asked
            if previous is None:
                del self.signatures[(kind, static_key)]
            else:
                self.signatures[(kind, static_key)] = previous
            return None, seconds
        self.cache[sig] = compiled
        self.layouts[(kind, static_key)] = compiled
        return compiled, seconds

    def start_fused(
        self, kind, step, n, from_arrays, batch_size, example, static_key, donate
    ):
        """Starts compiling a chunk of `n` steps in the background (once); a
        later `get_fused` with the same arguments picks it up. Nothing is
        started when the model runs eagerly or the chunk is compiled already."""
        unroll = self.unroll.get(kind, 1)
        _, key = self.fused_layout(kind, static_key, donate)
        if self.model.run_eagerly or (kind, key) in self.layouts:
            return
        sig = _cache_key(kind, key, example)
        if sig in self.cache or sig in self.pending:
            return
        self.signatures[(kind, key)] = sig[2]
        raw = multi_step(self.model, step, n, from_arrays, batch_size, unroll, self)
        future = get_engine().compile_async(
            raw, *example, donate_argnums=(0,) if donate else ()
        )
        self.pending[sig] = future
        self.layouts[(kind, key)] = future

    def get_counted(self, kind, step, batch_size, example, static_key, donate):
        """The program of `kind` that takes its step count as an argument
        (`multi_step` with `n=None`; `(state, data, mask, count, start)`): one
        compile serves a single timed step, fused chunks of any length and the
        steps left over. Where the step may not loop (`get_looped`), the single
        step instead, taking the same arguments.
        """
        fn, seconds = self.get_looped(
            kind,
            lambda: multi_step(self.model, step, None, True, batch_size, 1, self),
            example,
            ("counted", *static_key),
            donate,
        )
        if fn is not None:
            return fn, seconds
        state, data, mask, _, start = example
        single, more = self.get_fused(
            kind,
            step,
            1,
            True,
            batch_size,
            (state, data, mask, start),
            (1, *static_key),
            donate,
        )

        def one_step(state, data, mask, count, start):
            return single(state, data, mask, start)

        return one_step, seconds + more

    def get_fused(
        self, kind, step, n, from_arrays, batch_size, example, static_key, donate=False
    ):
        """A compiled chunk of `n` steps (`multi_step`), laid out as measured.

        The first fused chunk of a kind compiles rolled; if that program runs
        convolutions, the chunk is compiled again unrolled and every later chunk
        of the kind is unrolled.
        """
        unroll = self.unroll.get(kind, 1) if n > 1 else 1

        def build(u):
            return lambda: multi_step(
                self.model, step, n, from_arrays, batch_size, u, self
            )

        fn, seconds = self.get(
            kind, build(unroll), example, (*static_key, unroll), donate
        )
        if n == 1 and seconds and kind not in self.compile_seconds:
            self.compile_seconds[kind] = seconds
        if n == 1 and kind not in self.unroll and not self.model.run_eagerly:
            # The single step's program tells whether later chunks unroll: no
            # rolled chunk compiled only to be thrown away.
            self.unroll[kind] = True if convolution_count(fn) else 1
        if n > 1 and kind not in self.unroll and not self.model.run_eagerly:
            count = convolution_count(fn)
            self.unroll[kind] = True if count else 1
            if count:
                fn, more = self.get(
                    kind, build(True), example, (*static_key, True), donate
                )
                seconds += more
        return fn, seconds


# `steps_per_execution="auto"`: a chunk should run for about `_CHUNK_SECONDS`
# (the per-call overhead, tens of microseconds, is then under 1% of it, and a
# progress bar still moves several times a second); fusing fewer than
# `_MIN_FUSED` steps is not worth compiling a second program; an unrolled chunk
# (convolutions on XLA:CPU) compiles a copy of the step per step, so it stays short.
_CHUNK_SECONDS = 0.005
# The fused chunk compiles in a background thread while the first steps run one
# by one (the first epoch then costs about one compile, as with one step).
_BACKGROUND = True
_MIN_FUSED = 4
# A chunk is compiled once the steps run alone would take this many times the
# single step's compile (`StepCompiler.pays_back`).
_PAYBACK = 2.0
_MAX_FUSED = 128
_MAX_UNROLLED = 8
_TIMED_STEPS = 5


def choose_steps(step_seconds, full_steps, unrolled=False, counted=False):
    """How many steps `steps_per_execution="auto"` fuses into one call.

    Args:
        step_seconds: The time of one step run alone (best of a few).
        full_steps: The epoch's full-size steps (a chunk never exceeds them).
        unrolled: Whether a chunk would be unrolled rather than a rolled loop.
        counted: Whether every chunk length runs in one program compiled
            already (`get_counted`): then any length is worth it.

    Returns:
        An int >= 1; 1 runs every step alone.
    """
    cap = _MAX_UNROLLED if unrolled else _MAX_FUSED
    n = int(_CHUNK_SECONDS / max(step_seconds, 1e-7))
    n = max(1, min(n, cap, full_steps))
    return n if counted or n >= _MIN_FUSED else 1


def in_pieces(fn, rows, piece):
    """`fn(state, x)` over `rows` rows, run `piece` rows at a time in one program
    (a loop writing each piece's outputs in place), for a forward whose outputs
    for a row depend on that row alone. `fn` returns `(outputs, written)` as
    `_predict_rows` does, and so does the loop; it is for built-in layers that
    assign nothing, so `written` is `{}`.

    On XLA:CPU a forward over 30,000-64,000 rows ran 15-17% faster in pieces of
    at most 8,192 (the bench's MLPs; likely as each piece's activations stay in
    cache).
    The last piece ends at the last row, overlapping the one before it, so no
    row is padded and the forward is traced once.
    """
    engine = get_engine()
    fn = engine.jit(fn)  # its trace is shared by `eval_shape` and the loop
    count = -(-rows // piece)

    def piece_at(x, i):
        start = ops.minimum(i * piece, rows - piece)

        def cut(a):
            begin = (start,) + (0,) * (len(a.shape) - 1)
            return ops.slice(a, begin, (piece, *a.shape[1:]))

        return start, tree.map_structure(cut, x)

    def run(state, x):
        shapes = engine.eval_shape(fn, state, piece_at(x, 0)[1])[0]
        outputs = engine.tree_map(
            lambda s: ops.zeros((rows, *s.shape[1:]), s.dtype), shapes
        )

        def body(i, outputs):
            start, part = piece_at(x, i)
            return engine.tree_map(
                lambda out, new: ops.slice_update(
                    out, (start,) + (0,) * (len(new.shape) - 1), new
                ),
                outputs,
                fn(state, part)[0],
            )

        return engine.fori_loop(0, count, body, outputs), {}

    return run


def kept_state(new, old):
    """A chunk's returned state with the fields it passed through (None) taken
    from the state it was given; a test chunk's `non_trainable` is a list with
    None for each value passed through (`written_only`). A train chunk returns
    every field: it is returned as it is (this runs once per call on the
    per-step path)."""
    if new.trainable is not None:
        return new
    fields = [o if n is None else n for n, o in zip(new, old)]
    if new.non_trainable is not None:
        fields[1] = [o if n is None else n for n, o in zip(new.non_trainable, old[1])]
    return type(new)(*fields)


def with_written(state, written):
    """`state` with the non-trainable values a predict call assigned
    (`{index: value}`, see `Steps._predict_batch`); `state` itself if none."""
    if not written:
        return state
    values = list(state.non_trainable)
    for i, value in written.items():
        values[i] = value
    return state._replace(non_trainable=values)


def written_only(model, state):
    """The state a test chunk returns: the metrics and the non-trainable values
    its steps assigned (None for the others, and for every other field): XLA
    would copy each returned weight into an output buffer on every call."""
    writes = getattr(model, "_test_step_writes", ())
    non_trainable = None
    if writes:
        non_trainable = [None] * len(state.non_trainable)
        for i in writes:
            non_trainable[i] = state.non_trainable[i]
    return TrainState(None, non_trainable, None, state.metrics)


def multi_step(model, step, n, from_arrays, batch_size, unroll, compiler=None):
    """`n` steps as one function: `(state, ...) -> (state, logs)`.

    From arrays placed on the device in the epoch's order (`order_rows`), the
    function takes `(state, data, mask, start)`, slices each batch there from row
    `start` on, and returns `(state, logs, start + n * batch_size)`: the next
    chunk's start stays on the device, so a call sends nothing from the host.
    With `n=None` the count is an argument too, `(state, data, mask, count,
    start)`: one program runs any number of steps (a loop, never unrolled).
    Otherwise it takes `(state, batches)` with the batches stacked on a leading
    axis and returns `(state, logs)`. A returned state's field that is None was
    passed through unchanged (`kept_state`).
    """
    engine = get_engine()

    def cut(data, mask, offset):
        # A contiguous slice: on XLA:CPU a gather of the same rows by index
        # costs about 80 us more per step (tiny MLP, batch 32).
        def rows(a):
            if a is None:
                return None
            start = (offset,) + (0,) * (len(a.shape) - 1)
            return ops.slice(a, start, (batch_size,) + tuple(a.shape[1:]))

        x, y, sw = data
        return Batch(
            tree.map_structure(rows, x),
            None if y is None else [rows(a) for a in y],
            None if sw is None else [rows(a) for a in sw],
            # No padding in the epoch: a constant mask, which XLA folds away.
            ops.ones((batch_size,)) if mask is None else rows(mask),
        )

    def one(state, batch):
        # Each step gets its own context; logs it returns (a Keras-style step, a
        # user's compute_metrics) come out through it.
        batch = distributed.constrain_batch(batch)
        with step_context(StepContext(batch.mask)) as context:
            state = step(state, batch)
        return state, context.logs

    if compiler is not None:
        kind = getattr(step, "__name__", "step")
        one = compiler.single_step(kind, one)

    # The built-in test step changes the metrics and at most a few non-trainable
    # values: its chunk returns those alone (`written_only`).
    metrics_only = getattr(step, "__func__", None) is Steps.test_step

    def finish(state, logs):
        logs = model._results(state.metrics) if logs is None else logs
        if metrics_only:
            state = written_only(model, state)
        return state, logs

    def run_all(state, count, batch_at):
        if count == 1:
            return finish(*one(state, batch_at(0)))
        state, logs = engine.scan(
            lambda s, i: one(s, batch_at(i)), state, ops.arange(count), unroll=unroll
        )
        if logs is not None:
            logs = engine.tree_map(lambda a: a[-1], logs)
        return finish(state, logs)

    def run_counted(state, count, batch_at):
        # The logs of the last step come out through the loop's carry.
        logs = engine.eval_shape(one, state, batch_at(0))[1]
        logs = engine.tree_map(lambda s: ops.zeros(s.shape, s.dtype), logs)
        state, logs = engine.fori_loop(
            0, count, lambda i, carry: one(carry[0], batch_at(i)), (state, logs)
        )
        return finish(state, logs)

    if from_arrays and n is None:

        def run_count(state, data, mask, count, start):
            state, logs = run_counted(
                state, count, lambda i: cut(data, mask, start + i * batch_size)
            )
            return state, logs, start + count * batch_size

        return run_count

    if from_arrays:

        def run(state, data, mask, start):
            state, logs = run_all(
                state, n, lambda i: cut(data, mask, start + i * batch_size)
            )
            return state, logs, start + n * batch_size

        return run

    def run_batches(state, batches):
        if n == 1:
            return finish(*one(state, engine.tree_map(lambda a: a[0], batches)))
        state, logs = engine.scan(one, state, batches, unroll=unroll)
        if logs is not None:
            logs = engine.tree_map(lambda a: a[-1], logs)
        return finish(state, logs)

    return run_batches

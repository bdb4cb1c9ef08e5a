"""Building the model, its losses and metrics from the first host batch.

Before the first compile the trainer knows the data only by a first batch: it
builds an unbuilt model from its shapes and dtypes, traces the forward pass
abstractly (nothing runs) for the outputs' shapes, builds the compiled losses
and metrics from them, and checks there is something to train with.
"""

import numpy as np

from kerasish.common import tree
from kerasish.engine import get_engine
from kerasish.trainers import preflight, step_compiler
from kerasish.trainers.step_compiler import spec_of
from kerasish.trainers.steps import flat_targets


def prepare(model, x, y, sample_weight, for_training):
    """Builds the model, losses and metrics from a first host batch; checks."""
    engine = get_engine()
    model._check_inputs(x)
    if not model.built:
        model._build_from_data(x)
    x = model._run_host_layers(x)
    if _targets_are_the_steps_own(model):
        # As Keras: a built model whose own `train_step` has no compiled loss
        # or metrics to build is not traced (it may have no `call`), and its
        # `y` reaches the step as given, not matched to outputs.
        model._resolved_output_names = None
        if not model._compile_metrics.built:
            model._compile_metrics.build([], [], [], None)  # none: nothing to trace
        model._targets_structure = (
            tree.map_structure(lambda _: 0, y),
            tree.map_structure(lambda _: 0, sample_weight),
        )
        if for_training:
            preflight.check_trainable(model, x, None)
        track_loss(model)
        return
    pred = output_spec(model, x)
    if _loss_builds_from_override(model, pred, y):
        # As Keras: an overridden `compute_loss` passes the compiled loss the
        # outputs it trains (keras.io's patch_convnet: `y_pred[0]` of two);
        # the loss and metrics are built for those, when it first runs.
        flat_y = _resolve_through_compute_loss(model, x, y, sample_weight, pred)
    else:
        flat_y = resolve_outputs(model, engine.tree_leaves(pred), y, for_training)
    if for_training:
        preflight.check_trainable(model, x, flat_y)


def _loss_builds_from_override(model, pred, y):
    """Whether a subclass's own `compute_loss` gets targets that do not match
    the model's outputs one to one (it passes on only some outputs)."""
    from kerasish.trainers.steps import Steps

    if type(model).compute_loss is Steps.compute_loss or y is None:
        return False
    if model._compile_loss is None or isinstance(y, dict):
        return False
    return len(tree.flatten(y)) != len(get_engine().tree_leaves(pred))


def _resolve_through_compute_loss(model, x, y, sample_weight, pred):
    """Runs the override abstractly once: the base `compute_loss` it calls
    resolves the outputs it is given (`resolve_outputs`); returns the flat `y`."""
    from kerasish.variables import StatelessScope

    engine = get_engine()
    zeros = lambda s: engine.numpy.zeros((1, *s.shape[1:]), s.dtype)  # noqa: E731
    first = lambda a: None if a is None else np.asarray(a)[:1]  # noqa: E731

    def run(xs):
        with StatelessScope():
            return model.compute_loss(
                xs,
                tree.map_structure(first, y),
                tree.map_structure(zeros, pred),
                tree.map_structure(first, sample_weight),
            )

    if not model._compile_loss.built:
        engine.eval_shape(run, tree.map_structure(lambda a: spec_of(a[:1]), x))
    return flat_targets(y, len(model._resolved_output_names), None, model)


def resolve_outputs(model, flat_pred, y, for_training):
    """Names the outputs (`flat_pred`: one shaped value per output) and builds
    the compiled loss and metrics for targets like `y`; returns the flat `y`.
    Also what `compute_loss` called outside a step (Keras allows it before
    `fit`) runs once."""
    names = model._output_names() or (
        ["output"]
        if len(flat_pred) == 1
        else [f"output_{i}" for i in range(len(flat_pred))]
    )
    if len(names) != len(flat_pred):
        names = [f"output_{i}" for i in range(len(flat_pred))]
    model._resolved_output_names = names
    flat_y = flat_targets(y, len(flat_pred), names, model)
    y_shapes = (
        [None if t is None else (None,) + tuple(np.shape(t))[1:] for t in flat_y]
        if flat_y is not None
        else [None] * len(flat_pred)
    )
    pred_shapes = [(None,) + tuple(p.shape)[1:] for p in flat_pred]
    if for_training or flat_y is not None:
        if model._compile_loss is not None and not model._compile_loss.built:
            model._compile_loss.build(names, y_shapes, pred_shapes)
        if model._compile_metrics is not None and not model._compile_metrics.built:
            model._compile_metrics.build(
                names, y_shapes, pred_shapes, model._compile_loss
            )
    track_loss(model)
    return flat_y


def _targets_are_the_steps_own(model):
    from kerasish.trainers.trainer import Trainer

    return (
        model.built
        and model._compile_loss is None
        and not model._compile_metrics.requested
        and type(model).train_step is not Trainer.train_step
    )


def track_loss(model):
    """The loss trackers: `loss` from `compile` on (as Keras, a compiled model
    always tracks it: a model whose only loss is `add_loss` too), then one per
    output loss once the compiled loss is built."""
    from kerasish.metrics import Mean

    trackers = model._loss_trackers or [("loss", Mean(name="loss"))]
    compile_loss = model._compile_loss
    if len(trackers) == 1 and compile_loss is not None and compile_loss.built:
        trackers = trackers + [(n, Mean(name=n)) for n in compile_loss.log_names]
    model._loss_trackers = trackers


def output_spec(model, x):
    """The outputs' shapes and dtypes for inputs like `x` (batch size aside).

    Traced abstractly once per input signature and set of layers: every `fit`,
    `evaluate` and `train_on_batch` call asks, and tracing costs milliseconds.
    """
    engine = get_engine()
    leaves, structure = engine.tree_flatten(x)
    key = (
        step_compiler.hashable(structure),
        tuple((tuple(np.shape(a))[1:], _dtype(a)) for a in leaves),
        tuple(id(layer) for layer in model.layers),
    )
    cache = model.__dict__.get("_output_specs")
    if cache is None:
        cache = {}
        object.__setattr__(model, "_output_specs", cache)  # not a tracked attribute
    if key not in cache:
        specs = tree.map_structure(spec_of, x)
        with model._device_part():
            cache[key] = engine.eval_shape(
                lambda xs: symbolic_forward(model, xs), specs
            )
    return cache[key]


def _dtype(a):
    return a.dtype if hasattr(a, "dtype") else np.asarray(a).dtype


def deferred_input_dtype(dtype):
    """The dtype of the Input a model builds from data of `dtype`: ids stay
    integers, and 64-bit host data maps to the engine's defaults (None: floatx)."""
    return {"float64": None, "int64": "int32"}.get(dtype, dtype)


def build_from_data(model, x):
    """Builds an unbuilt model for inputs shaped like the batch `x`."""
    from kerasish.layers.keras_tensor import KerasTensor
    from kerasish.layers.shape_inference import _trace_output_spec

    first = tree.flatten(x)[0]
    if getattr(model, "_builds_own_input", False) or hasattr(
        model, "_pending_input_dtype"
    ):
        model._pending_input_dtype = deferred_input_dtype(
            str(np.asarray(first[:1]).dtype)
            if not get_engine().is_tensor(first)
            else str(first.dtype)
        )
        model.build((None,) + tuple(np.shape(first))[1:])
        return
    spec = tree.map_structure(
        lambda a: KerasTensor((None,) + tuple(np.shape(a))[1:], str(a.dtype)), x
    )
    if not type(model).build.__module__.startswith("kerasish."):
        # The class's own `build(input_shape)` makes its layers: called first,
        # with the batch's shape, as Keras's first call does (and recorded so).
        model._maybe_build((x,), {})
    else:
        # Recorded so a saved subclassed model is rebuilt before its weights load.
        model._build_shapes_dict = {
            "input_shape": tree.map_structure(lambda t: t.shape, spec)
        }
    model.built = True
    _trace_output_spec(model, (spec,), {})


def symbolic_forward(model, x):
    """The model's outputs for `x`, with added losses kept off the layers."""
    from kerasish.variables import StatelessScope

    with StatelessScope(collect_losses=True):
        return model(x, training=False)

"""Checks on what a user passes to fit/evaluate/predict, before anything compiles.

Each check catches a mistake that would otherwise train silently on the wrong
numbers (a misspelled input key fed by position, a validation set without
targets reporting `val_loss=0`) or fail deep inside a compiled step. Messages name
the argument, what was expected and what was received, and how to fix it.
"""

import difflib
import warnings

import numpy as np

from kerasish.common import tree
from kerasish.engine import get_engine


def _suggest(name, valid):
    close = difflib.get_close_matches(str(name), [str(v) for v in valid], n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


def expected_input_keys(model):
    """The dict keys a model's inputs are matched by, or None (no names known)."""
    struct = getattr(model, "_inputs_struct", None)
    if isinstance(struct, dict):
        return list(struct)
    names = getattr(model, "input_names", None)
    if names and hasattr(model, "_flat_inputs"):
        return list(names)
    return None


def model_inputs(model, x, what="x"):
    """`x` as the model takes it, checked: of a dict, the entries named as the
    model's inputs. Others are left out with a warning, as Keras ignores them
    (one dict of features can feed several models); a missing one raises,
    naming the unknown key it may be misspelled as (`check_dict_keys`)."""
    expected = expected_input_keys(model)
    if not isinstance(x, dict) or expected is None:
        return x
    extra = [k for k in x if k not in expected]
    if extra and all(k in x for k in expected):
        warnings.warn(
            f"`{what}` has entries {extra} that are not among the model's inputs "
            f"{expected}: they are ignored.",
            stacklevel=3,
        )
        x = {k: v for k, v in x.items() if k in expected}
    check_dict_keys(x, expected, what, "input")
    return x


def check_dict_keys(data, expected, what, kind):
    """Raises when dict `data` has keys outside `expected`, or lacks one of them."""
    if not isinstance(data, dict) or expected is None:
        return
    unknown = [k for k in data if k not in expected]
    if unknown:
        key = unknown[0]
        raise ValueError(
            f"`{what}` has the key {key!r}, which is not one of the model's {kind} "
            f"names {expected}.{_suggest(key, expected)} Dict entries are matched "
            f"to the model's {kind}s by name; received keys {sorted(data)}."
        )
    missing = [k for k in expected if k not in data]
    if missing:
        raise ValueError(
            f"`{what}` lacks the key {missing[0]!r}: the model's {kind}s are "
            f"{expected}, received keys {sorted(data)}. Pass one entry per {kind}."
        )


def check_class_weight(class_weight, sample_weight):
    if class_weight is None:
        return
    if sample_weight is not None:
        raise ValueError(
            "`class_weight` and `sample_weight` cannot be used together (Keras "
            "refuses them too): received both. Multiply the class weights into "
            "`sample_weight` yourself, e.g. `sample_weight * "
            "np.vectorize(class_weight.get)(y)`."
        )
    if not isinstance(class_weight, dict):
        raise TypeError(
            "`class_weight` must be a dict mapping class index to weight, e.g. "
            f"{{0: 1.0, 1: 5.0}}; received {type(class_weight).__name__}: "
            f"{class_weight!r}."
        )


def _shape(a):
    return tuple(int(d) for d in np.shape(a))


def check_sample_weight(sample_weight, y):
    """Per-sample weights must broadcast against the per-sample loss."""
    if sample_weight is None or y is None:
        return
    weights = tree.flatten(sample_weight)
    targets = tree.flatten(y)
    if isinstance(sample_weight, dict) or len(weights) not in (1, len(targets)):
        return  # matched per output later, by name
    if len(weights) == 1:
        weights = weights * len(targets)
    for w, t in zip(weights, targets):
        if w is None or t is None or not hasattr(t, "shape"):
            continue
        ws, ts = _shape(w), _shape(t)
        if len(ws) == 0:
            raise ValueError(
                "`sample_weight` must have one weight per sample (shape "
                f"({ts[0]},)); received a scalar {w!r}."
            )
        core = ws
        while len(core) > 1 and core[-1] == 1:
            core = core[:-1]
        if core != ts[: len(core)]:
            raise ValueError(
                f"`sample_weight` has shape {ws}, which does not match `y` of shape "
                f"{ts}: expected ({ts[0]},) (one weight per sample) or a leading "
                f"part of y's shape such as {ts[:2]} (one per timestep)."
            )


def check_numeric_targets(y, has_loss):
    if y is None or not has_loss:
        return
    for t in tree.flatten(y):
        if t is None or not hasattr(t, "dtype") and not isinstance(t, list):
            continue
        dtype = np.asarray(t[:1] if hasattr(t, "__getitem__") else t).dtype
        if dtype.kind in "SUO":
            raise TypeError(
                f"`y` holds non-numeric values (dtype {dtype}), but the compiled "
                "loss needs numbers: expected integer labels or float targets. Map "
                "the labels to integers first, e.g. with "
                "`kerasish.layers.StringLookup` or `np.unique(y, return_inverse=True)`."
            )


def check_validation_data(validation_data, needs_targets):
    """`validation_data` must be `(x, y)`, `(x, y, sample_weight)` or batches."""
    if validation_data is None:
        return
    if isinstance(validation_data, list | tuple):
        size = len(validation_data)
        if size not in (1, 2, 3):
            raise ValueError(
                "`validation_data` must be a tuple `(x_val, y_val)` or `(x_val, "
                "y_val, val_sample_weight)`, or a generator/PyDataset of batches; "
                f"received a {type(validation_data).__name__} of {size} element(s)."
            )
        if size == 1 and needs_targets:
            raise ValueError(
                "`validation_data=(x_val,)` has no targets, but the model has a "
                "compiled loss: expected `(x_val, y_val)`; received a tuple of 1 "
                "element. Without targets the validation loss cannot be computed."
            )
        return
    if needs_targets and _is_arrays(validation_data):
        raise ValueError(
            "`validation_data` is bare inputs (an array) without targets, but the "
            "model has a compiled loss: expected a tuple `(x_val, y_val)`; received "
            f"{type(validation_data).__name__}."
        )


def _is_arrays(x):
    """Whether `make_data` reads `x` as arrays (not as batches or a generator)."""
    from kerasish.trainers.data_adapters import PyDataset, _is_array_structure

    batches_list = isinstance(x, list) and any(isinstance(e, tuple) for e in x)
    return (
        x is not None
        and not batches_list
        and not isinstance(x, PyDataset)
        and _is_array_structure(x)
    )


def check_evaluate_targets(x, y, needs_targets):
    if y is None and needs_targets and _is_arrays(x):
        raise ValueError(
            "`evaluate` received `x` but no `y`, and the model has a compiled loss: "
            "expected `evaluate(x, y)` (or a generator yielding (x, y) batches). "
            "Use `predict(x)` for outputs without targets."
        )


def check_common(model, y, sample_weight):
    """Checks shared by fit and evaluate: target dict keys, weights, target
    dtypes (`model_inputs` checks `x`)."""
    if isinstance(y, dict):
        outputs = getattr(model, "output_names", None)
        check_dict_keys(y, list(outputs) if outputs else None, "y", "output")
    if isinstance(sample_weight, dict):
        outputs = getattr(model, "output_names", None)
        if outputs:
            unknown = [k for k in sample_weight if k not in outputs]
            if unknown:
                raise ValueError(
                    f"`sample_weight` has the key {unknown[0]!r}, which is not one "
                    f"of the model's output names {list(outputs)}."
                    f"{_suggest(unknown[0], outputs)}"
                )
    check_sample_weight(sample_weight, y)
    check_numeric_targets(y, model._compile_loss is not None)


def check_data_type(x, what="x"):
    """A string is iterable, but never data: reading it char by char is a mistake."""
    if isinstance(x, str | bytes):
        raise TypeError(
            f"`{what}` must be arrays (numpy, or lists/dicts of them), a generator "
            f"or a PyDataset; received a {type(x).__name__} ({x!r:.60}). Load the "
            "file into arrays first."
        )


def check_validation_freq(freq):
    if isinstance(freq, bool) or not isinstance(freq, int | list | tuple):
        raise TypeError(
            "`validation_freq` must be a positive integer or a list of epoch "
            f"numbers, received {type(freq).__name__}: {freq!r}."
        )
    values = [freq] if isinstance(freq, int) else list(freq)
    if any(isinstance(v, bool) or not isinstance(v, int) or v <= 0 for v in values):
        raise ValueError(
            "`validation_freq` must be a positive integer (validate every that many "
            f"epochs) or a list of positive epoch numbers, received {freq!r}."
        )


def needs_targets(model, kind):
    """Whether the built-in `kind` (`"train"`/`"test"`) step needs targets."""
    from kerasish.trainers.trainer import Trainer

    if model._compile_loss is None:
        return False
    cls = type(model)
    step = cls.train_step if kind == "train" else cls.test_step
    default = Trainer.train_step if kind == "train" else Trainer.test_step
    return step is default and cls.compute_loss is Trainer.compute_loss


def adds_losses(model, x):
    """Whether a training call of `model` on `x` adds losses (`add_loss`).

    Traced abstractly (shapes only): nothing runs and nothing compiles.
    """
    from kerasish.trainers.step_compiler import spec_of as _spec_of
    from kerasish.variables import StatelessScope

    found = []

    def probe(xs):
        with StatelessScope(collect_losses=True):
            model(xs, training=True)
            found.append(len(model.losses))
        return 0

    with model._device_part():
        get_engine().eval_shape(probe, tree.map_structure(_spec_of, x))
    return bool(found and found[0])


def check_inputs(model, x):
    """Numeric inputs, as many arrays as the model has inputs."""
    for a in tree.flatten(x):
        if a is None:
            continue
        dtype = np.dtype(getattr(a, "dtype", np.asarray(a).dtype))
        if dtype.kind not in "biufc" and not model._host_layers():
            if any(
                getattr(layer, "host_side", False)
                for layer in model._flatten_layers(include_self=False)
            ):
                raise TypeError(
                    f"Model '{model.name}' received non-numeric input of dtype "
                    f"{dtype}. Its preprocessing layer (e.g. TextVectorization) "
                    "runs on strings in `fit`/`evaluate`/`predict` only as the "
                    "first layers of a Sequential model. Apply it in the input "
                    "pipeline instead (`dataset.map(lambda x, y: (vectorize(x), "
                    "y))`, or `vectorize(x)` on arrays), or call the model "
                    "directly (`model(x)`)."
                )
            raise TypeError(
                f"Model '{model.name}' received non-numeric input of dtype {dtype}. "
                "Pass numbers (e.g. `np.asarray(x, dtype='float32')`), or put a "
                "preprocessing layer such as TextVectorization first in the model."
            )
    if hasattr(model, "_flat_inputs"):
        if isinstance(x, dict):
            # Entries the model does not take are ignored, as by `model_inputs`
            # (a dataset's batches keep every column: `make_csv_dataset`).
            expected = expected_input_keys(model) or list(x)
            x = {k: v for k, v in x.items() if k in expected}
        flat = tree.flatten(x) if not isinstance(x, dict) else list(x.values())
        if len(flat) != len(model._flat_inputs):
            raise ValueError(
                f"Model '{model.name}' expects {len(model._flat_inputs)} input(s) "
                f"({model.input_names}), but the data has {len(flat)} array(s)."
            )


def overrides_step(model):
    """Whether the class brings its own training loss (`train_step` or
    `compute_loss`)."""
    from kerasish.trainers.trainer import Trainer

    cls = type(model)
    return (
        cls.train_step is not Trainer.train_step
        or cls.compute_loss is not Trainer.compute_loss
    )


def check_trainable(model, x, flat_y):
    """A loss to train with, and targets for it (from a first host batch `x`)."""
    if (
        model._compile_loss is None
        and not overrides_step(model)
        and not adds_losses(model, x)
    ):
        raise ValueError(
            "No loss to train with: `compile()` got no `loss=` and the model "
            "adds none. Expected one of: `loss=` in `compile()` (for example "
            "`loss='sparse_categorical_crossentropy'`), or losses added by the "
            "model's layers with `self.add_loss(...)` in `call` (or an "
            "overridden `compute_loss`/`train_step`)."
        )
    if flat_y is None and model._compile_loss is not None and not overrides_step(model):
        raise ValueError(
            "`fit` needs targets: pass `y=` with the labels (or a generator that "
            "yields (x, y) batches); received `y=None` for a model compiled "
            "with a loss."
        )

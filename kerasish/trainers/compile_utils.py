"""What `compile` builds: per-output losses and metrics, matched to the outputs.

`CompileLoss` and `CompileMetrics` are resolved once from the first batch's
structure and shapes (so "accuracy" can pick binary, categorical or sparse, and a
label/loss mismatch is reported before anything compiles); afterwards they are pure
functions of arrays used inside the compiled step.
"""

import inspect

from kerasish import losses as losses_module
from kerasish import metrics as metrics_module
from kerasish import ops
from kerasish.trainers.exact_batches import _builtin_metric


def match_outputs(spec, output_names, what):
    """Expands a compile argument (single, list or dict) to one entry per output."""
    count = len(output_names)
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in output_names]
        if unknown:
            raise ValueError(
                f"`{what}` has keys {unknown} that are not output names of the "
                f"model. Output names: {output_names}."
            )
        return [spec.get(name) for name in output_names]
    if isinstance(spec, list | tuple):
        if len(spec) != count:
            raise ValueError(
                f"`{what}` is a list of {len(spec)} entries, but the model has "
                f"{count} outputs ({output_names}). Pass one entry per output, or a "
                "dict keyed by output name."
            )
        return list(spec)
    return [spec] * count


class CompileLoss:
    """The total loss: a weighted sum of per-output losses."""

    def __init__(self, loss, loss_weights=None):
        self._spec = loss
        self._weights_spec = loss_weights
        self.built = False

    def build(self, output_names, y_true_shapes, y_pred_shapes):
        specs = match_outputs(self._spec, output_names, "loss")
        weights = (
            [1.0] * len(output_names)
            if self._weights_spec is None
            else match_outputs(self._weights_spec, output_names, "loss_weights")
        )
        self.losses = []
        for name, spec, weight, true_shape, pred_shape in zip(
            output_names, specs, weights, y_true_shapes, y_pred_shapes
        ):
            if spec is None:
                self.losses.append(None)
                continue
            loss = losses_module.resolve(
                spec,
                None if true_shape is None else tuple(true_shape),
                tuple(pred_shape),
            )
            self.losses.append((name, loss, 1.0 if weight is None else float(weight)))
        if all(entry is None for entry in self.losses):
            raise ValueError("`compile(loss=...)` gives no loss for any output.")
        self.output_names = list(output_names)
        self.built = True

    @property
    def log_names(self):
        active = [e for e in self.losses if e is not None]
        return [f"{name}_loss" for name, _, _ in active] if len(active) > 1 else []

    def __call__(self, y_true, y_pred, sample_weight, mask):
        """Returns `(total, [per-output values])` for flat lists of outputs."""
        total = 0.0
        parts = []
        for entry, target, pred, weight in zip(
            self.losses, y_true, y_pred, sample_weight
        ):
            if entry is None:
                continue
            _, loss, loss_weight = entry
            # An unreduced loss is reduced by the user's own code: it runs on
            # exact batches (exact_batches.py), so there is no padding to mask.
            unreduced = getattr(loss, "reduction", "x") in (None, "none")
            if unreduced or not _takes_mask(loss):
                # A user `__call__` without `mask` sees exact batches too.
                value = loss(target, pred, sample_weight=weight)
            else:
                value = loss(target, pred, sample_weight=weight, mask=mask)
            parts.append(value)
            total = total + loss_weight * value
        return total, parts


def _takes_mask(loss):
    """Whether `loss` takes kerasish's `mask=` (Loss's own `__call__` does; a
    subclass may override it with Keras's signature, without one)."""
    try:
        params = inspect.signature(loss).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "mask" or p.kind is p.VAR_KEYWORD for p in params)


class CompileMetrics:
    """Metrics per output; `weighted` ones use the sample weights."""

    def __init__(self, metrics=None, weighted_metrics=None):
        self._metrics_spec = metrics
        self._weighted_spec = weighted_metrics
        self.built = False

    def build(self, output_names, y_true_shapes, y_pred_shapes, compile_loss):
        self.entries = []  # (log name, output index, metric, weighted)
        multi = len(output_names) > 1
        counts = {}  # log name -> times taken, for Keras's `_1` suffixes

        for spec, weighted in (
            (self._metrics_spec, False),
            (self._weighted_spec, True),
        ):
            if spec is None:
                continue
            per_output = _metrics_per_output(spec, output_names)
            for index, items in enumerate(per_output):
                loss_entry = compile_loss.losses[index] if compile_loss else None
                loss = loss_entry[1] if loss_entry else None
                prefix = f"{output_names[index]}_" if multi else ""
                for item in items:
                    if item is None:
                        continue
                    metric = metrics_module.resolve(
                        item, y_true_shapes[index], y_pred_shapes[index], loss=loss
                    )
                    # Keras's names: a repeated name gets `_1`, `_2`; a weighted
                    # metric named as an unweighted one gets `weighted_` first.
                    name = prefix + metric.name
                    if weighted and name in counts:
                        name = prefix + "weighted_" + metric.name
                    if name in counts:
                        counts[name] += 1
                        name = f"{name}_{counts[name] - 1}"
                    else:
                        counts[name] = 1
                    self.entries.append((name, index, metric, weighted))
        self.built = True

    @property
    def requested(self):
        """Whether `compile()` asked for any metric (Keras has none otherwise)."""
        return self._metrics_spec is not None or self._weighted_spec is not None

    @property
    def metrics(self):
        return [m for _, _, m, _ in self.entries]

    def init(self):
        return tuple(m.init() for _, _, m, _ in self.entries)

    def update(self, state, y_true, y_pred, sample_weight, mask):
        out = []
        for s, (_, index, metric, weighted) in zip(state, self.entries):
            if weighted:
                weight = _combine(sample_weight[index], mask)
            elif _builtin_metric(metric):
                weight = mask  # built-in metrics honour the padding mask
            else:
                # A user metric never sees padding (exact_batches runs the last
                # batch at its true size), so it gets Keras's arguments: no weight.
                weight = None
            out.append(metric.update(s, y_true[index], y_pred[index], weight))
        return tuple(out)

    def results(self, state):
        return {
            name: metric.compute(s)
            for s, (name, _, metric, _) in zip(state, self.entries)
        }


def _metrics_per_output(spec, output_names):
    count = len(output_names)
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in output_names]
        if unknown:
            raise ValueError(
                f"`metrics` has keys {unknown} that are not output names of the "
                f"model. Output names: {output_names}."
            )
        return [_as_list(spec.get(name)) for name in output_names]
    if isinstance(spec, list | tuple):
        if (
            count > 1
            and len(spec) == count
            and all(isinstance(s, list | tuple) or s is None for s in spec)
        ):
            return [_as_list(s) for s in spec]
        return [list(spec)] * count
    return [[spec]] * count


def _as_list(x):
    if x is None:
        return []
    return list(x) if isinstance(x, list | tuple) else [x]


def _combine(weight, mask):
    if weight is None:
        return mask
    if mask is None:
        return weight
    while weight.ndim > mask.ndim:
        mask = ops.expand_dims(mask, -1)
    return weight * ops.cast(mask, weight.dtype)

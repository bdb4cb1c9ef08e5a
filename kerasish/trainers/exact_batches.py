"""Whether user code can see a batch's rows, so a short last batch must not be padded.

kerasish pads a last short batch and masks the padding out, which saves one
compilation; that is only sound where kerasish controls everything that sees the
batch: built-in layers without batch statistics, built-in losses and metrics
(they honour the mask) and the built-in steps. Anything else (a user metric that
counts rows, a user loss summing per-sample values, an overridden `train_step`,
a user layer, `add_loss`, BatchNormalization's batch statistics) would see the
padded rows, so the last batch then runs at its true size: one more compiled
step, as in Keras.
"""


def _uses_batch_statistics(layer):
    """Whether the layer normalizes by statistics of the batch when training."""
    from kerasish.layers.normalization.batch_normalization import BatchNormalization

    return isinstance(layer, BatchNormalization)


def is_builtin(obj):
    """Whether `obj`'s class is kerasish's own (not a user's subclass)."""
    return type(obj).__module__.startswith("kerasish.")


def _builtin_function(fn):
    return getattr(fn, "__module__", "") and fn.__module__.startswith("kerasish.")


def _builtin_loss(loss):
    if loss is None:
        return True
    if not is_builtin(loss) or getattr(loss, "reduction", "x") in (None, "none"):
        return False
    fn = getattr(loss, "fn", None)
    return fn is None or bool(_builtin_function(fn))


def _builtin_metric(metric):
    if not is_builtin(metric):
        return False
    fn = getattr(metric, "_fn", None)
    return fn is None or bool(_builtin_function(fn))


def has_stateful_layers(model):
    """Whether a layer of `model` is `stateful` (an RNN built for one batch
    size, whose state each batch moves on): its batches run one by one at
    their own size, never merged or padded."""
    return any(getattr(layer, "stateful", False) for layer in model._flatten_layers())


def user_code_sees_rows(model, kind):
    """True when a padded row could reach user code (or a batch statistic).

    Args:
        model: The model being trained, evaluated or run.
        kind: `"train"`, `"test"` or `"predict"`.
    """
    from kerasish.trainers.trainer import Trainer

    cls = type(model)
    if kind == "predict":
        if cls.predict_step is not Trainer.predict_step:
            return True
    elif (
        cls.train_step is not Trainer.train_step
        or cls.test_step is not Trainer.test_step
        or cls.compute_loss is not Trainer.compute_loss
    ):
        return True
    if not cls.__module__.startswith("kerasish."):
        return True  # a subclassed model: its `call` is user code
    for layer in model._flatten_layers():
        if layer is model:
            continue
        if not is_builtin(layer):
            return True
        if getattr(layer, "activity_regularizer", None) is not None:
            return True
        if getattr(layer, "stateful", False):
            return True
        if kind == "train" and _uses_batch_statistics(layer):
            return True
    if kind == "predict":
        return False
    compile_loss = model._compile_loss
    if compile_loss is not None and getattr(compile_loss, "built", False):
        for entry in compile_loss.losses:
            if entry is not None and not _builtin_loss(entry[1]):
                return True
    metrics = model._compile_metrics
    if metrics is not None and getattr(metrics, "built", False):
        if not all(_builtin_metric(m) for m in metrics.metrics):
            return True
    return False

"""Distillation losses: how a student's outputs are matched to a teacher's.

A `DistillationLoss` turns teacher and student outputs (or intermediate features)
into one scalar; `Distiller` weights and sums them. As in Keras 3:

- `LogitsDistillation(temperature=T, loss=...)` divides both logits by `T`, then
  applies `loss(teacher, student)`. A `KLDivergence` *instance* is applied to
  `softmax(logits / T)` and the result scaled by `T**2`; any other loss, including
  the default `"kl_divergence"` (which names the *function*, not the class), gets
  the scaled logits directly.
- `FeatureDistillation(loss=..., teacher_layer_name=..., student_layer_name=...)`
  applies `mean(loss(teacher_features, student_features))`, to the final outputs or
  to the named layers' outputs.

A nested `loss` (list or dict) matches a multi-output structure; a `None` entry
skips that output. Each output's loss is averaged, then the outputs' losses summed.
"""

import numbers

from kerasish import losses as losses_lib
from kerasish import ops, tree
from kerasish.serialization import register_builtin, serialize_keras_object


def _convert_loss_to_function(loss_item, owner="DistillationLoss"):
    """A loss name, `Loss` instance or function, or `None`, as a callable (or None)."""
    if loss_item is None:
        return None
    if isinstance(loss_item, str):
        # An unknown name raises ValueError listing the valid ones.
        return losses_lib.get(loss_item)
    if not callable(loss_item):
        raise ValueError(
            f"{owner}: each entry of `loss` must be a loss name (e.g. 'mse'), a "
            "`kerasish.losses.Loss` instance, a function `fn(y_true, y_pred)` or "
            f"`None`; got {loss_item!r} of type {type(loss_item).__name__}."
        )
    return loss_item


def _convert_losses(loss, owner):
    return tree.map_structure(lambda item: _convert_loss_to_function(item, owner), loss)


def _is_config_leaf(value):
    return value is None or isinstance(value, str) or "class_name" in value


def _deserialize_losses(config):
    """Inverse of `serialize_keras_object` on a (possibly nested) loss structure."""
    if isinstance(config, dict) and not _is_config_leaf(config):
        return {key: _deserialize_losses(value) for key, value in config.items()}
    if isinstance(config, list | tuple):
        return [_deserialize_losses(value) for value in config]
    if config is None:
        return None
    return losses_lib.deserialize(config)


def _serialize_losses(loss):
    """A loss structure's config, readable by Keras 3 as well as kerasish.

    Keras names a built-in loss function `{"module": "builtins", "class_name":
    "function", "config": name, "registered_name": "function"}`; kerasish's own
    functions are written the same way so that Keras can load the config.
    """

    def one(item):
        if (
            callable(item)
            and not hasattr(item, "get_config")
            and getattr(item, "__module__", "").startswith("kerasish.losses")
        ):
            return {
                "module": "builtins",
                "class_name": "function",
                "config": item.__name__,
                "registered_name": "function",
            }
        return serialize_keras_object(item)

    return tree.map_structure(one, loss)


def _structure(value):
    """A short picture of a nested structure (`[*, {'a': *}]`), for messages."""
    return repr(tree.map_structure(lambda _: "*", value)).replace("'*'", "*")


def _sum_losses(loss_values):
    return ops.sum(ops.stack(tree.flatten(loss_values)))


@register_builtin("distillation")
class DistillationLoss:
    """Base class of distillation losses.

    A subclass overrides `compute_loss(teacher_outputs, student_outputs, **kwargs)`
    and returns a scalar. `validate_outputs` checks the two structures agree (the
    `Distiller` calls it before every `compute_loss`), and
    `validate_model_compatibility(teacher, student)` runs once, when the
    `Distiller` is built.

    Example:
    >>> class MeanGap(kerasish.distillation.DistillationLoss):
    ...     def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
    ...         return kerasish.ops.mean(
    ...             kerasish.ops.abs(teacher_outputs - student_outputs))
    >>> float(MeanGap().compute_loss(np.ones((2, 3)), np.zeros((2, 3))))
    1.0
    """

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """Returns the scalar distillation loss of teacher vs student outputs.

        Args:
            teacher_outputs: The teacher's outputs (a tensor or a structure).
            student_outputs: The student's outputs, with the same structure.
            **kwargs: Extra arguments for custom losses.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement `compute_loss(teacher_outputs, "
            "student_outputs, **kwargs)` returning a scalar: subclasses of "
            "DistillationLoss override it."
        )

    def validate_outputs(self, teacher_outputs, student_outputs):
        """Raises ValueError unless teacher and student outputs share a structure."""
        try:
            tree.assert_same_structure(teacher_outputs, student_outputs)
        except (ValueError, TypeError) as error:
            raise ValueError(
                f"{type(self).__name__}: teacher and student outputs must have the "
                f"same structure; teacher: {_structure(teacher_outputs)}, student: "
                f"{_structure(student_outputs)} ({error}). Give both models the "
                "same outputs (one tensor, or lists/dicts with the same keys)."
            ) from None

    def validate_model_compatibility(self, teacher, student):
        """Raises ValueError if this loss cannot apply to `teacher` and `student`."""


@register_builtin("distillation")
class FeatureDistillation(DistillationLoss):
    """Matches intermediate features (or final outputs) of teacher and student.

    The loss is `mean(loss(teacher_features, student_features))`, summed over the
    outputs of a nested `loss`. The features are the named layers' outputs (the
    teacher and student must then be functional or `Sequential` models), or the
    final outputs when the names are `None`.

    Args:
        loss: A loss name (`"mse"`, `"cosine_similarity"`), a `Loss` instance, a
            function, or a nested structure of them matching the features, with
            `None` to skip an output. At least one must be non-`None`. Defaults to
            `"mse"`.
        teacher_layer_name: The teacher layer whose output is distilled; `None`
            uses the teacher's final output.
        student_layer_name: The student layer matched to it; `None` uses the
            student's final output.

    Example:
    >>> fd = kerasish.distillation.FeatureDistillation(loss="mse")
    >>> float(fd.compute_loss(np.ones((2, 3)), np.zeros((2, 3))))
    1.0
    """

    def __init__(self, loss="mse", teacher_layer_name=None, student_layer_name=None):
        for arg, value in (
            ("teacher_layer_name", teacher_layer_name),
            ("student_layer_name", student_layer_name),
        ):
            if value is not None and not isinstance(value, str):
                raise ValueError(
                    f"FeatureDistillation: `{arg}` must be a layer name (str) or "
                    f"None, got {value!r} of type {type(value).__name__}."
                )
        self.teacher_layer_name = teacher_layer_name
        self.student_layer_name = student_layer_name
        self.loss = _convert_losses(loss, "FeatureDistillation")
        if all(item is None for item in tree.flatten(self.loss)):
            raise ValueError(
                "The `loss` argument in `FeatureDistillation` must contain at least "
                f"one non-`None` value; got loss={loss!r}. Pass e.g. loss='mse'."
            )

    def validate_model_compatibility(self, teacher, student):
        """Checks the named layers exist and their models are functional."""
        if self.teacher_layer_name is not None or self.student_layer_name is not None:
            subclassed = [
                role
                for role, model in (("teacher", teacher), ("student", student))
                if getattr(model, "inputs", None) is None
            ]
            if subclassed:
                names = " and ".join(subclassed)
                raise ValueError(
                    "FeatureDistillation with specific layer names requires "
                    f"Functional or Sequential models. The {names} model(s) appear "
                    "to be subclassed (no symbolic inputs/outputs). Either use "
                    "Functional/Sequential models, or use FeatureDistillation "
                    "without layer names (to distill final outputs only), or use "
                    "LogitsDistillation instead."
                )
        for role, model, name in (
            ("teacher", teacher, self.teacher_layer_name),
            ("student", student, self.student_layer_name),
        ):
            if name is None:
                continue
            try:
                model.get_layer(name=name)
            except ValueError as error:
                raise ValueError(f"In {role} model: {error}") from None

    def validate_outputs(self, teacher_outputs, student_outputs):
        """Checks teacher, student and `loss` structures agree."""
        super().validate_outputs(teacher_outputs, student_outputs)
        try:
            tree.assert_same_structure(self.loss, teacher_outputs)
        except (ValueError, TypeError) as error:
            raise ValueError(
                "FeatureDistillation: loss structure mismatch. Loss structure: "
                f"{_structure(self.loss)}, output structure: "
                f"{_structure(teacher_outputs)} ({error}). Give one loss (or "
                "None) per feature tensor."
            ) from None

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """Returns `sum over outputs of mean(loss(teacher, student))`, a scalar."""

        def apply_loss(loss_fn, teacher_features, student_features):
            if loss_fn is None:
                return 0.0
            return ops.mean(loss_fn(teacher_features, student_features))

        return _sum_losses(
            tree.map_structure(apply_loss, self.loss, teacher_outputs, student_outputs)
        )

    def get_config(self):
        return {
            "loss": _serialize_losses(self.loss),
            "teacher_layer_name": self.teacher_layer_name,
            "student_layer_name": self.student_layer_name,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["loss"] = _deserialize_losses(config["loss"])
        return cls(**config)


@register_builtin("distillation")
class LogitsDistillation(DistillationLoss):
    """Matches temperature-softened teacher and student logits.

    Both logits are divided by `temperature` first. With a `KLDivergence` instance
    the loss is `T**2 * mean(KL(softmax(t / T), softmax(s / T)))` (the `T**2`
    keeps gradient sizes comparable across temperatures); any other loss (a name,
    which gives the loss *function*, or an instance) is
    `mean(loss(t / T, s / T))` on the scaled logits, as in Keras 3.

    Args:
        temperature: Positive number; higher values give softer distributions.
            Defaults to 3.0.
        loss: A loss name, `Loss` instance or function, or a nested structure of
            them matching the outputs, with `None` to skip an output. At least one
            must be non-`None`. Defaults to `"kl_divergence"`.

    Example:
    >>> ld = kerasish.distillation.LogitsDistillation(
    ...     temperature=2.0, loss=kerasish.losses.KLDivergence())
    >>> float(ld.compute_loss(np.zeros((1, 3)), np.zeros((1, 3))))
    0.0
    """

    def __init__(self, temperature=3.0, loss="kl_divergence"):
        self.temperature = temperature
        self.loss = _convert_losses(loss, "LogitsDistillation")
        if all(item is None for item in tree.flatten(self.loss)):
            raise ValueError(
                "LogitsDistillation: at least one loss must be non-`None`; got "
                f"loss={loss!r}. Pass e.g. loss='kl_divergence'."
            )
        if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real):
            raise ValueError(
                "LogitsDistillation: `temperature` must be a number, got "
                f"{temperature!r} of type {type(temperature).__name__}. Typical "
                "values are 2 to 5."
            )
        if not temperature > 0:
            raise ValueError(
                f"LogitsDistillation: `temperature` must be positive, got "
                f"{temperature!r}. Typical values are 2 to 5."
            )

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """Returns the summed per-output loss of the temperature-scaled logits."""
        temperature = self.temperature
        teacher_scaled = tree.map_structure(
            lambda x: ops.divide(x, temperature), teacher_outputs
        )
        student_scaled = tree.map_structure(
            lambda x: ops.divide(x, temperature), student_outputs
        )

        def apply_loss(loss_fn, teacher_logits, student_logits):
            if loss_fn is None:
                return 0.0
            if isinstance(loss_fn, losses_lib.KLDivergence):
                teacher_probs = ops.softmax(teacher_logits, axis=-1)
                student_probs = ops.softmax(student_logits, axis=-1)
                loss = ops.mean(loss_fn(teacher_probs, student_probs))
                return loss * (temperature**2)
            return ops.mean(loss_fn(teacher_logits, student_logits))

        return _sum_losses(
            tree.map_structure(apply_loss, self.loss, teacher_scaled, student_scaled)
        )

    def get_config(self):
        return {
            "temperature": self.temperature,
            "loss": _serialize_losses(self.loss),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["loss"] = _deserialize_losses(config["loss"])
        return cls(**config)

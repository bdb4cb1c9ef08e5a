"""`Distiller`: trains a student model on labels and on a frozen teacher's outputs.

The loss of one batch is

    total = w * student_loss + (1 - w) * sum_i(weight_i * distillation_loss_i)

with `w = student_loss_weight`; `student_loss` is the compiled `loss(y, y_pred)`
(averaged to a scalar) and each `distillation_loss_i` compares teacher and student
outputs or features (see `distillation_loss.py`). `compute_loss` also updates three
`Mean` trackers (`student_loss`, `distillation_loss`, `total_loss`), which appear
in `fit`'s logs beside `loss` and the compiled metrics, as in Keras 3.
"""

import numbers
import warnings

from kerasish import ops, tree
from kerasish.distillation.distillation_loss import _convert_loss_to_function
from kerasish.metrics import Mean
from kerasish.models.model import Model
from kerasish.serialization import register_builtin, serialize_keras_object

_FINAL = "final_output"


def _is_number(value):
    return not isinstance(value, bool) and isinstance(value, numbers.Real)


@register_builtin("distillation")
class Distiller(Model):
    """Knowledge distillation: a student learns from labels and from a teacher.

    The teacher is frozen (`teacher.trainable = False`); `distiller(x)` and
    `predict` return the student's outputs; after `fit`, `distiller.student` is the
    trained model.

    Args:
        teacher: A trained `kerasish.Model`, the source of knowledge.
        student: The `kerasish.Model` to train. Its inputs and outputs must have the
            teacher's shapes and dtypes (where both models declare them).
        distillation_losses: A `DistillationLoss` (`LogitsDistillation`,
            `FeatureDistillation`, or a subclass) or a list of them.
        distillation_loss_weights: One weight per distillation loss (list given);
            `None` weighs each 1.0. A single, non-list loss always has weight 1.0.
        student_loss_weight: Weight `w` in `[0, 1]` of the supervised loss; the
            distillation losses get `1 - w`. Defaults to 0.5.
        name: The model's name. Defaults to `"distiller"`.
        **kwargs: Passed to `Model` (`trainable`, `dtype`).

    Example:
    >>> teacher = kerasish.Sequential([kerasish.Input((4,)), kerasish.layers.Dense(3)])
    >>> student = kerasish.Sequential([kerasish.Input((4,)), kerasish.layers.Dense(3)])
    >>> distiller = kerasish.distillation.Distiller(
    ...     teacher, student, kerasish.distillation.LogitsDistillation(temperature=3.0))
    >>> distiller.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    >>> teacher.trainable
    False
    """

    def __init__(
        self,
        teacher,
        student,
        distillation_losses,
        distillation_loss_weights=None,
        student_loss_weight=0.5,
        name="distiller",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        self._validate_models(teacher, student)
        self.teacher = teacher
        self.student = student

        if not _is_number(student_loss_weight):
            raise ValueError(
                "Distiller: `student_loss_weight` must be a number in [0, 1], got "
                f"{student_loss_weight!r} of type {type(student_loss_weight).__name__}."
            )
        if not 0.0 <= student_loss_weight <= 1.0:
            raise ValueError(
                "Distiller: `student_loss_weight` must be between 0.0 and 1.0, got "
                f"{student_loss_weight}. It weighs the supervised loss; the "
                "distillation losses get 1 - student_loss_weight."
            )
        self.student_loss_weight = student_loss_weight

        if distillation_losses is None:
            raise ValueError(
                "Distiller: 'distillation_losses' cannot be `None`. Provide a "
                "distillation loss (e.g., LogitsDistillation or FeatureDistillation) "
                "or a list of distillation losses."
            )
        if not isinstance(distillation_losses, list | tuple):
            if distillation_loss_weights is not None and list(
                distillation_loss_weights
            ) != [1.0]:
                # Keras's rule: a single loss has weight 1.0. Scale it with
                # `student_loss_weight`, or pass the loss in a list.
                warnings.warn(
                    "Distiller: `distillation_loss_weights` is ignored when "
                    "`distillation_losses` is a single loss (its weight is 1.0); "
                    "pass `distillation_losses=[loss]` to weigh it.",
                    stacklevel=2,
                )
            self.distillation_losses = [distillation_losses]
            self.distillation_loss_weights = [1.0]
        else:
            if not distillation_losses:
                raise ValueError(
                    "Distiller: 'distillation_losses' is empty; give at least one "
                    "distillation loss (e.g., LogitsDistillation())."
                )
            self.distillation_losses = distillation_losses
            if distillation_loss_weights is None:
                self.distillation_loss_weights = [1.0] * len(distillation_losses)
            else:
                if len(distillation_loss_weights) != len(distillation_losses):
                    raise ValueError(
                        "Distiller: number of distillation_loss_weights "
                        f"({len(distillation_loss_weights)}) must match number of "
                        f"distillation_losses ({len(distillation_losses)}); give one "
                        "weight per loss."
                    )
                bad = [w for w in distillation_loss_weights if not _is_number(w)]
                if bad:
                    raise ValueError(
                        "Distiller: `distillation_loss_weights` must be numbers, got "
                        f"{list(distillation_loss_weights)!r}."
                    )
                self.distillation_loss_weights = distillation_loss_weights
        for index, loss in enumerate(self.distillation_losses):
            if not callable(getattr(loss, "compute_loss", None)):
                raise ValueError(
                    "Distiller: each distillation loss must be a "
                    "`kerasish.distillation.DistillationLoss` (e.g. "
                    f"LogitsDistillation()), got {loss!r} of type "
                    f"{type(loss).__name__} at position {index}."
                )
            self._validate_distillation_loss_compatibility(teacher, student, loss)

        self._create_multi_feature_extractors()
        self.teacher.trainable = False

        self.student_loss_tracker = Mean(name="student_loss")
        self.distillation_loss_tracker = Mean(name="distillation_loss")
        self.total_loss_tracker = Mean(name="total_loss")

    # -- validation ----------------------------------------------------------
    def _validate_models(self, teacher, student):
        for role, model in (("teacher", teacher), ("student", student)):
            if not isinstance(model, Model):
                raise ValueError(
                    f"Distiller: `{role}` must be a kerasish.Model (e.g. a "
                    "Sequential or functional model), got "
                    f"{model!r} of type {type(model).__name__}."
                )
        self._validate_input_compatibility(teacher, student)
        self._validate_output_compatibility(teacher, student)
        self._validate_dtype_compatibility(teacher, student)

    def _assert_shapes_are_compatible(self, shape1, shape2, context):
        shape1, shape2 = tuple(shape1), tuple(shape2)
        if len(shape1) != len(shape2):
            raise ValueError(
                f"Teacher and student {context} shapes have different dimensions. "
                f"Teacher: {shape1}, Student: {shape2}."
            )
        for dim1, dim2 in zip(shape1, shape2):
            if dim1 is not None and dim2 is not None and dim1 != dim2:
                raise ValueError(
                    f"Teacher and student {context} shapes are incompatible. "
                    f"Teacher: {shape1}, Student: {shape2}. All dimensions must "
                    "match."
                )

    def _assert_same_dtype(self, teacher_dtype, student_dtype, context):
        if teacher_dtype != student_dtype:
            raise ValueError(
                f"Teacher and student {context} dtypes must match. Teacher: "
                f"{teacher_dtype}, Student: {student_dtype}."
            )

    def _symbolic(self, model, attribute):
        return getattr(model, attribute, None)

    def _map_pairs(self, fn, teacher_values, student_values, context):
        try:
            tree.assert_same_structure(teacher_values, student_values)
        except (ValueError, TypeError):
            raise ValueError(
                f"Teacher and student {context}s have different structures: "
                f"teacher has {len(tree.flatten(teacher_values))}, student has "
                f"{len(tree.flatten(student_values))}. Give both models the same "
                f"{context}s."
            ) from None
        tree.map_structure(fn, teacher_values, student_values)

    def _validate_input_compatibility(self, teacher, student):
        t, s = self._symbolic(teacher, "inputs"), self._symbolic(student, "inputs")
        if t is None or s is None:
            return
        self._map_pairs(
            lambda ti, si: self._assert_shapes_are_compatible(
                ti.shape, si.shape, "input"
            ),
            t,
            s,
            "input",
        )

    def _validate_output_compatibility(self, teacher, student):
        t, s = self._symbolic(teacher, "outputs"), self._symbolic(student, "outputs")
        if t is None or s is None:
            return
        self._map_pairs(
            lambda to, so: self._assert_shapes_are_compatible(
                to.shape, so.shape, "output"
            ),
            t,
            s,
            "output",
        )

    def _validate_dtype_compatibility(self, teacher, student):
        for attribute, context in (("inputs", "input"), ("outputs", "output")):
            t = self._symbolic(teacher, attribute)
            s = self._symbolic(student, attribute)
            if t is None or s is None:
                return
            tree.map_structure(
                lambda a, b, c=context: self._assert_same_dtype(a.dtype, b.dtype, c),
                t,
                s,
            )

    def _validate_distillation_loss_compatibility(
        self, teacher, student, distillation_loss
    ):
        distillation_loss.validate_model_compatibility(teacher, student)

    # -- feature extraction --------------------------------------------------
    def _create_multi_feature_extractors(self):
        """One model per side returning every needed feature in one forward pass."""
        teacher_names, student_names = [], []
        for loss in self.distillation_losses:
            for attribute, names in (
                ("teacher_layer_name", teacher_names),
                ("student_layer_name", student_names),
            ):
                name = getattr(loss, attribute, None)
                if name and name not in names:
                    names.append(name)
        self._teacher_feature_extractor = self._create_feature_extractor(
            self.teacher, teacher_names
        )
        self._student_feature_extractor = self._create_feature_extractor(
            self.student, student_names
        )

    def _create_feature_extractor(self, model, layer_names):
        """A functional model `x -> {"final_output": ..., name: layer output}`."""
        if not layer_names:
            return None
        if getattr(model, "inputs", None) is None:
            raise ValueError(
                f"Cannot create feature extractor for {model.name}. The model has "
                "no symbolic inputs attribute: build it from `kerasish.Input` (a "
                "functional or Sequential model)."
            )
        from kerasish.models.sequential import Sequential

        if isinstance(model, Sequential):
            final_output = model.layers[-1].output
        else:
            final_output = model.output
        outputs = {_FINAL: final_output}
        for layer_name in layer_names:
            outputs[layer_name] = model.get_layer(name=layer_name).output
        return Model(
            inputs=model.inputs,
            outputs=outputs,
            name=f"{model.name}_multi_feature_extractor",
        )

    def _extract_all_teacher_features(self, x):
        if self._teacher_feature_extractor is not None:
            return self._teacher_feature_extractor(x, training=False)
        return {_FINAL: self.teacher(x, training=False)}

    def _extract_all_student_features(self, x, y_pred):
        if self._student_feature_extractor is not None:
            return self._student_feature_extractor(x, training=True)
        return {_FINAL: y_pred}

    def _get_distillation_loss_features(
        self, distillation_loss, all_features, is_teacher
    ):
        attribute = "teacher_layer_name" if is_teacher else "student_layer_name"
        layer_name = getattr(distillation_loss, attribute) or _FINAL
        if layer_name not in all_features:
            raise ValueError(
                f"Layer '{layer_name}' not found in extracted features. "
                f"Available: {list(all_features.keys())}"
            )
        return all_features[layer_name]

    # -- training ------------------------------------------------------------
    def compile(self, optimizer="adam", loss=None, metrics=None, **kwargs):
        """Configures training of the student.

        Args:
            optimizer: Optimizer for the student's weights. Defaults to `"adam"`.
            loss: The student's supervised loss (required): a name, `Loss` or
                function, or one per output.
            metrics: A list or tuple of metrics on the student's outputs.
            **kwargs: Passed to `Model.compile` (`steps_per_execution`, ...).
        """
        if loss is None:
            raise ValueError(
                "Distiller.compile: 'loss' cannot be `None`; give the student's "
                "supervised loss, e.g. loss='sparse_categorical_crossentropy'."
            )
        self._student_loss = tree.map_structure(
            lambda item: _convert_loss_to_function(item, "Distiller.compile"), loss
        )
        self._student_loss_for_serialization = loss
        if metrics is not None and not isinstance(metrics, list | tuple):
            raise ValueError(
                "Distiller.compile: metrics must be a list or tuple, got "
                f"{metrics!r} of type {type(metrics).__name__}; e.g. "
                "metrics=['accuracy']."
            )
        super().compile(optimizer=optimizer, loss=None, metrics=metrics, **kwargs)

    def call(self, inputs, training=None, **kwargs):
        """The student's outputs for `inputs`."""
        return self.student(inputs, training=training, **kwargs)

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        """`w * student_loss + (1 - w) * weighted distillation losses`, a scalar.

        Also updates the `student_loss`, `distillation_loss` and `total_loss`
        trackers. `sample_weight` is not used, as in Keras 3.
        """
        if y_pred is None:
            y_pred = self(x, training=training)

        student_loss = 0.0
        if self.student_loss_weight > 0.0 and y is not None:
            loss_values = tree.map_structure(
                lambda loss_fn, target, prediction: loss_fn(target, prediction),
                self._student_loss,
                y,
                y_pred,
            )
            flat = tree.flatten(loss_values)
            student_loss = ops.sum(ops.stack(flat)) if len(flat) > 1 else flat[0]
            if len(ops.shape(student_loss)) > 0:
                student_loss = ops.mean(student_loss)

        distillation_loss = 0.0
        if self.student_loss_weight < 1.0:
            teacher_features = self._extract_all_teacher_features(x)
            student_features = self._extract_all_student_features(x, y_pred)
            for loss_fn, weight in zip(
                self.distillation_losses, self.distillation_loss_weights
            ):
                if getattr(loss_fn, "teacher_layer_name", None) is not None:
                    try:
                        teacher_output = self._get_distillation_loss_features(
                            loss_fn, teacher_features, is_teacher=True
                        )
                        student_output = self._get_distillation_loss_features(
                            loss_fn, student_features, is_teacher=False
                        )
                    except ValueError as error:
                        raise RuntimeError(
                            f"Failed to extract features for {type(loss_fn).__name__} "
                            f"targeting teacher layer '{loss_fn.teacher_layer_name}' "
                            f"and student layer '{loss_fn.student_layer_name}'. "
                            f"Original error: {error}"
                        ) from error
                else:
                    teacher_output = teacher_features[_FINAL]
                    student_output = y_pred
                loss_fn.validate_outputs(teacher_output, student_output)
                value = loss_fn.compute_loss(teacher_output, student_output)
                shape = tuple(ops.shape(value)) if hasattr(value, "shape") else ()
                if len(shape) > 0:
                    raise ValueError(
                        f"Distillation loss {type(loss_fn).__name__} returned a "
                        f"non-scalar loss with shape {shape}. The compute_loss "
                        "method must return a scalar tensor (e.g. reduce it with "
                        "ops.mean)."
                    )
                distillation_loss = ops.add(
                    distillation_loss, ops.multiply(weight, value)
                )

        total_loss = ops.add(
            ops.multiply(self.student_loss_weight, student_loss),
            ops.multiply(
                ops.subtract(1.0, self.student_loss_weight), distillation_loss
            ),
        )
        self.student_loss_tracker.update_state(student_loss)
        self.distillation_loss_tracker.update_state(distillation_loss)
        self.total_loss_tracker.update_state(total_loss)
        return total_loss

    def reset_metrics(self):
        """Resets the compiled metrics and the three loss trackers."""
        parent = getattr(super(), "reset_metrics", None)
        if parent is not None:
            parent()
        self.student_loss_tracker.reset_state()
        self.distillation_loss_tracker.reset_state()
        self.total_loss_tracker.reset_state()

    # -- config --------------------------------------------------------------
    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "teacher": serialize_keras_object(self.teacher),
                "student": serialize_keras_object(self.student),
                "distillation_losses": [
                    serialize_keras_object(loss) for loss in self.distillation_losses
                ],
                "distillation_loss_weights": self.distillation_loss_weights,
                "student_loss_weight": self.student_loss_weight,
            }
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from kerasish.saving.serialization import deserialize_keras_object

        config = dict(config)
        for key in ("teacher", "student"):
            config[key] = deserialize_keras_object(
                config[key], custom_objects=custom_objects
            )
        config["distillation_losses"] = [
            deserialize_keras_object(loss, custom_objects=custom_objects)
            for loss in config["distillation_losses"]
        ]
        return cls(**config)

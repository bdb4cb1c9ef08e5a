"""Knowledge distillation: a Distiller model overriding compile, compute_loss
and call."""

import os

import numpy as np


def run(keras, workdir):
    layers, ops = keras.layers, keras.ops
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(42)

    # A small image task: the class is the brightest quadrant of an 8x8 image.
    def make_data(n):
        images = rng.normal(size=(n, 8, 8, 1)).astype("float32") * 0.5
        labels = rng.integers(0, 4, size=(n,))
        for i, label in enumerate(labels):
            r, c = divmod(int(label), 2)
            images[i, 4 * r : 4 * r + 4, 4 * c : 4 * c + 4, 0] += 1.0
        return images, labels.astype("int32")

    x_train, y_train = make_data(384)
    x_test, y_test = make_data(128)

    class Distiller(keras.Model):
        def __init__(self, student, teacher):
            super().__init__()
            self.teacher = teacher
            self.student = student

        def compile(
            self,
            optimizer,
            metrics,
            student_loss_fn,
            distillation_loss_fn,
            alpha=0.1,
            temperature=3,
        ):
            super().compile(optimizer=optimizer, metrics=metrics)
            self.student_loss_fn = student_loss_fn
            self.distillation_loss_fn = distillation_loss_fn
            self.alpha = alpha
            self.temperature = temperature

        def compute_loss(
            self, x=None, y=None, y_pred=None, sample_weight=None, allow_empty=False
        ):
            teacher_pred = self.teacher(x, training=False)
            student_loss = self.student_loss_fn(y, y_pred)
            distillation_loss = self.distillation_loss_fn(
                ops.softmax(teacher_pred / self.temperature, axis=1),
                ops.softmax(y_pred / self.temperature, axis=1),
            ) * (self.temperature**2)
            loss = self.alpha * student_loss + (1 - self.alpha) * distillation_loss
            return loss

        def call(self, x):
            return self.student(x)

    teacher = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            layers.Conv2D(16, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="same"),
            layers.Conv2D(32, (3, 3), strides=(2, 2), padding="same"),
            layers.Flatten(),
            layers.Dense(4),
        ],
        name="teacher",
    )
    student = keras.Sequential(
        [
            keras.Input(shape=(8, 8, 1)),
            layers.Conv2D(4, (3, 3), strides=(2, 2), padding="same"),
            layers.LeakyReLU(negative_slope=0.2),
            layers.MaxPooling2D(pool_size=(2, 2), strides=(1, 1), padding="same"),
            layers.Conv2D(8, (3, 3), strides=(2, 2), padding="same"),
            layers.Flatten(),
            layers.Dense(4),
        ],
        name="student",
    )
    student_scratch = keras.models.clone_model(student)

    def seeded(model, seed):
        r = np.random.default_rng(seed)
        return [
            (r.normal(size=w.shape) * 0.2).astype("float32")
            for w in model.get_weights()
        ]

    teacher.set_weights(seeded(teacher, 1))
    student_init = seeded(student, 2)
    student.set_weights(student_init)
    student_scratch.set_weights(student_init)

    # Train the teacher as usual.
    teacher.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    h_teacher = teacher.fit(
        x_train, y_train, epochs=3, batch_size=64, shuffle=False, verbose=0
    )
    teacher_eval = teacher.evaluate(x_test, y_test, batch_size=64, verbose=0)
    assert teacher_eval[1] > 0.5, teacher_eval  # well above chance (0.25)
    teacher_weights_before = [w.copy() for w in teacher.get_weights()]

    # Distill the teacher into the student.
    distiller = Distiller(student=student, teacher=teacher)
    distiller.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-2),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
        student_loss_fn=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        distillation_loss_fn=keras.losses.KLDivergence(),
        alpha=0.1,
        temperature=10,
    )
    h_distill = distiller.fit(
        x_train, y_train, epochs=3, batch_size=64, shuffle=False, verbose=0
    )
    distill_eval = distiller.evaluate(x_test, y_test, batch_size=64, verbose=0)
    distill_eval_dict = distiller.evaluate(
        x_test, y_test, batch_size=64, verbose=0, return_dict=True
    )
    assert h_distill.history["loss"][-1] < h_distill.history["loss"][0]
    teacher_moved = max(
        float(np.max(np.abs(a - b)))
        for a, b in zip(teacher_weights_before, teacher.get_weights())
    )

    # The same student architecture trained from scratch, for comparison.
    student_scratch.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    h_scratch = student_scratch.fit(
        x_train, y_train, epochs=3, batch_size=64, shuffle=False, verbose=0
    )
    scratch_eval = student_scratch.evaluate(x_test, y_test, batch_size=64, verbose=0)

    # The distilled student is a plain Sequential model: predict, save, reload.
    student_pred = distiller.student.predict(x_test[:8], verbose=0)
    distiller_pred = distiller.predict(x_test[:8], verbose=0)
    np.testing.assert_allclose(student_pred, distiller_pred, rtol=1e-5, atol=1e-6)
    path = os.path.join(workdir, "student.keras")
    distiller.student.save(path)
    reloaded = keras.saving.load_model(path)
    np.testing.assert_allclose(
        reloaded.predict(x_test[:8], verbose=0), student_pred, rtol=1e-5, atol=1e-6
    )

    lines = []
    student.summary(print_fn=lambda line, **kwargs: lines.append(line))
    distiller_lines = []
    distiller.summary(print_fn=lambda line, **kwargs: distiller_lines.append(line))

    return {
        "same_teacher_history_keys": sorted(h_teacher.history),
        "close_teacher_loss": h_teacher.history["loss"],
        "close_teacher_acc": h_teacher.history["sparse_categorical_accuracy"],
        "close_teacher_eval": teacher_eval,
        "same_distill_history_keys": sorted(h_distill.history),
        "close_distill_loss": h_distill.history["loss"],
        "close_distill_acc": h_distill.history["sparse_categorical_accuracy"],
        "same_distill_eval_len": len(distill_eval),
        "close_distill_eval": distill_eval,
        "same_distill_eval_dict_keys": sorted(distill_eval_dict),
        "close_distill_eval_dict": [
            distill_eval_dict[k] for k in sorted(distill_eval_dict)
        ],
        "same_distiller_layers": [layer.name for layer in distiller.layers],
        "same_n_distiller_trainable": len(distiller.trainable_variables),
        "same_teacher_trained_during_distillation": teacher_moved > 1e-6,
        "close_teacher_after": [float(np.sum(w)) for w in teacher.get_weights()],
        "same_scratch_history_keys": sorted(h_scratch.history),
        "close_scratch_loss": h_scratch.history["loss"],
        "close_scratch_eval": scratch_eval,
        "same_scratch_layer_types": [
            type(layer).__name__ for layer in student_scratch.layers
        ],
        "same_scratch_name": student_scratch.name,
        "close_student_pred": student_pred,
        "same_pred_shape": student_pred.shape,
        "same_student_summary": "\n".join(lines),
        "same_distiller_summary": "\n".join(distiller_lines),
        "distill_acc": distill_eval[1],
        "scratch_acc": scratch_eval[1],
    }

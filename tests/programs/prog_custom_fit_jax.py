"""Customizing fit() with JAX: CustomModel(inputs, outputs), a stateless train_step."""

import numpy as np


def run(keras, workdir):
    import jax

    keras.utils.set_random_seed(0)

    class CustomModel(keras.Model):
        def compute_loss_and_updates(
            self, trainable_variables, non_trainable_variables, x, y, training=False
        ):
            y_pred, non_trainable_variables = self.stateless_call(
                trainable_variables, non_trainable_variables, x, training=training
            )
            loss = self.compute_loss(x, y, y_pred)
            return loss, (y_pred, non_trainable_variables)

        def train_step(self, state, data):
            (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                metrics_variables,
            ) = state
            x, y = data
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (loss, (y_pred, non_trainable_variables)), grads = grad_fn(
                trainable_variables, non_trainable_variables, x, y, training=True
            )
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables
            )
            new_metrics_vars = []
            logs = {}
            for metric in self.metrics:
                this_metric_vars = metrics_variables[
                    len(new_metrics_vars) : len(new_metrics_vars)
                    + len(metric.variables)
                ]
                if metric.name == "loss":
                    this_metric_vars = metric.stateless_update_state(
                        this_metric_vars, loss
                    )
                else:
                    this_metric_vars = metric.stateless_update_state(
                        this_metric_vars, y, y_pred
                    )
                logs[metric.name] = metric.stateless_result(this_metric_vars)
                new_metrics_vars += this_metric_vars
            state = (
                trainable_variables,
                non_trainable_variables,
                optimizer_variables,
                new_metrics_vars,
            )
            return logs, state

    inputs = keras.Input(shape=(32,))
    outputs = keras.layers.Dense(1)(inputs)
    model = CustomModel(inputs, outputs)
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    rng = np.random.default_rng(0)
    x = rng.random((1000, 32)).astype("float32")
    y = x @ rng.normal(size=(32, 1)).astype("float32") * 0.1
    kernel = rng.normal(size=(32, 1)).astype("float32") * 0.1
    model.layers[1].set_weights([kernel, np.zeros(1, "float32")])
    history = model.fit(x, y, epochs=3, batch_size=100, shuffle=False, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    return {
        "same_keys": sorted(history.history),
        "close_loss": history.history["loss"],
        "close_mae": history.history["mae"],
        "same_is_functional_input": tuple(model.inputs[0].shape),
    }

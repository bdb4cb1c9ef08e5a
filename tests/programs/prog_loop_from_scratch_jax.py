"""A training loop from scratch in JAX: stateless_call and stateless_apply."""

import numpy as np


def run(keras, workdir):
    import jax

    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(8,), name="digits")
    x1 = keras.layers.Dense(16, activation="relu")(inputs)
    outputs = keras.layers.Dense(3, name="predictions")(x1)
    model = keras.Model(inputs=inputs, outputs=outputs)
    rng = np.random.default_rng(0)
    model.set_weights(
        [rng.normal(size=w.shape).astype("float32") * 0.3 for w in model.get_weights()]
    )
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.Adam(learning_rate=1e-2)
    train_acc_metric = keras.metrics.SparseCategoricalAccuracy()
    optimizer.build(model.trainable_variables)

    def compute_loss_and_updates(trainable_variables, non_trainable_variables, x, y):
        y_pred, non_trainable_variables = model.stateless_call(
            trainable_variables, non_trainable_variables, x
        )
        loss = loss_fn(y, y_pred)
        return loss, (y_pred, non_trainable_variables)

    grad_fn = jax.value_and_grad(compute_loss_and_updates, has_aux=True)

    @jax.jit
    def train_step(state, data):
        (
            trainable_variables,
            non_trainable_variables,
            optimizer_variables,
            metric_variables,
        ) = state
        x, y = data
        (loss, (y_pred, non_trainable_variables)), grads = grad_fn(
            trainable_variables, non_trainable_variables, x, y
        )
        trainable_variables, optimizer_variables = optimizer.stateless_apply(
            optimizer_variables, grads, trainable_variables
        )
        metric_variables = train_acc_metric.stateless_update_state(
            metric_variables, y, y_pred
        )
        return loss, (
            trainable_variables,
            non_trainable_variables,
            optimizer_variables,
            metric_variables,
        )

    trainable_variables = [v.value for v in model.trainable_variables]
    non_trainable_variables = [v.value for v in model.non_trainable_variables]
    optimizer_variables = [v.value for v in optimizer.variables]
    metric_variables = [v.value for v in train_acc_metric.variables]
    state = (
        trainable_variables,
        non_trainable_variables,
        optimizer_variables,
        metric_variables,
    )
    x = rng.normal(size=(256, 8)).astype("float32")
    y = np.argmax(x[:, :3], axis=1)
    losses = []
    for step in range(16):
        sl = slice((step % 4) * 64, (step % 4 + 1) * 64)
        loss, state = train_step(state, (x[sl], y[sl]))
        losses.append(float(loss))
    (
        trainable_variables,
        non_trainable_variables,
        optimizer_variables,
        metric_variables,
    ) = state
    for variable, value in zip(model.trainable_variables, trainable_variables):
        variable.assign(value)
    acc = float(train_acc_metric.stateless_result(metric_variables))
    assert losses[-1] < losses[0]
    return {
        "close_losses": losses,
        "close_acc": acc,
        "close_pred": np.asarray(model.predict(x[:4], verbose=0)),
        "same_n_opt_vars": len(optimizer.variables),
    }

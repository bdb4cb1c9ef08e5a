"""A stateless training loop with metrics, then train_on_batch / test_on_batch."""

import numpy as np


def run(keras, workdir):
    import jax

    layers = keras.layers
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    proj = rng.normal(size=(12, 4))
    x_train = rng.normal(size=(256, 12)).astype("float32")
    y_train = np.argmax(x_train @ proj, axis=1).astype("int32")
    x_val = rng.normal(size=(64, 12)).astype("float32")
    y_val = np.argmax(x_val @ proj, axis=1).astype("int32")
    w_val = np.linspace(0.5, 1.5, 64).astype("float32")

    inputs = keras.Input(shape=(12,), name="features")
    h = layers.Dense(32, use_bias=False, name="dense_1")(inputs)
    h = layers.BatchNormalization(name="bn")(h)
    h = layers.Activation("relu", name="relu")(h)
    outputs = layers.Dense(4, name="predictions")(h)
    model = keras.Model(inputs=inputs, outputs=outputs)
    init = []
    for w in model.weights:
        if w.name in ("gamma", "moving_variance"):
            init.append(np.ones(w.shape, "float32"))
        else:
            init.append((rng.normal(size=w.shape) * 0.3).astype("float32"))
    model.set_weights(init)

    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.AdamW(learning_rate=5e-3, weight_decay=0.01)
    optimizer.build(model.trainable_variables)
    train_acc_metric = keras.metrics.SparseCategoricalAccuracy()
    train_loss_metric = keras.metrics.Mean(name="loss")
    val_acc_metric = keras.metrics.SparseCategoricalAccuracy()
    val_top2_metric = keras.metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")

    def compute_loss_and_updates(trainable_variables, non_trainable_variables, x, y):
        y_pred, non_trainable_variables = model.stateless_call(
            trainable_variables, non_trainable_variables, x, training=True
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
            acc_variables,
            loss_variables,
        ) = state
        x, y = data
        (loss, (y_pred, non_trainable_variables)), grads = grad_fn(
            trainable_variables, non_trainable_variables, x, y
        )
        trainable_variables, optimizer_variables = optimizer.stateless_apply(
            optimizer_variables, grads, trainable_variables
        )
        acc_variables = train_acc_metric.stateless_update_state(
            acc_variables, y, y_pred
        )
        loss_variables = train_loss_metric.stateless_update_state(loss_variables, loss)
        return loss, (
            trainable_variables,
            non_trainable_variables,
            optimizer_variables,
            acc_variables,
            loss_variables,
        )

    @jax.jit
    def eval_step(state, data):
        trainable_variables, non_trainable_variables, acc_variables, top2_variables = (
            state
        )
        x, y, sample_weight = data
        y_pred, _ = model.stateless_call(
            trainable_variables, non_trainable_variables, x, training=False
        )
        acc_variables = val_acc_metric.stateless_update_state(acc_variables, y, y_pred)
        top2_variables = val_top2_metric.stateless_update_state(
            top2_variables, y, y_pred, sample_weight=sample_weight
        )
        return acc_variables, top2_variables

    trainable_variables = [v.value for v in model.trainable_variables]
    non_trainable_variables = [v.value for v in model.non_trainable_variables]
    optimizer_variables = [v.value for v in optimizer.variables]
    acc_variables = [v.value for v in train_acc_metric.variables]
    loss_variables = [v.value for v in train_loss_metric.variables]
    state = (
        trainable_variables,
        non_trainable_variables,
        optimizer_variables,
        acc_variables,
        loss_variables,
    )

    log = {"loss": [], "acc": [], "val_acc": [], "val_top2": [], "step_loss": []}
    batch_size = 64
    for _epoch in range(3):
        for step in range(len(x_train) // batch_size):
            sl = slice(step * batch_size, (step + 1) * batch_size)
            loss, state = train_step(state, (x_train[sl], y_train[sl]))
            log["step_loss"].append(float(loss))
        (
            trainable_variables,
            non_trainable_variables,
            optimizer_variables,
            acc_variables,
            loss_variables,
        ) = state
        log["acc"].append(float(train_acc_metric.stateless_result(acc_variables)))
        log["loss"].append(float(train_loss_metric.stateless_result(loss_variables)))
        acc_variables = train_acc_metric.stateless_reset_state()
        loss_variables = train_loss_metric.stateless_reset_state()
        state = (
            trainable_variables,
            non_trainable_variables,
            optimizer_variables,
            acc_variables,
            loss_variables,
        )
        val_state = (
            trainable_variables,
            non_trainable_variables,
            val_acc_metric.stateless_reset_state(),
            val_top2_metric.stateless_reset_state(),
        )
        for start in range(0, len(x_val), 32):
            sl = slice(start, start + 32)
            val_acc_vars, val_top2_vars = eval_step(
                val_state, (x_val[sl], y_val[sl], w_val[sl])
            )
            val_state = val_state[:2] + (val_acc_vars, val_top2_vars)
        log["val_acc"].append(float(val_acc_metric.stateless_result(val_acc_vars)))
        log["val_top2"].append(float(val_top2_metric.stateless_result(val_top2_vars)))
    assert log["loss"][-1] < log["loss"][0], log
    assert log["val_acc"][-1] > 0.4, log

    # The metric objects themselves were never updated by the stateless calls.
    untouched = [
        float(train_acc_metric.result()),
        float(val_top2_metric.result()),
    ]

    # Write the final state back into the model and the optimizer.
    for variable, value in zip(model.trainable_variables, trainable_variables):
        variable.assign(value)
    for variable, value in zip(model.non_trainable_variables, non_trainable_variables):
        variable.assign(value)
    for variable, value in zip(optimizer.variables, optimizer_variables):
        variable.assign(value)
    preds = model.predict(x_val[:8], verbose=0)
    bn = model.get_layer("bn")

    # Now the same model with compile() and the *_on_batch methods.
    model.compile(
        optimizer=optimizer,
        loss=loss_fn,
        metrics=[
            keras.metrics.SparseCategoricalAccuracy(name="acc"),
            keras.metrics.SparseTopKCategoricalAccuracy(k=2, name="top2"),
        ],
    )
    test_logs = model.test_on_batch(x_val, y_val, return_dict=True)
    metrics_after_test = model.get_metrics_result()
    on_batch = []
    for step in range(3):
        sl = slice(step * batch_size, (step + 1) * batch_size)
        on_batch.append(
            model.train_on_batch(x_train[sl], y_train[sl], return_dict=True)
        )
    weighted = model.train_on_batch(
        x_train[:64], y_train[:64], class_weight={0: 1.0, 1: 2.0, 2: 1.0, 3: 0.5}
    )
    metrics_after_train = model.get_metrics_result()
    model.reset_metrics()
    metrics_after_reset = model.get_metrics_result()
    test_weighted = model.test_on_batch(
        x_val, y_val, sample_weight=w_val, return_dict=True
    )
    pred_batch = model.predict_on_batch(x_val[:8])
    eval_logs = model.evaluate(x_val, y_val, batch_size=32, verbose=0, return_dict=True)

    def values(d):
        return [float(d[k]) for k in sorted(d)]

    return {
        "close_step_loss": log["step_loss"],
        "close_loss": log["loss"],
        "close_acc": log["acc"],
        "close_val_acc": log["val_acc"],
        "close_val_top2": log["val_top2"],
        "close_untouched": untouched,
        "same_metric_n_vars": [
            len(train_acc_metric.variables),
            len(train_loss_metric.variables),
            len(val_top2_metric.variables),
        ],
        "same_n_opt_vars": len(optimizer.variables),
        "same_n_non_trainable": len(model.non_trainable_variables),
        "close_iterations": int(np.asarray(optimizer.iterations.value)),
        "close_moving_mean": np.asarray(bn.moving_mean.value),
        "close_preds": preds,
        "same_test_keys": sorted(test_logs),
        "close_test": values(test_logs),
        "same_metrics_after_test_keys": sorted(metrics_after_test),
        "close_metrics_after_test": values(metrics_after_test),
        "same_on_batch_keys": [sorted(logs) for logs in on_batch],
        "close_on_batch": [values(logs) for logs in on_batch],
        "same_weighted_len": len(weighted),
        "close_weighted": [float(v) for v in weighted],
        "same_metrics_after_train_keys": sorted(metrics_after_train),
        "close_metrics_after_train": values(metrics_after_train),
        "close_metrics_after_reset": values(metrics_after_reset),
        "close_test_weighted": values(test_weighted),
        "close_pred_batch": np.asarray(pred_batch),
        "same_pred_batch_shape": tuple(pred_batch.shape),
        "same_eval_keys": sorted(eval_logs),
        "close_eval": values(eval_logs),
        "close_final_iterations": int(np.asarray(optimizer.iterations.value)),
        "metric_names": [m.name for m in model.metrics],
    }

"""Keras's JAX-trainer API for hand-written steps (`compute_loss_and_updates`,
`stateless_compute_loss`, `get_state_tree`, `set_state_tree`), and the metric
objects' state after `fit`, against Keras 3 run on the same program."""

import jax
import numpy as np
import pytest

import kerasish
from tests.helpers import keras3

X = np.array([[1.0, 2.0], [0.5, -1.0], [0.2, 0.3]], "float32")
Y = np.array([[1.0], [0.0], [0.5]], "float32")


def _model(lib):
    model = lib.Sequential(
        [
            lib.Input(shape=(2,), name="my_input"),
            lib.layers.Dense(
                1, activation="sigmoid", name="my_dense", kernel_regularizer="l2"
            ),
        ],
        name="my_sequential",
    )
    model.compile(
        optimizer=lib.optimizers.Adam(name="adam"), loss="mse", metrics=["mae"]
    )
    model.set_weights([np.array([[0.5], [-0.3]], "float32"), np.array([0.1], "f4")])
    return model


def _flat(tree, prefix=""):
    out = {}
    for key, value in tree.items():
        path = f"{prefix}/{key}" if prefix else key
        out.update(_flat(value, path) if isinstance(value, dict) else {path: value})
    return out


def _run(lib):
    model = _model(lib)
    values = [
        [v.value for v in model.trainable_variables],
        [v.value for v in model.non_trainable_variables],
        [v.value for v in model.metrics_variables],
    ]
    opt = [v.value for v in model.optimizer.variables]
    grad_fn = jax.value_and_grad(model.compute_loss_and_updates, has_aux=True)
    (loss, (unscaled, y_pred, _, _)), grads = grad_fn(
        *values, X, Y, None, training=True, optimizer_variables=opt
    )
    plain, _ = model.stateless_compute_loss(*values, x=X, y=Y, y_pred=y_pred)
    model.fit(X, Y, batch_size=2, verbose=0, shuffle=False)
    tree = _flat(model.get_state_tree("numpy_array"))
    results = [float(np.asarray(m.result())) for m in model.metrics[:1]]
    state = model.get_state_tree()
    state["trainable_variables"]["my_sequential"]["my_dense"]["bias"] = np.array(
        [0.7], "float32"
    )
    model.set_state_tree({"trainable_variables": state["trainable_variables"]})
    return {
        "loss": float(loss),
        "unscaled": float(unscaled),
        "plain": float(plain),
        "grads": [np.asarray(g) for g in grads],
        "tree": tree,
        "tracker": results,
        "bias": np.asarray(model.get_weights()[1]),
    }


@pytest.mark.compat
def test_stateless_trainer_api_as_keras():
    theirs, ours = _run(keras3()), _run(kerasish)
    for key in ("loss", "unscaled", "plain", "tracker", "bias"):
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-5, err_msg=key)
    for a, b in zip(ours["grads"], theirs["grads"]):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    # Keras names the "mae" metric's variables after the metric object's own
    # name (`mean_absolute_error`); kerasish after the name the user gave.
    renamed = {
        k.replace("mean_absolute_error", "mae"): v for k, v in theirs["tree"].items()
    }
    assert sorted(ours["tree"]) == sorted(renamed)
    for path, value in renamed.items():
        np.testing.assert_allclose(ours["tree"][path], value, rtol=1e-5, err_msg=path)


def test_loss_includes_the_forward_pass_losses_and_state_tree_errors():
    """The l2 kernel penalty (`add_loss` of the forward pass) is in the loss
    (numpy reference); bad state-tree arguments name what was expected."""
    model = _model(kerasish)
    values = [
        [v.value for v in model.trainable_variables],
        [v.value for v in model.non_trainable_variables],
        [v.value for v in model.metrics_variables],
    ]
    loss, _ = model.compute_loss_and_updates(*values, X, Y, None)
    kernel, bias = model.get_weights()
    pred = 1 / (1 + np.exp(-(X @ kernel + bias)))
    want = np.mean((pred - Y) ** 2) + 0.01 * np.sum(kernel**2)
    np.testing.assert_allclose(float(loss), want, rtol=1e-5)
    with pytest.raises(ValueError, match="value_format"):
        model.get_state_tree("lists")
    with pytest.raises(ValueError, match="unknown state tree key 'weights'"):
        model.set_state_tree({"weights": {}})
    with pytest.raises(ValueError, match="no variable at path 'my_sequential/x'"):
        model.set_state_tree({"trainable_variables": {"my_sequential": {"x": 1.0}}})

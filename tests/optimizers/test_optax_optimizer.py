"""Raw optax transformations used as kerasish optimizers."""

import numpy as np
import optax
import pytest

import kerasish.optimizers as optimizers
from kerasish.variables import Variable

P0 = [np.ones((2, 2), "float32"), np.zeros(2, "float32")]
G = [np.full((2, 2), 0.5, "float32"), np.full(2, -1.0, "float32")]


def test_get_wraps_raw_optax_and_matches_optax():
    tx = optax.adamw(1e-2, weight_decay=0.1)
    opt = optimizers.get(tx)
    assert isinstance(opt, optimizers.OptaxOptimizer)
    variables = [Variable(p) for p in P0]
    state = tx.init(P0)
    want = list(P0)
    for _ in range(3):
        opt.apply(G, variables)
        updates, state = tx.update(G, state, want)
        want = optax.apply_updates(want, updates)
    for v, w in zip(variables, want):
        np.testing.assert_allclose(v.numpy(), np.asarray(w), rtol=1e-6)
    assert int(opt.iterations) == 3


def test_injected_learning_rate_is_readable_and_settable():
    opt = optimizers.get(optax.inject_hyperparams(optax.sgd)(learning_rate=0.1))
    assert float(opt.learning_rate) == pytest.approx(0.1)
    variables = [Variable(p) for p in P0]
    opt.apply(G, variables)
    opt.learning_rate = 0.01
    assert float(opt.learning_rate) == pytest.approx(0.01)
    opt.apply(G, variables)
    np.testing.assert_allclose(variables[0].numpy(), 1.0 - 0.11 * 0.5, rtol=1e-6)


def test_learning_rate_errors_without_injection():
    opt = optimizers.get(optax.sgd(0.1))
    with pytest.raises(ValueError, match="inject_hyperparams"):
        _ = opt.learning_rate
    with pytest.raises(ValueError, match="after `build`"):
        opt.learning_rate = 0.1
    opt.build([Variable(p) for p in P0])
    with pytest.raises(ValueError, match="inject_hyperparams"):
        opt.learning_rate = 0.1
    with pytest.raises(TypeError, match="cannot be rebuilt"):
        optimizers.OptaxOptimizer.from_config(opt.get_config())
    with pytest.raises(TypeError, match="expected an optax GradientTransformation"):
        optimizers.OptaxOptimizer("sgd")

"""Muon, ScheduleFreeAdamW, MultiOptimizer and Keras-style subclassed optimizers
against Keras 3's own: ten `apply` steps, a `fit`, configs and `.keras` state."""

import numpy as np
import pytest

import kerasish
from kerasish.variables import Variable
from tests.helpers import keras3

pytestmark = pytest.mark.compat

SHAPES = [(3, 4), (4,), (5, 3), (2, 3, 2)]


def _steps(seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.normal(size=s).astype("float32") for s in SHAPES]
    grads = [[rng.normal(size=s).astype("float32") for s in SHAPES] for _ in range(10)]
    return init, grads


def _custom_sgd(lib):
    """The SGD-with-momentum subclass exactly as Keras's `Optimizer` docstring
    writes it (less its `get_config`, which names an attribute it never sets)."""
    ops = lib.ops

    class SGD(lib.optimizers.Optimizer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.momentum = 0.9

        def build(self, variables):
            super().build(variables)
            self.momentums = []
            for variable in variables:
                self.momentums.append(
                    self.add_variable_from_reference(
                        reference_variable=variable, name="momentum"
                    )
                )

        def update_step(self, gradient, variable, learning_rate):
            learning_rate = ops.cast(learning_rate, variable.dtype)
            gradient = ops.cast(gradient, variable.dtype)
            m = self.momentums[self._get_variable_index(variable)]
            self.assign(
                m,
                ops.subtract(
                    ops.multiply(m, ops.cast(self.momentum, variable.dtype)),
                    ops.multiply(gradient, learning_rate),
                ),
            )
            self.assign_add(variable, m)

    return SGD


def _warmup_adam(lib):
    """A subclass reading `self.iterations` and using `add_optimizer_variables`
    with a non-zero initializer, as Keras's own optimizers do."""
    ops = lib.ops

    class WarmSGD(lib.optimizers.Optimizer):
        def build(self, variables):
            super().build(variables)
            self.acc = self.add_optimizer_variables(variables, "acc", "ones")

        def update_step(self, gradient, variable, learning_rate):
            acc = self.acc[self._get_variable_index(variable)]
            step = ops.cast(self.iterations + 1, variable.dtype)
            self.assign_add(acc, ops.square(gradient))
            scale = ops.minimum(step / 3.0, 1.0) * learning_rate
            self.assign_sub(variable, scale * gradient / ops.sqrt(acc))

    return WarmSGD


def _multi(lib):
    o = lib.optimizers
    mapping = {"w0": o.Adam(0.01), "w[23]": o.RMSprop(0.01), "unused": o.Lion()}
    return o.MultiOptimizer(o.OptimizerMap(o.SGD(0.1, momentum=0.9), mapping))


CASES = {
    "muon": lambda lib: lib.optimizers.Muon(),
    "muon-options": lambda lib: lib.optimizers.Muon(
        learning_rate=0.01,
        nesterov=False,
        rms_rate=None,
        weight_decay=0.1,
        adam_weight_decay=None,
        exclude_layers=["w2"],
        clipnorm=1.0,
    ),
    "schedule_free": lambda lib: lib.optimizers.ScheduleFreeAdamW(),
    "schedule_free-options": lambda lib: lib.optimizers.ScheduleFreeAdamW(
        learning_rate=0.01, warmup_steps=3, weight_decay=0.01, use_ema=True
    ),
    "multi": _multi,
    "subclass": lambda lib: _custom_sgd(lib)(learning_rate=0.05),
    "subclass-iterations": lambda lib: _warmup_adam(lib)(
        learning_rate=0.1, weight_decay=0.05, global_clipnorm=2.0
    ),
}


def _keras_steps(keras, optimizer, init, grads):
    """Keras's steps, compiled once (`stateless_apply` under `jax.jit`; its eager
    Muon takes ~10 s), written back to Keras variables."""
    import jax

    variables = [keras.Variable(w.copy(), name=f"w{i}") for i, w in enumerate(init)]
    optimizer.build(variables)
    step = jax.jit(optimizer.stateless_apply)
    values = [v.value for v in variables]
    state = [v.value for v in optimizer.variables]
    for g in grads:
        values, state = step(state, g, values)
    for v, value in zip([*variables, *optimizer.variables], [*values, *state]):
        v.assign(value)
    return variables


def test_ten_steps_match_keras():
    keras = keras3()
    init, grads = _steps()
    for case, make in CASES.items():
        ours, theirs = make(kerasish), make(keras)
        mine = [Variable(w.copy(), name=f"w{i}") for i, w in enumerate(init)]
        for step in grads:
            ours.apply(step, mine)
        kv = _keras_steps(keras, theirs, init, grads)
        for a, b in zip(mine, kv):
            np.testing.assert_allclose(
                a.numpy(), np.asarray(b.value), rtol=1e-5, atol=1e-6, err_msg=case
            )
        # The optimizer's own variables: same number, order and values.
        got = [np.asarray(v.value, "float64") for v in ours.variables]
        want = [np.asarray(v.value, "float64") for v in theirs.variables]
        assert len(got) == len(want), case
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6, err_msg=case)
        assert int(ours.iterations) == int(np.asarray(theirs.iterations)) == 10


def test_multi_optimizer_routes_and_counts():
    opt = _multi(kerasish)
    init, grads = _steps()
    variables = [Variable(w.copy(), name=f"w{i}") for i, w in enumerate(init)]
    for step in grads[:3]:
        opt.apply(step, variables)
    adam, rmsprop, lion, sgd = opt.optimizers
    assert [type(o).__name__ for o in opt.optimizers] == [
        "Adam",
        "RMSprop",
        "Lion",
        "SGD",
    ]
    assert [int(o.iterations) for o in opt.optimizers] == [3, 3, 0, 3]
    # The learning rate of one inner optimizer changes without touching another.
    adam.learning_rate = 0.5
    assert float(adam.learning_rate) == 0.5
    assert abs(float(sgd.learning_rate) - 0.1) < 1e-7
    assert float(np.asarray(opt.state.inner[0].learning_rate)) == 0.5
    with pytest.raises(AttributeError, match="inner optimizers"):
        opt.learning_rate  # noqa: B018
    with pytest.raises(AttributeError, match="inner optimizers"):
        opt.learning_rate = 0.1


def _fit_model(lib, optimizer, weights):
    # Functional: its variable paths ("enc/kernel") are the same in both
    # libraries, so OptimizerMap keys and Muon's `exclude_layers` match alike.
    inputs = lib.Input((3,))
    hidden = lib.layers.Dense(4, activation="tanh", name="enc")(inputs)
    model = lib.Model(inputs, lib.layers.Dense(2, name="out")(hidden), name="net")
    model.set_weights(weights)
    model.compile(optimizer=optimizer, loss="mse")
    return model


FIT_CASES = {
    "muon": lambda lib: lib.optimizers.Muon(learning_rate=0.02, exclude_layers=["out"]),
    "schedule_free": lambda lib: lib.optimizers.ScheduleFreeAdamW(0.01),
    "multi": lambda lib: lib.optimizers.MultiOptimizer(
        lib.optimizers.OptimizerMap(
            lib.optimizers.SGD(0.05), {"enc/.*": lib.optimizers.Adam(0.01)}
        )
    ),
    "subclass": lambda lib: _custom_sgd(lib)(learning_rate=0.05),
}


@pytest.fixture(scope="module")
def fit_runs(tmp_path_factory):
    """Each optimizer in `fit` under both libraries, from the same weights, and
    each kerasish model saved to `.keras` after training."""
    keras = keras3()
    rng = np.random.default_rng(3)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = rng.normal(size=(32, 2)).astype("float32")
    weights = [
        rng.normal(size=s).astype("float32") * 0.5 for s in [(3, 4), (4,), (4, 2), (2,)]
    ]
    runs = {}
    for case, make in FIT_CASES.items():
        models = []
        for lib in (kerasish, keras):
            model = _fit_model(lib, make(lib), weights)
            model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
            models.append(model)
        path = tmp_path_factory.mktemp(case) / "model.keras"
        models[0].save(path)
        runs[case] = (*models, path)
    return runs


@pytest.mark.parametrize("case", list(FIT_CASES))
def test_fit_matches_keras(fit_runs, case):
    ours, theirs, _ = fit_runs[case]
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert int(ours.optimizer.iterations) == 8


@pytest.mark.parametrize("case", ["muon", "schedule_free", "multi"])
def test_keras_file_keeps_optimizer_state(fit_runs, case):
    keras = keras3()
    ours, theirs, path = fit_runs[case]
    want = [np.asarray(v.value, "float64") for v in ours.optimizer.variables]
    for loaded in (kerasish.saving.load_model(path), keras.saving.load_model(path)):
        assert type(loaded.optimizer).__name__ == type(ours.optimizer).__name__
        got = [np.asarray(v.value, "float64") for v in loaded.optimizer.variables]
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)
    # And Keras's own trained state matches what kerasish saved.
    keras_state = [np.asarray(v.value, "float64") for v in theirs.optimizer.variables]
    for g, w in zip(keras_state, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_configs_round_trip_and_match_keras():
    keras = keras3()
    for make in (
        lambda lib: lib.optimizers.Muon(exclude_layers=["head"], ns_steps=3),
        lambda lib: lib.optimizers.ScheduleFreeAdamW(warmup_steps=5, beta_1=0.8),
        _multi,
    ):
        ours, theirs = make(kerasish), make(keras)
        ser = kerasish.optimizers.serialize(ours)
        again = kerasish.optimizers.deserialize(ser)
        assert kerasish.optimizers.serialize(again) == ser
        want = keras.optimizers.serialize(theirs)
        assert ser["class_name"] == want["class_name"]
        assert _keys(ser["config"]) == _keys(want["config"])
        # Keras reads kerasish's config and kerasish reads Keras's.
        assert type(keras.optimizers.deserialize(ser)) is type(theirs)
        assert type(kerasish.optimizers.deserialize(want)) is type(ours)
    multi = kerasish.optimizers.deserialize(want)
    names = [type(o).__name__ for o in multi.optimizers]
    assert names == ["Adam", "RMSprop", "Lion", "SGD"]


def _keys(config):
    if isinstance(config, dict):
        return {k: _keys(v) for k, v in config.items()}
    return None


def test_errors():
    o = kerasish.optimizers
    with pytest.raises(ValueError, match="`ns_steps` must be an int >= 0"):
        o.Muon(ns_steps=2.5)
    with pytest.raises(TypeError, match="Wrap it in a list"):
        o.Muon(exclude_layers="head")
    with pytest.raises(ValueError, match="must be built first"):
        o.Muon().init([np.zeros((2, 2), "float32")])
    with pytest.raises(ValueError, match="`warmup_steps` must be an int >= 0"):
        o.ScheduleFreeAdamW(warmup_steps=-1)
    with pytest.raises(ValueError, match=r"`beta_1` must be in \(0, 1\)"):
        o.ScheduleFreeAdamW(beta_1=0.0)
    with pytest.raises(TypeError, match="`default_optimizer` must be"):
        o.OptimizerMap("sgd")
    mapping = o.OptimizerMap(o.SGD(), {"a/.*": o.Adam(), "a/b": o.Adam()})
    assert type(mapping["a/b"]).__name__ == "Adam"  # an exact key wins
    mapping["a/c|x"] = o.Lion()
    with pytest.raises(ValueError, match="matches more than one key"):
        mapping["a/c"]  # noqa: B018
    with pytest.raises(ValueError, match="cannot be duplicated"):
        mapping["a/b"] = o.SGD()
    with pytest.raises(ValueError, match="keys must be strings"):
        mapping[3] = o.SGD()
    with pytest.raises(ValueError, match="LossScaleOptimizer cannot be used"):
        mapping["z"] = o.LossScaleOptimizer(o.SGD())
    with pytest.raises(TypeError, match="callable `variable -> Optimizer`"):
        o.MultiOptimizer({"a": o.SGD()})
    nested = o.MultiOptimizer(lambda v: o.MultiOptimizer(o.OptimizerMap(o.SGD())))
    with pytest.raises(ValueError, match="cannot be used inside a MultiOptimizer"):
        nested.build([Variable(np.zeros(2, "float32"), name="w")])
    with pytest.raises(ValueError, match="built-in optimizers keep their slots"):
        o.SGD().add_variable((2,))
    opt = _custom_sgd(kerasish)(learning_rate=0.1)
    opt.build([Variable(np.zeros(2, "float32"), name="w")])
    with pytest.raises(ValueError, match="unknown variable"):
        opt._get_variable_index(Variable(np.zeros(2, "float32"), name="other"))
    names = [v.name for v in opt.variables]
    assert names == ["iteration", "learning_rate", "w_momentum"]
    with pytest.raises(ValueError, match="only be called in `build`"):
        opt.add_variable((2,))

    class NoStep(o.Optimizer):
        pass

    with pytest.raises(NotImplementedError, match="has no update rule"):
        NoStep(0.1).build([Variable(np.zeros(2, "float32"), name="w")])


def test_muon_helpers_match_keras():
    keras = keras3()
    x = np.random.default_rng(2).normal(size=(5, 3)).astype("float32")
    ours, theirs = kerasish.optimizers.Muon(), keras.optimizers.Muon()
    for steps in (0, 5):
        got = np.asarray(ours.zeropower_via_newtonschulz5(x, steps))
        want = np.asarray(theirs.zeropower_via_newtonschulz5(x, steps))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        np.asarray(ours.lr_adjust(x)), np.asarray(theirs.lr_adjust(x)), rtol=1e-6
    )
    np.testing.assert_array_equal(np.asarray(ours.transpose_last_axis(x)), x.T)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        ours.zeropower_via_newtonschulz5(x[0], 5)
    variables = [Variable(np.ones((3, 2), "float32"), name="k")]
    variables.append(Variable(x[0], name="b"))
    ours.build(variables)
    assert [v.name for v in ours.momentums] == ["k_momentum", "b_momentum"]
    velocities = [None if v is None else v.name for v in ours.adam_velocities]
    assert velocities == [None, "b_velocity"]

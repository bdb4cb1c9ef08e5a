"""Top-level `kerasish` names: the same names as `keras`, with Keras's behaviour."""

import numpy as np
import pytest

import kerasish
from tests.helpers import keras3, signature_parts

# Namespaces other issues or helpers bring (or that kerasish does not have).
ELSEWHERE = {
    "Quantizer",
    "applications",
    "datasets",
    "distribution",
    "legacy",
    "preprocessing",
    "quantizers",
    "src",
    "visualization",
    "wrappers",
}

NEW_NAMES = [
    "DTypePolicy",
    "FloatDTypePolicy",
    "Function",
    "Initializer",
    "InputSpec",
    "KerasTensor",
    "Loss",
    "Metric",
    "Operation",
    "Optimizer",
    "Regularizer",
    "RematScope",
    "StatelessScope",
    "SymbolicScope",
    "device",
    "name_scope",
    "remat",
    "version",
]


@pytest.mark.compat
def test_every_keras_top_level_name_exists():
    keras = keras3()
    theirs = {n for n in dir(keras) if not n.startswith("_")} - ELSEWHERE
    missing = sorted(n for n in theirs if not hasattr(kerasish, n))
    assert missing == []
    assert set(NEW_NAMES) <= set(kerasish.__all__)


@pytest.mark.compat
@pytest.mark.parametrize(
    "name",
    [
        "Function",
        "Operation",
        "DTypePolicy",
        "FloatDTypePolicy",
        "name_scope",
        "device",
        "version",
        "remat",
        "RematScope",
        "SymbolicScope",
        "StatelessScope",
        "Loss",
        "Metric",
        "Initializer",
        "Regularizer",
        "InputSpec",
    ],
)
def test_signatures_match_keras(name):
    keras = keras3()
    assert signature_parts(getattr(kerasish, name)) == signature_parts(
        getattr(keras, name)
    )


def test_reexports_are_the_library_classes():
    assert kerasish.Loss is kerasish.losses.Loss
    assert kerasish.Metric is kerasish.metrics.Metric
    assert kerasish.Optimizer is kerasish.optimizers.Optimizer
    assert kerasish.Initializer is kerasish.initializers.Initializer
    assert kerasish.Regularizer is kerasish.regularizers.Regularizer
    assert kerasish.InputSpec is kerasish.layers.InputSpec
    assert isinstance(kerasish.Input((2,)), kerasish.KerasTensor)
    assert kerasish.version() == kerasish.__version__


class Scale(kerasish.Operation):
    def __init__(self, factor, name=None):
        super().__init__(name=name)
        self.factor = factor

    def call(self, x):
        return kerasish.ops.multiply(x, self.factor)


def test_operation_on_arrays_and_inside_a_functional_graph():
    op = Scale(3.0, name="triple")
    x = np.arange(4.0, dtype="float32")
    np.testing.assert_allclose(op(x), 3 * x)
    inputs = kerasish.Input((4,))
    dense = kerasish.layers.Dense(2)
    outputs = op(dense(inputs))
    assert kerasish.backend.is_keras_tensor(outputs) and outputs.shape == (None, 2)
    model = kerasish.Model(inputs, outputs)
    batch = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")
    kernel, bias = (v.numpy() for v in dense.weights)
    np.testing.assert_allclose(model(batch), 3 * (batch @ kernel + bias), rtol=1e-5)
    assert isinstance(dense, kerasish.Operation)
    assert issubclass(kerasish.layers.Dense, kerasish.Operation)
    assert not isinstance(np.ones(1), kerasish.Operation)
    assert op.get_config() == {"name": "triple"}
    with pytest.raises(ValueError, match="`name` must be a string"):
        kerasish.Operation(3)
    with pytest.raises(TypeError):
        kerasish.Operation(name="op", dtype="float32")
    with pytest.raises(NotImplementedError, match="must implement `call"):
        kerasish.Operation()(x)


def test_function_runs_a_graph_on_arrays():
    a, b = kerasish.Input((3,), name="fa"), kerasish.Input((3,), name="fb")
    dense = kerasish.layers.Dense(2)
    total = kerasish.layers.Add()([a, b])
    fn = kerasish.Function([a, b], {"sum": total, "proj": dense(total)})
    xa, xb = np.ones((2, 3), "float32"), np.full((2, 3), 2.0, "float32")
    out = fn([xa, xb])
    kernel, bias = (v.numpy() for v in dense.weights)
    np.testing.assert_allclose(out["sum"], xa + xb)
    np.testing.assert_allclose(out["proj"], (xa + xb) @ kernel + bias, rtol=1e-6)
    assert fn.inputs == [a, b] and len(fn.outputs) == 2
    assert isinstance(kerasish.Model(a, dense(a)), kerasish.Function)


@pytest.mark.compat
def test_stateless_scope_collects_assignments_like_keras():
    keras = keras3()
    for lib in (keras, kerasish):
        v = lib.Variable(np.zeros(2, "float32"))
        with lib.StatelessScope(state_mapping=[(v, np.ones(2, "float32"))]) as scope:
            seen = np.asarray(v.value).tolist()
            v.assign(np.full(2, 5.0, "float32"))
            current = np.asarray(scope.get_current_value(v)).tolist()
        assert seen == [1.0, 1.0] and current == [5.0, 5.0]
        assert np.asarray(v.value).tolist() == [0.0, 0.0]  # never applied


@pytest.mark.compat
def test_name_scope_paths_match_keras():
    keras = keras3()
    paths = []
    for lib in (keras, kerasish):
        with lib.name_scope("a"):
            v = lib.Variable(1.0, name="v")
            with lib.name_scope("b"):
                u = lib.Variable(1.0, name="u")
        with lib.name_scope("x", override_parent="p"):
            z = lib.Variable(1.0, name="z")
        paths.append([v.path, u.path, z.path, lib.Variable(1.0, name="w").path])
    assert paths[0] == paths[1] == ["a/v", "a/b/u", "p/x/z", "w"]
    with pytest.raises(ValueError, match="cannot contain character `/`"):
        kerasish.name_scope("a/b")


def test_device_places_new_arrays():
    with kerasish.device("cpu:0"):
        x = kerasish.ops.ones(3)
    assert {d.platform for d in x.devices()} == {"cpu"}
    with pytest.raises(ValueError, match="there are 1 cpu device"):
        with kerasish.device("cpu:7"):
            pass
    with pytest.raises(ValueError, match="must be a string"):
        kerasish.device(0)


def test_remat_keeps_values_and_gradients():
    from kerasish.engine import get_engine

    engine = get_engine()

    def f(x):
        return kerasish.ops.sum(kerasish.ops.sin(x) ** 2)

    x = np.linspace(-1.0, 1.0, 5).astype("float32")
    g = kerasish.remat(f)
    np.testing.assert_allclose(g(x), f(x), rtol=1e-6)
    grad_remat = engine.grad(g)(x)
    np.testing.assert_allclose(grad_remat, 2 * np.sin(x) * np.cos(x), rtol=1e-5)
    with pytest.raises(TypeError, match="expected a callable"):
        kerasish.remat(3)


def test_remat_and_symbolic_scopes():
    from kerasish import scopes

    assert scopes.get_current_remat_mode() is None
    with kerasish.RematScope(mode="larger_than", output_size_threshold=10) as s:
        assert scopes.get_current_remat_mode() is s and s.output_size_threshold == 10
        with kerasish.RematScope(mode=None):
            assert scopes.get_current_remat_mode() is None
    with pytest.raises(ValueError, match="invalid mode 'some'"):
        kerasish.RematScope(mode="some")
    with pytest.raises(ValueError, match="needs `layer_names`"):
        kerasish.RematScope(mode="list_of_layers")
    assert not scopes.in_symbolic_scope()
    with kerasish.SymbolicScope():
        assert scopes.in_symbolic_scope()
    assert not scopes.in_symbolic_scope()

"""`kerasish.distribution` in the test process (one device): Keras's semantics,
with Keras 3 itself as the reference where it has the same object, and every
error path. The many-device behaviour is in `test_multi_device.py`."""

import warnings

import numpy as np
import pytest

import kerasish as K
from kerasish import distribution as D
from kerasish.engine import get_engine
from kerasish.engine.numpy_engine import NumpyEngine
from kerasish.random import random as random_module
from tests.helpers import keras3


@pytest.fixture(autouse=True)
def _no_distribution_left():
    yield
    D.set_distribution(None)


def _mesh(shape=(1,), names=("batch",)):
    return D.DeviceMesh(shape, list(names), devices=D.list_devices()[:1])


# -- devices ---------------------------------------------------------------------------


@pytest.mark.compat
def test_devices_are_named_as_keras_names_them():
    keras = keras3()
    assert D.list_devices() == keras.distribution.list_devices()
    assert D.list_devices("cpu") == keras.distribution.list_devices("CPU")
    assert D.get_device_count() == keras.distribution.get_device_count()


def test_unknown_device_type():
    with pytest.raises(RuntimeError, match="no 'tpu' devices are available"):
        D.list_devices("tpu")


# -- DeviceMesh and TensorLayout -------------------------------------------------------


def test_device_mesh_holds_its_devices():
    mesh = _mesh((1, 1), ("batch", "model"))
    assert mesh.shape == (1, 1) and mesh.axis_names == ["batch", "model"]
    assert mesh.devices.tolist() == [["cpu:0"]]
    assert repr(mesh) == "<DeviceMesh shape=(1, 1), axis_names=['batch', 'model']>"
    assert mesh.backend_mesh is mesh.backend_mesh  # made once


@pytest.mark.parametrize(
    "shape, names, match",
    [
        ((), ["batch"], "cannot be empty"),
        ((1,), ["batch", "model"], "same length"),
        ((2,), ["batch"], r"shape \(2,\) holds 2 devices but 1 were given"),
    ],
)
def test_device_mesh_errors(shape, names, match):
    with pytest.raises(ValueError, match=match):
        D.DeviceMesh(shape, names, devices=["cpu:0"])


def test_device_mesh_unknown_device():
    mesh = D.DeviceMesh((1,), ["batch"], devices=["cpu:99"])
    with pytest.raises(ValueError, match=r"Unknown device 'cpu:99'.*cpu:0"):
        mesh.backend_mesh  # noqa: B018


def test_tensor_layout_becomes_a_named_sharding():
    layout = D.TensorLayout(["batch", None], _mesh())
    sharding = layout.backend_layout
    assert type(sharding).__name__ == "NamedSharding"
    assert tuple(sharding.spec) == ("batch", None)
    assert sharding.mesh.axis_names == ("batch",)


def test_tensor_layout_errors():
    with pytest.raises(ValueError, match=r"invalid axis names \['model'\]"):
        D.TensorLayout(["model"], _mesh())
    layout = D.TensorLayout([None])
    with pytest.raises(ValueError, match="before its device mesh is set"):
        layout.backend_layout  # noqa: B018
    layout.device_mesh = _mesh()
    with pytest.raises(ValueError, match="already set"):
        layout.device_mesh = _mesh()


# -- LayoutMap -------------------------------------------------------------------------


@pytest.mark.compat
def test_layout_map_lookup_matches_keras():
    keras = keras3()
    mesh = _mesh((1, 1), ("batch", "model"))
    kmesh = keras.distribution.DeviceMesh((1, 1), ["batch", "model"], ["cpu:0"])
    ours, theirs = D.LayoutMap(mesh), keras.distribution.LayoutMap(kmesh)
    for key, axes in [
        (".*dense.*kernel", (None, "model")),
        (".*dense.*bias", ("model",)),
        ("exact/kernel", ("batch", None)),
    ]:
        ours[key], theirs[key] = axes, axes
    for path in [
        "dense_1/kernel",
        "model/dense/bias",
        "exact/kernel",
        "conv2d/kernel",
        "dense",
    ]:
        a, b = ours[path], theirs[path]
        assert (a is None) == (b is None), path
        if a is not None:
            assert a.axes == b.axes and a.device_mesh is mesh, path
    assert list(ours) == list(theirs) and len(ours) == 3
    del ours["exact/kernel"]
    assert ours["exact/kernel"] is None


def test_layout_map_errors():
    layout_map = D.LayoutMap(_mesh((1, 1), ("batch", "model")))
    layout_map["a.*"] = (None,)
    layout_map[".*b"] = (None,)
    with pytest.raises(ValueError, match=r"path 'ab' matches several keys"):
        layout_map["ab"]  # noqa: B018
    with pytest.raises(ValueError, match="already set"):
        layout_map["a.*"] = ("model",)
    with pytest.raises(ValueError, match="TensorLayout or a tuple.*list"):
        layout_map["c"] = ["model"]


# -- the distributions -----------------------------------------------------------------


@pytest.mark.compat
def test_data_parallel_layouts_match_keras():
    keras = keras3()
    ours, theirs = D.DataParallel(), keras.distribution.DataParallel()
    assert ours.batch_dim_name == theirs.batch_dim_name == "batch"
    assert ours.num_model_replicas == theirs.num_model_replicas
    assert ours.device_mesh.shape == tuple(theirs.device_mesh.shape)
    assert (
        ours.get_data_layout((8, 3, 2)).axes == theirs.get_data_layout((8, 3, 2)).axes
    )
    variable = K.Variable(np.zeros((3, 4), "float32"))
    assert ours.get_variable_layout(variable).axes == (None, None)
    assert ours.get_tensor_layout("x") is None
    assert ours.num_processes == 1 and ours.data_shard_id == 0
    assert ours.distribute_dataset([1, 2]) == [1, 2]  # one process: unchanged


def test_data_parallel_arguments():
    assert D.DataParallel(devices=["cpu:0"]).device_mesh.devices.tolist() == ["cpu:0"]
    mesh = _mesh((1, 1), ("data", "model"))
    with pytest.warns(UserWarning, match="expects a 1-d device mesh.*'data'"):
        dp = D.DataParallel(device_mesh=mesh)
    assert dp.batch_dim_name == "data"
    with pytest.raises(ValueError, match="must be a DeviceMesh, received"):
        D.DataParallel(device_mesh="mesh")


@pytest.mark.compat
def test_model_parallel_layouts_match_keras():
    keras = keras3()
    mesh = _mesh((1, 1), ("batch", "model"))
    layout_map = D.LayoutMap(mesh)
    layout_map[".*kernel"] = (None, "model")
    mp = D.ModelParallel(layout_map=layout_map)
    kmesh = keras.distribution.DeviceMesh((1, 1), ["batch", "model"], ["cpu:0"])
    kmap = keras.distribution.LayoutMap(kmesh)
    kmap[".*kernel"] = (None, "model")
    kmp = keras.distribution.ModelParallel(layout_map=kmap)
    assert mp.batch_dim_name == kmp.batch_dim_name == "batch"
    assert mp.num_model_replicas == kmp.num_model_replicas == 1
    with K.name_scope("dense"):
        kernel = K.Variable(np.zeros((3, 4), "float32"), name="kernel")
        bias = K.Variable(np.zeros((4,), "float32"), name="bias")
    assert mp.get_variable_layout(kernel).axes == (None, "model")
    assert mp.get_variable_layout(bias).axes == (None,)
    assert mp.get_tensor_layout("dense/kernel").axes == (None, "model")
    assert mp.get_data_layout((2, 5)).axes == kmp.get_data_layout((2, 5)).axes


def test_model_parallel_errors():
    layout_map = D.LayoutMap(_mesh((1, 1), ("batch", "model")))
    with pytest.raises(ValueError, match="`layout_map` is required"):
        D.ModelParallel()
    with pytest.raises(ValueError, match="must be a LayoutMap, received"):
        D.ModelParallel(layout_map={})
    with pytest.raises(ValueError, match="'data' is not an axis.*'batch', 'model'"):
        D.ModelParallel(layout_map=layout_map, batch_dim_name="data")
    with pytest.raises(TypeError, match=r"unexpected keyword.*\['bogus'\]"):
        D.ModelParallel(layout_map=layout_map, bogus=1)
    # Keras ignores a `device_mesh` here (the layout map's mesh is used).
    assert D.ModelParallel(layout_map=layout_map, device_mesh=None).device_mesh


def test_set_distribution_and_scope():
    dp = D.DataParallel()
    assert D.distribution() is None
    with dp.scope():
        assert D.distribution() is dp
        inner = D.DataParallel()
        with inner.scope():
            assert D.distribution() is inner
        assert D.distribution() is dp
    assert D.distribution() is None
    D.set_distribution(dp)
    assert D.distribution() is dp
    with pytest.raises(ValueError, match="expected a Distribution.*str"):
        D.set_distribution("data_parallel")


# -- variables and tensors -------------------------------------------------------------


def test_variables_take_the_current_layout():
    layout_map = D.LayoutMap(_mesh((1, 1), ("batch", "model")))
    layout_map[".*kernel"] = (None, "model")
    with D.ModelParallel(layout_map=layout_map).scope():
        layer = K.layers.Dense(4)
        layer.build((None, 3))
    kernel = layer.kernel
    assert kernel._layout.axes == (None, "model")
    assert tuple(kernel.value.sharding.spec) == (None, "model")
    # Assignment keeps the layout, outside the scope too.
    kernel.assign(np.ones((3, 4), "float32"))
    assert tuple(kernel.value.sharding.spec) == (None, "model")
    np.testing.assert_array_equal(kernel.numpy(), np.ones((3, 4)))
    explicit = K.Variable(
        np.zeros(2, "float32"), layout=D.TensorLayout([None], _mesh())
    )
    assert tuple(explicit.value.sharding.spec) == (None,)
    with pytest.raises(TypeError, match="`layout` must be a.*TensorLayout.*tuple"):
        K.Variable(np.zeros(2, "float32"), layout=(None,))


def test_distribute_tensor():
    layout = D.TensorLayout(["batch", None], _mesh())
    x = D.distribute_tensor(np.ones((2, 3), "float32"), layout)
    assert tuple(x.sharding.spec) == ("batch", None)
    np.testing.assert_array_equal(np.asarray(x), np.ones((2, 3)))
    # Inside a compiled function: a constraint, the values unchanged.
    traced = get_engine().jit(lambda a: D.distribute_tensor(a * 2, layout))(x)
    np.testing.assert_array_equal(np.asarray(traced), 2 * np.ones((2, 3)))
    symbolic = K.Input((3,))
    assert D.distribute_tensor(symbolic, layout) is symbolic


def test_fit_on_a_one_device_mesh_equals_plain_fit():
    """The trainer's placement hooks change nothing numerically."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 4)).astype("float32")
    y = rng.normal(size=(20, 1)).astype("float32")

    def run(dist):
        K.utils.set_random_seed(5)
        with dist.scope() if dist else warnings.catch_warnings():
            model = K.Sequential([K.Input((4,)), K.layers.Dense(3), K.layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, y, batch_size=8, epochs=2, verbose=0)
            return model.get_weights(), model.predict(x, verbose=0)

    (w1, p1), (w2, p2) = run(None), run(D.DataParallel())
    for a, b in zip(w1 + [p1], w2 + [p2]):
        np.testing.assert_array_equal(a, b)


# -- initialize ------------------------------------------------------------------------


class _Recorder:
    def __init__(self, monkeypatch):
        self.calls = []
        engine = get_engine()
        monkeypatch.setattr(
            engine,
            "initialize_distributed",
            lambda *args: self.calls.append(args),
            raising=False,
        )


def test_initialize_reads_arguments_and_environment(monkeypatch):
    recorder = _Recorder(monkeypatch)
    D.initialize("10.0.0.1:1234,10.0.0.2:2345", 2, 1)
    monkeypatch.setenv("KERAS_DISTRIBUTION_JOB_ADDRESSES", "host:99")
    monkeypatch.setenv("KERAS_DISTRIBUTION_NUM_PROCESSES", "4")
    monkeypatch.setenv("KERAS_DISTRIBUTION_PROCESS_ID", "3")
    D.initialize()
    assert recorder.calls == [("10.0.0.1:1234", 2, 1), ("host:99", 4, 3)]


def test_initialize_agrees_on_a_seed_only_without_one(monkeypatch):
    _Recorder(monkeypatch)
    random_module.set_global_seed(None)
    D.initialize("host:1", 1, 0)
    assert random_module._GLOBAL["seed"] is not None  # process 0's, for all
    K.utils.set_random_seed(42)
    D.initialize("host:1", 1, 0)
    assert random_module._GLOBAL["seed"] == 42


def test_initialize_errors(monkeypatch):
    _Recorder(monkeypatch)
    with pytest.raises(ValueError, match="lists 2 jobs.*`num_processes` is 3"):
        D.initialize("a:1,b:2", 3, 0)
    with pytest.raises(ValueError, match=r"`process_id` must be in \[0, 1\].*got|2"):
        D.initialize("a:1", 2, 2)
    monkeypatch.setenv("KERAS_DISTRIBUTION_NUM_PROCESSES", "two")
    with pytest.raises(ValueError, match="KERAS_DISTRIBUTION_NUM_PROCESSES must be"):
        D.initialize("a:1")


# -- the NumPy engine: one host device -------------------------------------------------


def test_numpy_engine_places_nothing():
    engine = NumpyEngine()
    mesh = engine.mesh(["cpu:0"], (1,), ["batch"])
    sharding = engine.sharding(mesh, ("batch",))
    tree = {"a": np.ones(2)}
    assert sharding is None
    assert engine.place_local(tree, sharding) is tree
    assert engine.constrain(tree, sharding) is tree
    assert engine.sharding_of(tree) == {"a": None}
    assert (engine.process_count(), engine.process_index()) == (1, 0)
    assert engine.broadcast_from_first_process(np.int32(3)) == 3
    with pytest.raises(NotImplementedError, match="Many processes.*'jax' engine"):
        engine.initialize_distributed("a:1", 2, 0)


def test_data_parallel_runs_batches_the_devices_do_not_divide():
    """3 rows over 4 devices: jax refuses to place them split, so they are
    placed whole and split inside the step; the results are the rows' own."""
    import os

    from tests.helpers import run_python

    devices = " --xla_force_host_platform_device_count=4"
    flags = os.environ.get("XLA_FLAGS", "") + devices
    done = run_python(
        """
        import numpy as np
        import kerasish as K

        K.distribution.set_distribution(K.distribution.DataParallel())
        model = K.Sequential([K.Input((4,)), K.layers.Dense(2)])
        model.compile("sgd", "mse")
        kernel, bias = model.get_weights()
        x = np.arange(12, dtype="float32").reshape(3, 4)
        y = np.ones((3, 2), "float32")
        expected = x @ kernel + bias
        loss = np.mean((expected - y) ** 2)
        scale = np.abs(expected).max()  # relative errors: float32 sums differ
        print(np.abs(model.predict_on_batch(x) - expected).max() / scale)
        print(np.abs(model.predict(x, verbose=0) - expected).max() / scale)
        print(abs(model.evaluate(x, y, verbose=0) - loss) / loss)
        """,
        env={"XLA_FLAGS": flags},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    errors = [float(v) for v in done.stdout.split()]
    assert len(errors) == 3 and max(errors) < 1e-5, done.stdout


def test_layout_map_output_entries_lay_out_layer_outputs():
    """`layout_map["<layer path>/output"]`, as Keras reads it after each layer
    call: the layer's output gets that layout (a wrong rank is an error)."""
    import kerasish

    mesh = D.DeviceMesh((1, 1), ["batch", "model"], D.list_devices()[:1])

    def model_under(layout_map):
        queried = []

        class Recording(D.ModelParallel):
            def get_tensor_layout(self, path):
                queried.append(path)
                return super().get_tensor_layout(path)

        with Recording(layout_map=layout_map, batch_dim_name="batch").scope():
            inputs = kerasish.Input((4,))
            hidden = kerasish.layers.Dense(3, name="hidden")(inputs)
            model = kerasish.Model(inputs, kerasish.layers.Dense(2, name="d2")(hidden))
            out = model.predict(np.ones((2, 4), "float32"), verbose=0)
        return queried, out

    good = D.LayoutMap(mesh)
    good["d2/output"] = ("batch", None)
    queried, out = model_under(good)
    assert {"hidden/output", "d2/output"} <= set(queried)
    assert out.shape == (2, 2)
    bad = D.LayoutMap(mesh)
    bad["d2/output"] = ("batch", None, None)  # d2's output has rank 2
    with pytest.raises(ValueError):
        model_under(bad)

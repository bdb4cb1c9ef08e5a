"""tf.data, Grain and torch DataLoader inputs train exactly as the same numpy arrays.

Every comparison feeds the same batches in the same order both ways, from the same
initial weights, with plain SGD (no optimizer state to carry over), so weights,
history and outputs agree to float rounding. Two models are built once per module
and reused; the library-data step compiles once and serves all three libraries.
"""

import sys
import warnings

import numpy as np
import pytest

import kerasish as K
from kerasish.trainers import data_adapters, library_data

N, D, BS = 36, 3, 8  # 5 batches per pass, the last one short (4 rows)
LIBS = ["tf", "grain", "torch"]
# The shared models see several data structures (with and without weights).
pytestmark = pytest.mark.filterwarnings("ignore:.*recompiling the:UserWarning")


def _arrays():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, D)).astype("float32")
    b = rng.normal(size=(N, 2)).astype("float32")
    y = rng.normal(size=(N, 1)).astype("float32")
    sw = rng.uniform(0.5, 2.0, size=(N,)).astype("float32")
    return x, b, y, sw


X, B, Y, SW = _arrays()


def _rows(structure, n):
    """Per-row elements of a structure of arrays (tuples and dicts)."""
    if isinstance(structure, dict):
        return [{k: v[i] for k, v in structure.items()} for i in range(n)]
    if isinstance(structure, tuple):
        columns = [_rows(s, n) for s in structure]
        return [tuple(c[i] for c in columns) for i in range(n)]
    return [structure[i] for i in range(n)]


def make(lib, structure, repeat=False, batch_size=BS):
    """A dataset of `structure` (arrays with N or fewer rows) batched by `lib`."""
    n = len(next(iter(_leaves(structure))))
    if lib == "tf":
        tf = pytest.importorskip("tensorflow")
        ds = tf.data.Dataset.from_tensor_slices(structure).batch(batch_size)
        return ds.repeat() if repeat else ds
    if lib == "grain":
        grain = pytest.importorskip("grain")
        ds = grain.MapDataset.source(_rows(structure, n))
        return (ds.repeat() if repeat else ds).batch(batch_size)
    torch = pytest.importorskip("torch")
    rows = _rows(_to_torch(structure, torch), n)

    class Forever(torch.utils.data.IterableDataset):
        def __iter__(self):
            while True:
                yield from rows

    source = Forever() if repeat else rows
    return torch.utils.data.DataLoader(source, batch_size=batch_size)


def _leaves(structure):
    if isinstance(structure, dict):
        return [a for v in structure.values() for a in _leaves(v)]
    if isinstance(structure, tuple):
        return [a for v in structure for a in _leaves(v)]
    return [structure]


def _to_torch(structure, torch):
    if isinstance(structure, dict):
        return {k: _to_torch(v, torch) for k, v in structure.items()}
    if isinstance(structure, tuple):
        return tuple(_to_torch(v, torch) for v in structure)
    return torch.from_numpy(structure)


@pytest.fixture(scope="module")
def models():
    """Two compiled models and their initial weights, shared by every test."""
    K.utils.set_random_seed(0)
    seq = K.Sequential(
        [K.Input((D,)), K.layers.Dense(4, activation="relu"), K.layers.Dense(1)]
    )
    seq.compile(optimizer=K.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    a, b = K.Input((D,), name="a"), K.Input((2,), name="b")
    joined = K.layers.Concatenate()([a, K.layers.Dense(3)(b)])
    two = K.Model({"a": a, "b": b}, K.layers.Dense(1)(joined))
    two.compile(optimizer=K.optimizers.SGD(0.1), loss="mse")
    return {"seq": (seq, seq.get_weights()), "two": (two, two.get_weights())}


_REFERENCES = {}


def reference(models, name, run):
    """`run(model)` on numpy arrays from the initial weights, once per module."""
    if name not in _REFERENCES:
        model, w0 = models["two" if name.startswith("two") else "seq"]
        model.set_weights(w0)
        out = run(model)
        _REFERENCES[name] = (model.get_weights(), out)
    return _REFERENCES[name]


def fresh(models, which="seq"):
    model, w0 = models[which]
    model.set_weights(w0)
    return model


def assert_same_weights(model, expected):
    for got, want in zip(model.get_weights(), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def assert_same_history(history, expected):
    assert sorted(history.history) == sorted(expected.history)
    for key, values in expected.history.items():
        np.testing.assert_allclose(history.history[key], values, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("lib", LIBS)
def test_fit_with_validation_data_matches_arrays(models, lib):
    weights, history = reference(
        models,
        "fit",
        lambda m: m.fit(
            X, Y, batch_size=BS, epochs=2, shuffle=False, verbose=0,
            validation_data=(X, Y),
        ),
    )  # fmt: skip
    model = fresh(models)
    got = model.fit(
        make(lib, (X, Y)), epochs=2, verbose=0, validation_data=make(lib, (X, Y))
    )
    assert_same_weights(model, weights)
    assert_same_history(got, history)
    assert len(history.history["loss"]) == 2


@pytest.mark.parametrize("lib", LIBS)
def test_sample_weight_tuples_match_arrays(models, lib):
    weights, history = reference(
        models,
        "sw",
        lambda m: m.fit(
            X, Y, sample_weight=SW, batch_size=BS, shuffle=False, verbose=0
        ),
    )
    model = fresh(models)
    got = model.fit(make(lib, (X, Y, SW)), verbose=0)
    assert_same_weights(model, weights)
    assert_same_history(got, history)


def _two_inputs_reference(models):
    """The two-input model fitted on numpy dicts: (weights, history)."""
    return reference(
        models,
        "two",
        lambda m: m.fit({"a": X, "b": B}, Y, batch_size=BS, shuffle=False, verbose=0),
    )


@pytest.mark.parametrize("lib", LIBS)
def test_dict_inputs_match_arrays(models, lib):
    weights, history = _two_inputs_reference(models)
    model = fresh(models, "two")
    got = model.fit(make(lib, ({"a": X, "b": B}, Y)), verbose=0)
    assert_same_weights(model, weights)
    assert_same_history(got, history)
    # A dataset of bare dicts (no targets) predicts.
    np.testing.assert_allclose(
        model.predict(make(lib, {"a": X, "b": B}), verbose=0),
        model.predict({"a": X, "b": B}, verbose=0),
        rtol=1e-6,
        atol=1e-6,
    )


@pytest.mark.parametrize("lib", LIBS)
def test_dict_batches_with_an_unused_column_train_as_without(models, lib):
    # As Keras (a warning, then ignored): `make_csv_dataset` yields every column.
    weights, history = _two_inputs_reference(models)
    model = fresh(models, "two")
    features = {"extra": B[:, :1], "b": B, "a": X}
    with warnings.catch_warnings():  # a warning per trace names the column
        warnings.simplefilter("ignore")
        got = model.fit(make(lib, (features, Y)), verbose=0)
    assert_same_weights(model, weights)
    assert_same_history(got, history)


@pytest.mark.parametrize("lib", LIBS)
def test_infinite_data_with_steps_per_epoch_continues_across_epochs(models, lib):
    # 32 rows: 4 full batches per pass, repeated forever. With steps_per_epoch=3,
    # epoch 1 reads batches 0, 1, 2 and epoch 2 reads 3, 0, 1 (Keras keeps one
    # iterator across epochs); validation with validation_steps=2 reads batches
    # 0, 1 after each epoch (Keras's evaluate resets its cached iterator: as
    # Keras 3.15 gives, checked on tf.data).
    order = [0, 1, 2, 3, 0, 1]
    rows = np.concatenate([np.arange(i * BS, (i + 1) * BS) for i in order])

    def run(m):
        losses = []
        for epoch in range(2):
            part = rows[epoch * 3 * BS : (epoch + 1) * 3 * BS]
            m.fit(X[part], Y[part], batch_size=BS, shuffle=False, verbose=0)
            val = slice(0, 2 * BS)
            losses.append(m.evaluate(X[val], Y[val], batch_size=BS, verbose=0)[0])
        return losses

    weights, val_losses = reference(models, "infinite", run)
    model = fresh(models)
    history = model.fit(
        make(lib, (X[:32], Y[:32]), repeat=True),
        steps_per_epoch=3,
        epochs=2,
        verbose=0,
        validation_data=make(lib, (X[:32], Y[:32]), repeat=True),
        validation_steps=2,
    )
    assert_same_weights(model, weights)
    np.testing.assert_allclose(history.history["val_loss"], val_losses, rtol=1e-6)


@pytest.mark.parametrize("lib", LIBS)
def test_evaluate_and_predict_match_arrays(models, lib):
    model = fresh(models)
    expected = model.evaluate(X, Y, batch_size=BS, verbose=0)
    np.testing.assert_allclose(
        model.evaluate(make(lib, (X, Y)), verbose=0), expected, rtol=1e-6
    )
    weighted = model.evaluate(X, Y, sample_weight=SW, batch_size=BS, verbose=0)
    np.testing.assert_allclose(
        model.evaluate(make(lib, (X, Y, SW)), verbose=0), weighted, rtol=1e-6
    )
    outputs = model.predict(X, batch_size=BS, verbose=0)
    for data in (make(lib, (X, Y)), make(lib, (X,)), make(lib, X)):
        got = model.predict(data, verbose=0)
        assert got.shape == (N, 1)  # the short last batch keeps its 4 real rows
        np.testing.assert_allclose(got, outputs, rtol=1e-6, atol=1e-6)
    # An infinite dataset with `steps`.
    np.testing.assert_allclose(
        model.evaluate(make(lib, (X[:32], Y[:32]), repeat=True), steps=2, verbose=0),
        model.evaluate(X[:16], Y[:16], batch_size=BS, verbose=0),
        rtol=1e-6,
    )


def test_grain_iter_dataset_and_data_loader_match_arrays(models):
    grain = pytest.importorskip("grain")
    weights, _ = reference(
        models,
        "fit1",
        lambda m: m.fit(X, Y, batch_size=BS, shuffle=False, verbose=0),
    )
    model = fresh(models)
    model.fit(make("grain", (X, Y)).to_iter_dataset(), verbose=0)
    assert_same_weights(model, weights)

    class Rows:
        def __len__(self):
            return N

        def __getitem__(self, i):
            return X[i], Y[i]

    loader = grain.DataLoader(
        data_source=Rows(),
        sampler=grain.samplers.IndexSampler(
            N, shuffle=False, num_epochs=1, shard_options=grain.sharding.NoSharding()
        ),
        operations=[grain.transforms.Batch(BS)],
        worker_count=0,
    )
    model = fresh(models)
    model.fit(loader, verbose=0)
    assert_same_weights(model, weights)


def test_steps_per_epoch_past_the_end_of_finite_data_warns(models):
    pytest.importorskip("grain")
    # 5 batches, steps_per_epoch=3: epoch 1 reads 0, 1, 2; epoch 2 reads 3, 4
    # and stops at the end of the data with Keras's warning.
    weights, _ = reference(
        models,
        "fit1",
        lambda m: m.fit(X, Y, batch_size=BS, shuffle=False, verbose=0),
    )
    model = fresh(models)
    with pytest.warns(UserWarning, match=r"ran out of data after 2 of 3 steps"):
        model.fit(make("grain", (X, Y)), steps_per_epoch=3, epochs=2, verbose=0)
    assert_same_weights(model, weights)


def test_tf_class_weight_matches_arrays(models):
    y01 = (Y > 0).astype("float32")
    class_weight = {0: 0.5, 1: 3.0}
    weights, _ = reference(
        models,
        "class_weight",
        lambda m: m.fit(
            X, y01, class_weight=class_weight, batch_size=BS, shuffle=False,
            verbose=0,
        ),
    )  # fmt: skip
    model = fresh(models)
    model.fit(make("tf", (X, y01)), class_weight=class_weight, verbose=0)
    assert_same_weights(model, weights)
    with pytest.raises(ValueError, match="`class_weight` cannot be combined"):
        model.fit(make("tf", (X, y01, SW)), class_weight=class_weight, verbose=0)


@pytest.mark.parametrize("lib", LIBS)
def test_errors_name_the_argument_and_the_library(models, lib):
    model = fresh(models)
    data = make(lib, (X, Y))
    name = {"tf": "tf.data.Dataset", "grain": "Grain dataset", "torch": "torch"}[lib]
    with pytest.raises(ValueError, match=rf"`y` must not be given .*{name}"):
        model.fit(data, Y, verbose=0)
    with pytest.raises(ValueError, match=rf"`sample_weight` must not .*{name}"):
        model.fit(data, sample_weight=SW, verbose=0)
    with pytest.raises(ValueError, match="only supported for array inputs"):
        model.fit(data, validation_split=0.2, verbose=0)
    if lib != "tf":
        with pytest.raises(ValueError, match=r"`class_weight` is not supported"):
            model.fit(data, class_weight={0: 1.0}, verbose=0)
    if lib != "torch":  # a torch IterableDataset has no known length
        infinite = make(lib, (X, Y), repeat=True)
        with pytest.raises(ValueError, match=r"`x` is an infinite .*steps_per_epoch"):
            model.fit(infinite, verbose=0)
        with pytest.raises(ValueError, match=r"`validation_data` is an infinite"):
            model.fit(data, validation_data=infinite, verbose=0)
        with pytest.raises(ValueError, match=r"infinite .*`steps=` to evaluate"):
            model.evaluate(infinite, verbose=0)
    empty = make(lib, (X[:0], Y[:0]))
    with pytest.raises(ValueError, match=r"empty|no batches"):
        model.fit(empty, verbose=0)


def test_tf_sparse_batches_are_refused_with_a_hint():
    tf = pytest.importorskip("tensorflow")
    sparse = tf.sparse.from_dense(tf.constant(X[:8]))
    with pytest.raises(TypeError, match=r"SparseTensor.*tf.sparse.to_dense"):
        library_data._to_numpy_tf(sparse)


def test_conversions_share_memory_with_the_tensors():
    """No copy beyond the conversion: numpy views of the library's buffers."""
    tf = pytest.importorskip("tensorflow")
    torch = pytest.importorskip("torch")
    t = tf.constant(X)
    np.testing.assert_array_equal(library_data._to_numpy_tf(t), X)
    assert np.shares_memory(library_data._to_numpy_tf(t), t._numpy())
    batches = []

    def collate(rows):
        batch = torch.stack([r[0] for r in rows]), torch.stack([r[1] for r in rows])
        batches.append(batch)
        return batch

    loader = torch.utils.data.DataLoader(
        list(zip(torch.from_numpy(X), torch.from_numpy(Y))),
        batch_size=BS,
        collate_fn=collate,
    )
    data = data_adapters.make_data(loader)
    for i, (x, y, _, mask) in enumerate(data.epoch()):
        if mask.all():  # full batches go through untouched (the last is padded)
            assert np.shares_memory(x, batches[i][0].numpy())
            assert np.shares_memory(y, batches[i][1].numpy())
    bf16 = torch.from_numpy(X).to(torch.bfloat16)
    got = library_data._to_numpy_torch(bf16)
    assert str(got.dtype) == "bfloat16"
    np.testing.assert_array_equal(got.astype("float32"), bf16.float().numpy())


def _fake(name, module):
    """A stand-in whose class claims a library's module, as the real ones do."""
    return type(name, (), {"__module__": module})()


def test_library_is_recognized_by_module_name_without_importing(monkeypatch):
    assert library_data.library_of(
        _fake("DatasetV2", "tensorflow.python.data.ops.dataset_ops")
    ) == ("tf")
    assert library_data.library_of(_fake("DataLoader", "torch.utils.data.dataloader"))
    assert library_data.library_of(_fake("MapDataset", "grain._src.python")) == (
        "grain"
    )
    for other in (_fake("DataLoader", "mylib.data"), _fake("Dataset", "tensorflow")):
        assert library_data.library_of(other) is None
    # Arrays, generators and lists never touch the libraries: importing one
    # would fail here.
    for module in ("tensorflow", "torch", "grain"):
        monkeypatch.setitem(sys.modules, module, None)
    for x in (X, (row for row in [(X[:4], Y[:4])]), [(X[:4], Y[:4])], {"a": X}):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            data = data_adapters.make_data(x)
            data.first_batch()
        assert library_data.library_of(x) is None

"""A catalogue of the bad inputs a Keras user meets most often.

Each case asserts the error's type and that its message names the argument, what
was expected and what was received, before anything trains on wrong numbers.
"""

import numpy as np
import pytest

import kerasish as keras
from kerasish import layers

RNG = np.random.default_rng(0)
N = 16
X = RNG.normal(size=(N, 4)).astype("float32")
Y = RNG.integers(0, 3, size=(N,)).astype("int32")
YR = RNG.normal(size=(N, 1)).astype("float32")


def seq(units=3, activation="softmax", loss="sparse_categorical_crossentropy", **kw):
    model = keras.Sequential(
        [keras.Input((4,)), layers.Dense(units, activation=activation)]
    )
    if loss is not False:
        model.compile("sgd", loss, **kw)
    return model


def two_inputs(as_dict=False):
    a = keras.Input((2,), name="alpha")
    b = keras.Input((3,), name="beta")
    out = layers.Dense(1, name="out")(layers.Concatenate()([a, b]))
    model = keras.Model({"alpha": a, "beta": b} if as_dict else [a, b], out)
    model.compile("sgd", "mse")
    return model


def two_outputs(**compile_kwargs):
    inp = keras.Input((4,))
    model = keras.Model(
        inp, [layers.Dense(1, name="left")(inp), layers.Dense(2, name="right")(inp)]
    )
    model.compile("sgd", compile_kwargs.pop("loss", "mse"), **compile_kwargs)
    return model


AB = {"alpha": np.ones((N, 2), "float32"), "beta": np.ones((N, 3), "float32")}


def fit(model=None, x=X, y=Y, **kwargs):
    model = seq() if model is None else model
    kwargs.setdefault("verbose", 0)
    return model.fit(x, y, **kwargs)


def gen(batches):
    yield from batches


CASES = [
    # -- fit's scalar arguments ------------------------------------------------
    ("epochs_str", lambda: fit(epochs="3"), ValueError, r"`epochs`.*non-negative.*'3'"),
    ("epochs_negative", lambda: fit(epochs=-1), ValueError, r"`epochs`.*got -1"),
    ("epochs_float", lambda: fit(epochs=2.5), ValueError, r"`epochs`.*got 2\.5"),
    ("batch_size_zero", lambda: fit(batch_size=0), ValueError, r"`batch_size`.*got 0"),
    ("batch_size_neg", lambda: fit(batch_size=-4), ValueError, r"`batch_size`.*-4"),
    ("batch_size_float", lambda: fit(batch_size=2.5), ValueError, r"batch_size.*2\.5"),
    ("batch_size_str", lambda: fit(batch_size="32"), ValueError, r"batch_size.*'32'"),
    ("steps_zero", lambda: fit(steps_per_epoch=0), ValueError, r"steps_per_epoch.*0"),
    (
        "steps_str",
        lambda: fit(steps_per_epoch="10"),
        ValueError,
        r"`steps_per_epoch`.*positive integer.*'10'",
    ),
    ("initial_epoch", lambda: fit(initial_epoch=-1), ValueError, r"initial_epoch.*-1"),
    ("verbose", lambda: fit(verbose=3), ValueError, r"`verbose`.*0, 1 or 2.*3"),
    ("split_neg", lambda: fit(validation_split=-0.1), ValueError, r"split.*\[0, 1\)"),
    ("split_one", lambda: fit(validation_split=1.0), ValueError, r"split.*got 1\.0"),
    ("split_str", lambda: fit(validation_split="0.2"), ValueError, r"split.*'0\.2'"),
    (
        "validation_freq_str",
        lambda: fit(validation_data=(X, Y), validation_freq="2"),
        TypeError,
        r"`validation_freq`.*positive integer or a list.*'2'",
    ),
    (
        "validation_freq_zero",
        lambda: fit(validation_data=(X, Y), validation_freq=0),
        ValueError,
        r"`validation_freq`.*positive.*0",
    ),
    (
        "split_with_generator",
        lambda: fit(x=gen([(X, Y)]), y=None, validation_split=0.2),
        ValueError,
        r"validation_split.*only supported for array.*generator",
    ),
    (
        "steps_per_execution",
        lambda: seq(steps_per_execution=0),
        ValueError,
        r"`steps_per_execution`.*positive integer.*0",
    ),
    # -- weights -----------------------------------------------------------------
    (
        "class_and_sample_weight",
        lambda: fit(class_weight={0: 1.0, 1: 1.0, 2: 1.0}, sample_weight=np.ones(N)),
        ValueError,
        r"`class_weight` and `sample_weight`.*received both",
    ),
    (
        "class_weight_list",
        lambda: fit(class_weight=[1.0, 2.0, 3.0]),
        TypeError,
        r"`class_weight` must be a dict.*received list",
    ),
    (
        "class_weight_multi_output",
        lambda: fit(two_outputs(), y=[YR, np.ones((N, 2))], class_weight={0: 1.0}),
        ValueError,
        r"`class_weight` is only supported for models with a sing"
        r"le output; received targets for 2",
    ),
    (
        "sample_weight_2d",
        lambda: fit(seq(1, None, "mse"), y=YR, sample_weight=np.ones((N, 5))),
        ValueError,
        r"`sample_weight` has shape \(16, 5\).*`y` of shape \(16,"
        r" 1\).*expected \(16,\)",
    ),
    (
        "sample_weight_length",
        lambda: fit(sample_weight=np.ones(N - 3)),
        ValueError,
        r"`sample_weight` has shape \(13,\).*`y` of shape \(16,\)",
    ),
    (
        "sample_weight_scalar",
        lambda: fit(sample_weight=np.float32(2.0)),
        ValueError,
        r"`sample_weight` must have one weight per sample.*\(16,\).*scalar",
    ),
    (
        "sample_weight_dict_key",
        lambda: fit(
            two_outputs(), y=[YR, np.ones((N, 2))], sample_weight={"lefft": np.ones(N)}
        ),
        ValueError,
        r"`sample_weight` has the key 'lefft'.*\['left', 'right'\].*'left'",
    ),
    # -- data shapes, counts and dtypes ------------------------------------------
    (
        "x_y_counts",
        lambda: fit(y=Y[:10]),
        ValueError,
        r"`x` and `y` have different numbers of samples: x has 16, y has 10",
    ),
    (
        "empty",
        lambda: fit(x=X[:0], y=Y[:0]),
        ValueError,
        r"empty \(0 samples\): `x` must hold at least one sample, "
        r"received shape \(0, 4\)",
    ),
    (
        "non_numeric_x",
        lambda: fit(x=np.array([["a"] * 4] * N)),
        TypeError,
        r"non-numeric input of dtype <U1.*np\.asarray",
    ),
    (
        "string_x",
        lambda: fit(x="data.csv", y=None),
        TypeError,
        r"`x` must be arrays.*received a str",
    ),
    ("x_none", lambda: fit(x=None), ValueError, r"No data was passed: `x` is None"),
    (
        "x_scalar",
        lambda: fit(x=np.float32(1.0), y=None),
        ValueError,
        r"`x` must be arrays with a leading batch axis \(shape \("
        r"samples, \.\.\.\)\), received a scalar",
    ),
    (
        "string_targets_mse",
        lambda: fit(seq(1, None, "mse"), y=np.array(["cat"] * N)),
        TypeError,
        r"`y` holds non-numeric values \(dtype <U3\).*expected integer labels",
    ),
    (
        "string_targets_sparse",
        lambda: fit(y=np.array(["a", "b"] * (N // 2))),
        TypeError,
        r"`y` holds non-numeric values \(dtype <U1\)",
    ),
    (
        "input_width",
        lambda: fit(x=np.ones((N, 7), "float32")),
        ValueError,
        r"expected shape \(None, 4\), received \(\d+, 7\)",
    ),
    (
        "input_rank",
        # (A trailing axis of 1 is squeezed, as Keras does: not this one.)
        lambda: fit(x=X[:, None, :]),
        ValueError,
        r"expected shape \(None, 4\), received \(\d+, 1, 4\)",
    ),
    (
        "no_targets",
        lambda: fit(y=None),
        ValueError,
        r"`fit` needs targets: pass `y=`.*received `y=None`",
    ),
    # -- dict inputs matched by name ---------------------------------------------
    (
        "dict_misspelled_key",
        lambda: fit(two_inputs(), x={"alpha": AB["alpha"], "betta": AB["beta"]}, y=YR),
        ValueError,
        r"`x` has the key 'betta'.*input names \['alpha', 'beta'\]"
        r"\. Did you mean 'beta'",
    ),
    (
        "dict_struct_misspelled_key",
        lambda: fit(
            two_inputs(True), x={"alpha": AB["alpha"], "betta": AB["beta"]}, y=YR
        ),
        ValueError,
        r"`x` has the key 'betta'.*\['alpha', 'beta'\].*Did you mean 'beta'",
    ),
    (
        "dict_missing_key",
        lambda: fit(two_inputs(), x={"alpha": AB["alpha"]}, y=YR),
        ValueError,
        r"`x` lacks the key 'beta'.*inputs are \['alpha', 'beta'\].*received keys",
    ),
    (
        "predict_dict_key",
        lambda: two_inputs().predict({"alpha": AB["alpha"], "bet": AB["beta"]}),
        ValueError,
        r"`x` has the key 'bet'.*Did you mean 'beta'",
    ),
    (
        "evaluate_dict_key",
        lambda: two_inputs().evaluate({"alpha": AB["alpha"], "bet": AB["beta"]}, YR),
        ValueError,
        r"`x` has the key 'bet'.*\['alpha', 'beta'\]",
    ),
    (
        "y_dict_unknown",
        lambda: fit(two_outputs(), y={"lft": YR, "right": np.ones((N, 2))}),
        ValueError,
        r"`y` has the key 'lft'.*output names \['left', 'right'\].*'left'",
    ),
    (
        "y_dict_missing",
        lambda: fit(two_outputs(), y={"left": YR}),
        ValueError,
        r"`y` lacks the key 'right'.*outputs are \['left', 'right'\]",
    ),
    (
        "y_list_count",
        lambda: fit(two_outputs(), y=[YR]),
        ValueError,
        r"2 output\(s\) \(\['left', 'right'\]\) but `y` has 1 array",
    ),
    # -- compile arguments -------------------------------------------------------
    (
        "unknown_optimizer",
        lambda: seq(loss=False).compile("adamm", "mse"),
        ValueError,
        r"Unknown optimizer 'adamm'.*adam",
    ),
    (
        "unknown_loss",
        lambda: fit(seq(loss="msee")),
        ValueError,
        r"Unknown loss 'msee'.*mse",
    ),
    (
        "unknown_metric",
        lambda: fit(seq(metrics=["acuracy"])),
        ValueError,
        r"Unknown metric 'acuracy'\. Did you mean 'accuracy'\? Valid names",
    ),
    (
        "loss_dict_key",
        lambda: fit(two_outputs(loss={"lef": "mse"}), y=[YR, np.ones((N, 2))]),
        ValueError,
        r"`loss` has keys \['lef'\].*Output names: \['left', 'right'\]",
    ),
    (
        "loss_list_length",
        lambda: fit(two_outputs(loss=["mse"] * 3), y=[YR, np.ones((N, 2))]),
        ValueError,
        r"`loss` is a list of 3 entries.*2 outputs",
    ),
    (
        "loss_weights_key",
        lambda: fit(two_outputs(loss_weights={"x": 1.0}), y=[YR, np.ones((N, 2))]),
        ValueError,
        r"`loss_weights` has keys \['x'\].*Output names",
    ),
    (
        "metrics_dict_key",
        lambda: fit(two_outputs(metrics={"lft": ["mae"]}), y=[YR, np.ones((N, 2))]),
        ValueError,
        r"`metrics` has keys \['lft'\].*Output names: \['left', 'right'\]",
    ),
    (
        "no_loss_no_add_loss",
        lambda: fit(seq(loss=None)),
        ValueError,
        r"No loss to train with.*`loss=`.*add_loss",
    ),
    # -- targets that do not fit the loss ----------------------------------------
    (
        "one_hot_with_sparse",
        lambda: fit(y=np.eye(3, dtype="float32")[Y]),
        ValueError,
        r"sparse_categorical_crossentropy' expects integer.*recei"
        r"ved y_true of shape \(None, 3\).*categorical_crossentropy",
    ),
    (
        "int_labels_with_categorical",
        lambda: fit(seq(loss="categorical_crossentropy")),
        ValueError,
        r"categorical_crossentropy' expects one-hot labels.*\(Non"
        r"e, 3\), received y_true of shape \(None,\)",
    ),
    (
        "binary_ce_width",
        lambda: fit(seq(1, "sigmoid", "binary_crossentropy"), y=np.ones((N, 3))),
        ValueError,
        r"binary_crossentropy' expects.*same shape, received y_tr"
        r"ue of shape \(None, 3\) and y_pred of shape \(None, 1\)",
    ),
    (
        "sparse_labels_2d_wide",
        lambda: fit(y=np.ones((N, 2), "int32")),
        ValueError,
        r"sparse_categorical_crossentropy' expects integer class "
        r"labels of shape \(None,\).*received y_true of shape \(None, 2\)",
    ),
    # -- validation and evaluation without targets -------------------------------
    (
        "validation_data_x_only",
        lambda: fit(validation_data=(X,)),
        ValueError,
        r"`validation_data=\(x_val,\)` has no targets.*expected `\(x_val, y_val\)`",
    ),
    (
        "validation_data_bare",
        lambda: fit(validation_data=X),
        ValueError,
        r"`validation_data` is bare inputs.*expected a tuple.*received ndarray",
    ),
    (
        "validation_data_four",
        lambda: fit(validation_data=(X, Y, np.ones(N), np.ones(N))),
        ValueError,
        r"`validation_data` must be a tuple.*received a tuple of 4",
    ),
    (
        "evaluate_without_y",
        lambda: seq().evaluate(X, verbose=0),
        ValueError,
        r"`evaluate` received `x` but no `y`.*expected `evaluate\(x, y\)`",
    ),
    (
        "evaluate_batch_size",
        lambda: seq().evaluate(X, Y, batch_size="8", verbose=0),
        ValueError,
        r"`batch_size`.*positive integer.*'8'",
    ),
    (
        "evaluate_steps",
        lambda: seq().evaluate(X, Y, steps=0, verbose=0),
        ValueError,
        r"`steps`.*positive integer.*0",
    ),
    (
        "predict_batch_size",
        lambda: seq().predict(X, batch_size=0, verbose=0),
        ValueError,
        r"`batch_size`.*positive integer.*0",
    ),
    (
        "fit_before_compile",
        lambda: fit(seq(loss=False)),
        ValueError,
        r"must call `compile\(\)` before using the model\. `fit`",
    ),
    (
        "evaluate_before_compile",
        lambda: seq(loss=False).evaluate(X, Y),
        ValueError,
        r"must call `compile\(\)` before using the model\. `evaluate`",
    ),
    # -- generators and datasets --------------------------------------------------
    (
        "generator_with_y",
        lambda: fit(x=gen([(X, Y)]), y=Y),
        ValueError,
        r"`y` must not be given when `x` is a generator",
    ),
    (
        "generator_with_sample_weight",
        lambda: fit(x=gen([(X, Y)]), y=None, sample_weight=np.ones(N)),
        ValueError,
        r"`sample_weight` must not be given with a generator.*yield",
    ),
    (
        "generator_four_tuple",
        lambda: fit(x=gen([(X, Y, Y, Y)]), y=None),
        ValueError,
        r"yielded a tuple of 4 elements; expected \(x,\), \(x, y\)",
    ),
    (
        "nested_python_lists",
        lambda: fit(x=X.tolist(), y=Y),
        ValueError,
        r"`x` is a nested Python list of numbers; convert it to an array first: "
        r"`np\.asarray\(x\)`",
    ),
    (
        "generator_empty",
        lambda: fit(x=gen([]), y=None),
        ValueError,
        r"`x` yielded no batches: expected at least one \(x, y\) "
        r"batch, received an empty",
    ),
    # -- callbacks that set the learning rate of a raw optax optimizer -----------
    (
        "reduce_lr_raw_optax",
        lambda: _raw_optax_fit(keras.callbacks.ReduceLROnPlateau("loss")),
        ValueError,
        r"ReduceLROnPlateau changes the learning rate.*optax\.inject_hyperparams",
    ),
    (
        "lr_scheduler_raw_optax",
        lambda: _raw_optax_fit(keras.callbacks.LearningRateScheduler(lambda e: 0.1)),
        ValueError,
        r"LearningRateScheduler changes the learning rate.*inject_hyperparams",
    ),
]


def _raw_optax_fit(callback):
    import optax

    model = seq(loss=False)
    model.compile(optax.sgd(0.1), "sparse_categorical_crossentropy")
    return model.fit(X, Y, verbose=0, callbacks=[callback])


def test_catalogue_is_large_enough():
    assert len(CASES) >= 60
    assert len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize(
    "run, error, pattern", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input(run, error, pattern):
    with pytest.raises(error, match=pattern):
        run()


def test_dict_entries_for_no_input_are_ignored_with_a_warning():
    """As Keras: one dict of features can feed a model that takes some of
    them; the others are left out, with a warning naming them."""
    extra = {**AB, "gamma": np.ones((N, 1))}
    results = []
    for x in (AB, extra):
        model = two_inputs(as_dict=True)
        model.set_weights([np.full(w.shape, 0.1, "float32") for w in model.weights])
        if x is extra:
            with pytest.warns(
                UserWarning, match=r"`x` has entries \['gamma'\].*ignored"
            ):
                history = model.fit(x, YR, epochs=2, verbose=0)
            with pytest.warns(UserWarning, match=r"`inputs` has entries \['gamma'\]"):
                called = model(x)
        else:
            history = model.fit(x, YR, epochs=2, verbose=0)
            called = model(x)
        results.append((history.history["loss"], np.asarray(called)))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-6)

"""The attribute surface: what user code reads on Keras objects exists here too.

For every public class of the object namespaces that both libraries have, one
instance is built the same way in both (constructor arguments from the tables
below; layers are called on a small symbolic input, metrics updated once,
optimizers stepped, models and callbacks fitted). Every public name of Keras's
instance (`dir()` minus `_`-names) must exist on kerasish's with the same kind
(method or value); plain values (numbers, strings, bools, `None`, tuples of those,
shapes) must be equal, arrays and variables of equal shape, lists of equal length.

Names that cannot apply are listed, each with its reason, in
`attribute_exclusions.txt` (`Class.attr  # reason` or `*.attr  # reason`).
Run with `-s` to see the coverage figure (present / Keras's names).
"""

import functools
import inspect
import numbers
import pathlib
import re
import tempfile
import types

import numpy as np
import pytest

from tests.helpers import keras3

pytestmark = pytest.mark.compat

NAMESPACES = [
    "layers",
    "models",
    "optimizers",
    "losses",
    "metrics",
    "callbacks",
    "initializers",
    "regularizers",
    "constraints",
]
EXCLUSIONS_FILE = pathlib.Path(__file__).with_name("attribute_exclusions.txt")


def _f(*shape):
    return np.linspace(0.1, 0.9, int(np.prod(shape)), dtype="float32").reshape(shape)


def _i(*shape, high=3):
    return (np.arange(int(np.prod(shape))) % high).reshape(shape).astype("int32")


# -- layers: (args, kwargs, call inputs) per class; `K` is the library ------------
# A spec is a function of the library returning a dict with `args`, `kwargs`, and
# one of `call` (a tuple of input arrays, called on symbolic inputs of that shape),
# `eager` (a tuple of arrays, called eagerly), `build` (an input shape) or nothing.
X2 = {"call": (_f(2, 3),)}
X3 = {"call": (_f(2, 3, 4),)}
X4 = {"call": (_f(2, 5, 5, 3),)}
X5 = {"call": (_f(2, 5, 5, 5, 3),)}
PAIR = {"call": ([_f(2, 3), _f(2, 3)],)}


def _spec(args=(), kwargs=None, **rest):
    return lambda K: {"args": args, "kwargs": kwargs or {}, **rest}


def _rank_spec(rank, args=(), kwargs=None):
    shape = {1: (2, 5, 3), 2: (2, 5, 5, 3), 3: (2, 5, 5, 5, 3)}[rank]
    return _spec(args, kwargs, call=(_f(*shape),))


LAYER_SPECS = {
    "Activation": _spec(("relu",), **X2),
    "ActivityRegularization": _spec(**X2),
    "Add": _spec(**PAIR),
    "AdditiveAttention": _spec(call=([_f(2, 3, 4), _f(2, 3, 4)],)),
    "AlphaDropout": _spec((0.5,), **X2),
    "Attention": _spec(call=([_f(2, 3, 4), _f(2, 3, 4)],)),
    "Average": _spec(**PAIR),
    "BatchNormalization": _spec(**X2),
    "Bidirectional": lambda K: {"args": (K.layers.LSTM(2),), "kwargs": {}, **X3},
    "CategoryEncoding": _spec(kwargs={"num_tokens": 4}, eager=(_i(2, 3),)),
    "CenterCrop": _spec((2, 2), **X4),
    "Concatenate": _spec(**PAIR),
    "Cropping1D": _rank_spec(1),
    "Cropping2D": _rank_spec(2),
    "Cropping3D": _rank_spec(3),
    "Dense": _spec((4,), **X2),
    "DepthwiseConv1D": _rank_spec(1, (3,)),
    "DepthwiseConv2D": _rank_spec(2, (3,)),
    "Discretization": _spec(kwargs={"bin_boundaries": [0.0, 0.5]}, **X2),
    "Dot": _spec(kwargs={"axes": 1}, **PAIR),
    "Dropout": _spec((0.5,), **X2),
    "EinsumDense": _spec(("ab,bc->ac",), {"output_shape": 4}, **X2),
    "Embedding": _spec((10, 4), call=(_i(2, 3),)),
    "Flatten": _spec(**X3),
    "GRU": _spec((2,), **X3),
    "GRUCell": _spec((2,), build=(2, 4)),
    "GaussianDropout": _spec((0.5,), **X2),
    "GaussianNoise": _spec((0.1,), **X2),
    "GroupNormalization": _spec(kwargs={"groups": 2}, call=(_f(2, 4),)),
    "GroupQueryAttention": _spec(
        kwargs={"head_dim": 2, "num_query_heads": 2, "num_key_value_heads": 1},
        call=(_f(2, 3, 4), _f(2, 3, 4)),
    ),
    "Identity": _spec(**X2),
    "InputLayer": _spec(kwargs={"shape": (3,)}),
    "InputSpec": _spec(kwargs={"ndim": 2}),
    "IntegerLookup": _spec(kwargs={"vocabulary": [1, 2, 3]}, eager=(_i(2, 3),)),
    "LSTM": _spec((2,), **X3),
    "LSTMCell": _spec((2,), build=(2, 4)),
    "Lambda": lambda K: {"args": (K.ops.negative,), "kwargs": {}, **X2},
    "Layer": _spec(),
    "LayerNormalization": _spec(**X2),
    "Masking": _spec(**X3),
    "Maximum": _spec(**PAIR),
    "Minimum": _spec(**PAIR),
    "MultiHeadAttention": _spec(
        kwargs={"num_heads": 2, "key_dim": 2}, call=(_f(2, 3, 4), _f(2, 3, 4))
    ),
    "Multiply": _spec(**PAIR),
    "Normalization": _spec(adapt=_f(8, 3), **X2),
    "Permute": _spec(((2, 1),), **X3),
    "RMSNormalization": _spec(**X2),
    "RNN": lambda K: {"args": (K.layers.LSTMCell(2),), "kwargs": {}, **X3},
    "MaxNumBoundingBoxes": _spec((3,), **X4),
    "Pipeline": lambda K: {
        # Keras's RandomCrop cannot be called symbolically (it slices at traced
        # offsets), so the pipeline holds layers that can.
        "args": ([K.layers.RandomFlip(seed=1), K.layers.RandomRotation(0.1, seed=1)],),
        "kwargs": {},
        **X4,
    },
    "RandomContrast": _spec((0.5,), {"seed": 1}, **X4),
    "RandomCrop": _spec((2, 2), {"seed": 1}, **X4),
    "RandomElasticTransform": _spec(kwargs={"seed": 1}, **X4),
    "RandomErasing": _spec(kwargs={"seed": 1}, **X4),
    "RandomPerspective": _spec(kwargs={"seed": 1}, **X4),
    "RandomShear": _spec((0.1, 0.1), {"seed": 1}, **X4),
    "RandomFlip": _spec(kwargs={"seed": 1}, **X4),
    "RandomRotation": _spec((0.1,), {"seed": 1}, **X4),
    "RandomTranslation": _spec((0.1, 0.1), {"seed": 1}, **X4),
    "RandomZoom": _spec((0.1,), {"seed": 1}, **X4),
    "RepeatVector": _spec((2,), **X2),
    "Rescaling": _spec((0.5,), **X2),
    "Reshape": _spec(((3, 1),), **X2),
    "Resizing": _spec((2, 2), **X4),
    "SimpleRNN": _spec((2,), **X3),
    "SimpleRNNCell": _spec((2,), build=(2, 4)),
    "SpatialDropout1D": _spec((0.5,), **X3),
    "SpatialDropout2D": _spec((0.5,), call=(_f(2, 3, 3, 4),)),
    "SpatialDropout3D": _spec((0.5,), call=(_f(2, 3, 3, 3, 4),)),
    "StackedRNNCells": lambda K: {
        "args": ([K.layers.LSTMCell(2), K.layers.GRUCell(2)],),
        "kwargs": {},
        "build": (2, 4),
    },
    "StringLookup": _spec(
        kwargs={"vocabulary": ["a", "b"]}, eager=(np.array([["a", "b", "c"]]),)
    ),
    "Subtract": _spec(**PAIR),
    "TextVectorization": _spec(
        kwargs={"vocabulary": ["a", "b"], "output_sequence_length": 3},
        eager=(np.array(["a b", "b c"]),),
    ),
    "TimeDistributed": lambda K: {"args": (K.layers.Dense(2),), "kwargs": {}, **X3},
    "UnitNormalization": _spec(**X2),
    "UpSampling1D": _spec(**X3),
    "UpSampling2D": _spec(call=(_f(2, 3, 3, 4),)),
    "UpSampling3D": _spec(call=(_f(2, 3, 3, 3, 4),)),
    "ZeroPadding1D": _spec(**X3),
    "ZeroPadding2D": _spec(call=(_f(2, 3, 3, 4),)),
    "ZeroPadding3D": _spec(call=(_f(2, 3, 3, 3, 4),)),
}
for _rank in (1, 2, 3):
    for _name in ("GlobalAveragePooling", "GlobalMaxPooling", "MaxPooling"):
        LAYER_SPECS[f"{_name}{_rank}D"] = _rank_spec(_rank)
    LAYER_SPECS[f"AveragePooling{_rank}D"] = _rank_spec(_rank, (2,))
    LAYER_SPECS[f"Conv{_rank}D"] = _rank_spec(_rank, (2, 3))
    LAYER_SPECS[f"Conv{_rank}DTranspose"] = _rank_spec(_rank, (2, 3))
for _rank in (1, 2):
    LAYER_SPECS[f"SeparableConv{_rank}D"] = _rank_spec(_rank, (2, 3))


def _jax_layer_fn(params, inputs):
    return inputs @ params["w"]


def _flax_module():
    try:
        import flax.linen as nn
    except ImportError:
        return None  # Keras's FlaxLayer then raises ImportError: skipped
    return nn.Dense(2)


# Issue 11's layers.
LAYER_SPECS.update(
    {
        # Keras needs Flax for it (ImportError: skipped where Flax is absent).
        "FlaxLayer": lambda K: {"args": (_flax_module(),), "kwargs": {}, **X2},
        "HashedCrossing": _spec(
            (5,), eager=((np.array(["a", "b"]), np.array([1, 2])),)
        ),
        "Hashing": _spec((5,), eager=(np.array([["a"], ["b"]]),)),
        "JaxLayer": lambda K: {
            "args": (_jax_layer_fn,),
            "kwargs": {"params": {"w": _f(3, 2)}},
            **X2,
        },
        "MelSpectrogram": _spec(
            kwargs={"fft_length": 64, "sequence_stride": 32, "num_mel_bins": 8},
            call=(_f(2, 256),),
        ),
        "ReversibleEmbedding": _spec((10, 4), call=(_i(2, 3),)),
        "STFTSpectrogram": _spec(kwargs={"frame_length": 8}, call=(_f(2, 32, 1),)),
        "SpectralNormalization": lambda K: {
            "args": (K.layers.Dense(2),),
            "kwargs": {},
            **X2,
        },
        "Wrapper": lambda K: {
            "args": (K.layers.Dense(2),),
            "kwargs": {},
            "build": (2, 3),
        },
    }
)
# Issue 11's color, intensity and mixing image augmentations.
LAYER_SPECS.update(
    {
        "AugMix": _spec(kwargs={"seed": 1}, **X4),
        "AutoContrast": _spec(**X4),
        "ContrastLimitedAdaptiveHistogramEqualization": _spec(
            kwargs={"tile_grid_size": (2, 2)}, **X4
        ),
        "CutMix": _spec(kwargs={"seed": 1}, **X4),
        "Equalization": _spec(**X4),
        "MixUp": _spec(kwargs={"seed": 1}, **X4),
        "RandAugment": _spec(kwargs={"seed": 1}, **X4),
        "RandomBrightness": _spec((0.2,), {"seed": 1}, **X4),
        "RandomColorDegeneration": _spec((0.5,), {"seed": 1}, **X4),
        "RandomColorJitter": _spec(
            kwargs={"brightness_factor": 0.2, "hue_factor": 0.3, "seed": 1}, **X4
        ),
        "RandomGaussianBlur": _spec(kwargs={"seed": 1}, **X4),
        "RandomGrayscale": _spec(kwargs={"seed": 1}, **X4),
        "RandomHue": _spec((0.5,), {"seed": 1}, **X4),
        "RandomInvert": _spec(kwargs={"seed": 1}, **X4),
        "RandomPosterization": _spec((4,), {"seed": 1}, **X4),
        "RandomSaturation": _spec((0.5,), {"seed": 1}, **X4),
        "RandomSharpness": _spec((0.5,), {"seed": 1}, **X4),
        "Solarization": _spec(kwargs={"seed": 1}, **X4),
    }
)
for _rank in (1, 2, 3):
    LAYER_SPECS[f"AdaptiveAveragePooling{_rank}D"] = _rank_spec(_rank, (2,))
    LAYER_SPECS[f"AdaptiveMaxPooling{_rank}D"] = _rank_spec(_rank, (2,))
    _shape = (2, 3) + (4,) * _rank + (2,)
    LAYER_SPECS[f"ConvLSTM{_rank}D"] = _spec((2, 2), call=(_f(*_shape),))


def _build_layer(K, name):
    if not hasattr(K, "StatelessScope") or name == "Normalization":
        return _make_layer(K, name)
    # Keras defers initializing variables made in a stateless scope. Shapes are
    # all this test reads of them, and leaving them uninitialized spares one XLA
    # compilation per weight shape (kerasish initializes on the host).
    from keras.src.backend.common import global_state

    pending = list(global_state.get_global_attribute("uninitialized_variables", []))
    try:
        with K.StatelessScope(initialize_variables=False):
            return _make_layer(K, name)
    finally:
        global_state.set_global_attribute("uninitialized_variables", pending)


def _make_layer(K, name):
    spec = LAYER_SPECS.get(name, _spec(**X2))(K)
    cls = getattr(K.layers, name)
    obj = cls(*spec["args"], **spec["kwargs"])
    if "adapt" in spec:
        obj.adapt(spec["adapt"])
    if "build" in spec:
        obj.build(spec["build"])
    if "eager" in spec:
        obj(*spec["eager"])
    if "call" in spec:
        symbolic = [_symbolic(K, x) for x in spec["call"]]
        obj(*symbolic)
    return obj


def _symbolic(K, x):
    if isinstance(x, list):
        return [_symbolic(K, a) for a in x]
    return K.Input(batch_shape=x.shape, dtype=str(x.dtype))


def _dense(K):
    return K.layers.Dense(2, kernel_initializer="ones")  # the same start in both


# -- models -----------------------------------------------------------------------
def _fit(model, K, **kwargs):
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    model.fit(_f(8, 3), _f(8, 2), batch_size=4, shuffle=False, verbose=0, **kwargs)
    return model


def _build_model(K, name):
    if name == "Sequential":
        model = K.Sequential([K.Input((3,)), _dense(K)])
    elif name == "Functional":
        inputs = K.Input((3,))
        model = K.Model(inputs, _dense(K)(inputs))
    else:

        class Subclassed(K.Model):
            def __init__(self):
                super().__init__()
                self.dense = _dense(K)

            def call(self, x):
                return self.dense(x)

        model = Subclassed()
    return _fit(model, K)


# -- optimizers: built for two variables -------------------------------------------
OPTIMIZER_ARGS = {"Optimizer": {"learning_rate": 0.01}}


def _build_optimizer(K, name):
    if name == "LossScaleOptimizer":
        opt = K.optimizers.LossScaleOptimizer(K.optimizers.SGD())
    elif name == "OptimizerMap":
        return K.optimizers.OptimizerMap(
            K.optimizers.SGD(), {"bias": K.optimizers.Adam()}
        )
    elif name == "MultiOptimizer":
        mapping = K.optimizers.OptimizerMap(
            K.optimizers.SGD(), {"bias": K.optimizers.Adam()}
        )
        opt = K.optimizers.MultiOptimizer(mapping)
    else:
        opt = getattr(K.optimizers, name)(**OPTIMIZER_ARGS.get(name, {}))
    if name == "Optimizer":
        return opt
    opt.build([K.Variable(_f(3, 2), name="kernel"), K.Variable(_f(2), name="bias")])
    return opt


# -- losses, metrics ------------------------------------------------------------------
LOSS_ARGS = {}

METRIC_ARGS = {
    "IoU": {"num_classes": 3, "target_class_ids": [0]},
    "MeanIoU": {"num_classes": 3},
    "OneHotIoU": {"num_classes": 3, "target_class_ids": [0]},
    "OneHotMeanIoU": {"num_classes": 3},
    "PrecisionAtRecall": {"recall": 0.5},
    "RecallAtPrecision": {"precision": 0.5},
    "SensitivityAtSpecificity": {"specificity": 0.5},
    "SpecificityAtSensitivity": {"sensitivity": 0.5},
    "TopKCategoricalAccuracy": {"k": 2},
    "SparseTopKCategoricalAccuracy": {"k": 2},
}
UPDATED_METRICS = {"R2Score"}  # Keras makes some variables at once, some later
SPARSE_METRICS = {
    "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy",
    "SparseTopKCategoricalAccuracy",
}


@functools.cache
def _needs_update(name):
    """Whether Keras's metric makes its variables only on the first update."""
    keras = keras3()
    kwargs = dict(METRIC_ARGS.get(name, {}))
    if name == "MeanMetricWrapper":
        kwargs["fn"] = keras.losses.mean_squared_error
    return not getattr(keras.metrics, name)(**kwargs).variables


def _build_metric(K, name):
    kwargs = dict(METRIC_ARGS.get(name, {}))
    if name == "MeanMetricWrapper":
        kwargs["fn"] = K.losses.mean_squared_error
    metric = getattr(K.metrics, name)(**kwargs)
    if name == "Metric" or not (name in UPDATED_METRICS or _needs_update(name)):
        return metric
    if name in ("Mean", "Sum"):
        metric.update_state(_f(2, 3))
    elif name in ("IoU", "MeanIoU"):
        metric.update_state(np.array([0, 2]), np.array([0, 1]))
    elif name in SPARSE_METRICS:
        metric.update_state(np.array([0, 2]), _f(2, 3))
    else:
        y_true = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], "float32")
        metric.update_state(y_true, _f(2, 3))
    return metric


# -- callbacks: fitted with a small model where they can run without a service -------
CALLBACK_FITTED = {
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
}


_TMP = tempfile.mkdtemp(prefix="attributes_")  # both libraries write here in turn


def _make_callback(K, name):
    tmp = _TMP
    kwargs = {
        "BackupAndRestore": {"backup_dir": f"{tmp}/backup"},
        "CSVLogger": {"filename": f"{tmp}/log.csv"},
        "EarlyStopping": {"monitor": "loss"},
        "LearningRateScheduler": {"schedule": lambda epoch, lr: lr},
        "ModelCheckpoint": {"filepath": f"{tmp}/model.keras"},
        # Keras 3.15 needs orbax-checkpoint's `v1` API (ImportError: skipped).
        "OrbaxCheckpoint": {"directory": f"{tmp}/orbax"},
        "ReduceLROnPlateau": {"monitor": "loss"},
        "TensorBoard": {"log_dir": f"{tmp}/logs"},
    }.get(name, {})
    if name == "CallbackList":
        model = K.Sequential([K.Input((3,)), _dense(K)])
        return K.callbacks.CallbackList([], model=model)
    return getattr(K.callbacks, name)(**kwargs)


def _build_callback(K, name):
    if name in CALLBACK_FITTED:
        return _fitted_callbacks(K)[name]
    return _make_callback(K, name)


@functools.cache
def _fitted_callbacks(K):
    """One fit of a small model with every callback that can run offline."""
    callbacks = {name: _make_callback(K, name) for name in sorted(CALLBACK_FITTED)}
    model = K.Sequential([K.Input((3,)), _dense(K)])
    _fit(model, K, callbacks=list(callbacks.values()))
    return callbacks


# -- initializers, regularizers, constraints ---------------------------------------
PLAIN_ARGS = {
    "initializers": {
        "Constant": {"value": 2.0},
        "RandomNormal": {"seed": 1},
        "RandomUniform": {"seed": 1},
        "TruncatedNormal": {"seed": 1},
        "VarianceScaling": {"seed": 1},
        "GlorotNormal": {"seed": 1},
        "GlorotUniform": {"seed": 1},
        "HeNormal": {"seed": 1},
        "HeUniform": {"seed": 1},
        "LecunNormal": {"seed": 1},
        "LecunUniform": {"seed": 1},
        "Orthogonal": {"seed": 1},
    },
    "regularizers": {"L1": {"l1": 0.1}, "L2": {"l2": 0.1}},
    "constraints": {"MaxNorm": {"max_value": 3.0}},
}


def _build(K, namespace, name):
    if namespace == "layers":
        return _build_layer(K, name)
    if namespace == "models":
        return _build_model(K, name)
    if namespace == "optimizers":
        return _build_optimizer(K, name)
    if namespace == "metrics":
        return _build_metric(K, name)
    if namespace == "callbacks":
        return _build_callback(K, name)
    if namespace == "losses":
        return getattr(K.losses, name)(**LOSS_ARGS.get(name, {}))
    kwargs = PLAIN_ARGS.get(namespace, {}).get(name, {})
    return getattr(getattr(K, namespace), name)(**kwargs)


def _class_names(keras, kerasish, namespace):
    """Keras's public classes of `namespace` that kerasish also has (no aliases)."""
    if namespace == "models":
        return ["Model", "Sequential", "Functional"]
    module, ours = getattr(keras, namespace), getattr(kerasish, namespace)
    by_class = {}
    for name in sorted(dir(module)):
        cls = getattr(module, name)
        if name.startswith("_") or not inspect.isclass(cls):
            continue
        if not inspect.isclass(getattr(ours, name, None)):
            continue
        # An alias (`MaxPool2D`, `glorot_uniform`) counts once, by the class's name.
        if id(cls) not in by_class or name == cls.__name__:
            by_class[id(cls)] = name
    return sorted(by_class.values())


# -- comparing -----------------------------------------------------------------------
_MISSING = object()
_RAISES = object()


def _kind(obj, name):
    """ "method" where the class defines a function, else "value" (instance
    attributes that hold functions, such as `activation`, are values)."""
    try:
        static = inspect.getattr_static(type(obj), name)
    except AttributeError:
        static = _MISSING
    if isinstance(
        static,
        types.FunctionType
        | staticmethod
        | classmethod
        | types.BuiltinFunctionType
        | types.MethodDescriptorType
        | types.WrapperDescriptorType,
    ):
        return "method"
    return "value"


def _read(obj, name):
    try:
        return getattr(obj, name)
    except Exception:  # a property that needs a state the object is not in
        return _RAISES


def _exists(obj, name):
    if name in dir(obj):
        return True
    try:
        inspect.getattr_static(obj, name)
        return True
    except AttributeError:
        return _read(obj, name) is not _RAISES


def _is_plain(value):
    if value is None or isinstance(value, str | bool | numbers.Number | np.generic):
        return True
    if isinstance(value, tuple | list):
        return all(_is_plain(v) for v in value)
    return False


def _has_shape(value):
    shape = getattr(value, "shape", None)
    return isinstance(shape, tuple) and hasattr(value, "dtype")


def _norm(value):
    """Auto-numbered names differ between processes: `dense_3` -> `dense`."""
    if isinstance(value, str):
        return re.sub(r"_\d+\b", "", value)
    if isinstance(value, tuple | list):
        return tuple(_norm(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def _plain_equal(a, b):
    a, b = _norm(a), _norm(b)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_plain_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, numbers.Real) and not isinstance(a, bool):
        return (
            isinstance(b, numbers.Real)
            and not isinstance(b, bool)
            and bool(np.isclose(float(a), float(b), rtol=1e-5))
        )
    return type(a) is type(b) and a == b


def _compare_value(theirs, ours):
    """Returns a problem string, or None when `ours` matches `theirs`."""
    if theirs is _RAISES or ours is _RAISES:
        return None
    if _has_shape(theirs) and theirs.shape == () and _is_plain(ours):
        theirs = np.asarray(theirs).item()  # a scalar variable read as a number
    if _has_shape(theirs) and not isinstance(theirs, np.generic):
        if not _has_shape(ours):
            return f"expected an array of shape {tuple(theirs.shape)}, got {ours!r:.60}"
        if tuple(theirs.shape) != tuple(ours.shape):
            return f"shape {tuple(ours.shape)} != Keras's {tuple(theirs.shape)}"
        return None
    if _is_plain(theirs):
        if not _plain_equal(theirs, ours):
            return f"value {ours!r:.80} != Keras's {theirs!r:.80}"
        return None
    if isinstance(theirs, list | tuple):
        if not isinstance(ours, list | tuple):
            return f"expected a list of {len(theirs)}, got {type(ours).__name__}"
        if len(theirs) != len(ours):
            return f"length {len(ours)} != Keras's {len(theirs)}"
        for t, o in zip(theirs, ours):
            if _has_shape(t) and _has_shape(o) and tuple(t.shape) != tuple(o.shape):
                return f"shapes {[tuple(x.shape) for x in ours]} differ from Keras's"
    return None


def _load_exclusions():
    exclusions = {}
    for number, raw in enumerate(EXCLUSIONS_FILE.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, reason = line.partition("#")
        key = key.strip()
        if not reason.strip() or "." not in key:
            raise ValueError(
                f"{EXCLUSIONS_FILE.name}:{number}: expected `Class.attr  # reason`, "
                f"got {raw!r}."
            )
        exclusions[key] = reason.strip()
    return exclusions


@functools.cache
def _survey(namespace):
    """Compares one namespace; returns (problems, present, total, used exclusions)."""
    keras = keras3()
    import kerasish

    exclusions = _load_exclusions()
    problems, used = [], set()
    present = total = 0
    for name in _class_names(keras, kerasish, namespace):
        try:
            theirs = _build(keras, namespace, name)
        except ImportError:
            continue  # Keras needs TensorFlow for it: nothing to compare with
        except Exception as err:  # the table's arguments must suit Keras
            problems.append(f"{name}: Keras could not build it: {err!r:.200}")
            continue
        try:
            ours = _build(kerasish, namespace, name)
        except Exception as err:
            problems.append(f"{name}: kerasish could not build it: {err!r:.200}")
            continue
        for attr in sorted(a for a in dir(theirs) if not a.startswith("_")):
            total += 1
            key = next(
                (k for k in (f"{name}.{attr}", f"*.{attr}") if k in exclusions), None
            )
            if not _exists(ours, attr):
                if key and not exclusions[key].startswith("value"):
                    used.add(key)
                else:
                    problems.append(f"{name}.{attr}: missing")
                continue
            present += 1
            problem = None
            if _kind(theirs, attr) != _kind(ours, attr):
                problem = (
                    f"is a {_kind(ours, attr)}, Keras's is a {_kind(theirs, attr)}"
                )
            elif _kind(theirs, attr) == "value":
                problem = _compare_value(_read(theirs, attr), _read(ours, attr))
            if problem and key:
                used.add(key)
            elif problem:
                problems.append(f"{name}.{attr}: {problem}")
    return problems, present, total, used


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_attribute_surface(namespace):
    problems, present, total, _ = _survey(namespace)
    print(f"\n{namespace}: {present}/{total} Keras attributes present")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_attribute_coverage_and_exclusions_in_use():
    present = total = 0
    used = set()
    for namespace in NAMESPACES:
        _, p, t, u = _survey(namespace)
        present, total, used = present + p, total + t, used | u
    print(
        f"\nattribute coverage: {present}/{total} = {present / total:.1%} of Keras's "
        "public attributes present"
    )
    stale = sorted(set(_load_exclusions()) - used)
    assert not stale, f"exclusions that match nothing any more: {stale}"

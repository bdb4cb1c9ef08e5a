"""`FeatureSpace`: one-line preprocessing of structured (tabular) data.

Built on kerasish's preprocessing layers: `Normalization`, `Rescaling`,
`Discretization`, `IntegerLookup`, `StringLookup`, `CategoryEncoding`, `Hashing`
and `HashedCrossing`. Configs and `.keras` files are Keras 3's: `Feature`,
`Cross`, `TFDIdentity` and `TFDConcat` are named by the module Keras keeps them
in, so either library loads a space the other saved.
"""

import numpy as np

from kerasish import layers, ops, saving
from kerasish.common import naming
from kerasish.layers.layer import Layer
from kerasish.serialization import (
    register_builtin,
)
from kerasish.utils.feature_specs import Cross, Feature, _serialize_plain

# Keras's `adapt` turns a dict into a `tf.data` dataset of samples and batches
# single values by 32 before each preprocessor's `adapt`.
_ADAPT_BATCH_SIZE = 32


def _auto_name(prefix):
    return naming.uniquify(prefix)


@register_builtin("layers")
class TFDIdentity(Layer):
    """Passes its input through (the preprocessor of `"float"` features)."""

    def call(self, x):
        return x

    def compute_output_shape(self, input_shape):
        return input_shape


@register_builtin("layers")
class TFDConcat(Layer):
    """Concatenates a list of encoded features along `axis` (the "concat" output).

    Args:
        axis: The axis to concatenate along.
    """

    def __init__(self, axis, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, xs):
        return ops.concatenate(list(xs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        out = list(shapes[0])
        axis = self.axis % len(out)
        sizes = [s[axis] for s in shapes]
        out[axis] = None if None in sizes else sum(sizes)
        return tuple(out)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def _require(layer_name, feature):
    if not hasattr(layers, layer_name):
        raise NotImplementedError(
            f"FeatureSpace: {feature} needs the `{layer_name}` layer, which "
            "kerasish does not have yet. Use a categorical feature "
            "(`integer_categorical` / `string_categorical`) instead."
        )
    return getattr(layers, layer_name)


def _holds_state(preprocessor):
    """Whether an adaptable preprocessor carries adapted state (a vocabulary,
    bin boundaries, built statistics), as one restored from a file does."""
    if hasattr(preprocessor, "get_vocabulary"):
        return bool(preprocessor.get_vocabulary(include_special_tokens=False))
    if isinstance(preprocessor, layers.Discretization):
        return preprocessor.bin_boundaries is not None
    if isinstance(preprocessor, layers.Normalization):
        return preprocessor.built
    return False


def _as_engine_output(value):
    """A numeric host array as an engine tensor (Keras returns backend tensors)."""
    if ops.is_tensor(value):
        return value
    array = np.asarray(value)
    return ops.convert_to_tensor(array) if array.dtype.kind in "biufc" else array


@register_builtin("utils")
class FeatureSpace(Layer):
    """Preprocesses and encodes a dict of features into one vector (or a dict).

    Args:
        features: Dict of feature name -> feature type string (`"float"`,
            `"float_normalized"`, `"float_rescaled"`, `"float_discretized"`,
            `"integer_categorical"`, `"string_categorical"`,
            `"integer_hashed"`, `"string_hashed"`) or a `Feature` made with
            `FeatureSpace.float_normalized(...)` etc.
        output_mode: `"concat"` (one float vector per sample) or `"dict"`.
        crosses: Feature-name tuples (or `FeatureSpace.cross(...)`) to cross.
        crossing_dim: Hashing bins of crosses given as name tuples.
        hashing_dim: Bins of `"*_hashed"` features given as strings.
        num_discretization_bins: Bins of `"float_discretized"` strings.
        name: Layer name.

    Calling the space on a dict of arrays returns engine tensors; features are
    encoded in sorted name order, then the crosses. `save(path)` writes a
    `.keras` file that `keras.models.load_model` reads back, adapted.

    Example:
    >>> fs = FeatureSpace({"a": "float_normalized", "b": "string_categorical"})
    >>> fs.adapt({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "x"]})
    >>> np.asarray(fs({"a": [2.0], "b": ["y"]})).tolist()
    [[0.0, 0.0, 0.0, 1.0]]
    """

    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        name = name or _auto_name("float")
        preprocessor = TFDIdentity(dtype="float32", name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode="float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        name = name or _auto_name("float_rescaled")
        preprocessor = layers.Rescaling(
            scale=scale, offset=offset, name=f"{name}_preprocessor"
        )
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode="float")

    @classmethod
    def float_normalized(cls, name=None):
        name = name or _auto_name("float_normalized")
        preprocessor = layers.Normalization(axis=-1, name=f"{name}_preprocessor")
        return Feature(dtype="float32", preprocessor=preprocessor, output_mode="float")

    @classmethod
    def float_discretized(
        cls, num_bins, bin_boundaries=None, output_mode="one_hot", name=None
    ):
        name = name or _auto_name("float_discretized")
        preprocessor = layers.Discretization(
            num_bins=num_bins,
            bin_boundaries=bin_boundaries,
            name=f"{name}_preprocessor",
        )
        return Feature(
            dtype="float32", preprocessor=preprocessor, output_mode=output_mode
        )

    @classmethod
    def integer_categorical(
        cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None
    ):
        name = name or _auto_name("integer_categorical")
        preprocessor = layers.IntegerLookup(
            name=f"{name}_preprocessor",
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
        )
        return Feature(
            dtype="int32", preprocessor=preprocessor, output_mode=output_mode
        )

    @classmethod
    def string_categorical(
        cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None
    ):
        name = name or _auto_name("string_categorical")
        preprocessor = layers.StringLookup(
            name=f"{name}_preprocessor",
            max_tokens=max_tokens,
            num_oov_indices=num_oov_indices,
        )
        return Feature(
            dtype="string", preprocessor=preprocessor, output_mode=output_mode
        )

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or _auto_name("string_hashed")
        hashing = _require("Hashing", "string_hashed")
        preprocessor = hashing(name=f"{name}_preprocessor", num_bins=num_bins)
        return Feature(
            dtype="string", preprocessor=preprocessor, output_mode=output_mode
        )

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or _auto_name("integer_hashed")
        hashing = _require("Hashing", "integer_hashed")
        preprocessor = hashing(name=f"{name}_preprocessor", num_bins=num_bins)
        return Feature(
            dtype="int32", preprocessor=preprocessor, output_mode=output_mode
        )

    def __init__(
        self,
        features,
        output_mode="concat",
        crosses=None,
        crossing_dim=32,
        hashing_dim=32,
        num_discretization_bins=32,
        name=None,
    ):
        super().__init__(name=name)
        if not features:
            raise ValueError("The `features` argument cannot be None or empty.")
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.features = {
            key: self._standardize_feature(key, value)
            for key, value in features.items()
        }
        self.crosses = []
        for cross in crosses or []:
            if isinstance(cross, dict):
                cross = Cross.from_config(cross.get("config", cross))
            if not isinstance(cross, Cross):
                if not crossing_dim:
                    raise ValueError(
                        "When specifying `crosses`, the argument `crossing_dim` "
                        "(dimensionality of the crossing space) should be "
                        "specified as well."
                    )
                unknown = [k for k in cross if k not in self.features]
                if unknown:
                    raise ValueError(
                        "All features referenced in the `crosses` argument should "
                        "be present in the `features` dict. Received unknown "
                        f"features: {cross}"
                    )
                cross = Cross(cross, crossing_dim=crossing_dim)
            self.crosses.append(cross)
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        if output_mode not in {"dict", "concat"}:
            raise ValueError(
                "Invalid value for argument `output_mode`. Expected one of "
                f"{{'dict', 'concat'}}. Received: output_mode={output_mode}"
            )
        self.output_mode = output_mode
        self.preprocessors = {k: f.preprocessor for k, f in self.features.items()}
        self.crossers = {}
        for cross in self.crosses:
            crossing = _require("HashedCrossing", "`crosses`")
            crosser = crossing(cross.crossing_dim, name=cross.name)
            crosser.built = True  # no weights: nothing to build, before or after load
            self.crossers[cross.name] = crosser
        self.inputs = None
        self.encoded_features = None
        self.one_hot_encoders = {}
        self.concat = None
        self._is_adapted = False
        self._restored = False

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            return Feature.from_config(feature.get("config", feature))
        makers = {
            "float": lambda: self.float(name=name),
            "float_normalized": lambda: self.float_normalized(name=name),
            "float_rescaled": lambda: self.float_rescaled(name=name),
            "float_discretized": lambda: self.float_discretized(
                name=name, num_bins=self.num_discretization_bins
            ),
            "integer_categorical": lambda: self.integer_categorical(name=name),
            "string_categorical": lambda: self.string_categorical(name=name),
            "integer_hashed": lambda: self.integer_hashed(self.hashing_dim, name=name),
            "string_hashed": lambda: self.string_hashed(self.hashing_dim, name=name),
        }
        if feature not in makers:
            raise ValueError(
                f"Invalid feature type: {feature}. Valid types: {sorted(makers)}."
            )
        return makers[feature]()

    # -- adapt -----------------------------------------------------------------
    def _list_adaptable_preprocessors(self):
        names = []
        for name, preprocessor in self.preprocessors.items():
            if isinstance(preprocessor, layers.Normalization):
                if getattr(preprocessor, "input_mean", None) is not None:
                    continue
            if isinstance(preprocessor, layers.Discretization):
                if preprocessor.num_bins is None:  # given `bin_boundaries`
                    continue
            if hasattr(preprocessor, "adapt"):
                names.append(name)
        return names

    @staticmethod
    def _adapt_elements(dataset):
        """`(name -> that feature's elements, names)`: the elements Keras's
        `adapt` iterates, samples of a dict (`tf.data` slices it) or the
        batches of a dataset of dicts (`(x, y)` batches use `x`)."""
        if isinstance(dataset, dict):
            columns = {k: np.asarray(v) for k, v in dataset.items()}
            scalars = sorted(k for k, v in columns.items() if v.ndim == 0)
            if scalars:
                raise ValueError(
                    f"adapt(): features {scalars} are single values; give each "
                    "feature one value per sample (an array or a list)."
                )
            return columns.__getitem__, sorted(columns)
        if hasattr(dataset, "__iter__") and not isinstance(dataset, str | bytes):
            batches = [b[0] if isinstance(b, tuple) else b for b in dataset]
            if batches and all(isinstance(b, dict) for b in batches):
                return (lambda name: [b[name] for b in batches]), sorted(batches[0])
        raise ValueError(
            "`adapt()` can only be called on a dataset of dicts or a dict of "
            f"arrays/lists. Received instead: {dataset!r} (of type {type(dataset)})"
        )

    def adapt(self, dataset):
        """Fits the preprocessors' state (means, vocabularies, bins) to data.

        Each preprocessor is fed what Keras's `adapt` feeds it: the feature's
        samples (of a dict of arrays) or batches (of a dataset of dicts), where
        single values are batched by 32 and anything larger is a batch of its
        own; batches of rank 1 get a trailing axis. Approximate quantiles
        (`float_discretized`) are merged batch by batch, so the batching shows
        in the bin boundaries.
        """
        elements_of, names = self._adapt_elements(dataset)
        for name in self._list_adaptable_preprocessors():
            if name not in names:
                raise ValueError(
                    f"adapt(): feature '{name}' is missing from the data; it has "
                    f"{names}."
                )
            elements = elements_of(name)
            if len(elements) == 0:
                raise ValueError(f"adapt(): feature '{name}' has no samples.")
            if np.ndim(elements[0]) == 0:
                column = np.asarray(elements)
                batches = [
                    column[i : i + _ADAPT_BATCH_SIZE, None]
                    for i in range(0, len(column), _ADAPT_BATCH_SIZE)
                ]
                shape = (None, 1)
            else:
                batches = [np.asarray(e) for e in elements]
                batches = [b[:, None] if b.ndim == 1 else b for b in batches]
                shape = batches[0].shape
                if not isinstance(dataset, dict):  # a dataset's batches vary
                    shape = (None, *shape[1:])
            preprocessor = self.preprocessors[name]
            if isinstance(preprocessor, layers.Normalization) and not (
                preprocessor.built
            ):
                preprocessor.build(shape)  # as Keras: from the dataset's spec
            preprocessor.adapt(iter(batches))
        self._is_adapted = True
        self.get_encoded_features()  # finish building, as Keras does
        self.built = True

    def _check_if_adapted(self):
        if self._is_adapted:
            return
        adaptable = self._list_adaptable_preprocessors()
        # A space loaded from a file gets its preprocessors' state (weights,
        # vocabulary files) after `from_config`: with it, it is adapted.
        restored = self._restored and all(
            _holds_state(self.preprocessors[name]) for name in adaptable
        )
        if adaptable and not restored:
            raise ValueError(
                "You need to call `.adapt(dataset)` on the FeatureSpace before "
                "you can start using it."
            )
        self._is_adapted = True
        if restored:
            self.built = True

    # -- encoding --------------------------------------------------------------
    def _cardinality(self, name, preprocessor):
        if isinstance(preprocessor, layers.IntegerLookup | layers.StringLookup):
            return preprocessor.vocabulary_size()
        if isinstance(preprocessor, layers.CategoryEncoding):
            return preprocessor.num_tokens
        if isinstance(preprocessor, layers.Discretization):
            if preprocessor.num_bins is None:  # explicit boundaries
                return len(preprocessor.bin_boundaries) + 1
            return preprocessor.num_bins
        if hasattr(preprocessor, "num_bins"):  # Hashing, HashedCrossing
            return preprocessor.num_bins
        raise ValueError(
            f"Feature '{name}' has `output_mode='one_hot'`. However it isn't a "
            "standard feature and the dimensionality of its output space is not "
            "known, thus it cannot be one-hot encoded. Try using `output_mode='int'`."
        )

    def _encode(self, data, symbolic):
        processed = {n: self.preprocessors[n](data[n]) for n in self.features}
        crossed = {
            c.name: self.crossers[c.name]([processed[n] for n in c.feature_names])
            for c in self.crosses
        }
        names = sorted(processed) + sorted(crossed)
        specs = {**self.features, **self.crosses_by_name}
        values = {**processed, **crossed}
        out = {}
        for name in names:
            feature = values[name]
            if specs[name].output_mode == "one_hot":
                dtype = str(feature.dtype)
                if not dtype.startswith("int"):
                    raise ValueError(
                        f"Feature '{name}' has `output_mode='one_hot'`. Thus its "
                        "preprocessor should return an integer dtype. Instead it "
                        f"returns a {dtype} dtype."
                    )
                if name not in self.one_hot_encoders:
                    pre = self.preprocessors.get(name) or self.crossers.get(name)
                    self.one_hot_encoders[name] = layers.CategoryEncoding(
                        num_tokens=self._cardinality(name, pre),
                        output_mode="multi_hot",
                    )
                feature = self.one_hot_encoders[name](feature)
            out[name] = feature
        if self.output_mode == "dict":
            return out
        for name in names:
            dtype = str(out[name].dtype)
            if dtype.startswith("int") or dtype in ("string", "object"):
                raise ValueError(
                    f"Cannot concatenate features because feature '{name}' has not "
                    f"been encoded (it has dtype {dtype}). Consider using "
                    "`output_mode='dict'`."
                )
        if self.concat is None:
            self.concat = TFDConcat(axis=-1)
        parts = [out[n] for n in names]
        if not symbolic:
            parts = [ops.cast(p, "float32") for p in parts]
        return self.concat(parts)

    def get_inputs(self):
        """Dict of `keras.Input`s, one per feature (shape `(1,)`)."""
        self._check_if_adapted()
        if self.inputs is None:
            self.inputs = {
                name: layers.Input(shape=(1,), dtype=f.dtype, name=name)
                for name, f in self.features.items()
            }
        return self.inputs

    def get_encoded_features(self):
        """The symbolic encoded features for `get_inputs()` (build a Model)."""
        self._check_if_adapted()
        if self.encoded_features is None:
            self.encoded_features = self._encode(self.get_inputs(), symbolic=True)
        return self.encoded_features

    def __call__(self, data):
        self._check_if_adapted()
        self.get_encoded_features()
        if not isinstance(data, dict):
            raise ValueError(
                "A FeatureSpace can only be called with a dict. "
                f"Received: data={data} (of type {type(data)})"
            )
        missing = [n for n in self.features if n not in data]
        if missing:
            raise ValueError(
                f"FeatureSpace expected features {sorted(self.features)}; missing "
                f"{missing}."
            )
        arrays, rebatched = {}, False
        for name in self.features:
            x = data[name]
            x = np.asarray(x if not hasattr(x, "numpy") else x.numpy())
            if x.ndim == 0:
                x, rebatched = x.reshape(1, 1), True
            elif x.ndim == 1:
                x = x[:, None]
            if self.features[name].dtype == "string":
                x = x.astype(object)
            arrays[name] = x
        merged = self._encode(arrays, symbolic=False)
        if self.output_mode == "concat":
            return merged[0] if rebatched else merged
        merged = {k: _as_engine_output(v) for k, v in merged.items()}
        if rebatched:
            merged = {
                k: (v[0] if len(v.shape) == 2 and v.shape[0] == 1 else v)
                for k, v in merged.items()
            }
        return merged

    # -- saving ----------------------------------------------------------------
    def save(self, filepath):
        """Saves the space (config and adapted state) to a `.keras` file.

        Reload it with `keras.models.load_model(filepath)`.

        Args:
            filepath: A path ending in `.keras`.
        """
        saving.save_model(self, filepath)

    def get_config(self):
        return {
            "features": {k: _serialize_plain(v) for k, v in self.features.items()},
            "output_mode": self.output_mode,
            "crosses": [_serialize_plain(c) for c in self.crosses],
            "crossing_dim": self.crossing_dim,
            "hashing_dim": self.hashing_dim,
            "num_discretization_bins": self.num_discretization_bins,
        }

    @classmethod
    def from_config(cls, config):
        space = cls(**config)
        space._restored = True
        return space

    def get_build_config(self):
        """Each feature's preprocessor's build config (Keras's layout), which
        `load_model` hands to `build_from_config`; None before `adapt` (a
        space saved unadapted still asks for `adapt` once loaded)."""
        if not (self.built or getattr(self, "_restored", False)):
            return None
        return {
            name: feature._preprocessor_build_config()
            for name, feature in self.features.items()
        }

    def build_from_config(self, config):
        """Builds the preprocessors from `get_build_config()`'s output; the
        space then counts as adapted (their state is loaded next)."""
        for name, build_config in config.items():
            preprocessor = self.features[name].preprocessor
            if build_config and not preprocessor.built:
                preprocessor.build_from_config(build_config)
        self._is_adapted = True

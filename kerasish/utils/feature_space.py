"""`FeatureSpace`: one-line preprocessing of structured (tabular) data.

Built on kerasish's preprocessing layers: `Normalization`, `Rescaling`,
`Discretization`, `IntegerLookup`, `StringLookup`, `CategoryEncoding`; hashed
features and crosses use `Hashing` / `HashedCrossing` when kerasish has them.
"""

import numpy as np

from kerasish import layers, ops
from kerasish.common import naming
from kerasish.layers.layer import Layer
from kerasish.serialization import (
    deserialize_keras_object,
    register_builtin,
    serialize_keras_object,
)


def _auto_name(prefix):
    return naming.uniquify(prefix)


def _serialize(obj):
    return serialize_keras_object(obj)


def _deserialize(config):
    return deserialize_keras_object(config)


class Cross:
    """A crossing of categorical features, hashed into `crossing_dim` bins."""

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in {"int", "one_hot"}:
            raise ValueError(
                "Invalid value for argument `output_mode`. Expected one of "
                f"{{'int', 'one_hot'}}. Received: output_mode={output_mode}"
            )
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self):
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {
            "feature_names": self.feature_names,
            "crossing_dim": self.crossing_dim,
            "output_mode": self.output_mode,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Feature:
    """One feature: its input dtype, preprocessing layer and output mode."""

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in {"int", "one_hot", "float"}:
            raise ValueError(
                "Invalid value for argument `output_mode`. Expected one of "
                f"{{'int', 'one_hot', 'float'}}. Received: output_mode={output_mode}"
            )
        self.dtype = dtype
        if isinstance(preprocessor, dict):
            preprocessor = _deserialize(preprocessor)
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self):
        return {
            "dtype": self.dtype,
            "preprocessor": _serialize(self.preprocessor),
            "output_mode": self.output_mode,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@register_builtin("layers")
class TFDIdentity(Layer):
    """Passes its input through (the preprocessor of `"float"` features)."""

    def call(self, x):
        return x

    def compute_output_shape(self, input_shape):
        return input_shape


def _require(layer_name, feature):
    if not hasattr(layers, layer_name):
        raise NotImplementedError(
            f"FeatureSpace: {feature} needs the `{layer_name}` layer, which "
            "kerasish does not have yet. Use a categorical feature "
            "(`integer_categorical` / `string_categorical`) instead."
        )
    return getattr(layers, layer_name)


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
            self.crossers[cross.name] = crossing(cross.crossing_dim, name=cross.name)
        self.inputs = None
        self.encoded_features = None
        self.one_hot_encoders = {}
        self._is_adapted = False

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
                if getattr(preprocessor, "bin_boundaries", None) is not None:
                    continue
            if hasattr(preprocessor, "adapt"):
                names.append(name)
        return names

    @staticmethod
    def _columns(dataset):
        """Dict of name -> numpy column from a dict of arrays or a dataset."""
        if isinstance(dataset, dict):
            return {k: np.asarray(v) for k, v in dataset.items()}
        if hasattr(dataset, "__iter__") and not isinstance(dataset, str | bytes):
            parts = {}
            for batch in dataset:
                if isinstance(batch, tuple):
                    batch = batch[0]
                if not isinstance(batch, dict):
                    break
                for k, v in batch.items():
                    parts.setdefault(k, []).append(np.atleast_1d(np.asarray(v)))
            else:
                return {k: np.concatenate(v) for k, v in parts.items()}
        raise ValueError(
            "`adapt()` can only be called on a dataset of dicts or a dict of "
            f"arrays/lists. Received instead: {dataset!r} (of type {type(dataset)})"
        )

    def adapt(self, dataset):
        """Fits the preprocessors' state (means, vocabularies, bins) to data."""
        columns = self._columns(dataset)
        for name in self._list_adaptable_preprocessors():
            if name not in columns:
                raise ValueError(
                    f"adapt(): feature '{name}' is missing from the data; it has "
                    f"{sorted(columns)}."
                )
            x = columns[name]
            if x.ndim in (0, 1):
                x = x.reshape(-1, 1)
            self.preprocessors[name].adapt(x)
        self._is_adapted = True
        self.get_encoded_features()  # finish building, as Keras does
        self.built = True

    def _check_if_adapted(self):
        if not self._is_adapted:
            if not self._list_adaptable_preprocessors():
                self._is_adapted = True
            else:
                raise ValueError(
                    "You need to call `.adapt(dataset)` on the FeatureSpace before "
                    "you can start using it."
                )

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
        parts = [out[n] for n in names]
        if symbolic:
            return layers.Concatenate(axis=-1)(parts) if len(parts) > 1 else parts[0]
        parts = [ops.cast(p, "float32") for p in parts]
        return ops.concatenate(parts, axis=-1)

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
        if rebatched:
            if self.output_mode == "concat":
                merged = merged[0]
            else:
                merged = {
                    k: (v[0] if len(v.shape) == 2 and v.shape[0] == 1 else v)
                    for k, v in merged.items()
                }
        return merged

    def get_config(self):
        return {
            "features": {
                k: {"class_name": "Feature", "config": v.get_config()}
                for k, v in self.features.items()
            },
            "output_mode": self.output_mode,
            "crosses": [
                {"class_name": "Cross", "config": c.get_config()} for c in self.crosses
            ],
            "crossing_dim": self.crossing_dim,
            "hashing_dim": self.hashing_dim,
            "num_discretization_bins": self.num_discretization_bins,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

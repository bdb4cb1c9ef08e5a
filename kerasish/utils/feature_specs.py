"""`Feature` and `Cross`: what a `FeatureSpace` is made of, one per input
feature and one per crossing, with Keras 3's configs (named by the module
Keras keeps them in, so either library loads a space the other saved).
"""

from kerasish.serialization import deserialize_keras_object, serialize_keras_object

# Where Keras 3 defines `Feature` and `Cross`; their configs name it.
_KERAS_MODULE = "keras.src.layers.preprocessing.feature_space"


def _serialize_plain(obj):
    """`Feature` / `Cross` as Keras 3 serializes them (registered by class name)."""
    name = type(obj).__name__
    return {
        "module": _KERAS_MODULE,
        "class_name": name,
        "config": obj.get_config(),
        "registered_name": name,
    }


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
        # The build config a restored preprocessor came with: a layer without a
        # `build` of its own (Hashing, TFDIdentity) built from it does not
        # record it, and a space saved again must still carry it.
        self._build_config = None
        if isinstance(preprocessor, dict):
            self._build_config = preprocessor.get("build_config")
            preprocessor = deserialize_keras_object(preprocessor)
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def _preprocessor_build_config(self):
        """The preprocessor's build config (`{}` when it has none)."""
        own = self.preprocessor.get_build_config()
        if own is None and self.preprocessor.built:
            own = self._build_config
        return own or {}

    def get_config(self):
        preprocessor = serialize_keras_object(self.preprocessor)
        build_config = self._preprocessor_build_config()
        if build_config and "build_config" not in preprocessor:
            preprocessor["build_config"] = build_config
        return {
            "dtype": self.dtype,
            "preprocessor": preprocessor,
            "output_mode": self.output_mode,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)

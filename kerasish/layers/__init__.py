"""`kerasish.layers`: the layer classes, with Keras's names."""

from kerasish.layers.attention import (
    AdditiveAttention,
    Attention,
    EinsumDense,
    GroupQueryAttention,
    GroupedQueryAttention,
    MultiHeadAttention,
)
from kerasish.layers.core.activation import (
    Activation,
)
from kerasish.layers.core.dense import (
    Dense,
)
from kerasish.layers.core.embedding import (
    Embedding,
)
from kerasish.layers.core.identity import (
    Identity,
)
from kerasish.layers.core.lambda_layer import (
    Lambda,
)
from kerasish.layers.input_layer import (
    Input,
    InputLayer,
)
from kerasish.layers.input_spec import (
    InputSpec,
)
from kerasish.layers.layer import (
    Layer,
)
from kerasish.layers.normalization import (
    BatchNormalization,
    GroupNormalization,
    LayerNormalization,
    RMSNormalization,
    UnitNormalization,
)
from kerasish.layers.preprocessing import (
    CategoryEncoding,
    CenterCrop,
    Discretization,
    IntegerLookup,
    Normalization,
    RandomContrast,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    Resizing,
    StringLookup,
    TextVectorization,
)
from kerasish.layers.regularization import (
    ActivityRegularization,
    AlphaDropout,
    Dropout,
    GaussianDropout,
    GaussianNoise,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from kerasish.layers.reshaping.flatten import (
    Flatten,
)
from kerasish.layers.reshaping.reshape import (
    Reshape,
)

__all__ = [
    "Activation",
    "ActivityRegularization",
    "AdditiveAttention",
    "AlphaDropout",
    "Attention",
    "BatchNormalization",
    "CategoryEncoding",
    "CenterCrop",
    "Dense",
    "Discretization",
    "Dropout",
    "EinsumDense",
    "Embedding",
    "Flatten",
    "GaussianDropout",
    "GaussianNoise",
    "GroupedQueryAttention",
    "GroupNormalization",
    "GroupQueryAttention",
    "Identity",
    "Input",
    "InputLayer",
    "InputSpec",
    "IntegerLookup",
    "Lambda",
    "Layer",
    "LayerNormalization",
    "MultiHeadAttention",
    "Normalization",
    "RandomContrast",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "Rescaling",
    "Reshape",
    "Resizing",
    "RMSNormalization",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "StringLookup",
    "TextVectorization",
    "UnitNormalization",
]

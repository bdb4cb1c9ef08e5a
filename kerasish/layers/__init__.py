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

__all__ = [
    "Activation",
    "ActivityRegularization",
    "AdditiveAttention",
    "AlphaDropout",
    "Attention",
    "BatchNormalization",
    "Dense",
    "Dropout",
    "EinsumDense",
    "Embedding",
    "GaussianDropout",
    "GaussianNoise",
    "GroupedQueryAttention",
    "GroupNormalization",
    "GroupQueryAttention",
    "Identity",
    "Input",
    "InputLayer",
    "InputSpec",
    "Lambda",
    "Layer",
    "LayerNormalization",
    "MultiHeadAttention",
    "RMSNormalization",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "UnitNormalization",
]

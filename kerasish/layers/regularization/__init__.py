"""Regularization layers: dropout variants, noise and activity penalties."""

from kerasish.layers.regularization.activity_regularization import (
    ActivityRegularization,
)
from kerasish.layers.regularization.alpha_dropout import AlphaDropout
from kerasish.layers.regularization.dropout import Dropout
from kerasish.layers.regularization.gaussian_dropout import GaussianDropout
from kerasish.layers.regularization.gaussian_noise import GaussianNoise
from kerasish.layers.regularization.spatial_dropout import (
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)

__all__ = [
    "ActivityRegularization",
    "AlphaDropout",
    "Dropout",
    "GaussianDropout",
    "GaussianNoise",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
]

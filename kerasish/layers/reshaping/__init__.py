"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector, UpSampling,
ZeroPadding, Cropping, and Masking."""

from kerasish.layers.reshaping.cropping import Cropping1D, Cropping2D, Cropping3D
from kerasish.layers.reshaping.flatten import Flatten
from kerasish.layers.reshaping.masking import Masking
from kerasish.layers.reshaping.permute import Permute
from kerasish.layers.reshaping.repeat_vector import RepeatVector
from kerasish.layers.reshaping.reshape import Reshape
from kerasish.layers.reshaping.up_sampling import (
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
)
from kerasish.layers.reshaping.zero_padding import (
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)

__all__ = [
    "Cropping1D",
    "Cropping2D",
    "Cropping3D",
    "Flatten",
    "Masking",
    "Permute",
    "RepeatVector",
    "Reshape",
    "UpSampling1D",
    "UpSampling2D",
    "UpSampling3D",
    "ZeroPadding1D",
    "ZeroPadding2D",
    "ZeroPadding3D",
]

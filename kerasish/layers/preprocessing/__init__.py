"""Preprocessing layers: in-graph (image, numeric) and host-side (text, lookup)."""

from kerasish.layers.preprocessing.category_encoding import CategoryEncoding
from kerasish.layers.preprocessing.center_crop import CenterCrop
from kerasish.layers.preprocessing.discretization import Discretization
from kerasish.layers.preprocessing.integer_lookup import IntegerLookup
from kerasish.layers.preprocessing.normalization import Normalization
from kerasish.layers.preprocessing.random_contrast import RandomContrast
from kerasish.layers.preprocessing.random_flip import RandomFlip
from kerasish.layers.preprocessing.random_rotation import RandomRotation
from kerasish.layers.preprocessing.random_translation import RandomTranslation
from kerasish.layers.preprocessing.random_zoom import RandomZoom
from kerasish.layers.preprocessing.rescaling import Rescaling
from kerasish.layers.preprocessing.resizing import Resizing
from kerasish.layers.preprocessing.string_lookup import StringLookup
from kerasish.layers.preprocessing.text_vectorization import TextVectorization

__all__ = [
    "CategoryEncoding",
    "CenterCrop",
    "Discretization",
    "IntegerLookup",
    "Normalization",
    "RandomContrast",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "Rescaling",
    "Resizing",
    "StringLookup",
    "TextVectorization",
]

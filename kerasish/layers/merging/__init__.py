"""Merging layers: elementwise merges, Concatenate, Dot, and functional forms."""

from kerasish.layers.merging.arithmetic import (
    Add,
    Average,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    maximum,
    minimum,
    multiply,
    subtract,
)
from kerasish.layers.merging.base_merge import Merge
from kerasish.layers.merging.concatenate import Concatenate, concatenate
from kerasish.layers.merging.dot import Dot, dot

__all__ = [
    "Add",
    "Average",
    "Concatenate",
    "Dot",
    "Maximum",
    "Merge",
    "Minimum",
    "Multiply",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "subtract",
]

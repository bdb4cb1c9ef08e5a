"""`kerasish.random`: random numbers from explicit keys or a `SeedGenerator`."""

from kerasish.random.random import (
    SeedGenerator,
    categorical,
    dropout,
    normal,
    randint,
    shuffle,
    truncated_normal,
    uniform,
)

__all__ = [
    "SeedGenerator",
    "categorical",
    "dropout",
    "normal",
    "randint",
    "shuffle",
    "truncated_normal",
    "uniform",
]

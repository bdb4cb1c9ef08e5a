"""`kerasish.utils`: seeds, data helpers, progress bar."""

from kerasish.utils.plot_model import model_to_dot, plot_model
from kerasish.utils.plotting import plot_history
from kerasish.utils.progbar import Progbar
from kerasish.utils.seed import set_random_seed


def __getattr__(name):
    # PyDataset lives with the trainer's data adapters; imported lazily to keep
    # `kerasish.utils` importable from the layers below the trainer.
    if name == "PyDataset":
        from kerasish.trainers.data_adapters import PyDataset

        return PyDataset
    raise AttributeError(f"module 'kerasish.utils' has no attribute {name!r}")


__all__ = [
    "Progbar",
    "PyDataset",
    "model_to_dot",
    "plot_history",
    "plot_model",
    "set_random_seed",
]

"""`kerasish.models`: Model, Sequential, and loading."""

from kerasish.models.functional import Functional
from kerasish.models.model import Model
from kerasish.models.sequential import Sequential

__all__ = ["Functional", "Model", "Sequential"]

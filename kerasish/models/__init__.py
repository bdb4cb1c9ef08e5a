"""`kerasish.models`: Model, Sequential, and loading."""

from kerasish.models.functional import Functional
from kerasish.models.model import Model
from kerasish.models.sequential import Sequential
from kerasish.saving import load_model

__all__ = ["Functional", "Model", "Sequential", "load_model"]

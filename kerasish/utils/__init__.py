"""`kerasish.utils`: seeds and helpers."""

from kerasish.utils.seed import set_random_seed

__all__ = ["set_random_seed"]

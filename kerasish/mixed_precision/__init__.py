"""`kerasish.mixed_precision`: dtype policies for mixed-precision training."""

from kerasish.mixed_precision.policy import (
    DTypePolicy,
    Policy,
    global_policy,
    set_global_policy,
)

__all__ = ["DTypePolicy", "Policy", "global_policy", "set_global_policy"]

"""`kerasish.mixed_precision`: dtype policies for mixed-precision training."""

from kerasish.mixed_precision.policy import (
    DTypePolicy,
    Policy,
    dtype_policy,
    global_policy,
    set_dtype_policy,
    set_global_policy,
)
from kerasish.mixed_precision.quantized_policy import QUANTIZATION_MODES  # noqa: F401
from kerasish.optimizers.loss_scale_optimizer import LossScaleOptimizer

__all__ = [
    "DTypePolicy",
    "LossScaleOptimizer",
    "Policy",
    "dtype_policy",
    "global_policy",
    "set_dtype_policy",
    "set_global_policy",
]

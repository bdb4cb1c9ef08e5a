"""`kerasish.distillation`: knowledge distillation, as Keras 3's `keras.distillation`.

`Distiller(teacher, student, distillation_losses)` is a `Model` that trains the
student on its labels and on a frozen teacher's outputs (`LogitsDistillation`) or
intermediate features (`FeatureDistillation`); subclass `DistillationLoss` for
other matchings.
"""

from kerasish.distillation.distillation_loss import (
    DistillationLoss,
    FeatureDistillation,
    LogitsDistillation,
)
from kerasish.distillation.distiller import Distiller

__all__ = [
    "DistillationLoss",
    "Distiller",
    "FeatureDistillation",
    "LogitsDistillation",
]

"""The optimizer's state in Keras 3's order (`optimizer/vars/0..n-1`).

Keras keeps a flat list of variables: `iteration`, `learning_rate` (when it is a
number, not a schedule), the moving averages (`use_ema`), the gradient
accumulators, then the rule's slots (Adam: `kernel_momentum`, `kernel_velocity`,
`bias_momentum`, ..., then AMSGrad's `velocity_hat`s). The optimizer itself maps
its declared state onto that list (`kerasish.optimizers.optimizer_variables`), so
either library resumes training from the other's file.
"""


def to_keras(optimizer):
    """The optimizer's state arrays in Keras's order (kerasish's own order when
    the optimizer has no Keras layout)."""
    return optimizer._keras_arrays()


def from_keras(optimizer, arrays):
    """Sets the optimizer's state from arrays in Keras's order.

    Returns False (and changes nothing) when their number or shapes do not fit.
    """
    return optimizer._load_keras_arrays(list(arrays))

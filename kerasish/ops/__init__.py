"""`kerasish.ops`: engine-neutral math. Layers, losses and metrics call only these.

Every function looks up the active engine when called, so switching engines with
`kerasish.config.set_engine` takes effect at once.
"""

from kerasish.ops import core, linalg, nn, numpy
from kerasish.ops.core import *  # noqa: F403
from kerasish.ops.linalg import *  # noqa: F403
from kerasish.ops.nn import *  # noqa: F403
from kerasish.ops.numpy import *  # noqa: F403

# `ops.tanh` exists in both namespaces; the activation is the same function.
__all__ = sorted(
    set(core.__all__) | set(nn.__all__) | set(numpy.__all__) | set(linalg.__all__)
)

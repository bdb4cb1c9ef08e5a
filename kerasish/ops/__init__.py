"""`kerasish.ops`: engine-neutral math. Layers, losses and metrics call only these.

Every function looks up the active engine when called, so switching engines with
`kerasish.config.set_engine` takes effect at once. Names live where Keras defines
them: `ops.numpy`, `ops.nn`, `ops.image`, `ops.math`, `ops.core`, `ops.einops`;
the top level holds all of them except `ops.image`'s, as `keras.ops` does.
"""

from kerasish.ops import core, einops, image, linalg, math, nn, numpy
from kerasish.ops._symbolic import wrap_module

# Every public function also takes KerasTensors (recording a graph node).
for _name, _module in (
    ("numpy", numpy),
    ("linalg", linalg),
    ("core", core),
    ("einops", einops),
    ("math", math),
    ("nn", nn),
    ("image", image),
):
    wrap_module(_module, _name)
del _name, _module, wrap_module

# isort: off
# `ops.numpy` comes first: where a name is also core/math/nn (`cast`, `top_k`,
# `moments`, ...), the definition in Keras's home module, imported later, wins.
from kerasish.ops.numpy import *  # noqa: E402, F403
from kerasish.ops.linalg import *  # noqa: E402, F403
from kerasish.ops.core import *  # noqa: E402, F403
from kerasish.ops.einops import *  # noqa: E402, F403
from kerasish.ops.math import *  # noqa: E402, F403
from kerasish.ops.nn import *  # noqa: E402, F403

# isort: on

__all__ = sorted(
    {"core", "einops", "image", "linalg", "math", "nn", "numpy"}
    | set(numpy.__all__)
    | set(linalg.__all__)
    | set(core.__all__)
    | set(einops.__all__)
    | set(math.__all__)
    | set(nn.__all__)
)

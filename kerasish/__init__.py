"""kerasish: a Keras-style deep-learning library over a pluggable engine (JAX).

`import kerasish as keras` runs Keras 3 code: `keras.Sequential`, `keras.layers`,
`model.compile(...)`, `model.fit(...)`.
"""

from kerasish import (
    activations,
    applications,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    distillation,
    distribution,
    dtype_policies,
    export,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    preprocessing,
    quantizers,
    random,
    regularizers,
    saving,
    tree,
    utils,
    visualization,
    wrappers,
)
from kerasish.dtype_policies import DTypePolicy, FloatDTypePolicy
from kerasish.initializers import Initializer
from kerasish.layers import Input, InputSpec, Layer
from kerasish.layers.keras_tensor import KerasTensor
from kerasish.losses import Loss
from kerasish.metrics import Metric
from kerasish.models import Model, Sequential
from kerasish.operation import Function, Operation
from kerasish.optimizers import Optimizer
from kerasish.quantizers import Quantizer
from kerasish.regularizers import Regularizer
from kerasish.scopes import RematScope, SymbolicScope, device, name_scope, remat
from kerasish.variables import StatelessScope, Variable
from kerasish.version import __version__, version

__all__ = [
    "Input",
    "Layer",
    "Model",
    "Sequential",
    "Variable",
    "activations",
    "applications",
    "callbacks",
    "config",
    "constraints",
    "datasets",
    "distillation",
    "distribution",
    "export",
    "initializers",
    "layers",
    "losses",
    "metrics",
    "mixed_precision",
    "models",
    "ops",
    "optimizers",
    "preprocessing",
    "quantizers",
    "random",
    "regularizers",
    "saving",
    "utils",
    "visualization",
    "wrappers",
    "__version__",
    "DTypePolicy",
    "FloatDTypePolicy",
    "Function",
    "Initializer",
    "InputSpec",
    "KerasTensor",
    "Loss",
    "Metric",
    "Operation",
    "Optimizer",
    "Quantizer",
    "Regularizer",
    "RematScope",
    "StatelessScope",
    "SymbolicScope",
    "backend",
    "device",
    "dtype_policies",
    "name_scope",
    "remat",
    "tree",
    "version",
]

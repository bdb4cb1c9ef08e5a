"""`kerasish.distribution`: Keras 3's distribution API over the engine's sharding.

`set_distribution(DataParallel())` (or `with distribution.scope():`) before
building a model lays its variables out on a device mesh, and `fit`, `evaluate`
and `predict` split each batch over it; many processes join with `initialize`.
See the README section "Distributed training".
"""

from kerasish.distribution.distribution_lib import (
    DataParallel,
    DeviceMesh,
    LayoutMap,
    ModelParallel,
    TensorLayout,
    distribute_tensor,
    distribution,
    get_device_count,
    initialize,
    list_devices,
    set_distribution,
)

__all__ = [
    "DataParallel",
    "DeviceMesh",
    "LayoutMap",
    "ModelParallel",
    "TensorLayout",
    "distribute_tensor",
    "distribution",
    "get_device_count",
    "initialize",
    "list_devices",
    "set_distribution",
]

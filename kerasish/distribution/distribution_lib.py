"""Keras 3's distribution API: device meshes, tensor layouts, and the distributions
that place variables and data on them.

A `DeviceMesh` names the axes of a grid of devices; a `TensorLayout` says which
mesh axis (if any) splits each axis of an array; a `Distribution` chooses the
layout of every variable (`get_variable_layout`) and of every batch
(`get_data_layout`). The engine turns layouts into its own shardings (on JAX, a
`NamedSharding`); the compiled step sees sharded arrays and XLA inserts the
collectives, so scaling out changes a layout, not the training loop.

Example:
>>> mesh = DeviceMesh((1,), ["batch"], devices=list_devices()[:1])
>>> TensorLayout(["batch", None], mesh).axes
('batch', None)
"""

import collections.abc
import contextlib
import math
import os
import re
import secrets
import warnings

import numpy as np

from kerasish import scopes
from kerasish.engine import get_engine

DEFAULT_BATCH_DIM_NAME = "batch"

# Keras's environment variables for a many-process start.
_ENV_ADDRESSES = "KERAS_DISTRIBUTION_JOB_ADDRESSES"
_ENV_NUM_PROCESSES = "KERAS_DISTRIBUTION_NUM_PROCESSES"
_ENV_PROCESS_ID = "KERAS_DISTRIBUTION_PROCESS_ID"


def _device_name(device):
    """`"cpu:3"` for an engine device (platform and global id) or a name."""
    platform = getattr(device, "platform", None)
    if platform is not None:
        return f"{platform}:{device.id}"
    name = str(device).lower()
    return name if ":" in name else f"{name}:0"


def list_devices(device_type=None):
    """Returns the names of the available devices (`"gpu:0"`, `"cpu:3"`, ...).

    With many processes these are the global devices. Without `device_type`, the
    default kind is listed: GPUs or TPUs when present, else CPUs, never a mix.

    Args:
        device_type: `"cpu"`, `"gpu"` or `"tpu"`, or None for the default kind.

    Returns:
        A list of strings `"<type>:<id>"`.
    """
    kind = device_type.lower() if device_type else None
    try:
        devices = get_engine().devices(kind)
    except RuntimeError as error:  # a RuntimeError, as JAX's (and Keras's)
        raise RuntimeError(
            f"list_devices: no {device_type!r} devices are available; the default "
            f"devices are {[_device_name(d) for d in get_engine().devices()]}."
        ) from error
    return [_device_name(d) for d in devices]


def get_device_count(device_type=None):
    """Returns how many devices of `device_type` (default kind: see
    `list_devices`) the computation has, over all processes."""
    return len(list_devices(device_type))


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """Joins this process to a many-process (many-host) computation.

    Call it first, before any other kerasish or engine computation, in every
    process. Arguments left None are read from Keras's environment variables
    `KERAS_DISTRIBUTION_JOB_ADDRESSES`, `KERAS_DISTRIBUTION_NUM_PROCESSES` and
    `KERAS_DISTRIBUTION_PROCESS_ID`; on a cluster whose runtime describes itself
    (Cloud TPU, SLURM) they may stay None. On JAX this is `jax.distributed.initialize`
    with the first address as the coordinator.

    Without a seed from `kerasish.utils.set_random_seed`, process 0 chooses one
    for all, so every process creates the same initial weights.

    Args:
        job_addresses: Comma-separated `host:port` of every process, or only the
            coordinator's (process 0's).
        num_processes: How many processes take part.
        process_id: This process's number, `0` to `num_processes - 1` (0 is the
            coordinator).

    Example:
        In each of two processes on one machine (`process_id` 0, then 1):

        ```python
        kerasish.distribution.initialize("localhost:1234", 2, process_id)
        ```
    """
    if job_addresses is None:
        job_addresses = os.environ.get(_ENV_ADDRESSES)
    if num_processes is None and _ENV_NUM_PROCESSES in os.environ:
        num_processes = _env_int(_ENV_NUM_PROCESSES)
    if process_id is None and _ENV_PROCESS_ID in os.environ:
        process_id = _env_int(_ENV_PROCESS_ID)
    coordinator = job_addresses
    if job_addresses and "," in job_addresses:
        addresses = [a.strip() for a in job_addresses.split(",")]
        if num_processes is not None and num_processes != len(addresses):
            raise ValueError(
                f"initialize: `job_addresses` lists {len(addresses)} jobs "
                f"({addresses}) but `num_processes` is {num_processes}. Give one "
                "address per process, or only the coordinator's."
            )
        coordinator = addresses[0]
    if num_processes is not None and process_id is not None:
        if not 0 <= process_id < num_processes:
            raise ValueError(
                f"initialize: `process_id` must be in [0, {num_processes - 1}] for "
                f"num_processes={num_processes}, received {process_id}."
            )
    engine = get_engine()
    engine.initialize_distributed(coordinator, num_processes, process_id)
    _agree_on_seed(engine)


def _env_int(name):
    value = os.environ[name]
    try:
        return int(value)
    except ValueError as error:
        raise ValueError(
            f"initialize: environment variable {name} must be an integer, "
            f"found {value!r}."
        ) from error


def _agree_on_seed(engine):
    """Every process gets process 0's seed, unless the user set one."""
    from kerasish.random import random as random_module

    if random_module._GLOBAL["seed"] is not None:
        return
    local = secrets.randbelow(2**31 - 2) + 1
    seed = int(engine.broadcast_from_first_process(np.asarray(local, "int32")))
    # As Keras's `initialize_rng`: the global seed, Python's and numpy's too,
    # so the seeds layers draw agree across processes.
    from kerasish.common.seed import set_random_seed

    set_random_seed(seed)


class DeviceMesh:
    """A grid of devices with named axes (JAX's `jax.sharding.Mesh`).

    Args:
        shape: The grid's shape, e.g. `(8,)` for data parallelism only or `(2, 4)`
            for data and model parallelism.
        axis_names: One name per axis of `shape`; layouts refer to these names.
        devices: The devices (names from `list_devices()`), as many as
            `prod(shape)`. Defaults to `list_devices()`.

    Example:
    >>> DeviceMesh((1,), ["batch"], devices=["cpu:0"]).shape
    (1,)
    """

    def __init__(self, shape, axis_names, devices=None):
        if not shape or not axis_names:
            raise ValueError(
                "DeviceMesh: `shape` and `axis_names` cannot be empty. Received: "
                f"shape={shape}, axis_names={axis_names}."
            )
        if len(shape) != len(axis_names):
            raise ValueError(
                "DeviceMesh: `shape` and `axis_names` must have the same length. "
                f"Received: shape={shape} ({len(shape)} axes), "
                f"axis_names={axis_names} ({len(axis_names)} names)."
            )
        if devices is None:
            devices = list_devices()
        devices = np.array(devices)
        if math.prod(shape) != devices.size:
            raise ValueError(
                f"DeviceMesh: shape {tuple(shape)} holds {math.prod(shape)} devices "
                f"but {devices.size} were given (devices.shape={devices.shape}). "
                "Pass a shape whose product is the number of devices."
            )
        self._shape = shape
        self._axis_names = axis_names
        self._devices = np.reshape(devices, shape)

    @property
    def shape(self):
        return self._shape

    @property
    def axis_names(self):
        return self._axis_names

    @property
    def devices(self):
        return self._devices

    @property
    def backend_mesh(self):
        """The engine's mesh (a `jax.sharding.Mesh` on JAX), made once."""
        engine = get_engine()
        cached = getattr(self, "_backend_mesh", None)
        if cached is None or cached[0] != engine.name:
            mesh = engine.mesh(self._devices, self._shape, self._axis_names)
            self._backend_mesh = cached = (engine.name, mesh)
        return cached[1]

    def __repr__(self):
        return (
            f"<{self.__class__.__name__} "
            f"shape={self.shape}, axis_names={self.axis_names}>"
        )

    def __str__(self):
        return self.__repr__()


class TensorLayout:
    """Which mesh axis splits each axis of an array (JAX's `NamedSharding`).

    Args:
        axes: One entry per array axis: a mesh axis name, or None where the axis
            is not split. Trailing axes left out are not split.
        device_mesh: The `DeviceMesh`; may be set once later (a `LayoutMap` sets
            its own).

    Example:
    >>> mesh = DeviceMesh((1, 1), ["batch", "model"], devices=["cpu:0"])
    >>> TensorLayout([None, "model"], mesh).axes
    (None, 'model')
    """

    def __init__(self, axes, device_mesh=None):
        self._axes = tuple(axes)
        self._device_mesh = device_mesh
        self._validate_axes()

    @property
    def axes(self):
        return self._axes

    @property
    def device_mesh(self):
        return self._device_mesh

    @device_mesh.setter
    def device_mesh(self, device_mesh):
        if self._device_mesh is not None:
            raise ValueError(
                "TensorLayout: the device mesh is already set "
                f"({self._device_mesh}); it cannot be replaced. Make a new "
                "TensorLayout for another mesh."
            )
        self._device_mesh = device_mesh
        self._validate_axes()

    @property
    def backend_layout(self):
        """The engine's sharding for this layout (a `NamedSharding` on JAX)."""
        if self._device_mesh is None:
            raise ValueError(
                f"TensorLayout(axes={self.axes}): cannot make a sharding before "
                "its device mesh is set. Pass `device_mesh=` or add the layout to "
                "a `LayoutMap`."
            )
        engine = get_engine()
        cached = getattr(self, "_backend_layout", None)
        if cached is None or cached[0] != engine.name:
            sharding = engine.sharding(self._device_mesh.backend_mesh, self._axes)
            self._backend_layout = cached = (engine.name, sharding)
        return cached[1]

    def _validate_axes(self):
        if self._device_mesh:
            valid = set(self._device_mesh.axis_names)
            names = set(self._axes) - {None}
            if names - valid:
                raise ValueError(
                    f"TensorLayout: invalid axis names {sorted(names - valid)}; the "
                    f"device mesh's axis names are {sorted(valid)}. Got "
                    f"axes={self._axes}."
                )

    def __repr__(self):
        return (
            f"<{self.__class__.__name__} "
            f"axes={self.axes}, device_mesh={self.device_mesh}>"
        )

    def __str__(self):
        return self.__repr__()


class Distribution:
    """Base class of the distributions: how variables and data are laid out.

    Args:
        device_mesh: The `DeviceMesh`.
        batch_dim_name: The mesh axis that splits the batch.
        auto_shard_dataset: With many processes, whether a dataset is split among
            them (`distribute_dataset`); False when each process already reads
            its own part.
    """

    def __init__(self, device_mesh, batch_dim_name=None, auto_shard_dataset=True):
        self._device_mesh = device_mesh
        self._batch_dim_name = batch_dim_name
        self._auto_shard_dataset = auto_shard_dataset
        engine = get_engine()
        self._num_processes = engine.process_count()
        self._process_id = engine.process_index()
        self._is_multi_process = self._num_processes > 1

    @property
    def num_processes(self):
        """How many processes the computation has."""
        return self._num_processes

    @property
    def num_model_replicas(self):
        """How many copies of the model the batch is split over."""
        raise NotImplementedError()

    @property
    def data_shard_id(self):
        """Which part of the data this process reads."""
        replicas = self.num_model_replicas
        if replicas >= self.num_processes:
            return self._process_id
        return self._process_id // (self.num_processes // replicas)

    def get_data_layout(self, data_shape):
        """The `TensorLayout` of a batch of shape `data_shape`."""
        raise NotImplementedError()

    def get_variable_layout(self, variable):
        """The `TensorLayout` of `variable`."""
        raise NotImplementedError()

    def get_tensor_layout(self, path):
        """The `TensorLayout` of the intermediate tensor at `path`, or None."""
        raise NotImplementedError()

    @contextlib.contextmanager
    def scope(self):
        """`with distribution.scope():` makes this distribution current inside."""
        original = distribution()
        set_distribution(self)
        try:
            yield
        finally:
            set_distribution(original)

    @property
    def device_mesh(self):
        return self._device_mesh

    @property
    def batch_dim_name(self):
        return self._batch_dim_name

    @property
    def auto_shard_dataset(self):
        return self._auto_shard_dataset

    @auto_shard_dataset.setter
    def auto_shard_dataset(self, auto_shard_dataset):
        self._auto_shard_dataset = auto_shard_dataset

    def distribute_dataset(self, dataset):
        """The part of `dataset` this process reads.

        With one process, or `auto_shard_dataset=False`, `dataset` itself. With
        many, a batched `tf.data.Dataset` is re-batched to the per-process batch
        size and split among the processes; other kinds raise (pass each
        process its own part, as with arrays).
        """
        if not self._is_multi_process or not self.auto_shard_dataset:
            return dataset
        if type(dataset).__module__.startswith("tensorflow"):
            return self._distribute_tf_dataset(dataset)
        raise ValueError(
            f"distribute_dataset: a {type(dataset).__name__} cannot be split among "
            f"{self.num_processes} processes automatically. Give each process its "
            "own part of the data and set `auto_shard_dataset=False`."
        )

    def _distribute_tf_dataset(self, dataset):
        spec_ranks = [
            getattr(getattr(s, "shape", None), "rank", None)
            for s in _flatten_spec(dataset.element_spec)
        ]
        batch = None
        if spec_ranks and all(r for r in spec_ranks):
            first = _flatten_spec(dataset.element_spec)[0].shape[0]
            batch = None if first is None else int(first)
        if batch is None:
            raise ValueError(
                "distribute_dataset: the dataset's batch size is unknown. Batch it "
                "with a fixed size first, e.g. `dataset.batch(64, "
                "drop_remainder=True)`."
            )
        parts = min(self.num_model_replicas, self.num_processes)
        if parts == 1:
            return dataset
        if batch % parts:
            raise ValueError(
                f"distribute_dataset: the global batch size {batch} must divide "
                f"among {parts} data shards. Use a batch size divisible by {parts}."
            )
        index = self.data_shard_id
        return dataset.rebatch(batch // parts).shard(num_shards=parts, index=index)

    def __repr__(self):
        return f"<{self.__class__.__name__} device_mesh={self.device_mesh}>"

    def __str__(self):
        return self.__repr__()


def _flatten_spec(spec):
    if isinstance(spec, dict):
        return [s for v in spec.values() for s in _flatten_spec(v)]
    if isinstance(spec, list | tuple):
        return [s for v in spec for s in _flatten_spec(v)]
    return [spec]


class DataParallel(Distribution):
    """Data parallelism: variables replicated, each batch split over the devices.

    Give a `device_mesh` (1-d; of a larger one the first axis splits the batch),
    or a list of `devices`, or neither (all of `list_devices()`).

    Args:
        device_mesh: A `DeviceMesh`.
        devices: Devices to make a 1-d mesh of.
        auto_shard_dataset: See `Distribution`.

    Example:
    >>> dp = DataParallel(devices=list_devices()[:1])
    >>> dp.batch_dim_name
    'batch'
    """

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True):
        if device_mesh:
            if not isinstance(device_mesh, DeviceMesh):
                raise ValueError(
                    "DataParallel: `device_mesh` must be a DeviceMesh, received "
                    f"{device_mesh!r} of type {type(device_mesh).__name__}. Make "
                    "one with `kerasish.distribution.DeviceMesh(...)`, or pass "
                    "`devices=`."
                )
            super().__init__(device_mesh, device_mesh.axis_names[0], auto_shard_dataset)
            if np.ndim(device_mesh.devices) != 1:
                warnings.warn(
                    "DataParallel expects a 1-d device mesh, received one of shape "
                    f"{device_mesh.shape}; its first axis "
                    f"({device_mesh.axis_names[0]!r}) splits the batch.",
                    stacklevel=2,
                )
            return
        devices = np.array(devices if devices else list_devices())
        mesh = DeviceMesh(devices.shape, [DEFAULT_BATCH_DIM_NAME], devices=devices)
        super().__init__(mesh, DEFAULT_BATCH_DIM_NAME, auto_shard_dataset)

    @property
    def num_model_replicas(self):
        return self.device_mesh.devices.size

    def get_data_layout(self, data_shape):
        axes = [None] * len(data_shape)
        axes[0] = self.batch_dim_name
        return TensorLayout(axes, self.device_mesh)

    def get_variable_layout(self, variable):
        layout = getattr(variable, "_layout", None)
        if layout is not None:
            return layout
        return TensorLayout([None] * len(variable.shape), self.device_mesh)

    def get_tensor_layout(self, path):
        return None  # intermediate tensors keep the layout XLA gives them


class ModelParallel(Distribution):
    """Model parallelism: variables split as a `LayoutMap` says, batches split
    along `batch_dim_name`.

    Variables whose path matches no key of the layout map are replicated. Read a
    model's paths with `[v.path for v in model.variables]`.

    Args:
        layout_map: A `LayoutMap` (its device mesh is the distribution's).
        batch_dim_name: The mesh axis that splits the batch; defaults to the
            mesh's first axis.
        auto_shard_dataset: See `Distribution`.

    Example:
        ```python
        mesh = DeviceMesh((2, 4), ["batch", "model"], devices=list_devices())
        layout_map = LayoutMap(mesh)
        layout_map[".*dense.*kernel"] = (None, "model")
        layout_map[".*dense.*bias"] = ("model",)
        set_distribution(ModelParallel(layout_map=layout_map))
        ```
    """

    def __init__(
        self,
        *,
        layout_map=None,
        batch_dim_name=None,
        auto_shard_dataset=True,
        **kwargs,
    ):
        kwargs.pop("device_mesh", None)  # Keras ignores it too: the map's mesh
        if kwargs:
            raise TypeError(
                f"ModelParallel: unexpected keyword argument(s) {sorted(kwargs)}."
            )
        if layout_map is None:
            raise ValueError(
                "ModelParallel: `layout_map` is required: a LayoutMap from variable "
                "path patterns to layouts."
            )
        if not isinstance(layout_map, LayoutMap):
            raise ValueError(
                "ModelParallel: `layout_map` must be a LayoutMap, received "
                f"{layout_map!r} of type {type(layout_map).__name__}."
            )
        mesh = layout_map.device_mesh
        batch_dim_name = batch_dim_name or mesh.axis_names[0]
        if batch_dim_name not in mesh.axis_names:
            raise ValueError(
                f"ModelParallel: `batch_dim_name` {batch_dim_name!r} is not an axis "
                f"of the device mesh; its axes are {list(mesh.axis_names)}."
            )
        super().__init__(mesh, batch_dim_name, auto_shard_dataset)
        self._layout_map = layout_map
        if (
            self._is_multi_process
            and self.num_processes > self.num_model_replicas
            and self.num_processes % self.num_model_replicas != 0
        ):
            raise ValueError(
                f"ModelParallel: {self.num_processes} processes cannot share "
                f"{self.num_model_replicas} model replicas evenly; with more "
                "processes than replicas, the process count must be a multiple "
                "of the replica count."
            )

    @property
    def num_model_replicas(self):
        index = list(self.device_mesh.axis_names).index(self.batch_dim_name)
        return self.device_mesh.shape[index]

    def get_data_layout(self, data_shape):
        axes = [None] * len(data_shape)
        axes[0] = self.batch_dim_name
        return TensorLayout(axes, self.device_mesh)

    def get_variable_layout(self, variable):
        layout = getattr(variable, "_layout", None)
        if layout is not None:
            return layout
        layout = self._layout_map[variable.path]
        if layout is not None:
            return layout
        return TensorLayout([None] * len(variable.shape), self.device_mesh)

    def get_tensor_layout(self, path):
        return self._layout_map[path]


class LayoutMap(collections.abc.MutableMapping):
    """A dict from variable-path patterns (regular expressions) to layouts.

    Looking up a path returns the layout of an identical key, else of the one key
    that `re.fullmatch`es it, else None; a path two keys match is an error. A
    tuple of axis names is accepted as a value and becomes a `TensorLayout` on the
    map's mesh.

    Args:
        device_mesh: The `DeviceMesh` the layouts refer to.

    Example:
    >>> mesh = DeviceMesh((1, 1), ["batch", "model"], devices=["cpu:0"])
    >>> layout_map = LayoutMap(mesh)
    >>> layout_map[".*dense.*kernel"] = (None, "model")
    >>> layout_map["sequential/dense_1/kernel"].axes
    (None, 'model')
    """

    def __init__(self, device_mesh):
        self._layout_map = collections.OrderedDict()
        self._device_mesh = device_mesh

    def __getitem__(self, key):
        """The layout for the path `key`, or None (see the class docstring)."""
        if key in self._layout_map:
            return self._layout_map[key]
        matches = [p for p in self._layout_map if re.fullmatch(p, key)]
        if len(matches) > 1:
            raise ValueError(
                f"LayoutMap: path '{key}' matches several keys: {matches}. Make "
                "each variable path match at most one key."
            )
        return self._layout_map[matches[0]] if matches else None

    def __setitem__(self, key, layout):
        if key in self._layout_map:
            raise ValueError(
                f"LayoutMap: key {key!r} is already set (to "
                f"{self._layout_map[key]}); keys cannot be repeated."
            )
        if isinstance(layout, tuple):
            layout = TensorLayout(axes=layout, device_mesh=None)
        if not isinstance(layout, TensorLayout):
            raise ValueError(
                f"LayoutMap: the value for {key!r} must be a TensorLayout or a "
                f"tuple of axis names, received {layout!r} of type "
                f"{type(layout).__name__}."
            )
        if layout.device_mesh is None and self._device_mesh is not None:
            layout.device_mesh = self._device_mesh
        self._layout_map[key] = layout

    def __delitem__(self, key):
        return self._layout_map.pop(key)

    def __len__(self):
        return len(self._layout_map)

    def __iter__(self):
        return iter(self._layout_map)

    @property
    def device_mesh(self):
        return self._device_mesh


LayoutMap.get.__doc__ = LayoutMap.__getitem__.__doc__


def distribute_tensor(tensor, layout):
    """Lays `tensor` out by `layout`: placed now, or, inside a compiled function,
    a constraint the compiler honours. A symbolic tensor is returned as is.

    Args:
        tensor: An array.
        layout: A `TensorLayout`, or the engine's own sharding.

    Returns:
        The array with that layout.
    """
    if hasattr(tensor, "_keras_history"):  # a KerasTensor: nothing to lay out
        return tensor
    if isinstance(layout, TensorLayout):
        layout = layout.backend_layout
    return get_engine().constrain(tensor, layout)


def distribution():
    """The current distribution (set by `set_distribution` or
    `Distribution.scope()`), or None."""
    return scopes.current_distribution()


def set_distribution(value):
    """Makes `value` (a distribution, or None for one device) the current one.

    Variables created afterwards take its layouts, and `fit`, `evaluate` and
    `predict` split their batches by it.
    """
    if value is not None and not isinstance(value, Distribution):
        raise ValueError(
            "set_distribution: expected a Distribution (DataParallel, "
            f"ModelParallel) or None, received {value!r} of type "
            f"{type(value).__name__}."
        )
    scopes.set_current_distribution(value)

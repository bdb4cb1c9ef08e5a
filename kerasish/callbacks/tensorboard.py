"""`TensorBoard`: event files for TensorBoard (scalars, histograms, graph)."""

import os
import time
import warnings

import numpy as np

from kerasish.callbacks.callback import Callback
from kerasish.callbacks.learning_rate_scheduler import log_learning_rates
from kerasish.serialization import register_builtin

_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin")


def _summary_writer_class():
    try:
        from tensorboardX import SummaryWriter
    except ImportError as e:
        raise ImportError(
            "The TensorBoard callback needs the `tensorboardX` package to write "
            'event files. Install it with `pip install "kerasish[tensorboard]"` '
            "(or `pip install tensorboardX tensorboard`)."
        ) from e
    return SummaryWriter


def _profile_range(profile_batch):
    message = (
        "profile_batch must be a non-negative integer or 2-tuple of positive "
        f"integers. A pair of positive integers signifies a range of batches to "
        f"profile. Found: {profile_batch!r}"
    )
    if isinstance(profile_batch, str):
        try:
            profile_batch = [int(p) for p in profile_batch.split(",")]
        except ValueError:
            raise ValueError(message) from None
        if len(profile_batch) == 1:
            profile_batch = profile_batch[0]
    if isinstance(profile_batch, bool):
        raise ValueError(message)
    if isinstance(profile_batch, int):
        start = stop = profile_batch
    elif isinstance(profile_batch, list | tuple) and len(profile_batch) == 2:
        start, stop = profile_batch
    else:
        raise ValueError(message)
    if not all(isinstance(b, int) for b in (start, stop)) or start < 0 or stop < start:
        raise ValueError(message)
    return start, stop


def _graph_def(model):
    """A GraphDef with one node per layer and an edge per layer call."""
    from tensorboardX.proto import attr_value_pb2, graph_pb2, node_def_pb2

    graph = graph_pb2.GraphDef()
    nodes = list(getattr(model, "_nodes", None) or [])
    seen = set()
    if nodes:
        for node in nodes:
            layer = node.operation
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            inputs = []
            for parent in node.parent_nodes:
                if parent.operation.name not in inputs:
                    inputs.append(parent.operation.name)
            shapes = [str(tuple(t.shape)) for t in node.output_tensors]
            graph.node.append(
                node_def_pb2.NodeDef(
                    name=layer.name,
                    op=type(layer).__name__,
                    input=inputs,
                    attr={
                        "output_shape": attr_value_pb2.AttrValue(
                            s=", ".join(shapes).encode()
                        )
                    },
                )
            )
    else:  # a subclassed model: its layers, without the call graph
        for layer in getattr(model, "layers", []):
            graph.node.append(
                node_def_pb2.NodeDef(name=layer.name, op=type(layer).__name__)
            )
    return graph


def _as_image(weight):
    """A weight as a (1, H, W) image in [0, 1], or None when not 1-3 dims."""
    w = np.squeeze(np.asarray(weight, dtype="float32"))
    if w.ndim == 1:
        w = w[None, :]
    elif w.ndim == 2:
        if w.shape[0] > w.shape[1]:
            w = w.T
    elif w.ndim == 3:
        # (kh, kw, channels) -> one image per channel, stacked vertically
        w = np.concatenate(list(np.moveaxis(w, -1, 0)), axis=0)
    else:
        return None
    low, high = float(w.min()), float(w.max())
    w = (w - low) / (high - low) if high > low else np.zeros_like(w)
    return w[None]


@register_builtin("callbacks")
class TensorBoard(Callback):
    """Writes TensorBoard logs: metrics, learning rate, histograms, the graph.

    Epoch metrics go to `log_dir/train` and, for validation, to
    `log_dir/validation`, as `epoch_loss`, `epoch_accuracy`,
    `epoch_learning_rate`, ... (the `val_` prefix is dropped: TensorBoard
    overlays the two runs). Needs the optional `tensorboardX` writer:
    `pip install "kerasish[tensorboard]"`; view with `tensorboard --logdir
    log_dir`.

    Args:
        log_dir: The directory of the event files.
        histogram_freq: Every that many epochs, write a histogram of each
            weight (`<weight path>/histogram`). 0 disables.
        write_graph: Write the layer graph (one node per layer).
        write_images: With `histogram_freq`, also write weights as images.
        write_steps_per_second: Log `steps_per_second` at each epoch end.
        update_freq: `"epoch"`, `"batch"`, or an int `N`: also write
            `batch_<metric>` every N training batches (a host sync on those).
        profile_batch: Profile a batch (int, 1-based) or a range `(start,
            stop)` with the JAX profiler; the trace lands in `log_dir/train`
            for TensorBoard's profile plugin. 0 disables.
        embeddings_freq: Not supported (must be 0).
        embeddings_metadata: Not supported (must be None).

    Example:
    >>> cb = kerasish.callbacks.TensorBoard(log_dir="logs", histogram_freq=1)
    """

    def __init__(
        self,
        log_dir="logs",
        histogram_freq=0,
        write_graph=True,
        write_images=False,
        write_steps_per_second=False,
        update_freq="epoch",
        profile_batch=0,
        embeddings_freq=0,
        embeddings_metadata=None,
    ):
        super().__init__()
        self._writer_class = _summary_writer_class()
        if (
            isinstance(histogram_freq, bool)
            or not isinstance(histogram_freq, int)
            or (histogram_freq < 0)
        ):
            raise ValueError(
                "TensorBoard: `histogram_freq` must be a non-negative int (epochs), "
                f"got {histogram_freq!r}."
            )
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (
            isinstance(update_freq, bool)
            or not isinstance(update_freq, int)
            or update_freq <= 0
        ):
            raise ValueError(
                "TensorBoard: `update_freq` must be 'epoch', 'batch' or a positive "
                f"int (a number of batches), got {update_freq!r}."
            )
        if embeddings_freq or embeddings_metadata is not None:
            raise ValueError(
                "TensorBoard: embeddings (`embeddings_freq`, `embeddings_metadata`) "
                "are not supported by kerasish; leave them at 0 and None."
            )
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._start_batch, self._stop_batch = _profile_range(profile_batch)
        self._should_trace = not (self._start_batch == 0 and self._stop_batch == 0)
        self._is_tracing = False
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._writers = {}
        self._global_train_batch = 0
        self._last_batch = -1
        self._epoch_start_time = 0.0
        self._epoch_start_step = 0
        # Batch hooks cost a host sync per step: only on when they do something.
        if self.update_freq == "epoch" and not self._should_trace:
            self._unused_hooks = _BATCH_HOOKS

    # -- writers -------------------------------------------------------------
    def _writer(self, which):
        if which not in self._writers:
            logdir = self._train_dir if which == "train" else self._val_dir
            self._writers[which] = self._writer_class(logdir=logdir)
        return self._writers[which]

    def _close_writers(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def set_model(self, model):
        super().set_model(model)
        self._close_writers()

    # -- fit -----------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._last_batch = -1
        if self.write_graph:
            try:
                graph = _graph_def(self.model)
            except Exception as e:  # the graph is a convenience, never fatal
                warnings.warn(f"TensorBoard: could not write the model graph: {e}")
            else:
                from tensorboardX.proto import event_pb2

                writer = self._writer("train")
                event = event_pb2.Event(graph_def=graph.SerializeToString())
                writer._get_file_writer().add_event(event)
                writer.flush()

    def on_train_end(self, logs=None):
        if self._is_tracing:
            self._stop_trace()
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        self._last_batch = int(getattr(self.model, "_initial_step", 0) or 0) - 1
        self._epoch_start_time = time.time()
        self._epoch_start_step = self._iterations()

    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        return 0 if optimizer is None else int(optimizer.iterations)

    def on_train_batch_begin(self, batch, logs=None):
        if self._should_trace and not self._is_tracing:
            if self._global_train_batch + 1 >= self._start_batch and (
                self._global_train_batch < self._stop_batch
            ):
                self._start_trace()

    def on_train_batch_end(self, batch, logs=None):
        # With steps_per_execution=N the hook fires once per N batches.
        previous = self._global_train_batch
        self._global_train_batch += batch - self._last_batch
        self._last_batch = batch
        step = self._global_train_batch
        if self.update_freq != "epoch" and (
            step // self.update_freq > previous // self.update_freq
        ):
            writer = self._writer("train")
            for name, value in (logs or {}).items():
                if np.ndim(value) == 0:
                    writer.add_scalar(f"batch_{name}", float(value), step)
        if self._is_tracing and step >= self._stop_batch:
            self._stop_trace()

    def on_test_end(self, logs=None):
        if not getattr(self.model, "_in_fit", False) or not logs:
            return
        writer = self._writer("validation")
        step = self._iterations()
        for name, value in logs.items():
            if np.ndim(value) == 0:
                writer.add_scalar(
                    f"evaluation_{name}_vs_iterations", float(value), step
                )

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs or {})
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        if getattr(self.model, "optimizer", None) is not None:
            optimizer = self.model.optimizer
            optimizer = getattr(optimizer, "inner_optimizer", optimizer)
            log_learning_rates(optimizer, train)
        if self.write_steps_per_second:
            seconds = max(time.time() - self._epoch_start_time, 1e-9)
            train["steps_per_second"] = (
                self._iterations() - self._epoch_start_step
            ) / seconds
        for which, values in (("train", train), ("validation", val)):
            if not values:
                continue
            writer = self._writer(which)
            for name, value in values.items():
                if np.ndim(value) == 0:
                    writer.add_scalar(f"epoch_{name}", float(value), epoch)

    def _log_weights(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.path.replace(":", "_")
                value = np.asarray(weight.numpy(), dtype="float64")
                writer.add_histogram(f"{name}/histogram", value, epoch)
                if self.write_images:
                    image = _as_image(value)
                    if image is not None:
                        writer.add_image(
                            f"{name}/image", image, epoch, dataformats="CHW"
                        )

    # -- profiler ------------------------------------------------------------
    def _start_trace(self):
        from kerasish.engine import get_engine

        engine = get_engine()
        try:
            engine.start_trace(self._train_dir)
        except NotImplementedError:
            warnings.warn(
                f"TensorBoard: the {engine.name} engine cannot profile; "
                "`profile_batch` is ignored."
            )
            self._should_trace = False
            return
        self._is_tracing = True

    def _stop_trace(self):
        from kerasish.engine import get_engine

        get_engine().stop_trace()
        self._is_tracing = False
        self._should_trace = False

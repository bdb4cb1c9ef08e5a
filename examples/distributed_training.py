"""Distributed training: one script, one device or many, one process or many.

On a laptop, XLA can pretend the CPU is 8 devices, so everything below runs
anywhere; on a GPU or TPU machine the same code uses the real devices.

    python examples/distributed_training.py              # one host, 8 devices
    python examples/distributed_training.py --processes 2  # 2 processes x 4

1. `DataParallel`: the model is replicated on every device and each batch is
   split over them; gradients are averaged by the compiled step (XLA inserts
   the collectives).
2. `ModelParallel`: a `LayoutMap` splits the big Dense kernels over the "model"
   axis of a 2x4 mesh (each device holds a quarter of each) while the batch is
   split over the "batch" axis.
3. Many processes (`--processes 2`): each process calls
   `kerasish.distribution.initialize(...)`, reads its own half of the data, and
   they train one model together; process 0 saves the checkpoint. On a cluster
   the processes are on different hosts and `job_addresses` names process 0's.
"""

import argparse
import os
import subprocess
import sys

# Before jax starts: simulate devices on the CPU (ignored by GPUs and TPUs),
# keeping any other XLA flags already set; a device count set already wins.
_flags = os.environ.get("XLA_FLAGS", "")
if "--process-id" in sys.argv:
    _flags = " ".join(
        f for f in _flags.split() if "xla_force_host_platform_device_count" not in f
    )
    os.environ["XLA_FLAGS"] = f"{_flags} --xla_force_host_platform_device_count=4"
elif "xla_force_host_platform_device_count" not in _flags:
    os.environ["XLA_FLAGS"] = f"{_flags} --xla_force_host_platform_device_count=8"

import numpy as np  # noqa: E402

import kerasish as keras  # noqa: E402
from kerasish import distribution  # noqa: E402


def make_data(n=2048, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 16)).astype("float32")
    w = rng.normal(size=(16, 1)).astype("float32")
    y = (np.tanh(x @ w) + 0.05 * rng.normal(size=(n, 1))).astype("float32")
    return x, y


def make_model():
    return keras.Sequential(
        [
            keras.Input((16,)),
            keras.layers.Dense(256, activation="relu", name="big_dense_1"),
            keras.layers.Dense(256, activation="relu", name="big_dense_2"),
            keras.layers.Dense(1, name="head"),
        ]
    )


def train(x, y, batch_size=64, epochs=3):
    model = make_model()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    return model


def one_host():
    print(f"devices: {distribution.list_devices()}")
    x, y = make_data()

    # 1. Data parallel: replicate the model, split each batch over 8 devices.
    keras.utils.set_random_seed(0)
    with distribution.DataParallel().scope():
        model = train(x, y)
        loss = model.evaluate(x, y, verbose=0)
    print(
        f"DataParallel over {distribution.get_device_count()} devices: mse {loss:.4f}"
    )

    # 2. Model parallel: split the big kernels over the "model" axis.
    mesh = distribution.DeviceMesh((2, 4), ["batch", "model"])
    layout_map = distribution.LayoutMap(mesh)
    layout_map[".*big_dense.*kernel"] = (None, "model")
    layout_map[".*big_dense.*bias"] = ("model",)
    keras.utils.set_random_seed(0)
    with distribution.ModelParallel(layout_map=layout_map).scope():
        model = train(x, y)
        loss = model.evaluate(x, y, verbose=0)
    kernel = model.get_layer("big_dense_2").kernel
    shard = kernel.value.addressable_shards[0].data.shape
    print(
        f"ModelParallel 2x4: mse {loss:.4f}; kernel {kernel.shape}, per device {shard}"
    )

    # The checkpoint is one ordinary file: it loads without any distribution.
    model.save("distributed_model.keras")
    restored = keras.models.load_model("distributed_model.keras")
    print(f"restored on one device: mse {restored.evaluate(x, y, verbose=0):.4f}")
    os.remove("distributed_model.keras")


def worker(process_id, num_processes, address):
    # Every process calls initialize first, with the coordinator's address.
    distribution.initialize(address, num_processes, process_id)
    keras.utils.set_random_seed(0)
    distribution.set_distribution(distribution.DataParallel())
    x, y = make_data()
    rows = slice(
        process_id * len(x) // num_processes, (process_id + 1) * len(x) // num_processes
    )
    # Each process feeds its own rows: the global batch is 64 per process.
    model = train(x[rows], y[rows])
    loss = model.evaluate(x[rows], y[rows], verbose=0)  # over all processes' data
    print(f"process {process_id}: global mse {loss:.4f}", flush=True)
    if process_id == 0:  # one process writes the checkpoint
        model.save_weights("distributed_model.weights.h5")
        print("process 0 saved distributed_model.weights.h5", flush=True)


def launch(num_processes, port=12355):
    """Starts `num_processes` copies of this script on this machine."""
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--process-id",
                str(i),
                "--processes",
                str(num_processes),
                "--address",
                f"localhost:{port}",
            ]
        )
        for i in range(num_processes)
    ]
    if any(p.wait() for p in procs):
        sys.exit("a process failed")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--process-id", type=int)
    parser.add_argument("--address", default="localhost:12355")
    args = parser.parse_args()
    if args.process_id is not None:
        worker(args.process_id, args.processes, args.address)
    elif args.processes > 1:
        launch(args.processes)
    else:
        one_host()

"""The first epoch as a user sees it: each library and workload in a fresh process.

`bench_fit.py` runs every contender in one process, so its compile column also
holds what a process pays once, whoever pays it first: JAX's first dispatches,
imports made on first use, the compiles of small shared programs. The contender
that runs first pays them and those after it do not. Here each (library,
workload) pair runs alone in a new Python process, `--repeats` times,
interleaved, and the figure is the median over the repeats of

    compile s = first epoch (from calling `fit`, compile included) - steady epoch

with the library already imported (its import is not part of `fit`). The
persistent compilation caches are off: every run compiles from scratch.

    python bench/first_epoch.py                    # tiny mlp cnn lstm gru
    python bench/first_epoch.py --only tiny --repeats 5
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def child(lib_name, workload, epochs):
    """Runs one `fit` in this (fresh) process; prints its epoch times as JSON."""
    os.environ["KERASISH_COMPILATION_CACHE"] = "0"
    os.environ["KERAS_BACKEND"] = "jax"
    import numpy as np

    start = time.perf_counter()
    if lib_name == "keras":
        import keras as lib
    else:
        import kerasish as lib
    import_s = time.perf_counter() - start
    sys.path.insert(0, HERE)
    from bench_fit import WORKLOADS, build, make_data

    _, quick, bs, loss = WORKLOADS[workload]
    x, y = make_data(workload, quick, np.random.default_rng(0))
    lib.utils.set_random_seed(0)
    model = build(lib, workload)
    model.compile(optimizer=lib.optimizers.Adam(1e-3), loss=loss)
    times = []

    class EpochTimer(lib.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    start = time.perf_counter()
    model.fit(x, y, batch_size=bs, epochs=epochs, verbose=0, callbacks=[EpochTimer()])
    total = time.perf_counter() - start
    times[0] = total - sum(times[1:])  # from calling fit: compile included
    print(json.dumps({"import": import_s, "epochs": times}))


def run_child(lib_name, workload, epochs):
    out = subprocess.run(
        [sys.executable, __file__, "--child", lib_name, workload, str(epochs)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only", nargs="*", default=["tiny", "mlp", "cnn", "lstm", "gru"]
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        lib_name, workload, epochs = args.child
        child(lib_name, workload, int(epochs))
        return
    try:
        import keras  # noqa: F401

        libs = ["kerasish", "keras"]
    except ImportError:
        libs = ["kerasish"]
    print(
        f"machine: {os.uname().machine}, {os.cpu_count()} cpus, load "
        f"{os.getloadavg()[0]:.2f}; each fit in a fresh process, {args.repeats} "
        f"repeats interleaved, median; quick sizes, {args.epochs} epochs"
    )
    columns = ("import", "1st epoch", "steady", "compile")
    print(f"{'':10s}" + "".join(f"{lib:>40s}" for lib in libs))
    print(f"{'workload':10s}" + "".join(f"{c:>10s}" for c in columns) * len(libs))
    for workload in args.only:
        runs = {lib: [] for lib in libs}
        for _ in range(args.repeats):
            for lib in libs:
                runs[lib].append(run_child(lib, workload, args.epochs))
        line = f"{workload:10s}"
        for lib in libs:
            epochs = [r["epochs"] for r in runs[lib]]
            figures = (
                statistics.median(r["import"] for r in runs[lib]),
                statistics.median(t[0] for t in epochs),
                statistics.median(min(t[1:]) for t in epochs),
                statistics.median(t[0] - min(t[1:]) for t in epochs),
            )
            line += "".join(f"{f:10.3f}" for f in figures)
        print(line, flush=True)
    print(
        "seconds; compile = 1st epoch (from calling fit) - steady epoch; import is "
        "`import <library>` alone, after Python started"
    )


if __name__ == "__main__":
    main()

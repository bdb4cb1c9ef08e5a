"""Loader fuzzing: mutated `.keras`, `.weights.h5` and `.weights.npz` files
either load with the original predictions or raise a ValueError naming the
file; never another exception, never a file opened outside the archive, and
memory stays bounded.

Byte flips inside the raw data of a standalone `.weights.h5` are the one case
that may load with other numbers: HDF5 stores contiguous arrays without a
checksum (Keras's files have none either); zip members are CRC-checked.
"""

import io
import json
import os
import sys
import tempfile
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest

import kerasish as keras
from kerasish import layers

pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# Each example costs a load (and a fresh model for the weights files). On top of
# the generated examples, `_EXPLICIT` runs every applicable (file, mutation kind)
# pair once; `test_report_example_count` asserts that each pair ran.
EXAMPLES = 50
PEAK_LIMIT = 64 << 20
_AUDIT = {"active": False, "allowed": (), "opened": []}
_RAN = {"count": 0, "raised": 0, "loaded": 0, "pairs": set()}


def _audit(event, args):
    if event != "open" or not _AUDIT["active"]:
        return
    path = args[0]
    if not isinstance(path, str | bytes | os.PathLike):
        return
    path = os.path.abspath(os.fsdecode(path))
    if path.endswith((".py", ".pyc", ".so")) or path.startswith(_AUDIT["allowed"]):
        return
    _AUDIT["opened"].append(path)


sys.addaudithook(_audit)


def _compilation_cache_dir():
    import jax

    path = jax.config.jax_compilation_cache_dir
    return (os.path.abspath(path),) if path else ()


def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((4,)),
            layers.Dense(5, activation="relu"),
            layers.BatchNormalization(),
            layers.Dense(2),
        ]
    )
    model.compile(optimizer="adam", loss="mse")
    model.optimizer.build(model.trainable_variables)
    return model


X = np.random.default_rng(0).normal(size=(3, 4)).astype("float32")


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fuzz")
    model = _model()
    want = np.asarray(model(X))
    files = {}
    for name in ("m.keras", "m.weights.h5", "m.weights.npz"):
        path = directory / name
        (model.save if name.endswith(".keras") else model.save_weights)(path)
        files[name] = path.read_bytes()
    return files, want


def _rezip(data, change):
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for info in src.infolist():
            name, payload = change(info.filename, src.read(info.filename))
            if name is not None:
                zf.writestr(name, payload)
    return out.getvalue()


HOSTILE_VALUES = [
    "os.system",
    "builtins.eval",
    "subprocess.Popen",
    "/etc/passwd",
    "../../../etc/passwd",
    "Lambda",
    "function",
    "__import__",
    "posix",
    "keras.src.layers.Lambda",
    "TextVectorization",
    "StringLookup",
    None,
    -1,
    10**12,
    [1e308, -1e308],
    {"class_name": "Lambda", "config": {"function": "os.system"}},
]
CONFIG_KEYS = [
    "class_name",
    "module",
    "registered_name",
    "config",
    "units",
    "activation",
    "vocabulary",
    "batch_shape",
    "build_config",
    "compile_config",
    "dtype",
    "axis",
    "name",
]
MEMBER_NAMES = [
    "../evil",
    "/abs/path",
    "assets/../../x",
    "model.weights.npz",
    "config.json",
    "assets/layers/dense/vocabulary.txt",
    "x" * 300,
    "model.weights.h5 ",
]


def _edit_config(data, path_choices, key, value):
    config = json.loads(data)
    nodes = []

    def walk(node):
        if isinstance(node, dict):
            nodes.append(node)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(config)
    node = nodes[path_choices % len(nodes)]
    node[key] = value
    return json.dumps(config).encode()


def _forge_size(data, which, size):
    data = bytearray(data)
    starts = []
    i = data.find(b"PK\x01\x02")
    while i != -1:
        starts.append(i)
        i = data.find(b"PK\x01\x02", i + 4)
    if not starts:
        return bytes(data)
    start = starts[which % len(starts)]
    field = start + (24 if size % 2 else 20)  # uncompressed or compressed size
    data[field : field + 4] = (size % 2**32).to_bytes(4, "little")
    return bytes(data)


mutation = st.one_of(
    st.tuples(
        st.just("flip"),
        st.lists(
            st.tuples(st.integers(0, 2**31), st.integers(1, 255)),
            min_size=1,
            max_size=8,
        ),
    ),
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("rename"), st.integers(0, 10), st.sampled_from(MEMBER_NAMES)),
    st.tuples(st.just("size"), st.integers(0, 10), st.integers(0, 2**40)),
    st.tuples(
        st.just("config"),
        st.integers(0, 10**6),
        st.sampled_from(CONFIG_KEYS),
        st.sampled_from(HOSTILE_VALUES),
    ),
)


def _mutate(kind, data, m):
    if m[0] == "flip":
        data = bytearray(data)
        for position, xor in m[1]:
            data[position % len(data)] ^= xor
        return bytes(data)
    if m[0] == "truncate":
        return data[: int(len(data) * m[1])]
    if kind == "m.weights.h5":
        return None  # zip-level mutations do not apply
    if m[0] == "rename":
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        target = names[m[1] % len(names)]
        return _rezip(data, lambda n, p: (m[2] if n == target else n, p))
    if m[0] == "size":
        return _forge_size(data, m[1], m[2])
    if kind != "m.keras":
        return None
    return _rezip(
        data,
        lambda n, p: (
            n,
            _edit_config(p, m[1], m[2], m[3]) if n == "config.json" else p,
        ),
    )


_EXPLICIT = [
    ("flip", [(1000, 0x5A), (7, 1)]),
    ("truncate", 0.6),
    ("rename", 1, "../evil"),
    ("size", 0, 2**33 + 1),
    ("config", 3, "class_name", "os.system"),
]


def _explicit_examples(test):
    for kind in ("m.keras", "m.weights.h5", "m.weights.npz"):
        for m in _EXPLICIT:
            test = example(kind=kind, m=m)(test)
    return test


def _load(kind, path):
    if kind == "m.keras":
        return keras.saving.load_model(path)
    model = _model()
    model.load_weights(path)
    return model


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@_explicit_examples
@given(kind=st.sampled_from(["m.keras", "m.weights.h5", "m.weights.npz"]), m=mutation)
def test_mutated_files_load_or_raise_value_error(originals, kind, m):
    files, want = originals
    data = _mutate(kind, files[kind], m)
    if data is None:
        return
    _RAN["count"] += 1
    _RAN["pairs"].add((kind, m[0]))
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "fuzzed-" + kind)
        with open(path, "wb") as f:
            f.write(data)
        _AUDIT.update(
            active=True,
            # JAX's own compilation cache (kerasish's persistent cache, or the
            # suite's) may serve the optimizer's compiled init: not the file.
            allowed=(
                path,
                os.path.join(tempfile.gettempdir(), "kerasish-assets-"),
                *_compilation_cache_dir(),
            ),
            opened=[],
        )
        tracemalloc.start()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model = _load(kind, path)
        except ValueError as error:
            assert "fuzzed-" in str(error), str(error)
            model = None
            _RAN["raised"] += 1
        finally:
            _AUDIT["active"] = False
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert _AUDIT["opened"] == [], _AUDIT["opened"]
        assert peak < PEAK_LIMIT, peak
    if model is None:
        return
    _RAN["loaded"] += 1
    got = np.asarray(model(X))
    if kind == "m.weights.h5" and m[0] == "flip":
        return  # no checksum on raw HDF5 data (see module doc)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


# The (file, mutation kind) pairs `_mutate` applies: zip-level mutations do not
# apply to the HDF5 file, config edits only to the `.keras` archive.
APPLICABLE = {
    ("m.keras", kind) for kind in ("flip", "truncate", "rename", "size", "config")
} | {("m.weights.npz", kind) for kind in ("flip", "truncate", "rename", "size")}
APPLICABLE |= {("m.weights.h5", kind) for kind in ("flip", "truncate")}


def test_report_example_count():
    # Runs after the fuzz test in file order; the count goes into the report.
    if _RAN["count"]:
        assert _RAN["pairs"] == APPLICABLE, sorted(APPLICABLE - _RAN["pairs"])
    print(
        f"\nfuzz examples with an applicable mutation: {_RAN['count']} "
        f"(loaded {_RAN['loaded']}, refused with ValueError {_RAN['raised']}; "
        f"{len(_RAN['pairs'])} file/mutation pairs)"
    )

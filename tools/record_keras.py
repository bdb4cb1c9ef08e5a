"""Records Keras 3's side of the tests that compare kerasish with a record (offline).

Running Keras live takes minutes on a 2-core machine (its import, symbolic builds
and eager op-by-op calls), so these tests compare kerasish with what Keras gave,
stored with `tests/recorded.py` next to each test together with a fingerprint of
what defines the cases: a changed case fails its test with the command to run
here. Each recorded test has a twin marked `slow` that reruns Keras live and
checks the record (`python -m pytest -m slow`).

Run: python tools/record_keras.py [TOPIC ...]   (all topics by default; Keras must
be importable). The topics are the keys of `TOPICS`. `programs:NAME,NAME` records
only those programs (others keep their record; one being written is left out).
"""

import importlib
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

from tests import recorded  # noqa: E402


def _module(name):
    return importlib.import_module(f"tests.{name}")


def _cases(test_module, cases_module, record_all=None):
    """A test comparing with the cases of `cases_module` (its `record_all`)."""

    def record():
        cases = _module(cases_module)
        body = record_all(cases) if record_all else cases.record_all(keras)
        return _module(test_module).RECORD, {
            "source": recorded.digest(cases.__file__),
            "cases": body,
        }

    return record


def _keras_side(test_module):
    """A test whose module has `keras_side(keras)` and a `_digest()` of its cases."""

    def record():
        module = _module(test_module)
        return module.RECORD, {
            "digest": module._digest(),
            "keras": module.keras_side(keras),
        }

    return record


def _activations():
    module = _module("activations.test_activations")
    return module.SERIALIZED_RECORD, {
        "names": module.names_fingerprint(),
        "serialized": module.keras_serialized(keras),
    }


def _applications():
    cases = _module("applications.cases")
    build_keras = _module("applications.conftest").build_keras
    built = {}
    for case in cases.CASES:
        name, kwargs = case
        model = build_keras(name, weights=None, **kwargs)
        built[cases.case_id(case)] = cases.architecture(model)
    return _module("applications.test_architectures").RECORD, {"cases": built}


def _ctc():
    import jax

    jax.config.update("jax_default_matmul_precision", "highest")  # as the tests
    module = _module("ops.test_nn_ops")
    return module.CTC_RECORD, {
        "case": module.ctc_fingerprint(),
        "results": module.ctc_results(keras),
    }


def _programs(only=None):
    """Runs under Keras the programs that are new or changed since the record
    (by source digest, for the same Keras version), or only those named in
    `only`; keeps the others' results."""
    module = _module("programs.test_programs")
    old = recorded.read(module.RECORD) if module.RECORD.exists() else {}
    kept = (
        old.get("programs", {}) if old.get("keras_version") == keras.__version__ else {}
    )
    programs = {}
    for name in module.PROGRAMS:
        source = recorded.digest(module.HERE / f"{name}.py")
        if only is not None and name not in only:
            if name in kept:
                programs[name] = kept[name]
            continue
        if kept.get(name, {}).get("source") == source:
            programs[name] = kept[name]
            continue
        print("running", name, flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            result = module._run("keras", name, Path(tmp))
        programs[name] = {"source": source, "result": module.compared(result)}
    return module.RECORD, {"programs": programs}


def _summaries():
    summaries = _module("models.keras_summaries")
    scripts = {
        "sequential_and_functional": _module("models.test_summary").SCRIPT,
        "residual_with_ops": _module("models.test_symbolic_ops").SUMMARY,
    }
    return summaries.RECORD, {
        "scripts": {
            key: {
                "source": summaries.fingerprint(script),
                "stdout": summaries.run_in_subprocess(script, "keras"),
            }
            for key, script in scripts.items()
        }
    }


TOPICS = {
    "activations": _activations,
    "applications": _applications,
    "attention": _cases("layers.test_multi_head_attention", "layers.attention_cases"),
    "bounding_boxes": _keras_side("utils.test_bounding_boxes"),
    "configs": _keras_side("saving.test_keras_configs"),
    "confusion_metrics": _cases(
        "metrics.test_confusion_metrics", "metrics.confusion_cases"
    ),
    "ctc": _ctc,
    "distiller": _cases(
        "distillation.test_distiller",
        "distillation.distiller_cases",
        lambda cases: {c: cases.fit_case(keras, c) for c in cases.FIT_CASES},
    ),
    "image_color": _keras_side("layers.test_preprocessing_image_color"),
    "image_geometric": _keras_side("layers.test_image_augmentation_geometric"),
    "image_ops": _keras_side("ops.test_image_ops"),
    "image_preprocessing": _keras_side("layers.test_preprocessing_image"),
    "lora_quantization": _cases(
        "layers.test_lora_quantization",
        "layers.lora_cases",
        lambda cases: {c: cases.run_case(keras, *c) for c in cases.CASES},
    ),
    "losses": _cases("losses.test_losses", "losses.losses_cases"),
    "optimizers": _cases("optimizers.test_keras_compat", "optimizers.optimizer_cases"),
    "programs": _programs,
    "spectrograms": _keras_side("layers.test_spectrograms"),
    "summaries": _summaries,
}


def main(topics):
    names = [topic.partition(":")[0] for topic in topics]
    unknown = sorted(set(names) - set(TOPICS))
    if unknown:
        raise SystemExit(f"unknown topics {unknown}; choose from {sorted(TOPICS)}")
    for topic in topics or TOPICS:
        topic, _, only = topic.partition(":")
        args = (set(only.split(",")),) if only else ()
        path, body = TOPICS[topic](*args)
        recorded.write(path, {"keras_version": keras.__version__, **body})
        print(topic, path, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

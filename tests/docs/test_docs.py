"""The documentation site: every guide's code runs, and the site builds strictly.

Each page's ```python blocks run in order in one namespace (a page reads like a
notebook), in a temporary directory. A block preceded by
`<!-- docs-test: requires MODULE -->` runs only where `MODULE` can be imported (the
distributed-training guide uses `kerasish.distribution`, which is being written);
`<!-- docs-test: skip -->` never runs (none today).
"""

import importlib.util
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

import kerasish

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
EXECUTED_PAGES = sorted(
    [DOCS / "index.md", DOCS / "getting_started.md", *(DOCS / "guides").glob("*.md")]
)
_FENCE = re.compile(r"^```python\s*$")
_MARKER = re.compile(r"<!--\s*docs-test:\s*(skip|requires\s+([\w.]+))\s*-->")


def python_blocks(text):
    """`[(first_line_number, code, requires_or_None, skip)]` of a markdown page."""
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        if _FENCE.match(lines[i]):
            marker = None
            for back in range(i - 1, -1, -1):
                if lines[back].strip():
                    marker = _MARKER.search(lines[back])
                    break
            start = i + 1
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                i += 1
            code = "\n".join(lines[start:i])
            skip = bool(marker) and marker.group(1) == "skip"
            requires = marker.group(2) if marker else None
            blocks.append((start + 1, code, requires, skip))
        i += 1
    return blocks


def _importable(module):
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def test_block_extraction_honours_markers():
    page = (
        "text\n```python\na = 1\n```\n<!-- docs-test: requires no_such_mod -->\n\n"
        "```python\nb = 2\n```\n<!-- docs-test: skip -->\n```python\nc\n```\n"
        "```bash\nls\n```\n"
    )
    assert python_blocks(page) == [
        (3, "a = 1", None, False),
        (8, "b = 2", "no_such_mod", False),
        (12, "c", None, True),
    ]
    assert not _importable("no_such_mod.sub")


@pytest.mark.parametrize(
    "page", EXECUTED_PAGES, ids=[str(p.relative_to(DOCS)) for p in EXECUTED_PAGES]
)
def test_page_code_runs(page, tmp_path, monkeypatch):
    blocks = python_blocks(page.read_text())
    assert blocks, f"{page} has no python code block"
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": f"docs_{page.stem}"}
    skipped = []
    for line, code, requires, skip in blocks:
        if skip or (requires and not _importable(requires)):
            skipped.append(line)
            continue
        try:
            exec(compile(code, f"{page.relative_to(ROOT)}:{line}", "exec"), namespace)
        except Exception as error:
            raise AssertionError(
                f"{page.relative_to(ROOT)}: the code block at line {line} failed: "
                f"{type(error).__name__}: {error}"
            ) from error
    if skipped and len(skipped) == len(blocks):
        pytest.skip(f"every block of {page.name} needs a module not present yet")


def test_every_public_module_has_an_api_page():
    pages = "\n".join(p.read_text() for p in (DOCS / "api").glob("*.md"))
    modules = [
        name
        for name in kerasish.__all__
        if isinstance(getattr(kerasish, name), types.ModuleType)
    ]
    missing = [m for m in modules if f"::: kerasish.{m}\n" not in pages]
    assert not missing, f"no API reference page renders {missing}"
    nav = (ROOT / "mkdocs.yml").read_text()
    unlisted = [
        str(p.relative_to(DOCS))
        for p in DOCS.rglob("*.md")
        if str(p.relative_to(DOCS)) not in nav
    ]
    assert not unlisted, f"pages missing from the nav in mkdocs.yml: {unlisted}"


def test_example_pages_show_the_current_example_source():
    stale = []
    for script in sorted((ROOT / "examples").glob("*.py")):
        page = DOCS / "examples" / f"{script.stem}.md"
        if not page.exists() or script.read_text().strip() not in page.read_text():
            stale.append(script.name)
    assert not stale, (
        f"docs/examples is out of date for {stale}; run "
        "`python tools/render_examples.py`"
    )


def test_site_builds_with_warnings_as_errors(tmp_path):
    missing = [
        m
        for m in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers")
        if not _importable(m)
    ]
    if missing:
        pytest.skip(
            f'the docs extra is not installed ({missing}): pip install ".[docs]"'
        )
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"]
        + ["-f", str(ROOT / "mkdocs.yml"), "-d", str(tmp_path / "site")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    assert (tmp_path / "site" / "api" / "layers" / "index.html").exists()
    assert (tmp_path / "site" / "guides" / "functional_api" / "index.html").exists()


def test_migration_guide_lists_every_api_exclusion():
    page = (DOCS / "guides" / "migrating_from_keras.md").read_text()
    exclusions = ROOT / "tests" / "api" / "api_exclusions.txt"
    names = []
    for line in exclusions.read_text().splitlines():
        parts = line.split("#")[0].split()
        if len(parts) == 2 and parts[0] in ("name", "signature"):
            names.append(parts[1].removesuffix(".*"))
    assert names, "no exclusions parsed"
    missing = sorted({n for n in names if f"`{n}`" not in page})
    assert not missing, (
        f"docs/guides/migrating_from_keras.md does not list {missing} from "
        "tests/api/api_exclusions.txt"
    )

"""Execute notebooks top to bottom in a fresh kernel and save their outputs in place.

Usage: python .ci/execute.py [NOTEBOOK ...]   (default: every notebook under chapters/)

This is how a chapter is re-executed before it is committed; `make test` then proves with
nbval that the saved outputs are what a fresh kernel prints. A cell may raise only if it is
tagged `raises-exception`.
"""

import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]


def notebooks(arguments):
    if arguments:
        return [pathlib.Path(a).resolve() for a in arguments]
    return sorted(p for p in (ROOT / "chapters").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def execute(path):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    for cell in notebook.cells:  # keep diffs small: no per-run metadata
        cell.metadata.pop("execution", None)
    nbformat.validate(notebook)
    nbformat.write(notebook, path)
    return time.perf_counter() - start


if __name__ == "__main__":
    for path in notebooks(sys.argv[1:]):
        seconds = execute(path)
        print(f"{seconds:6.1f} s  {path.relative_to(ROOT)}")

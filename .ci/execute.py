"""Execute notebooks top to bottom in a fresh kernel and save their outputs in place.

Usage: python .ci/execute.py [NOTEBOOK ...]   (default: every notebook under chapters/)

This is how a chapter is re-executed before it is committed; `make test` then proves with
nbval that the saved outputs are what a fresh kernel prints. A cell may raise only if it is
tagged `raises-exception`.

A number in the prose that the code computes (a timing, an accuracy) is written as an inline
expression, {eval}`f"{seconds:.1f}"`. When the run reaches a markdown cell, its expressions are
evaluated in the kernel (a silent request with `user_expressions`: no execution count, no
output) and the results saved in the cell's metadata, `user_expressions`, the format
jupyterlab-myst reads and writes. JupyterLab shows the saved values as soon as the notebook
opens (and new ones when a student runs the cell); the website reads the same metadata
(.ci/book_site.py). An expression that fails stops the run.
"""

import pathlib
import re
import sys
import time

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
INLINE_EXPRESSION = re.compile(r"\{eval\}`([^`]+)`")


class Client(NotebookClient):
    """nbclient's client, which also evaluates the markdown cells' inline expressions."""

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell.cell_type != "markdown":
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        expressions = list(dict.fromkeys(INLINE_EXPRESSION.findall(cell.source)))
        cell.metadata.pop("user_expressions", None)
        if expressions:
            cell.metadata["user_expressions"] = await self.evaluate(expressions, cell_index)
        return cell

    async def evaluate(self, expressions, cell_index):
        """[{expression, result}] for each expression, as jupyterlab-myst saves them."""
        requested = {str(i): expression for i, expression in enumerate(expressions)}
        msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions=requested)
        reply = await self.async_wait_for_reply(msg_id)
        results = reply["content"]["user_expressions"]
        saved = []
        for i, expression in requested.items():
            result = results[i]
            if result["status"] != "ok":
                raise RuntimeError(f"markdown cell {cell_index}: {{eval}}`{expression}` failed: "
                                   f"{result.get('ename')}: {result.get('evalue')}")
            saved.append({"expression": expression, "result": result})
        return saved


def notebooks(arguments):
    if arguments:
        return [pathlib.Path(a).resolve() for a in arguments]
    return sorted(p for p in (ROOT / "chapters").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def execute(path):
    notebook = nbformat.read(path, as_version=4)
    client = Client(
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

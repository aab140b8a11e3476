"""Check what strict nbval cannot see in the committed notebooks.

- executed top to bottom in one fresh kernel: execution counts 1..n, no skipped cell;
- no error output, except in cells tagged `raises-exception`;
- no text on stderr (warnings are fixed at the source, not hidden);
- every figure has alt text (cell metadata mystnb.image.alt), for the site's readers;
- the chapter skeleton: a title, learning goals, a summary and at least four exercises,
  each with a solution marked for nbgrader and a check from tconv.check;
- the course speaks for itself: no mention of the documents it grew from, and no symbol the
  notation page retired (channel counts are c_in and c_out; C is only the matrix).
"""

import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Phrases that would point readers at documents they never saw, and symbols the notation page
# gave another meaning.
FORBIDDEN = {
    r"(?i:source documents?)": "refers to a document readers never saw; the course speaks for itself",
    r"C_\\text\{(in|out)\}": "uses C for channel counts; the notation page says c_in, c_out",
}


def text(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def problems(path):
    notebook = json.loads(path.read_text())
    found = []
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in code]
    if counts != list(range(1, len(code) + 1)):
        found.append(f"execution counts are {counts}, expected 1..{len(code)}: "
                     f"re-run it with `make execute NB={path.relative_to(ROOT)}`")
    for number, cell in enumerate(code, start=1):
        tags = cell.get("metadata", {}).get("tags", [])
        for output in cell.get("outputs", []):
            if output["output_type"] == "error" and "raises-exception" not in tags:
                found.append(f"code cell {number} has an error output but no `raises-exception` tag")
            if output["output_type"] == "stream" and output["name"] == "stderr":
                found.append(f"code cell {number} writes to stderr: {''.join(output['text'])[:200]!r}")
            if {"image/png", "image/svg+xml"} & set(output.get("data", {})):
                alt = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt", "")
                if len(alt.strip()) < 20:
                    found.append(f"code cell {number} draws a figure without alt text "
                                 f"(metadata mystnb.image.alt)")
    markdown = "\n".join(text(c) for c in notebook["cells"] if c["cell_type"] == "markdown")
    sources = "\n".join(text(c) for c in code)
    if not re.match(r"# \S", text(notebook["cells"][0])):
        found.append("the first cell is not a markdown title '# …'")
    for heading in ("Learning goals", "## Summary", "## Exercises"):
        if heading not in markdown:
            found.append(f"no '{heading}' section")
    exercises = len(re.findall(r"^```\{exercise\}", markdown, flags=re.M))
    solutions = len(re.findall(r"^```\{solution-start\}", markdown, flags=re.M))
    if exercises < 4:
        found.append(f"{exercises} exercises; every chapter has at least 4")
    if solutions != exercises:
        found.append(f"{exercises} exercises but {solutions} solutions")
    if sources.count("### BEGIN SOLUTION") != sources.count("### END SOLUTION"):
        found.append("unbalanced ### BEGIN SOLUTION / ### END SOLUTION markers")
    if sources.count("### BEGIN SOLUTION") < exercises:
        found.append("an exercise has no solution between ### BEGIN SOLUTION and ### END SOLUTION")
    for pattern, why in FORBIDDEN.items():
        for match in re.finditer(pattern, markdown + "\n" + sources):
            found.append(f"{match.group(0)!r}: {why}")
    if sources.count("check.") < exercises:
        found.append("an exercise has no automatic check from tconv.check")
    return found


def main():
    paths = sorted(p for p in (ROOT / "chapters").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    failed = 0
    for path in paths:
        for problem in problems(path):
            print(f"{path.relative_to(ROOT)}: {problem}")
            failed += 1
    print(f"notebook checks: {len(paths)} notebooks, {failed} problems")
    return 1 if failed or not paths else 0


if __name__ == "__main__":
    sys.exit(main())

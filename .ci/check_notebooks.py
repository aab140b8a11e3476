"""Check what strict nbval cannot see in the committed notebooks.

- executed top to bottom in one fresh kernel: execution counts 1..n, no skipped cell;
- no error output, except in cells tagged `raises-exception`;
- no text on stderr (warnings are fixed at the source, not hidden);
- every figure has alt text (cell metadata mystnb.image.alt), for the site's readers;
- the chapter skeleton: a title, learning goals, a summary and at least four exercises,
  each with a solution marked for nbgrader and a check from tconv.check;
- the nbgrader metadata `make student` and `make grade` rely on (written by
  .ci/nbgrader_metadata.py): every exercise has at least one solution cell and exactly one
  graded, locked check cell worth points, with grade_ids derived from its label and unique in the
  notebook; no solution region outside a solution cell; solution prose in cells of its own,
  marked so the student version drops it; every answer the check reads is pre-defined above
  ### BEGIN SOLUTION, so an unanswered exercise reaches its check;
- the numbers in the prose are inline expressions ({eval}) whose results `make execute` saved
  in the cell's metadata, every one of them evaluated without error; no `{glue:…}` or `{cite}`,
  which JupyterLab shows raw (citations are links: .ci/bibliography.py checks them);
- the course speaks for itself: no mention of the documents it grew from, and no symbol the
  notation page retired (channel counts are c_in and c_out; C is only the matrix).
"""

import json
import pathlib
import re
import sys

import nbgrader_metadata as nbm
from execute import INLINE_EXPRESSION

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Phrases that would point readers at documents they never saw, and symbols the notation page
# gave another meaning.
FORBIDDEN = {
    r"(?i:source documents?)": "refers to a document readers never saw; the course speaks for itself",
    r"C_\\text\{(in|out)\}": "uses C for channel counts; the notation page says c_in, c_out",
}


def text(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def expression_problems(number, cell, path):
    """What is wrong with a markdown cell's inline expressions and their saved results."""
    source = text(cell)
    found = [f"cell {number} uses {{{role}}}, which JupyterLab shows raw"
             for role in sorted(set(re.findall(r"\{(glue(?::\w+)?|cite(?::\w+)?)\}`", source)))]
    wanted = list(dict.fromkeys(INLINE_EXPRESSION.findall(source)))
    saved = cell.get("metadata", {}).get("user_expressions", [])
    if [item["expression"] for item in saved] != wanted:
        found.append(f"cell {number}: the saved results of its inline expressions are stale: "
                     f"re-run it with `make execute NB={path.relative_to(ROOT)}`")
    for item in saved:
        if item["result"].get("status") != "ok":
            found.append(f"cell {number}: {{eval}}`{item['expression']}` failed when executed")
        elif "np." in item["result"].get("data", {}).get("text/plain", ""):
            found.append(f"cell {number}: {{eval}}`{item['expression']}` shows a NumPy repr "
                         f"({item['result']['data']['text/plain']}): format it or convert it")
    return found


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
    for number, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "markdown":
            found += expression_problems(number, cell, path)
    markdown = "\n".join(text(c) for c in notebook["cells"] if c["cell_type"] == "markdown")
    sources = "\n".join(text(c) for c in code)
    if not re.match(r"# \S", text(notebook["cells"][0])):
        found.append("the first cell is not a markdown title '# …'")
    for heading in ("Learning goals", "## Summary", "## Exercises"):
        if heading not in markdown:
            found.append(f"no '{heading}' section")
    exercises = len(re.findall(r"^(?:```|:::)\{exercise\}", markdown, flags=re.M))
    if len(nbm.exercises(notebook["cells"])) < exercises:
        found.append("an exercise has no `:label: chN-name` line")
    solutions = len(re.findall(r"^(?:```|:::)\{solution-start\}", markdown, flags=re.M))
    if re.search(r"^```\{", markdown, flags=re.M):
        found.append("a directive in a ```{name} fence: plain viewers (Colab, GitHub) show it as "
                     "a code block; use a :::{name} fence, whose text they render")
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
    found += nbgrader_problems(notebook["cells"])
    if not found and nbm.is_out_of_date(path):
        found.append(f"nbgrader metadata or answer placeholders out of date: run "
                     f"`python .ci/nbgrader_metadata.py {path.relative_to(ROOT)}`")
    return found


def nbgrader_problems(cells):
    """What `make student` / `make grade` need of the exercises (see .ci/nbgrader_metadata.py)."""
    found, owner = [], {}
    fix = "run `python .ci/nbgrader_metadata.py`"
    for exercise in nbm.exercises(cells):
        label, where = exercise.label, f"exercise {exercise.label}"
        if exercise.fence is None or exercise.end is None:
            found.append(f"{where}: no solution-start / solution-end fences")
            continue
        for i in range(exercise.start, exercise.check + 1 if exercise.check is not None else exercise.end + 1):
            owner[i] = label
        if not exercise.solutions:
            found.append(f"{where}: no code cell with a ### BEGIN SOLUTION region")
        for n, i in enumerate(exercise.solutions):
            if not exercise.fence < i < exercise.end:
                found.append(f"{where}: a solution region outside the solution fences")
            wanted = nbm.solution_metadata(nbm.numbered(f"{label}-answer", n))
            if cells[i]["metadata"].get("nbgrader") != wanted:
                found.append(f"{where}: solution cell without the nbgrader metadata {wanted}: {fix}")
        if exercise.check is None or "check." not in nbm.text(cells[exercise.check]):
            found.append(f"{where}: the cell after solution-end is not a check cell calling `check.`")
        else:
            meta = cells[exercise.check]["metadata"].get("nbgrader", {})
            if not (meta.get("grade") and meta.get("locked") and meta.get("points", 0) > 0):
                found.append(f"{where}: the check cell is not graded, locked and worth points: {fix}")
            elif meta != nbm.check_metadata(label):
                found.append(f"{where}: check cell metadata {meta}, expected "
                             f"{nbm.check_metadata(label)}: {fix}")
            checks = [i for i in range(exercise.start, exercise.check + 1)
                      if cells[i]["metadata"].get("nbgrader", {}).get("points", 0) > 0]
            if checks != [exercise.check]:
                found.append(f"{where}: {len(checks)} cells with points; exactly one check cell has them")
            check_source = nbm.text(cells[exercise.check])
            for i in exercise.solutions:
                source = nbm.text(cells[i])
                lines = source.split("\n")
                for begin, names in nbm.answer_names(source, check_source):
                    above, top = set(), begin
                    while top > 0 and nbm.PLACEHOLDER.match(lines[top - 1]):
                        top -= 1
                        match = nbm.PLACEHOLDER.match(lines[top])
                        if "# your answer:" in (match.group(2) or ""):
                            above.add(match.group(1))
                    for name in names:
                        if name not in above:
                            found.append(f"{where}: the check reads `{name}`, which the solution "
                                         f"assigns, but no `{name} = ...  # your answer: <type>` "
                                         f"line pre-defines it above ### BEGIN SOLUTION: {fix}")
        if nbm.solution_fence_split(nbm.text(cells[exercise.fence]))[1]:
            found.append(f"{where}: solution prose in the solution-start cell; it needs a cell of "
                         f"its own: {fix}")
        for n, i in enumerate(exercise.prose):
            marked = (nbm.PROSE_TAG in cells[i]["metadata"].get("tags", []) if nbm.PROSE_MODE == "tag"
                      else cells[i]["metadata"].get("nbgrader")
                      == nbm.written_metadata(nbm.numbered(f"{label}-written", n)))
            if not marked:
                found.append(f"{where}: solution prose not marked for the student version "
                             f"({nbm.PROSE_MODE} mode): {fix}")
    grade_ids = {}
    for i, cell in enumerate(cells):
        meta = cell["metadata"].get("nbgrader")
        if cell["cell_type"] == "code" and nbm.BEGIN in nbm.text(cell) and not (meta or {}).get("solution"):
            found.append(f"cell {i}: ### BEGIN SOLUTION outside an nbgrader solution cell")
        if cell["cell_type"] == "markdown" and nbm.BEGIN in nbm.text(cell):
            found.append(f"cell {i}: ### BEGIN SOLUTION in a markdown cell")
        if meta is None:
            continue
        grade_id = meta.get("grade_id", "")
        if i not in owner:
            found.append(f"cell {i}: nbgrader metadata outside an exercise ({grade_id!r})")
        elif not re.fullmatch(rf"{re.escape(owner[i])}-(answer|check|written)(-\d+)?", grade_id):
            found.append(f"cell {i}: grade_id {grade_id!r} is not derived from the label {owner[i]}")
        if grade_id in grade_ids:
            found.append(f"cell {i}: grade_id {grade_id!r} also used by cell {grade_ids[grade_id]}")
        grade_ids[grade_id] = i
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

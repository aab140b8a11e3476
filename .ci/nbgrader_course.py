"""The course's nbgrader preprocessor: turns a chapter into the version students receive.

`.ci/homework.py` runs nbgrader's `generate_assignment` with this preprocessor first and with
nbgrader's `ClearOutput` left out, so that a student version

- shows each {exercise} fence as plain Markdown that JupyterLab renders (a heading with the
  exercise's number and title, the text, a line naming the check and its points; no `:label:`);
- has no solution: the {solution-start} and {solution-end} fence cells, every Markdown
  cell between them and every cell tagged `solution-prose` are dropped (nbgrader's ClearSolutions,
  which runs afterwards, replaces the code between BEGIN/END SOLUTION by a stub);
- keeps the outputs of the chapter's text (figures, printed tables) but clears those of every code
  cell of an exercise, from its set-up cells to its check;
- unfolds the answer cells, which the chapter folds in JupyterLab (`jupyter.source_hidden`).

A code cell between the solution fences that is not an nbgrader solution cell would leak the
answer, so it stops the generation with an error naming the cell.
"""

import re

from nbgrader.preprocessors import NbGraderPreprocessor

EXERCISE = re.compile(r"^(`{3,}|:{3,})\{exercise\}[ \t]*(.*)$")
SOLUTION_START = re.compile(r"^(`{3,}|:{3,})\{solution-start\}")
SOLUTION_END = re.compile(r"^(`{3,}|:{3,})\{solution-end\}")
OPTION = re.compile(r"^:[\w-]+:")
# The chapters' sentence about folded solutions: the student version has none to fold.
FOLDED = " Where solutions are shown, they are folded away: try first."
# Sphinx roles JupyterLab cannot render: {func}`~tconv.conv2d` -> `conv2d`, {ref}`text <x>` -> text.
CODE_ROLE = re.compile(r"\{(?:py:)?(?:func|mod|class|meth|attr|obj|data|exc)\}`~?([^`]+)`")
TEXT_ROLE = re.compile(r"\{(?:ref|numref|doc|eq|term)\}`([^`<]+?)\s*(?:<[^`]*>)?`")


def _short(name):
    return name.rsplit(".", 1)[-1] if name.startswith("tconv.") else name


def plain_markdown(text):
    """MyST roles of the exercise text as Markdown JupyterLab renders."""
    text = CODE_ROLE.sub(lambda m: f"`{_short(m.group(1))}`", text)
    return TEXT_ROLE.sub(lambda m: m.group(1), text)


def exercise_markdown(source, number, label, points):
    """The {exercise} Title cell as a heading and the exercise's text."""
    lines = source.splitlines()
    match = EXERCISE.match(lines[0])
    fence, title = match.group(1), match.group(2).strip()
    try:
        end = next(i for i in range(len(lines) - 1, 0, -1) if lines[i].strip() == fence)
    except StopIteration:
        raise ValueError(f"exercise {label}: no closing {fence} fence") from None
    body = lines[1:end]
    while body and (OPTION.match(body[0]) or not body[0].strip()):
        body.pop(0)
    after = "\n".join(lines[end + 1:]).strip()
    heading = f"### Exercise {number}" + (f": {plain_markdown(title)}" if title else "")
    what = "point" if points == 1 else "points"
    note = (f"*Answer in the code cell below by replacing each `...`; the locked check cell after "
            f"it (`{label}`, {points:g} {what}) tells you whether your answer is right.*")
    parts = [heading, plain_markdown("\n".join(body)).strip(), note, after]
    return "\n\n".join(p for p in parts if p)


class StudentVersion(NbGraderPreprocessor):
    """Exercise fences to Markdown, solution prose dropped, exercise outputs cleared."""

    def preprocess(self, nb, resources):
        self._number, self._inside, self._label = 0, False, None
        cells, in_exercise = [], False
        for index, cell in enumerate(nb.cells):
            nbgrader = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "markdown":
                if "solution-prose" in cell.metadata.get("tags", []):
                    continue
                before = self._number
                text = self._markdown(cell.source, nb.cells[index + 1:])
                in_exercise = in_exercise or self._number > before
                if not text.strip():
                    continue
                cell.source = plain_markdown(text)
            elif cell.cell_type == "code":
                if self._inside and not nbgrader.get("solution"):
                    raise ValueError(
                        f"cell {index} lies between the solution fences of {self._label} but is "
                        f"not an nbgrader solution cell: it would show the solution to students")
                if nbgrader.get("solution"):  # the student's own answer cell: not folded
                    cell.metadata.pop("jupyter", None)
                if in_exercise:
                    cell.outputs = []
                    cell.execution_count = None
                    if nbgrader.get("grade") and not nbgrader.get("solution"):
                        in_exercise = False  # the check closes the exercise
            cells.append(cell)
        if self._inside:
            raise ValueError(f"{self._label}: a {{solution-start}} fence without {{solution-end}}")
        nb.cells = cells
        return nb, resources

    def _markdown(self, source, following):
        """A Markdown cell's text without solution fences and prose, exercises as Markdown."""
        lines, kept, i = source.split("\n"), [], 0
        while i < len(lines):
            line = lines[i]
            exercise, start, end = EXERCISE.match(line), SOLUTION_START.match(line), SOLUTION_END.match(line)
            if (exercise or start or end) and not (self._inside and exercise):
                fence = (exercise or start or end).group(1)
                close = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == fence), None)
                if close is None and (start or end) and lines[i].rstrip().endswith(fence):
                    close = i  # a one-line directive
                if close is None:
                    raise ValueError(f"no closing {fence} fence for: {line}")
                block = "\n".join(lines[i:close + 1])
                if exercise and not self._inside:
                    self._number += 1
                    found = re.search(r"^:label:\s*(\S+)", block, re.M)
                    self._label = found.group(1) if found else f"exercise {self._number}"
                    kept.append(exercise_markdown(block, self._number, self._label,
                                                  _points(following)))
                elif start:
                    self._inside = True
                elif end:
                    self._inside = False
                i = close + 1
                continue
            if not self._inside and line.strip() != "+++":  # +++: a MyST block break
                kept.append(line.replace(FOLDED, "").rstrip() if FOLDED in line else line)
            i += 1
        return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def _points(cells):
    """Points of an exercise's check: the first graded, non-solution cell after its text."""
    for cell in cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            return float(meta.get("points", 0))
        if cell.cell_type == "markdown" and EXERCISE.match(cell.source.lstrip("\n")):
            break
    return 0.0

"""Give every exercise of the chapters the nbgrader metadata that `make student` and `make grade` use.

Usage: python .ci/nbgrader_metadata.py [--check] [NOTEBOOK ...]   (default: every chapter)

An exercise is: a markdown cell ":::{exercise} Title" with ":label: chN-name"; optional code cells
(set-up, probes); the ":::{solution-start} chN-name" fence; solution prose in markdown cells; code
cells with ### BEGIN SOLUTION / ### END SOLUTION regions; a markdown cell ":::{solution-end}"; and
the check cell, a code cell calling `check.<something>(...)`. This script, idempotently:

- marks each code cell with a solution region as an nbgrader solution cell, grade_id
  "<label>-answer" ("<label>-answer-2", ... for more than one);
- marks the check cell as a graded, locked test cell worth 1 point, grade_id "<label>-check";
- moves solution prose out of the fence cell into a markdown cell of its own, marked so that the
  student version drops it (PROSE_MODE below);
- pre-defines, above ### BEGIN SOLUTION, every name the check cell reads that the solution
  assigns at top level (`need = ...  # your answer: ...`), so an unanswered exercise reaches its
  check instead of ending in a NameError;
- removes nbgrader metadata from every other cell;
- folds the solution in JupyterLab: the answer cells and the prose get `jupyter.source_hidden`
  (and the answer cells `outputs_hidden`), and the prose starts with PROSE_FIRST_LINE. The student
  version unfolds the answer cells (.ci/nbgrader_course.py).

With --check it writes nothing and lists what it would change (exit status 1 if anything).
The notebooks are written as .ci/execute.py writes them (nbformat: indent 1, no ASCII escapes,
trailing newline), so the diffs stay small; outputs are never touched.
"""

import argparse
import ast
import pathlib
import re
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
PROSE_TAG = "solution-prose"
# How solution prose is kept out of the student version: "tag" tags it `solution-prose`, and the
# course's preprocessor (.ci/nbgrader_course.py) drops it. The alternative, "written", would make
# it an nbgrader markdown solution cell worth 0 points; nbgrader 0.9.6 accepts that, but any text a
# student writes there leaves the submission waiting for manual grading, so it is not used.
PROSE_MODE = "tag"

# The first line of every solution-prose cell: an HTML comment (no page shows it) that a folded
# cell in JupyterLab shows in place of the solution's first line.
PROSE_FIRST_LINE = "<!-- The worked solution, folded: click the cell to open it. -->"

# What each pre-defined answer is, in the words the placeholder's comment shows the student.
ANSWER_TYPES = {
    ("ch1-by-hand", "answer"): "the 2 × 2 output, as a nested list of numbers",
    ("ch1-unread", "unread_prediction"): "how many input pixels are never read, an int",
    ("ch1-unread", "read"): "a 9 × 9 boolean array, True where a pixel is read",
    ("ch1-which-inputs", "sizes"): "every input size with 4 outputs, as a list of ints",
    ("ch1-horizontal", "horizontal"): "the 3 × 3 kernel, a NumPy array",
    ("ch1-horizontal", "edges"): "its response on photo, a 2-D NumPy array",
    ("ch2-shape", "shape"): "the shape of C, a tuple of two ints",
    ("ch3-predict-gradient", "prediction"): "the 5 × 5 gradient, a NumPy array",
    ("ch3-design-pinv", "kernel"): "a k × k NumPy array, k >= 2, no zero weight",
    ("ch3-design-pinv", "stride"): "an int",
    ("ch4-predict", "prediction"): "the output, a 2-D NumPy array",
    ("ch5-need", "need"): "the sizes that need output_padding, as a list of ints",
    ("ch5-design", "kernel_size"): "an int",
    ("ch5-design", "stride"): "an int",
    ("ch5-design", "padding"): "an int",
    ("ch5-design", "output_padding_21"): "an int",
    ("ch5-design", "output_padding_23"): "an int",
    ("ch5-zero-rows", "zero_rows"): "the zero rows at the bottom, one int per layer, a list",
    ("ch6-flat-or-not", "checkerboard"): 'a dict {"A": bool, ...}, True for "not flat"',
    ("ch6-design-flat", "kernel"): "a 4 × 4 NumPy array",
    ("ch6-gradient-phases", "phase_values"): "a 2 × 2 array of ints",
    ("ch7-shared", "grad"): "the gradient with respect to x_peak, a 5 × 5 NumPy array",
    ("ch7-nearest", "weight"): "a 4-D NumPy array (c_in, c_out / groups, k_H, k_W)",
    ("ch7-nearest", "stride"): "an int",
    ("ch7-nearest", "padding"): "an int",
    ("ch7-nearest", "groups"): "an int",
    ("ch8-keras-predict", "heights"): "four output heights (int, or None for a failure), a list",
    ("ch8-same-crop", "out5"): "the 5 output values, a list of numbers",
    ("ch8-same-crop", "out6"): "the 6 output values, a list of numbers",
    ("ch9-shapes-3d", "weight_shape"): "a tuple of ints",
    ("ch9-shapes-3d", "output_shape"): "a tuple of ints",
    ("ch9-extra-rows", "values"): "the output values, a list of numbers",
    ("ch10-symmetric", "symmetric_works"): "the sizes from 1 to 12 where it works, a set of ints",
    ("ch11-border", "inside"): "the fraction of stamp values kept, a float",
    ("ch11-placement", "placement_share"): "a fraction between 0 and 1, a float",
    ("ch11-cheaper", "design"): "a tuple of ints (k, s, p)",
    ("ch12-count", "predicted"): "the number of parameters, an int",
    ("ch12-bug", "flat_features"): "an int",
    ("ch12-bug", "fixed"): "the corrected network, an nn.Sequential",
    ("ch12-design", "kernel_size"): "an int",
    ("ch12-design", "padding"): "an int",
    ("ch12-design", "in_features_valid"): "an int",
    ("ch13-field", "corner_pixels"): "an int",
    ("ch13-field", "centre_pixels"): "an int",
    ("ch13-switches", "after_relu"): "the 2 × 2 switches, an array of flat positions",
    ("ch13-switches", "before_relu"): "the 2 × 2 switches, an array of flat positions",
    ("ch13-no-switches", "prediction"): "one of the four strings above, a str",
    ("ch14-flat", "flat"): "the letters of the flat layers, a set of one-letter strings",
    ("ch14-sizes", "paddings_27"): "(up2's, up1's) output_padding, a tuple of two ints",
    ("ch14-sizes", "kernel_size"): "an int",
    ("ch14-sizes", "padding"): "an int",
    ("ch14-sizes", "paddings_27_design"): "a tuple of two ints",
    ("ch14-psnr", "psnr_patch"): "in dB, a float",
    ("ch14-psnr", "gain"): "in dB, a float",
    ("ch15-sizes", "sizes"): "four (H, W) pairs, a list of tuples of ints",
    ("ch15-sizes", "paddings"): "three (H, W) pairs, a list of tuples of ints",
    ("ch15-iou", "ious"): "the IoU of classes 0, 1, 2, a list of three floats",
    ("ch15-iou", "lazy_accuracy"): "a fraction between 0 and 1, a float",
    ("ch15-iou", "lazy_mean_iou"): "a fraction between 0 and 1, a float",
    ("ch15-strided", "up"): "the layer, an nn.ConvTranspose2d",
}


def text(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def is_fence(cell, name):
    return cell["cell_type"] == "markdown" and re.search(rf"^(```|:::)\{{{name}\}}", text(cell), re.M)


def solution_fence_split(source):
    """(up to and including the solution-start fence, the prose after it) of a fence cell."""
    match = re.search(r"^(```|:::)\{solution-start\}.*?^\1[ \t]*$", source, re.M | re.S)
    return source[:match.end()], source[match.end():].strip("\n")


class Exercise:
    """The cells of one exercise, by index: label, start, fence, prose, solutions, end, check."""

    def __init__(self, cells, start, stop):
        self.start = start
        label = re.search(r"^:label:\s*(\S+)", text(cells[start]), re.M)
        self.label = label.group(1) if label else None
        inside = range(start, stop)
        self.fence = next((i for i in inside if is_fence(cells[i], "solution-start")), None)
        self.end = next((i for i in inside if is_fence(cells[i], "solution-end")), None)
        after = range(self.end + 1, stop) if self.end is not None else ()
        self.check = next((i for i in after if cells[i]["cell_type"] == "code"), None)
        between = range(self.fence + 1, self.end) if None not in (self.fence, self.end) else ()
        self.prose = [i for i in between if cells[i]["cell_type"] == "markdown"]
        self.solutions = [i for i in inside if cells[i]["cell_type"] == "code" and BEGIN in text(cells[i])]


def exercises(cells):
    starts = [i for i, c in enumerate(cells) if c["cell_type"] == "markdown"
              and text(c).startswith((":::{exercise}", "```{exercise}"))]
    found = [Exercise(cells, s, e) for s, e in zip(starts, starts[1:] + [len(cells)])]
    return [e for e in found if e.label is not None]


def solution_metadata(grade_id):
    return {"grade": False, "grade_id": grade_id, "locked": False, "schema_version": 3,
            "solution": True, "task": False}


def check_metadata(label):
    return {"grade": True, "grade_id": f"{label}-check", "locked": True, "points": 1,
            "schema_version": 3, "solution": False, "task": False}


def written_metadata(grade_id):
    return {"grade": True, "grade_id": grade_id, "locked": False, "points": 0,
            "schema_version": 3, "solution": True, "task": False}


def numbered(base, n):
    return base if n == 0 else f"{base}-{n + 1}"


def regions(source):
    """(line of BEGIN, line of END, indented?) for each solution region of a cell."""
    lines, found, begin = source.split("\n"), [], None
    for number, line in enumerate(lines):
        if line.strip() == BEGIN:
            begin = number
        elif line.strip() == END and begin is not None:
            found.append((begin, number, lines[begin] != lines[begin].lstrip()))
            begin = None
    return found


def assigned_at_top_level(code):
    """Names a top-level block of code assigns, in order."""
    names = []
    for node in ast.parse(code).body:
        targets = {ast.Assign: lambda n: n.targets, ast.AnnAssign: lambda n: [n.target],
                   ast.AugAssign: lambda n: [n.target]}.get(type(node), lambda n: [])(node)
        for target in targets:
            names += [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
    return list(dict.fromkeys(names))


def names_read(code):
    return {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)}


PLACEHOLDER = re.compile(r"^(\w+) = \.\.\.(\s+#.*)?$")


def answer_names(source, check_source):
    """For each top-level region: (its BEGIN line, the names it must have pre-defined above it)."""
    lines, read, out = source.split("\n"), names_read(check_source), []
    for begin, end, indented in regions(source):
        if not indented:
            names = [n for n in assigned_at_top_level("\n".join(lines[begin + 1:end])) if n in read]
            out.append((begin, names))
    return out


def with_placeholders(source, check_source, label):
    """The cell's source with one `name = ...  # your answer: ...` line per answer name, directly
    above its ### BEGIN SOLUTION (lines already there are brought up to date)."""
    lines = source.split("\n")
    for begin, names in reversed(answer_names(source, check_source)):
        block = {}
        top = begin
        while top > 0 and PLACEHOLDER.match(lines[top - 1]):
            top -= 1
            block[PLACEHOLDER.match(lines[top]).group(1)] = lines[top]
        new = [line for name, line in reversed(block.items()) if name not in names]
        for name in names:
            kind = ANSWER_TYPES.get((label, name))
            if kind is not None:
                new.append(f"{name} = ...  # your answer: {kind}")
            elif name in block:
                new.append(block[name])
            else:
                print(f"warning: {label}: no entry for {name!r} in ANSWER_TYPES", file=sys.stderr)
                new.append(f"{name} = ...  # your answer: see the exercise")
        lines[top:begin] = new
    return "\n".join(lines)


def prose_marking(cell, grade_id):
    """Mark a prose cell for PROSE_MODE (and clear the other mode's marking)."""
    tags = [t for t in cell["metadata"].get("tags", []) if t != PROSE_TAG]
    cell["metadata"].pop("nbgrader", None)
    if PROSE_MODE == "tag":
        tags.append(PROSE_TAG)
    else:
        cell["metadata"]["nbgrader"] = written_metadata(grade_id)
    if tags:
        cell["metadata"]["tags"] = tags
    else:
        cell["metadata"].pop("tags", None)


def apply(notebook):
    """Bring one notebook to the conventions, in place."""
    cells = notebook.cells
    # 1. Solution prose out of the fence cells, into cells of their own.
    for exercise in reversed(exercises(cells)):
        if exercise.fence is None:
            continue
        head, prose = solution_fence_split(text(cells[exercise.fence]))
        if prose:
            cells[exercise.fence]["source"] = head
            new = nbformat.v4.new_markdown_cell(prose)
            if "id" in cells[exercise.fence]:
                new["id"] = f"{exercise.label}-prose"
            else:
                new.pop("id", None)
            cells.insert(exercise.fence + 1, new)
    # 2. Metadata, placeholders.
    wanted = {}
    for exercise in exercises(cells):
        check = text(cells[exercise.check]) if exercise.check is not None else ""
        for n, i in enumerate(exercise.solutions):
            wanted[i] = solution_metadata(numbered(f"{exercise.label}-answer", n))
            cells[i]["source"] = with_placeholders(text(cells[i]), check, exercise.label)
        if exercise.check is not None and "check." in check:
            wanted[exercise.check] = check_metadata(exercise.label)
        for n, i in enumerate(exercise.prose):
            prose_marking(cells[i], numbered(f"{exercise.label}-written", n))
            if "nbgrader" in cells[i]["metadata"]:
                wanted[i] = cells[i]["metadata"]["nbgrader"]
    for i, cell in enumerate(cells):
        if i in wanted:
            cell["metadata"]["nbgrader"] = wanted[i]
        else:
            cell["metadata"].pop("nbgrader", None)
    # 3. Folded in JupyterLab, as sphinx-exercise folds them on the site: the answer cells (code
    #    and outputs) and the prose collapsed when the notebook opens. A collapsed cell still shows
    #    its first line, so the prose starts with PROSE_FIRST_LINE, which no page shows.
    for exercise in exercises(cells):
        for i in exercise.solutions:
            fold(cells[i], outputs=True)
        for i in exercise.prose:
            fold(cells[i], outputs=False)
            if not text(cells[i]).startswith(PROSE_FIRST_LINE):
                cells[i]["source"] = PROSE_FIRST_LINE + "\n" + text(cells[i])
    return notebook


def fold(cell, outputs):
    """Collapse a cell's source (and outputs) when JupyterLab opens the notebook."""
    jupyter = cell["metadata"].setdefault("jupyter", {})
    jupyter["source_hidden"] = True
    if outputs:
        jupyter["outputs_hidden"] = True


def updated(before):
    """The text of a notebook (as read from disk) after `apply`."""
    return nbformat.writes(apply(nbformat.reads(before, as_version=4))) + "\n"


def is_out_of_date(path):
    before = path.read_text(encoding="utf-8")
    return updated(before) != before


def notebooks(arguments):
    if arguments:
        return [pathlib.Path(a).resolve() for a in arguments]
    return sorted(p for p in (ROOT / "chapters").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="report what would change; write nothing")
    parser.add_argument("notebooks", nargs="*")
    options = parser.parse_args()
    changed = 0
    for path in notebooks(options.notebooks):
        before = path.read_text(encoding="utf-8")
        after = updated(before)
        if after == before:
            continue
        changed += 1
        name = path.relative_to(ROOT)
        if options.check:
            print(f"{name}: nbgrader metadata or answer placeholders out of date "
                  f"(run `python .ci/nbgrader_metadata.py {name}`)")
        else:
            nbformat.validate(nbformat.reads(after, as_version=4))
            path.write_text(after, encoding="utf-8")
            print(f"updated {name}")
    print(f"nbgrader metadata: {changed} notebook(s) {'to update' if options.check else 'updated'}")
    return 1 if options.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())

"""`make test-homework`: the student version of chapter 5 and the grading of six fake students.

Run with the instructor environment (`make test-homework` installs requirements-instructor.txt).
Everything is built in a temporary folder (`homework.py --build`), never in _build/.

- The student version: no solution code or prose, no MyST fences or labels, checks present and
  locked, exercise outputs cleared and the text's outputs kept.
- Grading: `teacher` (the source notebook as is: full marks), `untouched` (the student version:
  0 points, every check "not answered yet", no NameError), `looping` (an answer cell that never
  ends: that exercise only), `stubborn` (a loop that swallows the interrupt: that notebook only),
  `deleting` (deletes every file of its working folder: graded all the same), `editing` (a
  wrong answer and its check cell replaced by a print: the check is restored). Then a notebook
  time limit shorter than the notebook: killed, 0 points, no kernel left running. The course's
  files are the same afterwards.
"""

import csv
import hashlib
import pathlib
import subprocess
import sys

import nbformat
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
HOMEWORK = ROOT / ".ci" / "homework.py"
CHAPTER = ROOT / "chapters" / "part2-transposed" / "05-shape-arithmetic.ipynb"
NAME = CHAPTER.stem
FENCES = ("{exercise}", "{solution-start}", "{solution-end}", ":label:", "BEGIN SOLUTION",
          "END SOLUTION")


def homework(build, *arguments):
    result = subprocess.run([sys.executable, str(HOMEWORK), "--build", str(build), *arguments],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def by_id(notebook, grade_id):
    return next(c for c in notebook.cells if nbgrader(c).get("grade_id") == grade_id)


def solution_lines(notebook):
    """Lines found only in the source's solutions (BEGIN/END SOLUTION regions, solution prose)."""
    secret, public = set(), set()
    for cell in notebook.cells:
        prose = "solution-prose" in cell.metadata.get("tags", [])
        inside = False
        for line in cell.source.splitlines():
            if "### END SOLUTION" in line:
                inside = False
            if inside or prose:
                secret.add(line.strip())
            else:  # the chapter's own code, with or without its comments
                public.update({line.strip(), line.split("#")[0].strip()})
            if "### BEGIN SOLUTION" in line:
                inside = True
    return {line for line in secret - public if len(line) > 12 and not any(
        line in other for other in public if len(other) > len(line))}


def snapshot():
    """The course's files (paths), and the SHA-256 of each data file: grading must not touch them.

    Only the data files are compared byte for byte: chapters and code may be edited by someone
    else while the test runs.
    """
    files = {str(p) for folder in ("chapters", "data", "code/tconv") for p in (ROOT / folder).rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts}
    data = {p: hashlib.sha256(pathlib.Path(p).read_bytes()).hexdigest()
            for p in files if p.startswith(str(ROOT / "data"))}
    return files, data


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    build = tmp_path_factory.mktemp("homework")
    output = homework(build, "student", "--chapter", "05")
    assert f"{NAME}: 4 exercises, 4 points" in output
    return build


@pytest.fixture(scope="module")
def student(build):
    return nbformat.read(build / "student" / CHAPTER.parent.name / CHAPTER.name, as_version=4)


def test_student_version_has_no_solution(student):
    source = nbformat.read(CHAPTER, as_version=4)
    text = "\n".join(cell.source for cell in student.cells)
    for fence in FENCES:
        assert fence not in text, fence
    leaked = [line for line in solution_lines(source) if line in text]
    assert not leaked, leaked
    answers = [c for c in student.cells if nbgrader(c).get("solution")]
    assert answers and all("# YOUR CODE HERE\n" in c.source for c in answers)


def test_student_version_keeps_locked_checks(student):
    source = nbformat.read(CHAPTER, as_version=4)
    checks = [c for c in source.cells if nbgrader(c).get("grade")]
    assert len(checks) == 4
    for check in checks:
        cell = by_id(student, nbgrader(check)["grade_id"])
        assert cell.source == check.source
        assert nbgrader(cell)["locked"] and nbgrader(cell)["points"] == 1
        assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False


def test_student_version_outputs(student):
    headings = [c for c in student.cells if c.source.startswith("### Exercise ")]
    assert len(headings) == 4
    first = student.cells.index(headings[0])
    assert all(not c.outputs for c in student.cells[first:] if c.cell_type == "code")
    assert any(c.outputs for c in student.cells[:first] if c.cell_type == "code")


@pytest.fixture(scope="module")
def graded(build, student, tmp_path_factory):
    submissions = tmp_path_factory.mktemp("submissions")

    def submit(who, notebook):
        (submissions / who).mkdir()
        nbformat.write(notebook, submissions / who / CHAPTER.name)

    def source(**answers):
        notebook = nbformat.read(CHAPTER, as_version=4)
        for grade_id, code in answers.items():
            by_id(notebook, grade_id.replace("_", "-")).source = code
        return notebook

    submit("teacher", source())
    submit("untouched", student)
    submit("looping", source(**{"ch5-need-answer": "while True:\n    pass"}))
    submit("stubborn", source(**{"ch5-need-answer": (
        "import time\nwhile True:\n    try:\n        time.sleep(0.1)\n"
        "    except KeyboardInterrupt:\n        pass")}))
    deleting = source()
    by_id(deleting, "ch5-need-answer").source += (
        "\nimport os, shutil\nfor name in os.listdir('.'):\n"
        "    shutil.rmtree(name) if os.path.isdir(name) else os.remove(name)")
    submit("deleting", deleting)
    submit("editing", source(**{"ch5-need-answer": "need = [1]",
                                "ch5-need-check": "print('Correct: the sizes.')"}))
    before = snapshot()
    output = homework(build, "grade", str(submissions), "--timeout", "15",
                      "--notebook-timeout", "240")
    after = snapshot()
    with open(build / "grades" / "grades.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    return output, rows, before, after, submissions


def points(rows, student, exercise=None):
    return sum(float(r["points"]) for r in rows
               if r["student"] == student and exercise in (None, r["exercise"]))


def test_grades_csv(graded):
    output, rows, *_ = graded
    assert set(rows[0]) == {"student", "notebook", "exercise", "points", "max_points"}
    assert len(rows) == 6 * 4 and {r["notebook"] for r in rows} == {NAME}
    assert points(rows, "teacher") == 4
    assert points(rows, "untouched") == 0
    assert points(rows, "looping") == 3 and points(rows, "looping", "ch5-need") == 0
    assert points(rows, "stubborn") == 0 and "ignored the interrupt" in output
    assert points(rows, "deleting") == 4
    assert points(rows, "editing") == 3 and points(rows, "editing", "ch5-need") == 0


def test_untouched_checks_say_not_answered(build, graded):
    notebook = nbformat.read(build / "nbgrader" / "autograded" / "untouched" / NAME / CHAPTER.name,
                             as_version=4)
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not [o for o in errors if o.ename == "NameError"]
    for check in [c for c in notebook.cells if nbgrader(c).get("grade")]:
        messages = [o.evalue for o in check.outputs if o.output_type == "error"]
        assert len(messages) == 1 and "not answered yet" in messages[0], messages


def test_feedback_and_course_files(build, graded):
    *_, before, after, _ = graded
    for who in ("teacher", "untouched", "looping", "deleting", "editing"):
        html = build / "grades" / "feedback" / who / f"{NAME}.html"
        assert html.is_file() and "ch5-need" in html.read_text(), who
    assert before[0] <= after[0], sorted(before[0] - after[0])  # nothing deleted
    assert before[1] == after[1]  # the data files unchanged


def test_notebook_time_limit_kills(build, graded):
    import psutil
    *_, submissions = graded
    one = submissions.parent / "one"
    (one / "slow").mkdir(parents=True)
    (one / "slow" / CHAPTER.name).write_bytes((submissions / "teacher" / CHAPTER.name).read_bytes())
    output = homework(build, "grade", str(one), "--notebook-timeout", "3")
    assert "killed after 3 s" in output
    with open(build / "grades" / "grades.csv", newline="") as stream:
        assert points(list(csv.DictReader(stream)), "slow") == 0
    left = []
    for process in psutil.process_iter():
        try:
            if "tconv-grade-" in process.cwd() or any("tconv-grade-" in a for a in process.cmdline()):
                left.append(process)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            pass
    assert not left, left

"""`make test-homework`: the student version of chapter 5 and the grading of six fake students.

Run with the instructor environment (`make test-homework` installs requirements-instructor.txt).
Everything is built in a temporary folder (`homework.py --build`), never in _build/.

- The student version: no solution code or prose, no MyST fences or labels, checks present and
  locked, exercise outputs cleared and the text's outputs kept.
- Grading: `teacher` (the source notebook as is: full marks), `untouched` (the student version:
  0 points, every check "not answered yet", no NameError), `raising` (an answer cell that raises:
  that exercise only), `looping` (an answer cell that never
  ends: that exercise only), `stubborn` (a loop that swallows the interrupt: that notebook only),
  `deleting` (deletes every file of its working folder: graded all the same), `editing` (a
  wrong answer and its check cell replaced by a print: the check is restored). Then a notebook
  time limit shorter than the notebook: killed, 0 points, no kernel left running. The course's
  files are the same afterwards.
- Every chapter: the student version generates; graded as it is, it runs to its end and every
  check, and nothing else, fails with "not answered yet" (0 points); the source notebook graded
  as it is gets every point.
"""

import csv
import hashlib
import os
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


def homework(build, *arguments, env=None):
    result = subprocess.run([sys.executable, str(HOMEWORK), "--build", str(build), *arguments],
                            capture_output=True, text=True, cwd=ROOT, env=env)
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


def test_student_answer_cells_are_not_folded(student):
    """The chapter folds its solutions in JupyterLab; a student's own answer cell must be open."""
    source = nbformat.read(CHAPTER, as_version=4)
    assert any(c.metadata.get("jupyter", {}).get("source_hidden") for c in source.cells
               if nbgrader(c).get("solution"))
    answers = [c for c in student.cells if nbgrader(c).get("solution")]
    assert not [c.source for c in answers if c.metadata.get("jupyter")]


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
    submit("raising", source(**{"ch5-need-answer": "raise ValueError('a bug in my answer')"}))
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
    assert len(rows) == 7 * 4 and {r["notebook"] for r in rows} == {NAME}
    assert points(rows, "teacher") == 4
    assert points(rows, "untouched") == 0
    assert points(rows, "raising") == 3 and points(rows, "raising", "ch5-need") == 0
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
    scratch = one / "tmp"  # this run's temporary copies, so other gradings do not count
    scratch.mkdir()
    output = homework(build, "grade", str(one), "--notebook-timeout", "3",
                      env=dict(os.environ, TMPDIR=str(scratch)))
    assert "killed after 3 s" in output
    with open(build / "grades" / "grades.csv", newline="") as stream:
        assert points(list(csv.DictReader(stream)), "slow") == 0
    left = []
    for process in psutil.process_iter():
        try:
            if str(scratch) in process.cwd() or any(str(scratch) in a for a in process.cmdline()):
                left.append(process)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            pass
    assert not left, left


ALL = sorted((ROOT / "chapters").glob("part*/*.ipynb"))


@pytest.fixture(scope="module")
def every_chapter(tmp_path_factory):
    build = tmp_path_factory.mktemp("every")
    output = homework(build, "student")
    submissions = tmp_path_factory.mktemp("every-submissions")
    for chapter in ALL:
        student = build / "student" / chapter.parent.name / chapter.name
        for who, path in (("teacher", chapter), ("untouched", student)):
            (submissions / who).mkdir(exist_ok=True)
            (submissions / who / chapter.name).write_bytes(path.read_bytes())
    homework(build, "grade", str(submissions), "--timeout", "600", "--notebook-timeout", "1800")
    with open(build / "grades" / "grades.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    return build, output, rows


def test_every_chapter_has_a_student_version(every_chapter):
    _, output, _ = every_chapter
    for chapter in ALL:
        assert f"{chapter.stem}: " in output, chapter.stem


def test_every_chapter_grades_from_zero_to_full(every_chapter):
    _, _, rows = every_chapter
    for chapter in ALL:
        mine = [r for r in rows if r["notebook"] == chapter.stem]
        teacher = [r for r in mine if r["student"] == "teacher"]
        untouched = [r for r in mine if r["student"] == "untouched"]
        assert len(teacher) >= 4 and len(untouched) == len(teacher), chapter.stem
        assert all(float(r["points"]) == float(r["max_points"]) for r in teacher), teacher
        assert all(float(r["points"]) == 0 for r in untouched), untouched


def test_every_untouched_chapter_says_only_not_answered(every_chapter):
    build, _, _ = every_chapter
    for chapter in ALL:
        notebook = nbformat.read(build / "nbgrader" / "autograded" / "untouched" / chapter.stem /
                                 chapter.name, as_version=4)
        for cell in notebook.cells:
            errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
            if nbgrader(cell).get("grade"):
                assert len(errors) == 1 and "not answered yet" in errors[0].evalue, (
                    chapter.stem, cell.source, [e.evalue for e in errors])
            else:
                assert not errors, (chapter.stem, cell.source, [e.evalue for e in errors])

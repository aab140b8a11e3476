"""The course's bibliography page, written from references.bib, and the citations that link to it.

Usage:
    python .ci/bibliography.py           write chapters/bibliography.md from references.bib
    python .ci/bibliography.py --check   fail if the page is stale or a citation is wrong

A chapter cites a work with an ordinary Markdown link to its entry on the bibliography page,
the authors and year as the link text:

    ... a *checkerboard* ([Odena et al., 2016](../bibliography.md#odena2016deconvolution)).
    ... the fix recommended by [Odena et al. (2016)](../bibliography.md#odena2016deconvolution).

Every place the course is read renders that link the same way: the website, JupyterLab (where
MyST's `{cite}` role finds no bibliography), GitHub and any plain notebook viewer. The entry's
anchor is its BibTeX key, written as a MyST target `(key)=` on the page.

`--check` (run by `make test-notebooks`) fails when chapters/bibliography.md is not what this
script writes from references.bib, when a link names a key that references.bib lacks, and when
a link's text does not name the work's authors (AUTHORS, e.g. "Odena et al.") and year.
"""

import json
import pathlib
import re
import sys

from pybtex.database import parse_file
from pybtex.richtext import Text

ROOT = pathlib.Path(__file__).resolve().parents[1]
BIB = ROOT / "references.bib"
PAGE = ROOT / "chapters" / "bibliography.md"
CITATION = re.compile(r"\[([^\]]+)\]\(((?:\.\./)*)bibliography\.md#([^)\s]+)\)")

HEADER = """\
# References

<!-- Written by .ci/bibliography.py from references.bib: edit those, then run
     `.venv/bin/python .ci/bibliography.py`. -->

The works the chapters cite, by first author. Each chapter links its citations here.
"""


def plain(latex):
    """LaTeX from a BibTeX field as plain text: accents resolved, braces removed."""
    return Text.from_latex(latex).render_as("text")


def surnames(entry):
    return [plain(" ".join(person.prelast_names + person.last_names))
            for person in entry.persons["author"]]


def authors_label(entry):
    """'Dumoulin and Visin', 'Odena et al.': how a citation names the authors."""
    names = surnames(entry)
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al."


def full_authors(entry):
    """'Dumoulin, V., and Visin, F.': every author, surname first, with initials."""
    people = []
    for person in entry.persons["author"]:
        last = plain(" ".join(person.prelast_names + person.last_names))
        initials = " ".join(f"{plain(name)[0]}." for name in person.first_names + person.middle_names)
        people.append(f"{last}, {initials}" if initials else last)
    if len(people) <= 2:
        return " and ".join(people)
    return ", ".join(people[:-1]) + ", and " + people[-1]


def venue(entry):
    """Where the work appeared, in Markdown (journal or proceedings in italics)."""
    fields = entry.fields
    parts = []
    if entry.type == "article":
        journal = f"*{plain(fields['journal'])}*"
        if "volume" in fields:
            journal += f", {fields['volume']}"
            if "number" in fields:
                journal += f"({fields['number']})"
        parts.append(journal)
    elif entry.type == "inproceedings":
        parts.append(f"In *{plain(fields['booktitle'])}*")
        if "series" in fields:
            parts.append(f"{plain(fields['series'])} {fields.get('volume', '')}".strip())
    elif entry.type == "book":
        parts.append(plain(fields["publisher"]))
    if "pages" in fields:
        parts.append("pp. " + plain(fields["pages"]))
    if "note" in fields:
        parts.append(plain(fields["note"]))
    return ", ".join(parts)


def links(entry):
    fields = entry.fields
    found = []
    if "doi" in fields:
        found.append(f"[doi:{fields['doi']}](https://doi.org/{fields['doi']})")
    if fields.get("archiveprefix", "").lower() == "arxiv" and "eprint" in fields:
        found.append(f"[arXiv:{fields['eprint']}](https://arxiv.org/abs/{fields['eprint']})")
    elif "url" in fields:
        found.append(f"<{fields['url']}>")
    return found


def reference(entry):
    """One entry of the page: authors (year). Title. Venue. Links."""
    title = plain(entry.fields["title"])
    if entry.type == "book":
        title = f"*{title}*"
    text = f"{full_authors(entry)} ({entry.fields['year']}). {title}."
    where = venue(entry)
    if where:
        text += f" {where}."
    for link in links(entry):
        text += f" {link}."
    return text


def entries():
    """references.bib's entries, sorted by first author's surname, then year."""
    database = parse_file(str(BIB), "bibtex")
    return sorted(database.entries.items(),
                  key=lambda item: (surnames(item[1])[0].lower(), item[1].fields["year"], item[0]))


def page():
    """The text of chapters/bibliography.md."""
    blocks = [HEADER]
    for key, entry in entries():
        blocks.append(f"({key})=\n{reference(entry)}\n")
    return "\n".join(blocks)


def markdown_sources():
    """(path, markdown text) for every chapter page and every notebook's markdown cell."""
    for path in sorted((ROOT / "chapters").rglob("*")):
        if ".ipynb_checkpoints" in path.parts or path == PAGE:
            continue
        if path.suffix == ".md":
            yield path, path.read_text()
        elif path.suffix == ".ipynb":
            for cell in json.loads(path.read_text())["cells"]:
                if cell["cell_type"] == "markdown":
                    yield path, "".join(cell["source"])


def citation_problems():
    """What is wrong with the citations in the chapters (an empty list if nothing)."""
    known = dict(entries())
    problems = []
    for path, text in markdown_sources():
        where = path.relative_to(ROOT)
        depth = len(path.relative_to(ROOT / "chapters").parts) - 1
        if "{cite" in text:
            problems.append(f"{where}: {{cite}} renders only on the website; link to the "
                            "bibliography page instead (see .ci/bibliography.py)")
        for match in CITATION.finditer(text):
            label, ups, key = match.groups()
            if key not in known:
                problems.append(f"{where}: cites {key!r}, which references.bib does not have")
                continue
            if len(ups) // 3 != depth:
                problems.append(f"{where}: {match.group(0)} should start with {'../' * depth}")
            entry = known[key]
            authors, year = authors_label(entry), entry.fields["year"]
            if year not in label or (label != year and authors not in label):
                problems.append(f"{where}: the link to {key} reads {label!r}; it should name "
                                f"{authors!r} and {year}")
    return problems


def main(arguments):
    if arguments not in ([], ["--check"]):
        sys.exit(__doc__)
    if not arguments:
        PAGE.write_text(page())
        print(f"wrote {PAGE.relative_to(ROOT)}: {len(entries())} entries")
        return
    problems = citation_problems()
    if PAGE.read_text() != page():
        problems.append(f"{PAGE.relative_to(ROOT)} is not what references.bib gives: "
                        "run .venv/bin/python .ci/bibliography.py")
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)
    print(f"bibliography: {len(entries())} entries, page up to date, citations correct")


if __name__ == "__main__":
    main(sys.argv[1:])

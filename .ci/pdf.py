"""Print the whole book to one PDF with Debian's Chromium: _build/pdf/transposed-convolution.pdf.

Run from the repository (`make pdf` does), after `make install`:

    .venv/bin/python .ci/pdf.py                    # build the single-page HTML, then print it
    .venv/bin/python .ci/pdf.py --html DIR         # print an existing `--builder singlehtml` output
    .venv/bin/python .ci/pdf.py --build-dir DIR    # build into DIR, write DIR/transposed-convolution.pdf
    .venv/bin/python .ci/pdf.py --out book.pdf     # write the PDF somewhere else

How, with nothing downloaded at build time:
1. `jupyter-book build . --builder singlehtml --path-output _build/pdf` writes the whole book as
   one page, _build/pdf/_build/singlehtml/chapters/intro.html: named after the root of _toc.yml,
   but with links to _static/ and _images/ relative to the HTML root.
2. The page is copied to the HTML root as book.html, where those links resolve; its links to
   itself (chapters/intro.html#x) become #x, internal links in the PDF.
3. A web server on 127.0.0.1 (free port, in a thread) serves the folder to Debian's Chromium,
   driven by Playwright with `executable_path` (no downloaded browser); every request to another
   host is blocked. The page is laid out as printed from the start: print media, the A4 column's
   width, the print style below (no navigation, sidebars or buttons; chapters on new pages; long
   code and output lines wrapped; figures, code cells and display math not split across pages).
4. In the page: wait for MathJax to typeset (CHTML, its web fonts served by the site) and for every
   image; add a cover, a contents page and the part titles of _toc.yml; move each exercise's
   solution to a "Solutions" appendix at the end, leaving a link in its place (a printed course
   book keeps the answer out of sight of the exercise; the check's output under the exercise
   stays, as on the site); open everything folded.
5. `page.pdf`: A4, page numbers in the footer, bookmarks from the headings (Chromium makes them
   only for a tagged PDF, which screen readers also need).

It fails (exit 1, "pdf failed: ...") on a request to another host or one that failed, an image
that did not load, a formula MathJax did not typeset or raw TeX left in the text, a web font that
did not load, content wider than the page, nbgrader's solution markers in a code block, a chapter
of _toc.yml missing, or a PDF over MAX_MB. Without Chromium or Playwright it prints
"pdf skipped: ..." and exits 77, except with CI=true, where that is a failure too.
"""

import argparse
import contextlib
import datetime
import functools
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import threading
import time
from pathlib import Path

import yaml

from chromium import ARGS, SKIP_EXIT, unavailable

ROOT = Path(__file__).resolve().parent.parent
PDF_NAME = "transposed-convolution.pdf"
BUILD_DIR = ROOT / "_build" / "pdf"
MAX_MB = 30
# A4 with 15 mm side margins: the text column is 180 mm, 680 CSS pixels.
MARGIN = {"top": "18mm", "bottom": "18mm", "left": "15mm", "right": "15mm"}
COLUMN_PX = 680

PRINT_CSS = """
@page { size: A4; }
html { font-size: 10pt !important; }
body { background: white !important; }
/* Shadows and filters would be printed as large bitmaps (:not(#none) outweighs the theme's rules). */
:not(#none), :not(#none)::before, :not(#none)::after {
  box-shadow: none !important; text-shadow: none !important; filter: none !important; }
/* Only the article: no navigation bar, sidebars, buttons or page footers. */
.bd-header, .bd-header-announcement, .bd-sidebar-primary, .bd-sidebar-secondary,
.bd-header-article, .bd-footer, .bd-footer-article, .bd-footer-content, .prev-next-area,
#jb-print-docs-body, #pst-skip-link, .skip-link, #searchbox, .search-button-field, .headerlink, .copybtn,
.toggle-button, .sbt-scroll-pixel-helper, .pst-back-to-top, #pst-back-to-top, .thebe-launch-button,
.output.text_html:empty { display: none !important; }
.bd-container, .bd-container__inner, .bd-page-width, .bd-main, .bd-content,
.bd-article-container, .bd-article {
  display: block !important; max-width: none !important; width: auto !important;
  margin: 0 !important; padding: 0 !important; overflow: visible !important; }
/* Long code and output lines wrap instead of running off the page. */
pre, .highlight pre, .cell_output pre, code {
  white-space: pre-wrap !important; overflow-wrap: anywhere !important; overflow: visible !important; }
code.literal, code.literal span.pre { white-space: normal !important; }
pre { font-size: 8pt !important; line-height: 1.35 !important; max-height: none !important; }
div.highlight, .cell_output, .cell_input, .output, .admonition, table, dl, dd {
  overflow: visible !important; max-width: 100% !important; }
table { table-layout: auto; } td, th { overflow-wrap: anywhere; }
/* Figures: whole, on one page, never wider than the column. */
img { max-width: 100% !important; max-height: 235mm !important; width: auto; height: auto !important;
      break-inside: avoid; }
figure, .cell_output img, mjx-container[display="true"], div.highlight, .cell_input,
.cell_output > .output { break-inside: avoid; }
mjx-container[display="true"] { overflow: visible !important; }
h1, h2, h3, h4, .admonition-title, .caption { break-after: avoid; }
p, li { orphans: 3; widows: 3; }
/* Cover, contents, parts and chapters on their own pages. The theme's print style hides every
   first h1 (it prints its own title page, replaced here by the cover). */
.bd-article h1 { display: block !important; }
.pdf-cover { break-after: page; padding-top: 70mm; text-align: center; }
.pdf-cover h1 { font-size: 26pt; margin-bottom: 8mm; }
.pdf-cover p { color: #444; margin: 2mm 0; }
.pdf-contents { break-after: page; }
.pdf-contents ol { list-style: none; padding-left: 0; }
.pdf-contents li.pdf-contents-part { font-weight: bold; margin-top: 4mm; }
.pdf-contents li.pdf-contents-chapter { margin-left: 8mm; }
.pdf-contents a { color: inherit; text-decoration: none; }
h1.pdf-part { break-before: page; font-size: 20pt; margin: 0 0 6mm 0; }
span[id^="document-"] + section, .pdf-solutions { break-before: page; }
h1.pdf-part + span[id^="document-"] + section { break-before: auto; }
.pdf-solutions > h2 { margin-top: 8mm; font-size: 14pt; }
.pdf-solution-ref { font-size: 0.9em; font-style: italic; }
a { text-decoration: none; }
"""

# Runs in the page once it has loaded. Returns the problems it found and a few counts.
PREPARE_JS = r"""
async ({author, online, printed, parts}) => {
  const problems = [];
  const article = document.querySelector("article.bd-article") || document.body;

  // 1. Math: MathJax has typeset every formula, and no TeX is left in the text.
  const maths = document.querySelectorAll(".math");
  const started = () => window.MathJax && MathJax.startup && MathJax.startup.promise;
  for (const deadline = Date.now() + 60000; maths.length && !started() && Date.now() < deadline;) {
    await new Promise(resolve => setTimeout(resolve, 100));  // MathJax's loader is still at work
  }
  if (maths.length) {
    if (!started()) {
      problems.push(`MathJax did not start, ${maths.length} formulas untypeset`);
    } else {
      await MathJax.startup.promise;
      const raw = [...maths].filter(m => !m.querySelector("mjx-container"));
      if (raw.length) {
        problems.push(`${raw.length} formulas not typeset, e.g. ${raw[0].textContent.slice(0, 80)}`);
      }
      const errors = document.querySelectorAll("mjx-merror");
      if (errors.length) problems.push(`${errors.length} MathJax errors, e.g. ${errors[0].textContent.slice(0, 80)}`);
    }
  }
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT, {
    acceptNode: n => n.parentElement.closest("pre, code, script, style, mjx-container, .highlight")
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT});
  const tex = /\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\\frac|\\mathbf/;
  for (let n; (n = walker.nextNode());) {
    if (tex.test(n.data)) { problems.push(`raw TeX in the text: ${n.data.trim().slice(0, 80)}`); break; }
  }

  // 2. Images: every one loaded.
  const images = [...document.images];
  images.forEach(img => img.loading = "eager");
  await Promise.all(images.map(img => img.decode().catch(() => null)));
  for (const img of images) {
    if (!img.complete || img.naturalWidth === 0) {
      problems.push(`image did not load: ${img.getAttribute("src")}`);
    }
  }

  // 3. Solutions to an appendix, one heading per chapter, a link left in their place.
  const appendix = document.createElement("section");
  appendix.className = "pdf-solutions";
  appendix.id = "pdf-solutions";
  appendix.innerHTML = "<h1>Solutions</h1>";
  let solutions = 0;
  for (const start of document.querySelectorAll('span[id^="document-"]')) {
    const chapter = start.nextElementSibling;
    if (!chapter) continue;
    const found = [...chapter.querySelectorAll(".solution")]
      .filter(s => !s.parentElement.closest(".solution"));
    if (!found.length) continue;
    const heading = document.createElement("h2");
    heading.innerHTML = chapter.querySelector("h1, h2").innerHTML;
    appendix.append(heading);
    for (const solution of found) {
      const ref = document.createElement("p");
      ref.className = "pdf-solution-ref";
      const title = solution.querySelector(".admonition-title").textContent;
      const exercise = (title.match(/Exercise\s+[\d.]+/) || ["this exercise"])[0];
      ref.innerHTML = `<a href="#${solution.id}"></a>`;
      ref.firstChild.textContent = `Solution to ${exercise}: in the Solutions at the end of the book.`;
      solution.replaceWith(ref);
      appendix.append(solution);
      solutions += 1;
    }
  }
  if (solutions) article.append(appendix);

  // 4. Everything folded is printed open (solutions in the appendix included).
  document.querySelectorAll(".toggle-hidden").forEach(e => e.classList.remove("toggle-hidden"));
  document.querySelectorAll("details").forEach(d => d.open = true);

  // 5. nbgrader's "### BEGIN SOLUTION" lines are for the grader (.ci/book_site.py drops them).
  const marked = [...document.querySelectorAll("pre")]
    .filter(p => /^\s*### (BEGIN|END) SOLUTION/m.test(p.textContent));
  if (marked.length) problems.push(`${marked.length} code blocks show nbgrader's solution markers`);

  // 6. Cover (the root page's title), contents and part titles.
  const top = article.querySelector("h1");
  const cover = document.createElement("div");
  cover.className = "pdf-cover";
  top.before(cover);
  cover.append(top);
  for (const line of [author, online, printed].filter(Boolean)) {
    const p = document.createElement("p");
    p.textContent = line;
    cover.append(p);
  }
  const contents = document.createElement("nav");
  contents.className = "pdf-contents";
  contents.innerHTML = "<h2>Contents</h2><ol></ol>";
  const list = contents.querySelector("ol");
  const addEntry = (cls, href, html) => {
    const li = document.createElement("li");
    li.className = cls;
    li.innerHTML = `<a href="${href}"></a>`;
    li.firstChild.innerHTML = html;
    list.append(li);
  };
  let chapters = 0;
  for (const part of parts) {
    const first = document.getElementById("document-" + part.files[0]);
    if (!first) { problems.push(`chapter missing from the single page: ${part.files[0]}`); continue; }
    let partId = null;
    if (part.caption) {
      const h = document.createElement("h1");
      h.className = "pdf-part";
      h.id = partId = "pdf-part-" + parts.indexOf(part);
      h.textContent = part.caption;
      first.before(h);
      addEntry("pdf-contents-part", "#" + partId, h.innerHTML);
    }
    for (const file of part.files) {
      const start = document.getElementById("document-" + file);
      const chapter = start && start.nextElementSibling;
      const heading = chapter && chapter.querySelector("h1, h2");
      if (!heading) { problems.push(`chapter missing from the single page: ${file}`); continue; }
      const copy = heading.cloneNode(true);
      copy.querySelectorAll(".headerlink").forEach(a => a.remove());
      addEntry("pdf-contents-chapter", "#" + chapter.id, copy.innerHTML);
      chapters += 1;
    }
  }
  if (solutions) addEntry("pdf-contents-part", "#pdf-solutions", "Solutions");
  cover.after(contents);

  await document.fonts.ready;
  return {problems, solutions, chapters, images: images.length, formulas: maths.length};
}
"""

# Runs with print media at the column's width: what sticks out past the column's right edge
# would be cut off on paper.
OVERFLOW_JS = r"""
() => {
  const article = document.querySelector("article.bd-article") || document.body;
  const right = article.getBoundingClientRect().right + 1;
  const wide = new Set();
  for (const e of article.querySelectorAll("*")) {
    if (e.closest("mjx-assistive-mml")) continue;  // MathJax's hidden copy for screen readers
    const box = e.getBoundingClientRect();
    if (box.width > 0 && box.right > right) wide.add(e);
  }
  // Report the outermost offenders only.
  return [...wide].filter(e => !wide.has(e.parentElement)).slice(0, 10).map(e => {
    const where = e.closest("section[id]");
    return `${e.tagName.toLowerCase()}.${e.className} in #${where ? where.id : "?"} is ` +
           `${Math.round(e.getBoundingClientRect().right - right)} px too wide: ` +
           e.textContent.replace(/\s+/g, " ").slice(0, 60);
  });
}
"""

INIT_JS = """
localStorage.setItem("mode", "light");
localStorage.setItem("theme", "light");
document.addEventListener("DOMContentLoaded", () => {
  const style = document.createElement("style");
  style.textContent = PRINT_CSS;
  document.head.append(style);
});
"""

HEADER = ('<div style="font-size:7pt; color:#666; width:100%; margin:0 15mm; '
          'font-family:sans-serif;">{title}</div>')
FOOTER = ('<div style="font-size:8pt; color:#444; width:100%; text-align:center; '
          'font-family:sans-serif;"><span class="pageNumber"></span> / <span class="totalPages"></span></div>')


class Failure(Exception):
    pass


def skip_or_fail(reason):
    """No browser here: skip (exit 77) on a workstation, fail on CI."""
    if os.environ.get("CI", "").lower() == "true":
        raise Failure(f"{reason} (CI=true: the PDF must be built)")
    print(f"pdf skipped: {reason}", file=sys.stderr)
    sys.exit(SKIP_EXIT)


def build_single_page(build_dir):
    """Jupyter Book's one-page build of the whole book; returns its HTML folder."""
    jupyter_book = Path(sysconfig.get_path("scripts")) / "jupyter-book"  # beside this Python
    command = [str(jupyter_book), "build", str(ROOT), "--builder", "singlehtml",
               "--path-output", str(build_dir), "-W", "--keep-going", "--quiet"]
    print("pdf: " + " ".join(command), flush=True)
    if subprocess.run(command, cwd=ROOT).returncode != 0:
        raise Failure("jupyter-book build --builder singlehtml failed (see above)")
    return build_dir / "_build" / "singlehtml"


def place_page_at_root(html_dir):
    """Copy the single page to the HTML root as book.html, where its relative links resolve."""
    index = (html_dir / "index.html").read_text(encoding="utf-8")
    redirect = re.search(r'http-equiv="Refresh" content="0; url=([^"#]+)"', index)
    source = redirect.group(1) if redirect else "index.html"  # a book whose root is index
    text = (html_dir / source).read_text(encoding="utf-8")
    # Its links to itself (chapters/intro.html#x) become #x: internal links in the PDF.
    text = re.sub(r'href="' + re.escape(source) + r'(#[^"]*)?"', lambda m: f'href="{m.group(1) or "#"}"', text)
    # The single-page builder writes no search index; the page needs no search.
    if not (html_dir / "searchindex.js").exists():
        text = text.replace('<script src="searchindex.js"></script>', "")
    (html_dir / "book.html").write_text(text, encoding="utf-8")
    return "book.html"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory):
    """Serve `directory` on 127.0.0.1 at a free port, in a thread; yields the base URL."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def book_info():
    """Title, author, a 'printed' line and the parts of _toc.yml (caption and chapter files)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    parts = [{"caption": part.get("caption", ""),
              "files": [re.sub(r"\.(md|ipynb)$", "", c["file"]) for c in part["chapters"]]}
             for part in toc.get("parts", [])]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    printed = f"Printed {datetime.date.today().isoformat()}" + (f" from commit {commit}" if commit else "")
    online = (config.get("html") or {}).get("baseurl", "")
    return {"title": config.get("title", ""), "author": config.get("author", ""),
            "online": f"Online: {online}" if online else "", "printed": printed + ".", "parts": parts}


def print_pdf(url, base, out, chromium, info):
    """Open the book in Chromium, check and prepare it, print it to `out`; returns the counts."""
    from playwright.sync_api import Error as PlaywrightError, sync_playwright

    offsite, failed, console = [], [], []

    def route(request_route):
        if request_route.request.url.startswith(base):
            request_route.continue_()
        else:
            offsite.append(request_route.request.url)
            request_route.abort()

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        except PlaywrightError as error:
            raise Failure(f"Chromium ({chromium}) did not start: {error}") from None
        try:
            # Laid out from the start as it will be printed: print media, the column's width, the
            # print style, and the light theme (set where pydata-sphinx-theme reads it).
            context = browser.new_context(color_scheme="light", viewport={"width": COLUMN_PX, "height": 1000})
            context.add_init_script(INIT_JS.replace("PRINT_CSS", json.dumps(PRINT_CSS)))
            context.route("**/*", route)
            page = context.new_page()
            page.emulate_media(media="print")
            page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
            page.on("requestfailed", lambda r: r.url.startswith(base) and failed.append(f"{r.failure} {r.url}"))
            page.on("console", lambda m: m.type == "error" and console.append(m.text))
            page.on("pageerror", lambda e: console.append(str(e)))
            page.goto(url, wait_until="load", timeout=180_000)
            result = page.evaluate(PREPARE_JS, info)  # 60 s at most for MathJax to start
            problems = list(result["problems"])
            problems += [f"content wider than the page: {w}" for w in page.evaluate(OVERFLOW_JS)]
            problems += [f"request to another host (blocked): {u}" for u in offsite]
            problems += [f"request failed: {f}" for f in failed]
            problems += [f"web font did not load: {f}" for f in page.evaluate(
                "[...document.fonts].filter(f => f.status === 'error').map(f => f.family)")]
            for message in console:
                print(f"pdf: browser console: {message}", file=sys.stderr)
            if problems:
                raise Failure("\n  ".join(["the page is not ready to print:"] + problems))
            out.parent.mkdir(parents=True, exist_ok=True)
            page.pdf(path=str(out), format="A4", margin=MARGIN, print_background=True,
                     display_header_footer=True, header_template=HEADER.format(title=html.escape(info["title"])),
                     footer_template=FOOTER, outline=True, tagged=True)
        except PlaywrightError as error:  # a time-out, a crash: say so in one line
            raise Failure(f"Chromium: {error}".splitlines()[0]) from None
        finally:
            browser.close()
    return result


def count_pages(pdf):
    """Pages of a PDF written by Chromium (Skia keeps its page objects uncompressed)."""
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf.read_bytes()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, help="an existing singlehtml build to print (skips the build)")
    parser.add_argument("--build-dir", type=Path, default=BUILD_DIR,
                        help="where the single-page build goes (default _build/pdf)")
    parser.add_argument("--out", type=Path, help="the PDF to write (default BUILD_DIR/" + PDF_NAME + ")")
    args = parser.parse_args()
    args.out = args.out or args.build_dir / PDF_NAME
    started = time.monotonic()
    try:
        reason = unavailable()
        if reason:
            skip_or_fail(reason)
        chromium = shutil.which("chromium")
        html_dir = (args.html or build_single_page(args.build_dir.resolve())).resolve()
        if not (html_dir / "index.html").exists():
            raise Failure(f"no single-page build in {html_dir} (index.html missing)")
        built = time.monotonic()
        page = place_page_at_root(html_dir)
        out = args.out.resolve()
        out.unlink(missing_ok=True)  # a failed run leaves no PDF behind
        with serve(html_dir) as base:
            counts = print_pdf(base + page, base, out, chromium, book_info())
        size_mb = out.stat().st_size / 1e6
        pages = count_pages(out)
        if pages == 0:
            raise Failure(f"{out} has no pages")
        if size_mb > MAX_MB:
            raise Failure(f"{out} is {size_mb:.1f} MB, over the {MAX_MB} MB limit")
    except Failure as failure:
        print(f"pdf failed: {failure}", file=sys.stderr)
        return 1
    done = time.monotonic()
    try:
        shown = out.relative_to(ROOT)
    except ValueError:
        shown = out
    print(f"pdf: {shown}: {pages} pages, {size_mb:.1f} MB; {counts['chapters']} chapters, "
          f"{counts['images']} images, {counts['formulas']} formulas, {counts['solutions']} solutions "
          f"in the appendix; built in {built - started:.0f} s, printed in {done - built:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

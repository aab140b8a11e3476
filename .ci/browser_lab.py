"""Browser test of the chapters in JupyterLab, as students run them (`make lab`, Binder, a hub).

Usage:
    .venv/bin/python .ci/browser_lab.py [--chapters chapters] [--screenshots _build/screenshots/lab]
                                        [--run 01,05,09,12] [--only 03,05,intro] [--trust]

JupyterLab is started from the course's environment (`sys.executable -m jupyterlab`) on 127.0.0.1,
a free port, no token and no password, serving the --chapters folder itself as its root, as
`make lab` does (the default URL is /lab/tree/intro.md). It is stopped at the end by its process
id (SIGTERM, then SIGKILL after SERVER_STOP_TIMEOUT_S), even on a failure or Ctrl-C; every kernel
it started is shut down through its REST API first. The test never saves anything: JupyterLab's
autosave is off, every write to /api/contents from the browser (save, rename, delete) is blocked
and reported, checkpoints go to a temporary folder, and the served folder is compared, file by
file, before and after (check [unchanged]).

JupyterLab's settings are those of binder/overrides.json (what `make lab` and Binder use), plus
test-only ones (TEST_SETTINGS): no autosave, every cell in the DOM (windowingMode "none"), no news
or update check. They live in a temporary settings folder, with temporary user settings and
workspaces, so that nothing the user did in JupyterLab (open tabs, settings) changes what the test
sees. Lab extensions that only instructors have (DISABLED_LAB_EXTENSIONS: nbgrader's, installed
into the same .venv by `make instructor`) are disabled, so that JupyterLab looks as a student's.

Trust: the notebooks are checked against the user's REAL trust database, as a student's JupyterLab
would see them, and nothing is trusted behind the test's back: a notebook edited since the last
`jupyter trust` fails [trust], with a message that says what to run. `make lab` and Binder's
postBuild trust the chapters; pass --trust to do the same here first (`jupyter trust` on the
served notebooks, into the real database) -- what `make test` should do. That `make lab` and
binder/postBuild still run `jupyter trust` is checked too (static, on the repository's files).

The browser: headless Debian Chromium (`shutil.which("chromium")`, never downloaded) driven by
Playwright, viewport 1280x900, one tab. Every request not to the local server is aborted and
reported. JupyterLab is loaded once, at the server's root URL (the landing page), which must land
on intro.md, rendered (a Markdown preview holding the course's title, read from intro.md's first
heading), not on the Launcher or the text editor. Then every other Markdown page at the top of
the served folder (notation, api, ...; they must open in the Markdown preview) and every notebook
part*/*.ipynb is opened in that JupyterLab, one at a time, with the command its /lab/tree/<path>
URLs run (filebrowser:open-path, through window.jupyterapp: --LabApp.expose_app_in_browser, a
test-only setting that changes nothing on screen; loading JupyterLab anew for each document
would cost 6-8 s each), checked, and closed without saving, its kernel shut down. Console
messages and requests are recorded per document. The checks (names in brackets):
  [console]   no console error, no uncaught exception (known harmless messages: KNOWN_CONSOLE,
              with reasons; none today);
  [requests]  no off-site request, no failed request, no HTTP status >= 400 from the server;
  [landing]   the root URL lands on intro.md rendered, with the course title, no Launcher;
  [load]      the document opens (notebooks: every cell in the DOM, every markdown cell
              rendered; Markdown pages: in the preview, not as source), no dialog pops up;
  [trust]     notebooks: JupyterLab's status bar says "Notebook trusted", and no SVG output is
              shown as its text fallback (`<IPython.core.display.SVG object>`); also: `make lab`
              and binder/postBuild run `jupyter trust`;
  [raw-myst]  no MyST shown raw or unrendered in rendered Markdown (cells and pages): role or
              directive names in braces ({doc}, {cite}, {glue:text}, {exercise}, ... MYST_NAMES),
              ```{ fences, directive option lines (:label:, :class:, ...); what jupyterlab-myst
              leaves unrendered: a directive it does not know ("<name> - Unknown Directive"), a
              citation it cannot resolve ("Citation Not Found", the bare key), a role it does not
              know (shown as plain text: {mod}, {func}, {glue:text}; found by matching the cell's
              source); also in the one-line placeholder of a collapsed cell, and in collapsed
              markdown cells once opened (a click on each, after the screenshots: what a student
              sees on opening a solution). Reported per cell and kind, with snippets; the summary
              counts them per notebook and kind;
  [solution]  no solution visible without a click: a code cell with "### BEGIN SOLUTION" (or
              nbgrader "solution": true) must have its source collapsed, its outputs too if it has
              any, and its one-line placeholder must not show a line of the solution; a markdown
              cell tagged solution-prose must be collapsed, and its placeholder line (its first
              source line) must be neutral (NEUTRAL_PROSE_FIRST_LINE: an HTML comment, or a
              "Solution" label);
  [links]     every link in rendered Markdown that stays on the server (relative .ipynb/.md
              links, /files/ and /lab/tree/ URLs, #anchors): the target exists (GET
              /api/contents/<path>: 200), is inside the served folder, and an #anchor names an
              element id in the target's rendered Markdown; external links are counted, not
              followed. One link is also clicked on the landing page, and one in the first
              notebook that links to another document: the target must open in JupyterLab (a new
              tab, /lab/tree/<target>), not download;
  [setup]     notebooks: the first code cell is the set-up cell ("# Setup for Colab") and its
              source is collapsed;
  [run]       the notebooks given with --run (default: one per part, DEFAULT_RUN): Edit > Clear
              Outputs of All Cells, then Run > Run All Cells, in the browser; every code cell
              must get an execution count, with no error and no stderr output, within
              RUN_ALL_TIMEOUT_S; the notebook is then closed without saving;
  [unchanged] nothing under the served folder changed during the test (files added, removed or
              modified; the test never writes there -- if you edited a file meanwhile, that shows
              here too).
Cell numbers are 0-based indices into the notebook's cells, as in the .ipynb file and nbformat.

Output: one line per failure, `document | check | detail`, then a summary: failures per check,
raw MyST per notebook and kind, timings. Progress goes to stderr.
Exit status: 0 all checks pass, 1 some check failed, 2 bad arguments, 77 skipped because there is
no Chromium or no Playwright (with CI=true that is a failure instead: exit 1).
Screenshots: <screenshots>/landing.png, <name>.png for every document (the top of it, as it opens)
and <name>-run.png after Run All.
"""

import argparse
import collections
import hashlib
import json
import os
import pathlib
import posixpath
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from chromium import ARGS, short, skip_or_fail, unavailable
from execute import INLINE_EXPRESSION

REPO = pathlib.Path(__file__).resolve().parent.parent

# ----------------------------------------------------------------------------------- settings

VIEWPORT = {"width": 1280, "height": 900}

SERVER_START_TIMEOUT_S = 90
SERVER_STOP_TIMEOUT_S = 20
PAGE_TIMEOUT_MS = 120_000      # JupyterLab's first load and rendering, on 2 busy cores
ACTION_TIMEOUT_MS = 30_000     # any other single browser action
LINK_CLICK_TIMEOUT_MS = 60_000  # a clicked link's target opening in JupyterLab
SETTLE_MS = 500                # after everything has rendered: late console messages, images
CLOSE_SETTLE_MS = 300          # after closing the documents
RUN_ALL_TIMEOUT_S = 900        # Run All of one notebook (12 trains a network: 1-2 minutes)
RUN_POLL_S = 1.0
RUN_IDLE_POLLS = 2             # Run All is over when the kernel is idle this many polls in a row

DEFAULT_RUN = "01,05,09,12"    # one notebook per part
LANDING_DOCUMENT = "intro.md"
OVERRIDES = REPO / "binder" / "overrides.json"
TEST_SETTINGS = {
    # Never save: a test run must leave the notebooks as they are.
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    # Every cell in the DOM, so that every cell is checked.
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    # No news or update pop-up, and no request to the internet for them.
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}
# Lab extensions a student's JupyterLab does not have (requirements-instructor.txt installs them
# into the same .venv): disabled if present, so that the test sees a student's JupyterLab.
DISABLED_LAB_EXTENSIONS = {
    "@jupyter/nbgrader": "nbgrader, for instructors (requirements-instructor.txt)",
    "@jupyter-notebook/lab-extension": "Notebook 7's buttons, pulled in by nbgrader",
    "@jupyter-widgets/jupyterlab-manager": "ipywidgets, pulled in by nbgrader",
    "jupyterlab-jupytext": "jupytext, in no requirements file of the course",
}
# Console messages that are not failures: regular expression -> why. Nothing is exempt today.
KNOWN_CONSOLE = {}

SETUP_CELL_START = "# Setup for Colab"
SOLUTION_MARKER = "### BEGIN SOLUTION"
SOLUTION_END_MARKER = "### END SOLUTION"
SOLUTION_PROSE_TAG = "solution-prose"
# The first source line of a collapsed solution-prose cell, which JupyterLab shows as the cell's
# placeholder: it must give nothing away.
NEUTRAL_PROSE_FIRST_LINE = re.compile(
    r"^\s*(<!--.*-->|#+\s*solution\b.*|\**\s*solution\b[^.:]*[.:]?\s*\**)\s*$", re.IGNORECASE)

# MyST role and directive names: "{name}" in rendered text means MyST shown raw.
MYST_NAMES = [
    "doc", "ref", "numref", "eq", "cite", "cite:p", "cite:t", "cite:ps", "cite:ts", "term",
    "download", "abbr", "sub", "sup", "kbd", "math", "index", "mod", "func", "class", "meth", "attr",
    "obj", "data", "exc", "const", "glue", "glue:text", "glue:md", "glue:any", "glue:figure",
    "glue:math", "exercise", "exercise-start", "exercise-end", "solution", "solution-start",
    "solution-end", "admonition", "note", "tip", "hint", "important", "warning", "caution",
    "attention", "danger", "error", "seealso", "dropdown", "margin", "sidebar", "epigraph",
    "figure", "image", "table", "list-table", "csv-table", "code", "code-block", "code-cell",
    "literalinclude", "include", "bibliography", "eval-rst", "toctree", "tableofcontents",
    "glossary", "raw", "only", "contents", "card", "grid", "grid-item", "grid-item-card",
    "tab-set", "tab-item", "iframe", "mermaid", "embed",
]
MYST_NAME = re.compile(r"(?<![\\\w$])\{((?:py|std|prf|c|cpp|js|rst):[\w-]+|%s)\}"
                       % "|".join(re.escape(name) for name in sorted(MYST_NAMES, key=len, reverse=True)))
MYST_FENCE = re.compile(r"(```|~~~|:::)\{")
MYST_OPTION_LINE = re.compile(r"(?m)^[ \t]*:([a-z][a-z0-9_-]*):(?=[ \t]|$)")
# Directives that jupyterlab-myst knows but may render as nothing at all (checked on pages).
EMPTY_WHEN_UNRENDERED = ["bibliography"]
# A role in a cell's source: {name}`content`, content possibly "title <target>".
ROLE_IN_SOURCE = re.compile(r"\{([\w:.+-]+)\}`([^`]*)`")

# Output types JupyterLab does not render for an untrusted notebook (it shows text/plain instead;
# HTML it sanitizes, which the status bar's trust indicator covers).
UNSAFE_OUTPUT_TYPES = ["image/svg+xml"]
ERROR_OUTPUT_TYPE = "application/vnd.jupyter.stderr"  # JupyterLab renders errors and stderr so


# ----------------------------------------------------------------------------------- failures

FAILURES = []  # (document, check, detail)
RAW_MYST_COUNTS = collections.defaultdict(collections.Counter)  # document -> kind -> count
TIMINGS = {}  # what -> seconds


def fail(document, check, detail):
    FAILURES.append((document, check, detail))
    print(f"{document} | {check} | {detail}", flush=True)


def progress(message):
    print(message, file=sys.stderr, flush=True)


def quoted_list(items, limit=4, length=50):
    items = list(dict.fromkeys(items))
    shown = ", ".join(repr(short(item, length)) for item in items[:limit])
    return shown + (f", … ({len(items) - limit} more)" if len(items) > limit else "")


# ----------------------------------------------------------------------------------- the documents

class Document:
    """A notebook or a Markdown page, by its path relative to the served folder."""

    def __init__(self, root, path):
        self.path = path  # posix, relative to root
        self.name = path.rsplit("/", 1)[-1]
        self.stem = self.name.rsplit(".", 1)[0]
        self.notebook = json.loads((root / path).read_text()) if path.endswith(".ipynb") else None
        self.ids = None  # element ids of its rendered Markdown, once it has been checked

    @property
    def cells(self):
        return self.notebook["cells"] if self.notebook else []


def cell_source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def is_solution_code(cell):
    return cell["cell_type"] == "code" and (
        SOLUTION_MARKER in cell_source(cell) or cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def is_solution_prose(cell):
    metadata = cell.get("metadata", {})
    return cell["cell_type"] == "markdown" and (
        SOLUTION_PROSE_TAG in metadata.get("tags", []) or metadata.get("nbgrader", {}).get("solution"))


def find_documents(root, only):
    pages = sorted(path.name for path in root.glob("*.md"))
    notebooks = sorted(path.relative_to(root).as_posix() for path in root.glob("part*/*.ipynb"))
    documents = pages + notebooks
    if only:
        def wanted(path):
            name = path.rsplit("/", 1)[-1]
            return any(name.startswith(key + "-") or name.rsplit(".", 1)[0] == key for key in only)
        documents = [path for path in documents if wanted(path)]
    return [Document(root, path) for path in documents]


def notebook_number(document):
    return document.name.split("-", 1)[0]


# ----------------------------------------------------------------------------------- the server

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_lab_settings(folder):
    """binder/overrides.json + TEST_SETTINGS as overrides, and the disabled extensions."""
    settings = json.loads(OVERRIDES.read_text()) if OVERRIDES.is_file() else {}
    for plugin, values in TEST_SETTINGS.items():
        settings.setdefault(plugin, {}).update(values)
    app_settings = folder / "app-settings"
    app_settings.mkdir()
    (app_settings / "overrides.json").write_text(json.dumps(settings, indent=2))
    (app_settings / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {name: True for name in DISABLED_LAB_EXTENSIONS}}, indent=2))
    for name in ["user-settings", "workspaces", "checkpoints"]:
        (folder / name).mkdir()
    return app_settings


def start_server(root, folder):
    """JupyterLab on root; returns (process, base URL, log file)."""
    port = free_port()
    app_settings = write_lab_settings(folder)
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
        "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
        f"--ServerApp.root_dir={root}", f"--LabApp.default_url=/lab/tree/{LANDING_DOCUMENT}",
        f"--LabApp.app_settings_dir={app_settings}",
        f"--LabApp.user_settings_dir={folder / 'user-settings'}",
        f"--LabApp.workspaces_dir={folder / 'workspaces'}",
        # Checkpoints (written when a notebook opens) out of the served folder.
        f"--FileCheckpoints.checkpoint_dir={folder / 'checkpoints'}",
        # window.jupyterapp, to open and close documents with JupyterLab's commands (see Lab).
        "--LabApp.expose_app_in_browser=True",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    with open(folder / "jupyterlab.log", "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   cwd=root, start_new_session=True)
    return process, f"http://127.0.0.1:{port}", folder / "jupyterlab.log"


def api(base, path, method="GET", timeout=10):
    """(status, JSON or None) of a REST call to the server."""
    request = urllib.request.Request(base + path, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            return response.status, (json.loads(body) if body else None)
    except urllib.error.HTTPError as error:
        return error.code, None


def wait_for_server(process, base, log_path):
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with status {process.returncode}:\n"
                               + log_path.read_text()[-3000:])
        try:
            if api(base, "/api", timeout=2)[0] == 200:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"JupyterLab did not answer within {SERVER_START_TIMEOUT_S} s:\n"
                       + log_path.read_text()[-3000:])


def shut_down_kernels(base):
    """Every session and kernel of the server, through its REST API."""
    try:
        for session in api(base, "/api/sessions")[1] or []:
            api(base, f"/api/sessions/{session['id']}", method="DELETE", timeout=30)
        for kernel in api(base, "/api/kernels")[1] or []:
            api(base, f"/api/kernels/{kernel['id']}", method="DELETE", timeout=30)
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        progress(f"could not shut the kernels down: {error}")


def stop_server(process, base, log_path):
    if process.poll() is None:
        shut_down_kernels(base)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(SERVER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            progress(f"JupyterLab (pid {process.pid}) did not stop within {SERVER_STOP_TIMEOUT_S} s: killed; "
                     "the end of its log:\n" + log_path.read_text()[-2000:])
            process.kill()
            process.wait()


def trust_notebooks(root):
    """What `make lab` and Binder's postBuild do: `jupyter trust` every chapter notebook."""
    notebooks = sorted(str(path) for path in root.glob("part*/*.ipynb"))
    subprocess.run([sys.executable, "-m", "jupyter", "trust", *notebooks], check=True,
                   stdout=subprocess.DEVNULL)


def snapshot(root):
    """path -> sha256 of every file under root (except checkpoints and caches)."""
    files = {}
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if path.is_file() and not {".ipynb_checkpoints", "__pycache__"} & set(parts):
            files[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


# ----------------------------------------------------------------------------------- the browser

def new_events():
    return {"console": [], "offsite": [], "failed": [], "status": [], "writes": [], "blocked": set(),
            "closing": False}


class Lab:
    """One JupyterLab tab in Chromium, watching console, errors and requests.

    JupyterLab is loaded once (6-8 s on 2 busy cores); documents are then opened and closed in it
    with JupyterLab's own commands (filebrowser:open-path, what its /lab/tree/<path> URLs run),
    through window.jupyterapp (--LabApp.expose_app_in_browser, a test-only setting that changes
    nothing on screen). What happens in the browser is recorded in self.events, a fresh record
    for each document (watch()).
    """

    def __init__(self, context, base):
        self.base = base
        self.events = new_events()
        self.page = context.new_page()
        self.page.route("**/*", self.route)
        self.page.on("console", self.on_console)
        self.page.on("pageerror", lambda error: self.events["console"].append(
            ("uncaught exception: " + (getattr(error, "message", "") or str(error)), "")))
        self.page.on("requestfailed", lambda request: None if self.events["closing"]
                     else self.events["failed"].append((request.url, request.failure)))
        self.page.on("response", self.on_response)
        self.page.on("websocket", lambda socket: self.events["offsite"].append(socket.url)
                     if not socket.url.startswith(base.replace("http", "ws", 1)) else None)

    def route(self, route):
        request = route.request
        url = request.url
        if not (url.startswith(self.base + "/") or url == self.base or url.startswith(("data:", "blob:"))):
            self.events["offsite"].append(url)
            self.events["blocked"].add(url)
            route.abort("blockedbyclient")
            return
        path = urllib.parse.urlsplit(url).path
        # Nothing may be saved, renamed or deleted; opening a notebook creates a checkpoint (POST
        # .../checkpoints), which the server writes to a temporary folder.
        if (path.startswith("/api/contents") and request.method not in ("GET", "HEAD")
                and not (request.method == "POST" and path.endswith("/checkpoints"))):
            self.events["writes"].append(f"{request.method} {urllib.parse.unquote(path)}")
            self.events["blocked"].add(url)
            route.abort("blockedbyclient")
            return
        route.continue_()

    def on_console(self, message):
        if message.type == "error" and not self.events["closing"]:
            self.events["console"].append((message.text, message.location.get("url", "")))

    def on_response(self, response):
        if response.status >= 400 and response.url.startswith(self.base):
            self.events["status"].append((response.url, response.status))

    def watch(self):
        self.events = new_events()
        return self.events

    def load(self, url_path):
        """Load JupyterLab at url_path and wait until it has restored its layout."""
        self.page.goto(self.base + url_path, wait_until="load", timeout=PAGE_TIMEOUT_MS)
        self.page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=PAGE_TIMEOUT_MS)
        self.page.evaluate("() => window.jupyterapp.restored")

    def open(self, path):
        self.page.evaluate("async (path) => { await window.jupyterapp.commands.execute('filebrowser:open-path', {path}); }",
                           path)

    def close_all(self):
        """Close every document without saving (no prompt) and shut every kernel down."""
        self.events["closing"] = True
        self.page.evaluate(CLOSE_ALL_JS)
        shut_down_kernels(self.base)
        self.page.wait_for_timeout(CLOSE_SETTLE_MS)  # what the closing logs late is not reported


# Dispose of every document in the main area: no "save your changes?" dialog, nothing saved.
CLOSE_ALL_JS = r"""() => {
  for (const widget of [...window.jupyterapp.shell.widgets("main")]) {
    if (widget.context && widget.context.model) widget.context.model.dirty = false;
    widget.dispose();
  }
}"""

# The Launcher JupyterLab opens when the main area becomes empty: closed once a document is open.
CLOSE_LAUNCHERS_JS = r"""() => {
  for (const widget of [...window.jupyterapp.shell.widgets("main")])
    if (widget.node.querySelector(".jp-Launcher") || widget.node.classList.contains("jp-Launcher")) widget.dispose();
}"""

CURRENT_TAB_JS = r"""(name) => [...document.querySelectorAll(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel")]
    .some(tab => tab.textContent.trim() === name)"""


# What a rendered piece of Markdown shows: its text outside math (with a line break between
# blocks), what jupyterlab-myst left unrendered, its links and its element ids.
RENDERED_JS = r"""
function renderedInfo(root) {
  if (!root) return null;
  const MATH = ".katex, .katex-display, mjx-container, .MathJax, math, script, style";
  const BLOCK = "p, li, pre, h1, h2, h3, h4, h5, h6, td, th, summary, blockquote, dt, dd, div, figcaption";
  const unknown = [...root.querySelectorAll(".myst-exercise-title")]
      .filter(el => /- Unknown (Directive|Role)\s*$/.test(el.textContent));
  const unknownBoxes = unknown.map(el => el.closest("details, aside") || el);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let text = "", lastBlock = null;
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (parent.closest(MATH) || unknownBoxes.some(box => box.contains(node))) continue;
    const block = parent.closest(BLOCK);
    if (block !== lastBlock && text && !text.endsWith("\n")) text += "\n";
    lastBlock = block;
    text += node.textContent;
  }
  const plain = [...root.querySelectorAll("span")].filter(span => span.attributes.length === 0
      && span.children.length === 0 && span.textContent.trim() && !span.closest(MATH))
      .map(span => span.textContent.trim());
  return {
    visible: root.checkVisibility(),
    text,
    unknown: unknown.map(el => ({name: (el.querySelector("code") || el).textContent.replace(/- Unknown.*/, "").trim(),
                                 kind: /Role/.test(el.textContent) ? "role" : "directive",
                                 body: ((el.closest("details, aside") || el).querySelector("pre") || {}).textContent || ""})),
    headingless: [...root.children].filter(el => !/^H[1-6]$/.test(el.tagName) && !el.classList.contains("myst-fm-block"))
        .map(el => el.textContent).join("").trim().length,
    citations: [...root.querySelectorAll('[title="Citation Not Found"]')].map(el => el.textContent.trim()),
    plain,
    links: [...root.querySelectorAll("a[href]")].map(a => ({href: a.getAttribute("href"), text: a.textContent.trim()})),
    // JupyterLab's own renderer names headings with data-jupyter-id (its links to them use it).
    ids: [...root.querySelectorAll("[id]")].map(el => el.id)
        .concat([...root.querySelectorAll("[data-jupyter-id]")].map(el => el.getAttribute("data-jupyter-id"))),
    brokenImages: [...root.querySelectorAll("img")].filter(img => img.complete && img.naturalWidth === 0)
        .map(img => img.getAttribute("src")),
  };
}
"""

NOTEBOOK_STATE_JS = "() => {" + RENDERED_JS + r"""
  const panel = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden)");
  if (!panel) return null;
  const cells = [...panel.querySelectorAll(".jp-Notebook .jp-Notebook-cell")];
  return {
    trust: (document.querySelector(".jp-StatusItem-trust") || {getAttribute: () => null}).getAttribute("title"),
    kernel: (panel.querySelector(".jp-Notebook-ExecutionIndicator") || {dataset: {}}).dataset.status || null,
    dialogs: [...document.querySelectorAll(".jp-Dialog")].map(d => d.innerText.slice(0, 300)),
    cells: cells.map(cell => {
      const input = cell.querySelector(".jp-Cell-inputWrapper .jp-InputArea");
      const placeholder = cell.querySelector(".jp-InputPlaceholder");
      const editor = cell.querySelector(".jp-InputArea-editor");
      const outputArea = cell.querySelector(".jp-Cell-outputWrapper .jp-OutputArea");
      const prompt = cell.querySelector(".jp-InputArea .jp-InputPrompt");
      return {
        markdown: cell.classList.contains("jp-MarkdownCell"),
        inputVisible: !!input && input.checkVisibility(),
        editorVisible: !!editor && editor.checkVisibility(),
        placeholder: placeholder && placeholder.checkVisibility()
            ? (placeholder.querySelector(".jp-PlaceholderText") || placeholder).textContent : null,
        outputsVisible: !!outputArea && outputArea.checkVisibility() && outputArea.children.length > 0,
        outputs: [...cell.querySelectorAll(".jp-OutputArea-output")].map(output => ({
            type: output.getAttribute("data-mime-type"), text: output.innerText.slice(0, 400)})),
        prompt: prompt && prompt.checkVisibility() ? prompt.textContent.trim() : null,
        rendered: cell.classList.contains("jp-MarkdownCell")
            ? renderedInfo(cell.querySelector(".jp-InputArea .myst, .jp-InputArea .jp-RenderedMarkdown")) : null,
      };
    }),
  };
}"""

MARKDOWN_STATE_JS = "() => {" + RENDERED_JS + r"""
  const viewer = document.querySelector(".jp-MarkdownViewer:not(.lm-mod-hidden)");
  return {
    viewer: !!viewer,
    editor: !!document.querySelector(".jp-FileEditor:not(.lm-mod-hidden)"),
    launcher: !!document.querySelector(".jp-Launcher:not(.lm-mod-hidden)"),
    dialogs: [...document.querySelectorAll(".jp-Dialog")].map(d => d.innerText.slice(0, 300)),
    headings: viewer ? [...viewer.querySelectorAll("h1")].map(h => h.textContent.replace(/¶\s*$/, "").trim()) : [],
    rendered: viewer ? renderedInfo(viewer.querySelector(".myst, .jp-RenderedMarkdown")) : null,
  };
}"""

# Ready: every cell in the DOM, every markdown cell rendered (or collapsed), the math typeset
# (no KaTeX source left: jupyterlab-myst renders it synchronously, so a check of the cell
# content suffices), and the trust indicator filled in.
NOTEBOOK_READY_JS = r"""(expected) => {
  const panel = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden)");
  if (!panel) return false;
  const cells = [...panel.querySelectorAll(".jp-Notebook .jp-Notebook-cell")];
  if (cells.length < expected) return false;
  const markdownReady = cells.filter(c => c.classList.contains("jp-MarkdownCell")).every(c =>
      c.querySelector(".jp-InputPlaceholder")
      || [...c.querySelectorAll(".jp-InputArea .myst, .jp-InputArea .jp-RenderedMarkdown")].some(r => r.childElementCount > 0)
      || !c.classList.contains("jp-mod-rendered"));
  const trust = document.querySelector(".jp-StatusItem-trust");
  const images = [...panel.querySelectorAll("img")].every(img => img.complete);
  return markdownReady && !!trust && !!trust.getAttribute("title") && images;
}"""

MARKDOWN_READY_JS = r"""() => {
  const viewer = document.querySelector(".jp-MarkdownViewer:not(.lm-mod-hidden)");
  if (viewer) { const r = viewer.querySelector(".myst, .jp-RenderedMarkdown"); return !!r && r.childElementCount > 0; }
  return !!document.querySelector(".jp-FileEditor:not(.lm-mod-hidden) .cm-content, .jp-Launcher:not(.lm-mod-hidden)");
}"""

SCROLL_TOP_JS = r"""() => {
  for (const el of document.querySelectorAll(".jp-WindowedPanel-outer, .jp-MarkdownViewer, .jp-RenderedMarkdown, .myst"))
    el.scrollTop = 0;
}"""


def take_screenshot(page, folder, name):
    if folder is None:
        return
    page.evaluate(SCROLL_TOP_JS)
    page.mouse.move(0, 0)
    page.wait_for_timeout(200)
    page.screenshot(path=str(folder / f"{name}.png"), animations="disabled")


def settle(page):
    page.wait_for_timeout(SETTLE_MS)


# ----------------------------------------------------------------------------------- the checks

def check_console(document, events, base):
    messages = []
    reported = {url for url, _ in events["status"]} | set(events["offsite"])
    for text, url in events["console"]:
        if text.startswith("Failed to load resource") and url in reported:
            continue  # the [requests] check says it
        if any(re.search(pattern, text) for pattern in KNOWN_CONSOLE):
            continue
        where = url.removeprefix(base) if url.startswith(base) else url
        messages.append(short(text, 200) + (f" (at {short(where, 100)})" if where else ""))
    for message, count in collections.Counter(messages).items():
        fail(document, "console", message + (f" (x{count})" if count > 1 else ""))


def check_requests(document, events, base):
    for url in dict.fromkeys(events["offsite"]):
        fail(document, "requests", f"off-site request (blocked): {short(url, 140)}")
    for url, status in dict.fromkeys(events["status"]):
        fail(document, "requests", f"HTTP {status}: {urllib.parse.unquote(url.removeprefix(base))}")
    for url, failure in dict.fromkeys(events["failed"]):
        if url not in events["blocked"] and not url.startswith(base.replace("http", "ws", 1)):
            fail(document, "requests", f"request failed ({failure}): {short(url.removeprefix(base), 140)}")
    for write in dict.fromkeys(events["writes"]):
        fail(document, "unchanged", f"JupyterLab tried to write (blocked): {write}")


def check_dialogs(document, dialogs):
    for dialog in dialogs:
        fail(document, "load", f"a dialog is open: {short(dialog, 160)}")


def check_trust(document, state):
    title = state["trust"] or "(no trust indicator in the status bar)"
    if not title.startswith("Notebook trusted"):
        fail(document.name, "trust", f"not trusted on open: {title!r}; `make lab` trusts the chapters "
             "(.venv/bin/jupyter trust chapters/*/*.ipynb), or run this test with --trust")
    fallbacks = []
    for index, (cell, shown) in enumerate(zip(document.cells, state["cells"])):
        if cell["cell_type"] != "code":
            continue
        wanted = sum(1 for output in cell.get("outputs", []) for kind in UNSAFE_OUTPUT_TYPES
                     if kind in output.get("data", {}))
        got = sum(1 for output in shown["outputs"] if output["type"] in UNSAFE_OUTPUT_TYPES)
        if got < wanted:
            texts = [output["text"] for output in shown["outputs"] if output["type"] == "text/plain"]
            fallbacks.append((index, wanted - got, texts))
    if fallbacks:
        cells = ", ".join(str(index) for index, _, _ in fallbacks)
        example = next((texts[0] for _, _, texts in fallbacks if texts), "")
        fail(document.name, "trust", f"{sum(n for _, n, _ in fallbacks)} SVG outputs shown as "
             f"text instead (cells {cells})" + (f", e.g. {short(example, 60)!r}" if example else ""))


def check_trust_setup(root):
    """`make lab` and Binder's postBuild must trust the chapters (static check of the repository)."""
    if root.resolve() != (REPO / "chapters").resolve():
        return
    makefile = (REPO / "Makefile").read_text() if (REPO / "Makefile").is_file() else ""
    recipe = re.search(r"(?ms)^lab:.*?(?=^\S|\Z)", makefile)
    if not recipe or "jupyter trust" not in recipe.group(0):
        fail("Makefile", "trust", "the `lab` recipe does not run `jupyter trust` on the chapters")
    post_build = REPO / "binder" / "postBuild"
    if not post_build.is_file() or "jupyter trust" not in post_build.read_text():
        fail("binder/postBuild", "trust", "does not run `jupyter trust` on the chapters")


def raw_myst_findings(rendered, source=""):
    """[(kind, snippet)] of the MyST that a rendered piece of Markdown shows raw or unrendered."""
    findings = []
    text = rendered["text"]

    def around(match):
        return text[max(0, match.start() - 25): match.end() + 35]

    for match in MYST_FENCE.finditer(text):
        findings.append(("```{", around(match)))
    for match in MYST_NAME.finditer(text):
        findings.append(("{" + match.group(1) + "}", around(match)))
    for match in MYST_OPTION_LINE.finditer(text):
        findings.append((":" + match.group(1) + ":", around(match)))
    for item in rendered["unknown"]:
        findings.append(("{" + item["name"] + "}", f"\"{item['name']} - Unknown {item['kind'].title()}\" "
                         + short(item["body"], 40)))
    for key in rendered["citations"]:
        findings.append(("{cite}", f"\"Citation Not Found\": {key}"))
    # Roles jupyterlab-myst does not know are shown as their content in plain text: found by
    # matching the cell's source ({mod}`tconv.check` -> "tconv.check" in a bare <span>).
    roles = {}
    for match in ROLE_IN_SOURCE.finditer(source):
        content = match.group(2)
        titled = re.match(r"(.*?)\s*<(.*)>$", content)
        for shown in ([titled.group(1), titled.group(2)] if titled else [content]):
            roles.setdefault(shown.strip(), match.group(1))
    for shown in rendered["plain"]:
        if shown in roles:
            findings.append(("{" + roles[shown] + "}", f"plain text: {shown}"))
    # An inline expression without a saved result is shown as its code ({eval}`f"{x:.1f}"` ->
    # f"{x:.1f}"); `make execute` saves the results in the cell's metadata.
    for match in INLINE_EXPRESSION.finditer(source):
        if match.group(1) in text:
            findings.append(("{eval}", f"not evaluated: {match.group(1)}"))
    return findings


def report_raw_myst(document, where, findings):
    by_kind = collections.defaultdict(list)
    for kind, snippet in findings:
        by_kind[kind].append(snippet)
    for kind, snippets in sorted(by_kind.items()):
        RAW_MYST_COUNTS[document.name][kind] += len(snippets)
        fail(document.name, "raw-myst", f"{where}: {kind} x{len(snippets)}: {quoted_list(snippets)}")


def check_raw_myst_notebook(document, state):
    for index, (cell, shown) in enumerate(zip(document.cells, state["cells"])):
        findings = []
        if shown["placeholder"]:
            placeholder = {"text": shown["placeholder"], "unknown": [], "citations": [], "plain": []}
            findings += [(kind, "collapsed cell's placeholder: " + snippet)
                         for kind, snippet in raw_myst_findings(placeholder)]
        if shown["markdown"] and shown["rendered"] and shown["rendered"]["visible"]:
            findings += raw_myst_findings(shown["rendered"], cell_source(cell))
        if findings:
            report_raw_myst(document, f"cell {index}", findings)


# Open every collapsed markdown cell (a click on its placeholder, as a student does); returns
# their indices. Done after the screenshots: the notebook is closed without saving afterwards.
EXPAND_COLLAPSED_MARKDOWN_JS = r"""() => {
  const panel = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden)");
  const cells = [...panel.querySelectorAll(".jp-Notebook .jp-Notebook-cell")];
  const opened = [];
  cells.forEach((cell, index) => {
    const placeholder = cell.querySelector(".jp-InputPlaceholder");
    if (cell.classList.contains("jp-MarkdownCell") && placeholder && placeholder.checkVisibility()) {
      (placeholder.querySelector(".jp-Placeholder-content") || placeholder).click();
      opened.push(index);
    }
  });
  return opened;
}"""

COLLAPSED_RENDERED_JS = r"""(indices) => {
  const panel = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden)");
  const cells = [...panel.querySelectorAll(".jp-Notebook .jp-Notebook-cell")];
  return indices.every(i => [...cells[i].querySelectorAll(".jp-InputArea .myst, .jp-InputArea .jp-RenderedMarkdown")]
      .some(r => r.childElementCount > 0 && r.checkVisibility()));
}"""


def check_raw_myst_collapsed(page, document, links):
    """[raw-myst] (and links) in the collapsed markdown cells, opened: what a student sees on a click."""
    opened = page.evaluate(EXPAND_COLLAPSED_MARKDOWN_JS)
    if not opened:
        return
    try:
        page.wait_for_function(COLLAPSED_RENDERED_JS, arg=opened, timeout=ACTION_TIMEOUT_MS)
    except Exception:
        fail(document.name, "load", f"collapsed markdown cells {', '.join(map(str, opened))} do not render "
             "when opened")
        return
    settle(page)
    state = page.evaluate(NOTEBOOK_STATE_JS)
    for index in opened:
        rendered = state["cells"][index]["rendered"]
        if not rendered:
            continue
        findings = raw_myst_findings(rendered, cell_source(document.cells[index]))
        if findings:
            report_raw_myst(document, f"cell {index} (collapsed; shows when opened)", findings)
        links.add(document, f"cell {index}", rendered)
        document.ids |= set(rendered["ids"])


def check_raw_myst_page(document, rendered, source):
    findings = raw_myst_findings(rendered, source)
    # A directive jupyterlab-myst knows but renders as nothing (the bibliography: it does not
    # read references.bib), leaving a page with only its title.
    for name in EMPTY_WHEN_UNRENDERED:
        if re.search(r"(```|~~~)\{" + re.escape(name) + r"\}", source) and rendered["headingless"] == 0:
            findings.append(("{" + name + "}", "renders as nothing: the page shows only its headings"))
    if findings:
        report_raw_myst(document, "page", findings)


def check_rendered_cells(document, state):
    """[load] every markdown cell rendered: one in edit mode shows its source."""
    for index, shown in enumerate(state["cells"]):
        if shown["markdown"] and shown["editorVisible"]:
            fail(document.name, "load", f"cell {index}: markdown cell not rendered (its source shows)")


def solution_lines(source):
    lines, inside = [], False
    for line in source.splitlines():
        if SOLUTION_MARKER in line:
            inside = True
        elif SOLUTION_END_MARKER in line:
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


def check_solutions(document, state):
    for index, (cell, shown) in enumerate(zip(document.cells, state["cells"])):
        if is_solution_code(cell):
            if shown["inputVisible"]:
                fail(document.name, "solution", f"cell {index}: solution code visible without a click: "
                     f"{short(cell_source(cell).strip().splitlines()[0], 60)!r}")
            elif shown["placeholder"] and any(line in shown["placeholder"] for line in solution_lines(cell_source(cell))):
                fail(document.name, "solution", f"cell {index}: collapsed, but its placeholder shows a line "
                     f"of the solution: {short(shown['placeholder'], 60)!r}")
            if cell.get("outputs") and shown["outputsVisible"]:
                fail(document.name, "solution", f"cell {index}: output of a solution cell visible without "
                     f"a click: {short(shown['outputs'][0]['text'] if shown['outputs'] else '', 60)!r}")
        elif is_solution_prose(cell):
            rendered = shown["rendered"]
            if shown["inputVisible"] and (rendered is None or rendered["visible"]):
                text = rendered["text"] if rendered else cell_source(cell)
                fail(document.name, "solution", f"cell {index}: solution prose visible without a click: "
                     f"{short(text, 60)!r}")
            elif shown["placeholder"] is not None and not NEUTRAL_PROSE_FIRST_LINE.match(shown["placeholder"]):
                fail(document.name, "solution", f"cell {index}: collapsed, but its placeholder shows the "
                     f"answer's first line: {short(shown['placeholder'], 60)!r}")


def check_setup_cell(document, state):
    code = [(index, cell) for index, cell in enumerate(document.cells) if cell["cell_type"] == "code"]
    if not code or not cell_source(code[0][1]).startswith(SETUP_CELL_START):
        fail(document.name, "setup", f"the first code cell does not start with {SETUP_CELL_START!r}")
        return
    index = code[0][0]
    if state["cells"][index]["inputVisible"]:
        fail(document.name, "setup", f"cell {index}: the set-up cell's source is not collapsed")


class Links:
    """Every server link of every document, checked once all documents have been seen."""

    def __init__(self, base, root):
        self.base, self.root = base, root
        self.netloc = urllib.parse.urlsplit(base).netloc
        self.found = []  # (document, where, href, text)
        self.external = 0
        self.exists = {}

    def add(self, document, where, rendered):
        for link in rendered["links"]:
            self.found.append((document, where, link["href"], link["text"]))
        for source in rendered.get("brokenImages", []):
            fail(document.name, "links", f"{where}: image does not load: {short(source, 100)}")

    def resolve(self, document, href):
        """(kind, target path or None, fragment): kind is anchor, file, outside, external or other."""
        parts = urllib.parse.urlsplit(href)
        fragment = urllib.parse.unquote(parts.fragment)
        if not parts.scheme and not parts.netloc and not parts.path:
            return "anchor", document.path, fragment
        if parts.scheme in ("http", "https") and parts.netloc == self.netloc:
            path = urllib.parse.unquote(parts.path)
            for prefix in ("/files/", "/lab/tree/", "/tree/", "/notebooks/", "/edit/"):
                if path.startswith(prefix):
                    return self.in_root(path[len(prefix):], fragment)
            return "other", path, fragment
        if parts.scheme or parts.netloc:
            return "external", None, fragment
        directory = posixpath.dirname(document.path)
        return self.in_root(posixpath.join(directory, urllib.parse.unquote(parts.path)), fragment)

    @staticmethod
    def in_root(path, fragment):
        path = posixpath.normpath(path)
        if path == ".." or path.startswith("../") or path.startswith("/"):
            return "outside", path, fragment
        return "file", path, fragment

    def target_exists(self, path):
        if path not in self.exists:
            status, _ = api(self.base, "/api/contents/" + urllib.parse.quote(path) + "?content=0")
            self.exists[path] = status
        return self.exists[path] == 200

    def targets_to_open(self, documents):
        """Documents named by an #anchor link that this run has not opened (their ids are needed)."""
        seen = {document.path for document in documents if document.ids is not None}
        wanted = set()
        for document, _, href, _ in self.found:
            kind, path, fragment = self.resolve(document, href)
            if kind == "file" and fragment and path not in seen and self.target_exists(path) \
                    and path.endswith((".ipynb", ".md")):
                wanted.add(path)
        return sorted(wanted)

    def check(self, ids_of):
        """ids_of(path) -> set of element ids of that document's rendered Markdown, or None."""
        for document, where, href, text in self.found:
            kind, path, fragment = self.resolve(document, href)
            label = f"{where}: [{short(text, 40)}]({short(href if kind != 'file' else path + ('#' + fragment if fragment else ''), 90)})"
            if kind == "external":
                self.external += 1
                continue
            if kind == "outside":
                fail(document.name, "links", f"{label}: outside the folder JupyterLab serves ({path})")
                continue
            if kind == "other":
                fail(document.name, "links", f"{label}: a server URL that is not a file ({path})")
                continue
            if kind == "file" and not self.target_exists(path):
                fail(document.name, "links", f"{label}: no such file ({path}: HTTP {self.exists[path]})")
                continue
            if fragment:
                ids = ids_of(path)
                if ids is None:
                    fail(document.name, "links", f"{label}: anchor not checked, {path} was not opened")
                elif fragment not in ids:
                    fail(document.name, "links", f"{label}: no element with id {fragment!r} in {path}")


def open_and_wait(lab, document):
    """Open a document in JupyterLab and wait until it has rendered; False if it did not."""
    lab.open(document.path)
    try:
        lab.page.wait_for_function(CURRENT_TAB_JS, arg=document.name, timeout=PAGE_TIMEOUT_MS)
        lab.page.evaluate(CLOSE_LAUNCHERS_JS)
        lab.page.wait_for_function(NOTEBOOK_READY_JS if document.notebook else MARKDOWN_READY_JS,
                                   arg=len(document.cells), timeout=PAGE_TIMEOUT_MS)
    except Exception:
        return False
    settle(lab.page)
    return True


def check_link_click(lab, document, link_text, target, root):
    """Clicking the link in `document` opens `target` in JupyterLab, at /lab/tree/<target>."""
    events = lab.watch()
    page = lab.page
    try:
        if not open_and_wait(lab, document):
            fail(document.name, "links", f"could not open it again to click [{short(link_text, 40)}]")
            return
        scope = ".jp-Notebook" if document.notebook else ".jp-MarkdownViewer"
        link = page.locator(f"{scope} a[href]", has_text=link_text).first
        link.scroll_into_view_if_needed()
        link.click()
        name = target.rsplit("/", 1)[-1]
        opened = Document(root, target)
        try:
            page.wait_for_function(CURRENT_TAB_JS, arg=name, timeout=LINK_CLICK_TIMEOUT_MS)
            page.wait_for_function(NOTEBOOK_READY_JS if opened.notebook else MARKDOWN_READY_JS,
                                   arg=len(opened.cells), timeout=PAGE_TIMEOUT_MS)
        except Exception:
            fail(document.name, "links", f"clicking [{short(link_text, 40)}] did not open {target} in "
                 f"JupyterLab (the page is at {page.url.removeprefix(lab.base)})")
            return
        path = urllib.parse.unquote(urllib.parse.urlsplit(page.url).path)
        if path != f"/lab/tree/{target}":
            fail(document.name, "links", f"clicking [{short(link_text, 40)}] opened {name}, but the address is "
                 f"{path}, not /lab/tree/{target}")
        settle(page)
    finally:
        lab.close_all()
        check_console(document.name + " (link click)", events, lab.base)
        check_requests(document.name + " (link click)", events, lab.base)


# ----------------------------------------------------------------------------------- run all

RUN_STATE_JS = r"""() => {
  const panel = document.querySelector(".jp-NotebookPanel:not(.lm-mod-hidden)");
  const prompts = [...panel.querySelectorAll(".jp-CodeCell .jp-InputArea .jp-InputPrompt")]
      .filter(p => p.checkVisibility()).map(p => p.textContent.trim());
  return {
    kernel: (panel.querySelector(".jp-Notebook-ExecutionIndicator") || {dataset: {}}).dataset.status || null,
    running: prompts.filter(p => p.includes("*")).length,
    numbered: prompts.filter(p => /\[\d+\]/.test(p)).length,
    dialogs: [...document.querySelectorAll(".jp-Dialog")].map(d => d.innerText.slice(0, 300)),
  };
}"""


def menu_command(page, menu, command):
    page.locator(".lm-MenuBar-item", has_text=menu).first.click()
    page.locator(f'.lm-Menu-item[data-command="{command}"]').first.click()


def run_all(page, document, folder):
    """Clear all outputs, Run All Cells, wait for the end, check the outputs; returns seconds."""
    start = time.monotonic()
    menu_command(page, "Edit", "editmenu:clear-all")
    menu_command(page, "Run", "runmenu:run-all")
    # Over when the kernel has been idle RUN_IDLE_POLLS polls in a row with no cell queued ([*]),
    # once it has started (a cell queued or executed: the outputs were cleared, so no cell had a
    # number before). An error stops Run All: the cells after it keep an empty prompt.
    idle_polls, started, state = 0, False, None
    while True:
        time.sleep(RUN_POLL_S)
        state = page.evaluate(RUN_STATE_JS)
        started = started or state["running"] > 0 or state["numbered"] > 0 or state["kernel"] == "busy"
        if state["dialogs"] or state["kernel"] == "dead":
            break
        idle = started and state["running"] == 0 and state["kernel"] == "idle"
        idle_polls = idle_polls + 1 if idle else 0
        if idle_polls >= RUN_IDLE_POLLS:
            break
        if time.monotonic() - start > RUN_ALL_TIMEOUT_S or (not started and time.monotonic() - start > 60):
            fail(document.name, "run", f"Run All not finished after {time.monotonic() - start:.0f} s "
                 f"({state['numbered']} cells done, {state['running']} queued, kernel {state['kernel']})"
                 if started else "Run All did not start within 60 s")
            break
    if state["kernel"] == "dead":
        fail(document.name, "run", "the kernel died")
    elapsed = time.monotonic() - start
    settle(page)
    final = page.evaluate(NOTEBOOK_STATE_JS)
    check_dialogs(document.name, final["dialogs"])
    not_run = []
    for index, (cell, shown) in enumerate(zip(document.cells, final["cells"])):
        if cell["cell_type"] != "code":
            continue
        if shown["prompt"] is not None and not re.search(r"\[\d+\]", shown["prompt"]):
            not_run.append(str(index))
        for output in shown["outputs"]:
            if output["type"] == ERROR_OUTPUT_TYPE:
                lines = [line for line in output["text"].splitlines() if line.strip()]
                error = next((line for line in reversed(lines) if re.match(r"\w*(Error|Exception)\b", line)),
                             lines[0] if lines else "")
                fail(document.name, "run", f"cell {index}: error or stderr output: {short(error, 120)!r}")
    if not_run:
        fail(document.name, "run", f"{len(not_run)} code cells not executed (Run All stops at an error): "
             f"cells {', '.join(not_run)}")
    take_screenshot(page, folder, f"{document.stem}-run")
    return elapsed


# ----------------------------------------------------------------------------------- per document

def check_page_state(document, state, root, links):
    """The checks of a Markdown page shown in the preview (state: MARKDOWN_STATE_JS)."""
    check_dialogs(document.name, state["dialogs"])
    if not state["viewer"] or not state["rendered"]:
        fail(document.name, "load", "not opened in the Markdown preview"
             + (" (it is open in the text editor)" if state["editor"] else ""))
        document.ids = set()
        return
    check_raw_myst_page(document, state["rendered"], (root / document.path).read_text())
    links.add(document, "page", state["rendered"])
    document.ids = set(state["rendered"]["ids"])


def check_notebook_state(document, state, links):
    """The checks of a notebook as it opens (state: NOTEBOOK_STATE_JS)."""
    if len(state["cells"]) != len(document.cells):
        fail(document.name, "load", f"{len(state['cells'])} cells in the page, {len(document.cells)} in the file")
    check_dialogs(document.name, state["dialogs"])
    check_rendered_cells(document, state)
    check_trust(document, state)
    check_raw_myst_notebook(document, state)
    check_solutions(document, state)
    check_setup_cell(document, state)
    document.ids = set()
    for index, shown in enumerate(state["cells"]):
        if shown["rendered"]:
            links.add(document, f"cell {index}", shown["rendered"])
            document.ids |= set(shown["rendered"]["ids"])


def check_landing(lab, folder, root, links, intro):
    """The server's root URL: intro.md rendered, with the course title; then intro's own checks."""
    title_line = next((line for line in (root / LANDING_DOCUMENT).read_text().splitlines()
                       if line.startswith("# ")), "# ")
    title = title_line[2:].strip()
    events = lab.watch()
    page = lab.page
    try:
        lab.load("/")
        try:
            page.wait_for_function(MARKDOWN_READY_JS, timeout=PAGE_TIMEOUT_MS)
        except Exception:
            fail("landing", "landing", f"nothing (preview, editor or Launcher) after {PAGE_TIMEOUT_MS // 1000} s")
        settle(page)
        state = page.evaluate(MARKDOWN_STATE_JS)
        path = urllib.parse.unquote(urllib.parse.urlsplit(page.url).path)
        if path != f"/lab/tree/{LANDING_DOCUMENT}":
            fail("landing", "landing", f"{lab.base}/ lands on {path}, not /lab/tree/{LANDING_DOCUMENT}")
        if state["launcher"]:
            fail("landing", "landing", "the Launcher is showing")
        if not state["viewer"]:
            fail("landing", "landing", f"{LANDING_DOCUMENT} is not shown rendered"
                 + (" (it is open in the text editor)" if state["editor"] else ""))
        elif title not in state["headings"]:
            fail("landing", "landing", f"the course title {title!r} is not a heading of the page "
                 f"(headings: {quoted_list(state['headings'])})")
        check_page_state(intro, state, root, links)
        take_screenshot(page, folder, "landing")
    finally:
        lab.close_all()
    check_console("landing", events, lab.base)
    check_requests("landing", events, lab.base)


def check_document(lab, document, folder, links, run, root):
    """Open one document, run every check on it (and Run All); returns the seconds it took to open."""
    events = lab.watch()
    start = time.monotonic()
    try:
        if not open_and_wait(lab, document):
            fail(document.name, "load", f"not open and rendered after {PAGE_TIMEOUT_MS // 1000} s")
            lab.load("/lab")  # a fresh JupyterLab for the next document
            lab.close_all()
            return time.monotonic() - start
        opened = time.monotonic() - start
        if document.notebook:
            check_notebook_state(document, lab.page.evaluate(NOTEBOOK_STATE_JS), links)
        else:
            check_page_state(document, lab.page.evaluate(MARKDOWN_STATE_JS), root, links)
        take_screenshot(lab.page, folder, document.stem)
        if run:
            progress(f"  Run All Cells in {document.name} …")
            TIMINGS[f"run all {document.name}"] = run_all(lab.page, document, folder)
        if document.notebook:
            check_raw_myst_collapsed(lab.page, document, links)
    finally:
        lab.close_all()
        check_console(document.name, events, lab.base)
        check_requests(document.name, events, lab.base)
    return opened


def collect_ids(lab, path, root):
    """The element ids of a document this run did not check (for #anchor links into it)."""
    document = Document(root, path)
    lab.watch()
    try:
        if not open_and_wait(lab, document):
            return None
        if document.notebook:
            state = lab.page.evaluate(NOTEBOOK_STATE_JS)
            return {i for cell in state["cells"] if cell["rendered"] for i in cell["rendered"]["ids"]}
        state = lab.page.evaluate(MARKDOWN_STATE_JS)
        return set(state["rendered"]["ids"]) if state["rendered"] else set()
    finally:
        lab.close_all()


def first_cross_link(links, document):
    """(link text, target) of the first link in `document` to another notebook or page, or None."""
    for source, _, href, text in links.found:
        if source is document and text:
            kind, path, _ = links.resolve(document, href)
            if kind == "file" and path != document.path and path.endswith((".ipynb", ".md")) \
                    and links.target_exists(path):
                return text, path
    return None


def check_clicks(lab, links, intro, notebooks, root):
    """Click one link on the landing page and one in the first notebook that has one."""
    for sources in ([intro], notebooks):
        for document in sources:
            pair = first_cross_link(links, document)
            if pair:
                check_link_click(lab, document, *pair, root)
                break


def check_unchanged(root, before):
    after = snapshot(root)
    for path in sorted(set(before) | set(after)):
        if path not in after:
            fail(path, "unchanged", "removed during the test")
        elif path not in before:
            fail(path, "unchanged", "created during the test (by a notebook run?)")
        elif before[path] != after[path]:
            fail(path, "unchanged", "modified during the test (the test never saves: was it edited meanwhile?)")


# ----------------------------------------------------------------------------------- main

def number_list(text):
    return [item.strip() for item in text.split(",") if item.strip()] if text else []


def on_sigterm(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def print_summary(documents, notebooks, to_run, skipped_runs, links, opened, folder, elapsed):
    print(f"lab browser test: landing page + {len(documents)} documents ({len(notebooks)} notebooks), "
          f"{sum(1 for d in notebooks if notebook_number(d) in to_run)} run in the browser, "
          f"{len(links.found)} links ({links.external} external, not followed); {elapsed:.0f} s in all")
    if skipped_runs:
        print(f"not run (not among the --only documents): {', '.join(sorted(skipped_runs))}")
    timings = [f"server start {TIMINGS.get('server start', 0):.0f} s", f"landing {TIMINGS.get('landing', 0):.0f} s"]
    if opened:
        slowest = max(opened, key=opened.get)
        timings.append(f"opening documents {sum(opened.values()):.0f} s (slowest {slowest} {opened[slowest]:.0f} s)")
    timings += [f"{what} {seconds:.0f} s" for what, seconds in TIMINGS.items() if what.startswith("run all")]
    timings.append(f"links {TIMINGS.get('links', 0):.0f} s")
    print("timings: " + ", ".join(timings))
    if RAW_MYST_COUNTS:
        print("raw MyST per document and kind:")
        for name, counts in RAW_MYST_COUNTS.items():
            print(f"  {name}: " + ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items())))
    print(f"screenshots: {len(list(folder.glob('*.png')))} files in {folder}")
    if FAILURES:
        by_check = collections.Counter(check for _, check, _ in FAILURES)
        print(f"lab browser test FAILED: {len(FAILURES)} failures on "
              f"{len({document for document, _, _ in FAILURES})} documents; by check: "
              + ", ".join(f"{check} {count}" for check, count in by_check.most_common()))
        return 1
    print("lab browser test passed")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chapters", type=pathlib.Path, default=REPO / "chapters",
                        help="the folder JupyterLab serves (default: the repository's chapters/)")
    parser.add_argument("--screenshots", type=pathlib.Path, default=REPO / "_build" / "screenshots" / "lab",
                        metavar="DIR", help="where the screenshots go (default: _build/screenshots/lab)")
    parser.add_argument("--run", default=DEFAULT_RUN, metavar="NN,NN",
                        help=f"notebooks (by number) to run in the browser (default: {DEFAULT_RUN}; '' for none)")
    parser.add_argument("--only", default="", metavar="NN,NAME",
                        help="check only these documents (and the landing page): notebook numbers (05) or "
                             "page names (notation)")
    parser.add_argument("--trust", action="store_true",
                        help="first trust the notebooks (jupyter trust, into the user's database), as `make lab` does")
    args = parser.parse_args(argv)

    root = args.chapters.resolve()
    if not (root / LANDING_DOCUMENT).is_file():
        parser.error(f"{args.chapters} has no {LANDING_DOCUMENT}")
    only = number_list(args.only)
    everything = find_documents(root, [])
    documents = [d for d in find_documents(root, only) if d.path != LANDING_DOCUMENT]
    unknown = [key for key in only if not any(d.name.startswith(key + "-") or d.stem == key for d in everything)]
    if unknown:
        parser.error(f"no document matches --only {', '.join(unknown)}")
    notebooks = [d for d in documents if d.notebook]
    to_run = set(number_list(args.run))
    unknown = to_run - {notebook_number(d) for d in everything if d.notebook}
    if unknown:
        parser.error(f"no notebook numbered {', '.join(sorted(unknown))} (--run)")
    skipped_runs = to_run - {notebook_number(d) for d in notebooks}

    reason = unavailable()
    if reason:
        return skip_or_fail("lab browser test", reason)
    chromium = shutil.which("chromium")
    from playwright.sync_api import sync_playwright

    folder = args.screenshots.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, on_sigterm)
    start = time.monotonic()
    if args.trust:
        trust_notebooks(root)
    check_trust_setup(root)
    before = snapshot(root)
    intro = Document(root, LANDING_DOCUMENT)
    opened = {}
    with tempfile.TemporaryDirectory(prefix="browser-lab-") as temporary:
        process, base, log_path = start_server(root, pathlib.Path(temporary))
        links = Links(base, root)
        progress(f"JupyterLab (pid {process.pid}) on {base}, serving {root}")
        try:
            try:
                wait_for_server(process, base, log_path)
            except RuntimeError as error:
                print(f"lab browser test failed: {error}")
                return 1
            TIMINGS["server start"] = time.monotonic() - start
            with sync_playwright() as playwright:
                try:
                    browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
                except Exception as error:
                    print(f"lab browser test failed: Chromium ({chromium}) did not start: {short(error, 200)}")
                    return 1
                context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1,
                                              color_scheme="light", reduced_motion="reduce")
                context.set_default_timeout(ACTION_TIMEOUT_MS)
                lab = Lab(context, base)
                step = time.monotonic()
                progress("landing page …")
                check_landing(lab, folder, root, links, intro)
                TIMINGS["landing"] = time.monotonic() - step
                for document in documents:
                    run = bool(document.notebook) and notebook_number(document) in to_run
                    progress(f"{document.path} …")
                    opened[document.name] = check_document(lab, document, folder, links, run, root)
                step = time.monotonic()
                progress("links …")
                check_clicks(lab, links, intro, notebooks, root)
                ids = {d.path: d.ids for d in [intro] + documents if d.ids is not None}
                for path in links.targets_to_open([intro] + documents):
                    ids[path] = collect_ids(lab, path, root)
                links.check(lambda path: ids.get(path))
                TIMINGS["links"] = time.monotonic() - step
                context.close()
                browser.close()
        finally:
            stop_server(process, base, log_path)
    check_unchanged(root, before)
    return print_summary(documents, notebooks, to_run, skipped_runs, links, opened, folder,
                         time.monotonic() - start)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as interruption:
        print(f"lab browser test interrupted ({interruption or 'Ctrl-C'}); JupyterLab was stopped")
        sys.exit(130)

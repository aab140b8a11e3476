"""Browser test of the built website: every page loaded in headless Chromium, as readers see it.

Usage:
    .venv/bin/python .ci/browser_site.py _build/html [--screenshots _build/screenshots/site]
                                                     [--pages chapters/intro.html ...] [--full-axe]

The site is served from a local HTTP server (a thread of this script, 127.0.0.1, a free port), under
the path of its address (`html.baseurl` in _config.yml) as on GitHub Pages, and
loaded with Playwright's sync API in Debian's Chromium (`shutil.which("chromium")`; no browser is
ever downloaded), in one browser with a fresh context per viewport: desktop 1280x800 and phone
390x844. Every request is routed: only the local server's origin (and data:/blob:) is allowed;
anything else is aborted and reported as an "off-site request", so MathJax, fonts and scripts must
all be served by the site. Each page is loaded as on a first visit (localStorage is cleared before
the page's scripts run).

Pages: every .html file under the site except genindex.html, py-modindex.html, search.html and the
_static/, _sources/, _images/ folders (or only the pages given with --pages). A page that only
redirects (<meta http-equiv="refresh">, like index.html) must land on its target, which must load
(status < 400); nothing else is checked on it. For each other page and viewport, these
checks (the name in the output in brackets):
  [console]   no console error and no uncaught exception;
  [requests]  no failed request, no same-origin response with status >= 400, no off-site request;
  [math]      MathJax has finished (MathJax.startup.promise), every .math element holds an
              mjx-container, no MathJax error (mjx-merror) or undefined macro, and no visible text
              outside code still shows TeX delimiters \\( \\[ $$ \\begin{;
  [images]    every <img> has loaded and has meaningful alt text (>= 10 characters, not a file name,
              not generic); theme logos and icons included (exemptions: ALT_EXEMPT, empty);
  [launch]    chapter pages (chapters/part*/): Binder and Colab links to this chapter's notebook;
              a JupyterHub (nbgitpuller) link, if there is one, points at it too and at no
              placeholder host (read from the DOM, nothing is clicked);
  [width]     phone: the page is no wider than the viewport (+1 px);
  [overflow]  figures, images, display math, tables, admonitions, outputs and code blocks stay
              within the content column (+2 px) unless inside a horizontally scrolling box that
              fits; no element clips its content horizontally (overflow-x hidden/clip);
  [markers]   no visible "BEGIN/END SOLUTION" or "BEGIN/END HIDDEN TESTS", with every fold open;
  [headings]  exactly one h1, no skipped level going down (h2 -> h4), counting rendered headings
              (not the theme's print-only copy of the title);
  [weight]    desktop: a first visit (the page and all it loads before any scrolling, counted from
              the files served) is at most FIRST_VISIT_MAX bytes;
  [theme]     desktop, every page: the theme switch button reaches dark mode within 3 clicks;
  [axe]       desktop: no axe-core violation of impact serious or critical, if
              axe_playwright_python is installed (it bundles axe.min.js: nothing is fetched).
              Every rule on every page in light mode, except color-contrast, which is slow: it runs
              in light and dark mode on AXE_CONTRAST_PAGES (a sample), or on every page with
              --full-axe (several minutes more).
The DOM checks (math to headings) run with every fold (solution dropdowns, <details>) opened, so
folded content is checked too; screenshots show the page as it loads, folds closed.
Once for the site: [weight] the whole site at most SITE_MAX bytes (not counting the book's PDF,
a download no page loads), each page's own HTML with its images at most PAGE_MAX; [search] search.html?q=transposed (desktop) must list at least 10 pages (with
--pages, only if search.html is one of them).

Output: one line per failure, `page | viewport | check | detail`, then a summary (failures per
check, search result count, time taken, size of the screenshot folder).
Exit status: 0 all checks pass, 1 some check failed, 2 bad arguments, 77 skipped because there is
no Chromium or no Playwright (on CI, that is, with CI=true, it is a failure instead: exit 1).

Screenshots (with --screenshots DIR): for every page DIR/<page path, / -> __, no .html>-desktop.png,
-phone.png and -dark.png (desktop, dark mode), full page up to SCREENSHOT_MAX_HEIGHT px tall, and
search-desktop.png (the search results).
"""

import argparse
import collections
import functools
import http.server
import pathlib
import re
import shutil
import sys
import threading
import time
import urllib.parse

import yaml

from chromium import ARGS, short, skip_or_fail, unavailable

# ----------------------------------------------------------------------------------- settings

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1,
                "is_mobile": False, "has_touch": False},
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1,
              "is_mobile": True, "has_touch": True},
}
TIMEOUT_MS = 30_000           # any single browser action
MATHJAX_TIMEOUT_MS = 20_000   # MathJax's first typesetting of a page
IMAGES_TIMEOUT_MS = 10_000    # images still loading after the load event

SKIPPED_PAGES = {"genindex.html", "py-modindex.html", "search.html"}
SKIPPED_FOLDERS = {"_static", "_sources", "_images"}
CHAPTER_PAGE = re.compile(r"^chapters/part[^/]*/[^/]+\.html$")

WIDTH_TOLERANCE_PX = 1
OVERFLOW_TOLERANCE_PX = 2
# What the overflow check measures against the content column (svg inside MathJax is skipped).
OVERFLOW_SELECTOR = ("img, svg, figure, mjx-container[display], table, .admonition, "
                     "div.cell_output, .output, div.highlight, pre")
CONTENT_COLUMN_SELECTORS = ["article.bd-article", "main"]

MIN_ALT_LENGTH = 10
GENERIC_ALT = {"image", "figure", "png", "svg", "jpg", "img", "picture", "photo", "icon", "logo",
               "plot", "graph", "chart", "diagram", "output", "untitled"}
FILE_NAME_ALT = re.compile(r"\.(png|svg|jpe?g|gif|webp)\b", re.IGNORECASE)
# Images whose alt text is not checked: substring of the src -> reason. Nothing is exempt today.
ALT_EXEMPT = {}

RAW_MATH_DELIMITERS = ["\\(", "\\[", "$$", "\\begin{"]
SOLUTION_MARKERS = ["BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"]
PLACEHOLDER_HOSTS = ["example.edu", "example.com", "example.org"]
NBGITPULLER = "hub/user-redirect/git-pull"

THEME_BUTTON = ".theme-switch-button"
THEME_MAX_CLICKS = 3

AXE_IMPACTS = {"serious", "critical"}
# preload: False: axe would otherwise fetch the style sheets itself and resolve their @import
# relative to the page, not to the sheet (a 404 for /chapters/basic.css that the site does not ask for).
AXE_OPTIONS = {"resultTypes": ["violations"], "preload": False}
# The colour-contrast rule takes most of axe's time (3-10 s a page and mode on 2 busy cores, 40 s
# for api.html), so by default it runs, in light and in dark mode, on these pages only, chosen to
# cover the theme, prose, code, outputs (tracebacks), exercises and solutions with links; every
# other rule runs on every page. --full-axe runs color-contrast on every page, in both modes.
AXE_CONTRAST_RULE = "color-contrast"
AXE_CONTRAST_PAGES = [
    "chapters/intro.html",
    "chapters/part1-convolution/01-convolution-by-hand.html",
    "chapters/part3-apis/08-tensorflow.html",
    "chapters/part4-mnist/13-seeing-what-lenet-sees.html",
]

SEARCH_QUERY = "transposed"
SEARCH_MIN_PAGES = 10
SEARCH_TIMEOUT_MS = 20_000

SCREENSHOT_MAX_HEIGHT = 8000



# ----------------------------------------------------------------------------------- failures

FAILURES = []  # (page, viewport, check, detail)


def fail(page, viewport, check, detail):
    FAILURES.append((page, viewport, check, detail))
    print(f"{page} | {viewport} | {check} | {detail}", flush=True)


def counted(items):
    """["a", "b", "a"] -> ["a (x2)", "b"], keeping the first order."""
    counts = collections.Counter(items)
    return [item if counts[item] == 1 else f"{item} (x{counts[item]})" for item in dict.fromkeys(items)]


# ----------------------------------------------------------------------------------- the server

class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".mjs": "text/javascript",
                      ".woff": "font/woff", ".woff2": "font/woff2", ".svg": "image/svg+xml"}

    def log_message(self, *args):
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # The browser drops connections it no longer needs (a page closed while loading): not news.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


def base_path():
    """The path of the site's address (`html.baseurl` in _config.yml), e.g. "/transposed-convolution".

    The site is served under it, as on GitHub Pages: the 404 page links with absolute paths.
    """
    config = yaml.safe_load((pathlib.Path(__file__).parent.parent / "_config.yml").read_text())
    base = (config.get("html") or {}).get("baseurl") or "/"
    return urllib.parse.urlsplit(base).path.rstrip("/")


class PrefixHandler(QuietHandler):
    """Serves the site under `prefix`; a request outside it gets a 404."""

    prefix = ""

    def send_head(self):
        if not self.path.startswith(self.prefix + "/"):
            self.send_error(404)
            return None
        self.path = self.path[len(self.prefix):]
        return super().send_head()


def start_server(html_dir):
    """Serve html_dir on 127.0.0.1 under the site's base path; returns (server, site URL)."""
    prefix = base_path()
    handler_class = type("SiteHandler", (PrefixHandler,), {"prefix": prefix})
    handler = functools.partial(handler_class, directory=str(html_dir))
    server = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}{prefix}"


# ----------------------------------------------------------------------------------- the pages

def site_pages(html_dir):
    pages = []
    for path in sorted(html_dir.rglob("*.html")):
        relative = path.relative_to(html_dir)
        if relative.parts[0] in SKIPPED_FOLDERS or relative.as_posix() in SKIPPED_PAGES:
            continue
        pages.append(relative.as_posix())
    return pages


def screenshot_name(page_path, suffix):
    return page_path.removesuffix(".html").replace("/", "__") + f"-{suffix}.png"


def open_page(context, origin, url):
    """A new tab watching console, errors and requests; returns (page, events) after loading url."""
    page = context.new_page()
    events = {"console": [], "failed": [], "status": [], "offsite": [], "loaded": []}

    def route(route):
        url = route.request.url
        if url.startswith(origin + "/") or url == origin or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            events["offsite"].append(url)
            route.abort("blockedbyclient")

    def on_console(message):
        if message.type == "error":
            events["console"].append((message.text, message.location.get("url", "")))

    def on_response(response):
        if response.status >= 400 and response.url.startswith(origin):
            events["status"].append((response.url, response.status))
        elif response.url.startswith(origin + "/"):
            events["loaded"].append(response.url)

    page.route("**/*", route)
    page.on("console", on_console)
    page.on("pageerror", lambda error: events["console"].append(
        ("uncaught exception: " + (getattr(error, "message", "") or str(error)), "")))
    page.on("requestfailed", lambda request: events["failed"].append((request.url, request.failure)))
    page.on("response", on_response)
    page.on("websocket", lambda socket: events["offsite"].append(socket.url)
            if not socket.url.startswith(origin.replace("http", "ws", 1)) else None)
    page.goto(url, wait_until="load")
    return page, events


# window.MathJax first holds the configuration; MathJax.startup appears when its script has run
# (a loader may still be fetching it after the load event, hence the short wait).
WAIT_FOR_MATHJAX_JS = """async (timeout) => {
  if (!window.MathJax) return {present: false};
  for (let waited = 0; !(MathJax.startup && MathJax.startup.promise) && waited < 3000; waited += 50)
    await new Promise(done => setTimeout(done, 50));
  if (!MathJax.startup || !MathJax.startup.promise) return {present: true, loaded: false};
  let timer;
  const late = new Promise((_, reject) => { timer = setTimeout(
      () => reject(new Error(`not finished after ${timeout} ms`)), timeout); });
  try { await Promise.race([MathJax.startup.promise, late]); return {present: true, loaded: true}; }
  catch (error) { return {present: true, loaded: true, error: String(error)}; }
  finally { clearTimeout(timer); }
}"""

WAIT_FOR_IMAGES_JS = """async (timeout) => {
  for (const img of document.images) img.loading = "eager";
  const pending = [...document.images].filter(img => !img.complete).map(img =>
      new Promise(done => { img.addEventListener("load", done); img.addEventListener("error", done); }));
  await Promise.race([Promise.all(pending), new Promise(done => setTimeout(done, timeout))]);
  await document.fonts.ready;
}"""


def wait_until_ready(page, first_visit=None):
    """Wait for MathJax's first typesetting, the images and the fonts; returns MathJax's state.

    first_visit(), if given, is called once the page has settled as on arrival, before the lazy
    images are made to load.
    """
    mathjax = page.evaluate(WAIT_FOR_MATHJAX_JS, MATHJAX_TIMEOUT_MS)
    if first_visit is not None:
        page.wait_for_load_state("networkidle")
        first_visit()
    page.evaluate(WAIT_FOR_IMAGES_JS, IMAGES_TIMEOUT_MS)
    return mathjax


# Folds: sphinx-togglebutton admonitions (class toggle-hidden, opened by a click on their title)
# and <details> (sphinx-design dropdowns, hidden cells). Opened ones are marked to close them again.
# Budgets of weight, in bytes: the whole site (the PDF is a download no page loads), a page's own
# HTML with its images, and what a first visit to a page downloads before any scrolling.
SITE_MAX = 12_000_000
PAGE_MAX = 2_000_000
FIRST_VISIT_MAX = 2_500_000
WEIGHT_EXCLUDED = {"transposed-convolution.pdf"}
FIRST_VISITS = {}  # page -> bytes, for the summary

FOLD_SETTLE_MS = 600
OPEN_FOLDS_JS = """() => {
  let opened = 0;
  for (const item of document.querySelectorAll(".toggle-hidden")) {
    const title = item.querySelector(":scope > .admonition-title") || item.querySelector(".toggle-button");
    if (title) { title.click(); item.dataset.browserTestOpened = "1"; opened++; }
  }
  for (const details of document.querySelectorAll("details:not([open])")) {
    details.open = true; details.dataset.browserTestOpened = "1"; opened++;
  }
  return {opened, stillFolded: document.querySelectorAll(".toggle-hidden, details:not([open])").length};
}"""

CLOSE_FOLDS_JS = """() => {
  for (const item of document.querySelectorAll("[data-browser-test-opened]")) {
    delete item.dataset.browserTestOpened;
    if (item.tagName === "DETAILS") { item.open = false; continue; }
    const title = item.querySelector(":scope > .admonition-title") || item.querySelector(".toggle-button");
    if (title) title.click();
  }
}"""


def open_folds(page, name, viewport):
    result = page.evaluate(OPEN_FOLDS_JS)
    page.wait_for_timeout(FOLD_SETTLE_MS)  # as for a reader: the page reacts to the opened folds
    if result["stillFolded"]:
        fail(name, viewport, "markers", f"{result['stillFolded']} folds could not be opened: "
             "their content is not checked")


def take_screenshot(page, folder, name, suffix):
    if folder is None:
        return
    width = page.viewport_size["width"]
    height = min(page.evaluate("document.documentElement.scrollHeight"), SCREENSHOT_MAX_HEIGHT)
    page.mouse.move(0, 0)  # no hover effect or tooltip in the picture
    page.screenshot(path=str(folder / screenshot_name(name, suffix)), full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": height}, animations="disabled")


# ----------------------------------------------------------------------------------- the checks

def check_console(name, viewport, events, origin, reported_urls):
    messages = []
    for text, url in events["console"]:
        # "Failed to load resource" for a URL the requests check reports already: said once.
        if text.startswith("Failed to load resource") and url in reported_urls:
            continue
        where = urllib.parse.urlsplit(url).path if url.startswith(origin) else url
        messages.append(short(text, 160) + (f" (at {short(where, 100)})" if where else ""))
    for message in counted(messages):
        fail(name, viewport, "console", message)


def check_requests(name, viewport, events, origin):
    """Returns the URLs it reported, so that the console check does not report them again."""
    offsite = set(events["offsite"])
    reported = set()
    for url in dict.fromkeys(events["offsite"]):
        fail(name, viewport, "requests", f"off-site request (blocked): {short(url, 140)}")
        reported.add(url)
    for url, status in dict.fromkeys(events["status"]):
        fail(name, viewport, "requests", f"HTTP {status}: {url.removeprefix(origin)}")
        reported.add(url)
    for url, failure in dict.fromkeys(events["failed"]):
        if url not in offsite:
            where = url.removeprefix(origin) if url.startswith(origin) else short(url, 140)
            fail(name, viewport, "requests", f"request failed ({failure}): {where}")
            reported.add(url)
    return reported


MATH_JS = """(delimiters) => {
  const describe = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "");
  const untypeset = [...document.querySelectorAll(".math")]
      .filter(el => !el.querySelector("mjx-container")).map(el => el.textContent.trim());
  const errors = [...document.querySelectorAll("mjx-merror")]
      .map(el => el.getAttribute("data-mjx-error") || el.textContent.trim());
  // With MathJax's noundefined package an unknown macro is drawn (in red) as its own name, in an
  // mjx-mtext whose characters are mjx-c elements named by code point (mjx-c5C is a backslash).
  const undefinedMacros = [];
  for (const mtext of document.querySelectorAll("mjx-container mjx-mtext")) {
    const text = [...mtext.querySelectorAll("mjx-c, mjx-utext")].map(c => {
      if (c.tagName.toLowerCase() === "mjx-utext") return c.textContent;
      const code = [...c.classList].map(k => k.match(/^mjx-c([0-9A-F]+)$/)).find(m => m);
      return code ? String.fromCodePoint(parseInt(code[1], 16)) : "";
    }).join("");
    if (/^\\\\[A-Za-z]+$/.test(text)) undefinedMacros.push(text);
  }
  const raw = [];
  // (.math elements are left to the counts above.)
  const skip = "code, pre, kbd, samp, script, style, textarea, noscript, template, .math, mjx-container, .highlight";
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    const delimiter = delimiters.find(d => node.textContent.includes(d));
    if (!delimiter || !parent.checkVisibility()) continue;
    const at = node.textContent.indexOf(delimiter);
    raw.push({delimiter, text: node.textContent.slice(Math.max(0, at - 20), at + 40),
              where: describe(parent.closest("[id]") || parent)});
  }
  return {count: document.querySelectorAll(".math").length, untypeset, errors, undefinedMacros, raw};
}"""


def check_math(page, name, viewport, mathjax):
    result = page.evaluate(MATH_JS, RAW_MATH_DELIMITERS)
    if result["count"] and not mathjax["present"]:
        fail(name, viewport, "math", f"{result['count']} .math elements but no MathJax on the page")
    elif mathjax["present"] and not mathjax["loaded"]:
        fail(name, viewport, "math", "MathJax is configured but its script did not run "
             "(window.MathJax.startup missing)")
    elif mathjax.get("error"):
        fail(name, viewport, "math", f"MathJax.startup.promise: {mathjax['error']}")
    if result["untypeset"]:
        fail(name, viewport, "math", f"{len(result['untypeset'])} of {result['count']} .math elements "
             f"not typeset, first: {short(result['untypeset'][0], 60)}")
    for error in counted(result["errors"]):
        fail(name, viewport, "math", f"MathJax error: {short(error, 100)}")
    for macro in counted(result["undefinedMacros"]):
        fail(name, viewport, "math", f"undefined TeX macro {macro}")
    for raw in result["raw"][:3]:
        fail(name, viewport, "math", f"raw TeX {raw['delimiter']} in text in {raw['where']}: "
             f"'{short(raw['text'], 60)}'")
    if len(result["raw"]) > 3:
        fail(name, viewport, "math", f"raw TeX in {len(result['raw']) - 3} more text passages")


IMAGES_JS = """() => [...document.images].map(img => ({
  src: img.currentSrc || img.src, alt: img.getAttribute("alt"),
  loaded: img.complete && img.naturalWidth > 0,
  where: (img.closest("[id]") || {}).id || ""}))"""


def alt_problem(alt):
    if alt is None:
        return "no alt attribute"
    alt = alt.strip()
    if not alt:
        return "empty alt text"
    if alt.lower().strip(".") in GENERIC_ALT:
        return f"generic alt text {alt!r}"
    if FILE_NAME_ALT.search(alt):
        return f"alt text is a file name: {short(alt, 40)!r}"
    if len(alt) < MIN_ALT_LENGTH:
        return f"alt text too short ({len(alt)} < {MIN_ALT_LENGTH} characters): {alt!r}"
    return None


def check_images(page, name, viewport, origin):
    for image in page.evaluate(IMAGES_JS):
        src = image["src"].removeprefix(origin)
        where = f" (in #{image['where']})" if image["where"] else ""
        label = short(src, 70) + where
        if not image["loaded"]:
            fail(name, viewport, "images", f"not loaded: {label}")
        if any(part in image["src"] for part in ALT_EXEMPT):
            continue
        problem = alt_problem(image["alt"])
        if problem:
            fail(name, viewport, "images", f"{problem}: {label}")


def url_parameter(url, key):
    values = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get(key)
    return values[0] if values else None


def check_launch_links(page, name, viewport):
    notebook = name.removesuffix(".html") + ".ipynb"
    hrefs = list(dict.fromkeys(page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")))

    binder = [href for href in hrefs if "mybinder.org/v2/gh/" in href]
    binder_ok = [href for href in binder
                 if (url_parameter(href, "urlpath") or url_parameter(href, "labpath") or "").endswith(notebook)]
    if not binder:
        fail(name, viewport, "launch", f"no Binder link (mybinder.org/v2/gh/...) to {notebook}")
    elif not binder_ok:
        fail(name, viewport, "launch", f"Binder link does not open {notebook}: {short(binder[0], 140)}")

    colab = [href for href in hrefs if "colab.research.google.com/github/" in href]
    colab_ok = [href for href in colab if urllib.parse.urlsplit(href).path.endswith("/" + notebook)]
    if not colab:
        fail(name, viewport, "launch", f"no Colab link (colab.research.google.com/github/...) to {notebook}")
    elif not colab_ok:
        fail(name, viewport, "launch", f"Colab link does not open {notebook}: {short(colab[0], 140)}")

    # A JupyterHub link is optional (only when the site sets a hub), but if there, it must work.
    for href in (href for href in hrefs if NBGITPULLER in href):
        host = urllib.parse.urlsplit(href).hostname or ""
        if any(host == placeholder or host.endswith("." + placeholder) for placeholder in PLACEHOLDER_HOSTS):
            fail(name, viewport, "launch", f"JupyterHub link goes to placeholder host {host}: {short(href, 140)}")
        if not (url_parameter(href, "urlpath") or url_parameter(href, "labpath") or "").endswith(notebook):
            fail(name, viewport, "launch", f"JupyterHub link does not open {notebook}: {short(href, 140)}")


# Shared by the layout checks below (prepended to their code).
LAYOUT_HELPERS_JS = """
  const describe = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      [...el.classList].slice(0, 3).map(c => "." + c).join("");
  const snippet = el => (el.getAttribute("alt") || el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 50);
  const anchor = el => { const a = el.parentElement && el.parentElement.closest("[id]"); return a ? a.id : ""; };
  const scrolls = el => ["auto", "scroll"].includes(getComputedStyle(el).overflowX);
  const clips = el => ["hidden", "clip"].includes(getComputedStyle(el).overflowX);
  // The right edge of what is drawn inside root: its descendants' boxes and text, not looking
  // inside boxes that scroll or clip (their own box counts), hidden elements, or MathJax's
  // invisible copy for screen readers (mjx-assistive-mml, which scrollWidth does count).
  const drawnRight = root => {
    let right = -Infinity, element = null;
    const visit = node => {
      for (const child of node.childNodes) {
        if (child.nodeType === Node.TEXT_NODE && child.textContent.trim()) {
          const range = document.createRange();
          range.selectNodeContents(child);
          const box = range.getBoundingClientRect();
          if (box.width && box.right > right) { right = box.right; element = node; }
        } else if (child.nodeType === Node.ELEMENT_NODE) {
          if (child.tagName.toLowerCase() === "mjx-assistive-mml") continue;
          if (!child.checkVisibility({visibilityProperty: true})) continue;
          const box = child.getBoundingClientRect();
          if ((box.width || box.height) && box.right > right) { right = box.right; element = child; }
          if (!scrolls(child) && !clips(child)) visit(child);
        }
      }
    };
    visit(root);
    return {right, element};
  };
"""

# (window.innerWidth is no measure on a phone: it grows with the page.) The culprits named are the
# innermost shown elements past the edge, leaving out boxes that merely stretch with the page
# (from its left edge to its right edge), fixed-position boxes (the phone's off-canvas sidebars)
# and what sits inside a scrolling or clipping box that fits.
WIDTH_JS = """(width) => {""" + LAYOUT_HELPERS_JS + """
  const scrollWidth = document.documentElement.scrollWidth;
  if (scrollWidth <= width + 1) return {scrollWidth, culprits: []};
  // An element's right edge, counting content it lets overflow (text in a pre, say).
  const right = el => {
    const box = el.getBoundingClientRect();
    return scrolls(el) || clips(el) ? box.right : Math.max(box.right, box.left + el.scrollWidth);
  };
  const past = el => right(el) > width + 1;
  const candidates = [...document.body.querySelectorAll("*")].filter(el => {
    if (!past(el) || el.closest("mjx-assistive-mml") || !el.checkVisibility()) return false;
    const box = el.getBoundingClientRect();
    if (box.left <= 0 && box.right >= scrollWidth - 1) return false;
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).position === "fixed") return false;  // off-canvas drawers: no page width
      if (a !== el && (scrolls(a) || clips(a)) && !past(a)) return false;
    }
    return true;
  });
  const innermost = candidates.filter(el => !candidates.some(other => other !== el && el.contains(other)));
  innermost.sort((a, b) => right(b) - right(a));
  return {scrollWidth, count: innermost.length, culprits: innermost.slice(0, 3).map(el => ({
    element: describe(el), text: snippet(el), where: anchor(el), right: Math.round(right(el))}))};
}"""


def check_width(page, name, viewport):
    width = VIEWPORTS[viewport]["viewport"]["width"]
    result = page.evaluate(WIDTH_JS, width)
    if result["scrollWidth"] > width + WIDTH_TOLERANCE_PX:
        culprits = [f"{item['element']}{' in #' + item['where'] if item['where'] else ''} "
                    f"{short(item['text'], 30)!r} ends at {item['right']} px" for item in result["culprits"]]
        more = f" (+{result['count'] - len(culprits)} more)" if result["count"] > len(culprits) else ""
        fail(name, viewport, "width", f"page is {result['scrollWidth']} px wide in a {width}-px viewport "
             f"(+{result['scrollWidth'] - width} px); past the edge: {'; '.join(culprits) or '?'}{more}")


OVERFLOW_JS = """([selector, columnSelectors, tolerance]) => {""" + LAYOUT_HELPERS_JS + """
  const column = columnSelectors.map(s => document.querySelector(s)).find(el => el);
  if (!column) return {column: null, overflowing: [], clipped: []};
  const style = getComputedStyle(column), box = column.getBoundingClientRect();
  const edge = box.right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth);

  const overflowing = [], reported = [];
  for (const el of column.querySelectorAll(selector)) {
    if (el.tagName.toLowerCase() === "svg" && el.closest("mjx-container")) continue;
    if (reported.some(outer => outer.contains(el)) || !el.checkVisibility()) continue;
    const b = el.getBoundingClientRect();
    if (b.width === 0 && b.height === 0) continue;
    // What shows: the box, and, if the element lets its content overflow, the content too.
    let right = b.right;
    if (!scrolls(el) && !clips(el) && b.left + el.scrollWidth - edge > tolerance)
      right = Math.max(right, drawnRight(el).right);
    if (right - edge <= tolerance) continue;
    // Fine inside a horizontally scrolling box that fits; inside a clipping one, "clipped" reports it.
    let contained = false;
    for (let a = el.parentElement; a && a !== column; a = a.parentElement) {
      if ((scrolls(a) || clips(a)) && a.getBoundingClientRect().right - edge <= tolerance) { contained = true; break; }
    }
    if (contained) continue;
    reported.push(el);
    overflowing.push({element: describe(el), text: snippet(el), where: anchor(el), by: Math.round(right - edge)});
  }

  // Clipped: a box that hides part of what it holds (scrollWidth is only a first filter: it
  // also counts invisible things such as MathJax's copy for screen readers).
  const clipped = [];
  for (const el of column.querySelectorAll("*")) {
    if (!clips(el) || el.scrollWidth - el.clientWidth <= tolerance) continue;
    if (el.clientWidth <= 1 || el.closest("mjx-assistive-mml") || !el.checkVisibility()) continue;
    const inner = el.getBoundingClientRect().left + el.clientLeft + el.clientWidth;
    const drawn = drawnRight(el), by = drawn.right - inner;
    if (by > tolerance) clipped.push({element: describe(el), text: snippet(el), where: anchor(el), by: Math.round(by),
                                      overflow: getComputedStyle(el).overflowX,
                                      cut: drawn.element && snippet(drawn.element) !== snippet(el) ?
                                           describe(drawn.element) + " '" + snippet(drawn.element) + "'" : ""});
  }
  return {column: describe(column), edge: Math.round(edge), overflowing, clipped};
}"""


def check_overflow(page, name, viewport):
    result = page.evaluate(OVERFLOW_JS, [OVERFLOW_SELECTOR, CONTENT_COLUMN_SELECTORS, OVERFLOW_TOLERANCE_PX])
    if result["column"] is None:
        fail(name, viewport, "overflow", f"no content column ({' or '.join(CONTENT_COLUMN_SELECTORS)})")
        return
    for item in result["overflowing"]:
        where = f" in #{item['where']}" if item["where"] else ""
        fail(name, viewport, "overflow", f"{item['element']}{where} {short(item['text'], 50)!r} "
             f"overflows the content column ({result['column']}, right edge {result['edge']} px) "
             f"by {item['by']} px")
    for item in result["clipped"]:
        where = f" in #{item['where']}" if item["where"] else ""
        fail(name, viewport, "overflow", f"{item['element']}{where} {short(item['text'], 50)!r} "
             f"clips its content (overflow-x: {item['overflow']}) by {item['by']} px"
             + (f", cut: {short(item['cut'], 60)}" if item["cut"] else ""))


# Markers are looked for in code and output blocks, where nbgrader puts them; the prose may name
# them (the intro and the instructors' page explain them in inline code).
MARKERS_JS = """(markers) => {
  const blocks = [...document.querySelectorAll("div.cell, pre")].filter(el => !el.parentElement.closest("div.cell, pre"));
  const text = blocks.map(el => el.innerText).join("\\n");
  const flat = el => el.textContent.replace(/\\s+/g, " ");
  const found = [];
  for (const marker of markers) {
    const count = text.split(marker).length - 1;
    if (!count) continue;
    // Where: the innermost shown elements holding the marker (it may span several text nodes).
    const holders = blocks.flatMap(block => [block, ...block.querySelectorAll("*")]).filter(el => flat(el).includes(marker));
    const innermost = holders.filter(el => ![...el.children].some(child => flat(child).includes(marker)));
    const places = innermost.filter(el => el.checkVisibility()).map(el => {
      const anchor = el.closest("[id]");
      return anchor ? "#" + anchor.id : el.tagName.toLowerCase();
    });
    found.push({marker, count, places});
  }
  return found;
}"""


def check_markers(page, name, viewport):
    for item in page.evaluate(MARKERS_JS, SOLUTION_MARKERS):
        places = counted(item["places"])
        fail(name, viewport, "markers", f"{item['count']} x visible {item['marker']!r}, in "
             f"{', '.join(places[:4])}{' ...' if len(places) > 4 else ''}")


# Headings not rendered (such as the theme's print-only copy of the title) are not counted.
HEADINGS_JS = """() => [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")]
    .filter(h => h.checkVisibility()).map(h =>
    [Number(h.tagName[1]), h.textContent.trim().replace(/\\s+/g, " ").replace(/#$/, "")])"""


def check_headings(page, name, viewport):
    headings = page.evaluate(HEADINGS_JS)
    h1 = [text for level, text in headings if level == 1]
    if len(h1) != 1:
        fail(name, viewport, "headings", f"{len(h1)} h1 elements (need exactly 1)"
             + (": " + ", ".join(repr(short(text, 40)) for text in h1[:4]) if h1 else ""))
    for (level, text), (previous, previous_text) in zip(headings[1:], headings):
        if level > previous + 1:
            fail(name, viewport, "headings", f"h{previous} -> h{level}: {short(text, 50)!r} "
                 f"follows {short(previous_text, 40)!r}")


def check_theme(page, name, viewport):
    """Click the theme switch until the page is dark; returns whether it got there."""
    buttons = page.locator(THEME_BUTTON).locator("visible=true")
    if not buttons.count():
        fail(name, viewport, "theme", f"no visible theme switch button ({THEME_BUTTON})")
        return False
    themes = [page.evaluate("document.documentElement.dataset.theme")]
    for _ in range(THEME_MAX_CLICKS):
        if themes[-1] == "dark":
            break
        buttons.first.click()
        themes.append(page.evaluate("document.documentElement.dataset.theme"))
    if themes[-1] != "dark":
        fail(name, viewport, "theme", f"not dark after {THEME_MAX_CLICKS} clicks on {THEME_BUTTON} "
             f"(data-theme: {' -> '.join(repr(theme) for theme in themes)})")
        return False
    page.wait_for_timeout(150)  # colour transitions
    return True


def check_axe(page, name, viewport, axe, mode, contrast):
    """Light mode: every rule (color-contrast only if contrast); dark mode: color-contrast only."""
    if mode == "dark":
        options = dict(AXE_OPTIONS, runOnly={"type": "rule", "values": [AXE_CONTRAST_RULE]})
    elif contrast:
        options = AXE_OPTIONS
    else:
        options = dict(AXE_OPTIONS, rules={AXE_CONTRAST_RULE: {"enabled": False}})
    result = axe.run(page, options=options).response
    for violation in result["violations"]:
        if violation.get("impact") not in AXE_IMPACTS:
            continue
        nodes = violation["nodes"]
        target = " ".join(str(part) for part in nodes[0]["target"]) if nodes else ""
        fail(name, viewport, "axe", f"{mode}: {violation['id']} ({violation['impact']}) on "
             f"{len(nodes)} element{'s' * (len(nodes) != 1)}, first: {short(target, 90)}")


SEARCH_DONE_JS = """() => {
  const summary = document.querySelector("#search-results .search-summary, #search-results p");
  return summary && /found|did not match/i.test(summary.innerText);
}"""


def check_search(context, origin, folder):
    name, viewport = f"search.html?q={SEARCH_QUERY}", "desktop"
    page, events = open_page(context, origin, f"{origin}/search.html?q={SEARCH_QUERY}")
    try:
        page.wait_for_function(SEARCH_DONE_JS, timeout=SEARCH_TIMEOUT_MS)
        count = page.locator("#search-results ul.search > li").count()
        summary = page.locator("#search-results .search-summary").first.inner_text()
        if count < SEARCH_MIN_PAGES:
            fail(name, viewport, "search", f"{count} pages found (need >= {SEARCH_MIN_PAGES}): "
                 f"{short(summary, 100)!r}")
    except Exception as error:  # a timeout, mostly
        count = 0
        fail(name, viewport, "search", f"no search results within {SEARCH_TIMEOUT_MS} ms: "
             f"{short(error, 120)}")
    run_check(name, viewport, "screenshot", take_screenshot, page, folder, "search", "desktop")
    reported = check_requests(name, viewport, events, origin)
    check_console(name, viewport, events, origin, reported)
    page.close()
    return count


# ----------------------------------------------------------------------------------- one page

def run_check(name, viewport, check, function, *args):
    """Run one check; a check that cannot run (a timeout, a closed page) is a failure too."""
    try:
        return function(*args)
    except Exception as error:
        fail(name, viewport, check, f"check could not run: {type(error).__name__}: {short(error, 150)}")
        return None


REDIRECT = re.compile(r"""<meta\s+http-equiv=["']?refresh["']?\s+content=["']?\d+\s*;\s*url=([^"'>\s]+)""",
                      re.IGNORECASE)


def redirect_target(html_dir, name):
    """The page a redirect-only page (<meta http-equiv="refresh">) sends readers to, or None."""
    found = REDIRECT.search((html_dir / name).read_text(encoding="utf-8", errors="replace")[:5000])
    return urllib.parse.urljoin(name, found.group(1)) if found else None


def test_redirect(context, origin, name, viewport, target):
    """A redirect page must land on its target (which is checked as a page of its own)."""
    try:
        page, events = open_page(context, origin, f"{origin}/{name}")
        page.wait_for_url(f"{origin}/{target}", timeout=TIMEOUT_MS)
        page.wait_for_load_state("load")
    except Exception as error:
        fail(name, viewport, "requests", f"redirect to {target} did not happen: {short(error, 150)}")
        return
    # Only the two documents count here: what the target loads is checked when the target is.
    documents = {f"{origin}/{name}", f"{origin}/{target}"}
    events = {"console": [], "offsite": [],
              "failed": [item for item in events["failed"] if item[0] in documents],
              "status": [item for item in events["status"] if item[0] in documents]}
    check_requests(name, viewport, events, origin)
    page.close()


def test_page(context, origin, name, viewport, folder, axe, contrast, html_dir):
    try:
        page, events = open_page(context, origin, f"{origin}/{name}")
    except Exception as error:
        fail(name, viewport, "requests", f"page did not load: {short(error, 150)}")
        return
    def first_visit():
        FIRST_VISITS[name] = run_check(name, viewport, "weight", check_first_visit, name, viewport,
                                       list(events["loaded"]), html_dir, origin)

    mathjax = run_check(name, viewport, "math", wait_until_ready, page,
                        first_visit if viewport == "desktop" else None) or {"present": True, "loaded": True}
    run_check(name, viewport, "screenshot", take_screenshot, page, folder, name, viewport)

    # Every check of the page's content sees the folded parts too.
    run_check(name, viewport, "markers", open_folds, page, name, viewport)
    run_check(name, viewport, "math", check_math, page, name, viewport, mathjax)
    run_check(name, viewport, "images", check_images, page, name, viewport, origin)
    if CHAPTER_PAGE.match(name):
        run_check(name, viewport, "launch", check_launch_links, page, name, viewport)
    if viewport == "phone":
        run_check(name, viewport, "width", check_width, page, name, viewport)
    run_check(name, viewport, "overflow", check_overflow, page, name, viewport)
    run_check(name, viewport, "markers", check_markers, page, name, viewport)
    run_check(name, viewport, "headings", check_headings, page, name, viewport)

    if viewport == "desktop":
        if axe:
            run_check(name, viewport, "axe", check_axe, page, name, viewport, axe, "light", contrast)
        # Dark mode: screenshot with the folds closed, as readers first see the page.
        run_check(name, viewport, "theme", page.evaluate, CLOSE_FOLDS_JS)
        if run_check(name, viewport, "theme", check_theme, page, name, viewport):
            run_check(name, viewport, "screenshot", take_screenshot, page, folder, name, "dark")
            if axe and contrast:
                run_check(name, viewport, "axe", open_folds, page, name, viewport)
                run_check(name, viewport, "axe", check_axe, page, name, viewport, axe, "dark", contrast)

    reported = check_requests(name, viewport, events, origin)
    check_console(name, viewport, events, origin, reported)
    page.close()


def file_of(html_dir, origin, url):
    """The file of the site that a same-origin URL serves."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(url.removeprefix(origin)).path).lstrip("/")
    target = html_dir / path
    return target / "index.html" if target.is_dir() else target


def check_first_visit(name, viewport, urls, html_dir, origin):
    """What a first visit downloads, before any scrolling: the page and everything it loads."""
    files = {file_of(html_dir, origin, url) for url in urls}
    size = sum(path.stat().st_size for path in files if path.is_file())
    if size > FIRST_VISIT_MAX:
        biggest = sorted((path.stat().st_size, path.relative_to(html_dir).as_posix())
                         for path in files if path.is_file())[-3:]
        fail(name, viewport, "weight", f"a first visit loads {size / 1e6:.2f} MB in {len(files)} "
             f"files (at most {FIRST_VISIT_MAX / 1e6:.1f} MB); largest: "
             + ", ".join(f"{path} {size // 1000} KB" for size, path in reversed(biggest)))
    return size


def check_site_weight(html_dir, pages):
    """The whole site, and each page's own HTML with its images, against their budgets."""
    files = [path for path in html_dir.rglob("*") if path.is_file()]
    total = sum(path.stat().st_size for path in files if path.name not in WEIGHT_EXCLUDED)
    if total > SITE_MAX:
        fail("(site)", "-", "weight", f"the site is {total / 1e6:.2f} MB (at most "
             f"{SITE_MAX / 1e6:.0f} MB, not counting {', '.join(sorted(WEIGHT_EXCLUDED))})")
    for name in pages:
        page = html_dir / name
        images = set(re.findall(r'(?:src|href)="([^"]*_images/[^"]+)"', page.read_text(encoding="utf-8")))
        own = page.stat().st_size + sum((page.parent / src).resolve().stat().st_size
                                        for src in images if (page.parent / src).resolve().is_file())
        if own > PAGE_MAX:
            fail(name, "-", "weight", f"the page and its images are {own / 1e6:.2f} MB (at most "
                 f"{PAGE_MAX / 1e6:.0f} MB)")
    return total


# ----------------------------------------------------------------------------------- main

def folder_size(folder):
    return sum(path.stat().st_size for path in folder.rglob("*.png"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("html_dir", type=pathlib.Path, help="the built site, e.g. _build/html")
    parser.add_argument("--screenshots", type=pathlib.Path, metavar="DIR",
                        help="save screenshots of every page here (none if not given)")
    parser.add_argument("--pages", nargs="+", metavar="PAGE",
                        help="only these pages (paths relative to the site, e.g. chapters/intro.html); "
                             "the search check runs only if search.html is one of them")
    parser.add_argument("--full-axe", action="store_true",
                        help="run axe's color-contrast rule on every page, not only on AXE_CONTRAST_PAGES "
                             "(several minutes more)")
    args = parser.parse_args(argv)

    html_dir = args.html_dir.resolve()
    if not (html_dir / "index.html").is_file():
        parser.error(f"{args.html_dir} is not a built site (no index.html)")
    pages = site_pages(html_dir)
    run_search = args.pages is None or "search.html" in args.pages
    if args.pages is not None:
        missing = [page for page in args.pages if not (html_dir / page).is_file()]
        if missing:
            parser.error(f"no such page in {args.html_dir}: {', '.join(missing)}")
        pages = [page for page in args.pages if page != "search.html"]

    redirects = {name: redirect_target(html_dir, name) for name in pages}

    reason = unavailable()
    if reason:
        return skip_or_fail("browser test", reason)
    chromium = shutil.which("chromium")
    from playwright.sync_api import sync_playwright
    try:
        from axe_playwright_python.sync_playwright import Axe
        axe = Axe()  # reads the axe.min.js bundled with the package
    except ImportError:
        axe = None
    for name in AXE_CONTRAST_PAGES:  # the sample must not silently shrink when chapters are renamed
        if axe and not (html_dir / name).is_file():
            fail(name, "-", "axe", "listed in AXE_CONTRAST_PAGES but not in the site: update the list")

    folder = args.screenshots
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)

    start = time.monotonic()
    timings = {}
    search_count = None
    server, origin = start_server(html_dir)
    try:
        with sync_playwright() as playwright:
            try:
                browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
            except Exception as error:
                print(f"browser test failed: Chromium ({chromium}) did not start: {short(error, 200)}")
                return 1
            for viewport, options in VIEWPORTS.items():
                viewport_start = time.monotonic()
                context = browser.new_context(**options, color_scheme="light", reduced_motion="reduce")
                context.set_default_timeout(TIMEOUT_MS)
                # Every page as on a first visit: no theme mode or other state left by the last one.
                context.add_init_script("try { localStorage.clear(); sessionStorage.clear(); } catch (e) {}")
                for name in pages:
                    if redirects[name]:
                        test_redirect(context, origin, name, viewport, redirects[name])
                    else:
                        contrast = args.full_axe or name in AXE_CONTRAST_PAGES
                        test_page(context, origin, name, viewport, folder, axe, contrast, html_dir)
                if viewport == "desktop" and run_search:
                    search_count = check_search(context, origin, folder)
                context.close()
                timings[viewport] = time.monotonic() - viewport_start
            browser.close()
    finally:
        server.shutdown()
        server.server_close()

    elapsed = time.monotonic() - start
    by_check = collections.Counter(check for _, _, check, _ in FAILURES)
    print(f"browser test: {len(pages)} pages x {len(VIEWPORTS)} viewports "
          f"({', '.join(f'{v} {t:.0f} s' for v, t in timings.items())}), {elapsed:.0f} s in all"
          + ("" if axe else "; axe-core not run (axe_playwright_python is not installed)"))
    for name, target in redirects.items():
        if target:
            print(f"{name} redirects to {target}: followed, not checked as a page")
    if search_count is not None:
        print(f"search for {SEARCH_QUERY!r}: {search_count} pages found (need >= {SEARCH_MIN_PAGES})")
    site_size = check_site_weight(html_dir, [name for name in pages if not redirects[name]])
    visits = {name: size for name, size in FIRST_VISITS.items() if size}
    heaviest = max(visits, key=visits.get) if visits else None
    print(f"weight: the site {site_size / 1e6:.2f} MB (without {', '.join(sorted(WEIGHT_EXCLUDED))})"
          + (f"; heaviest first visit {heaviest} {visits[heaviest] / 1e6:.2f} MB" if heaviest else ""))
    if folder is not None:
        print(f"screenshots: {len(list(folder.glob('*.png')))} files, "
              f"{folder_size(folder) / 1e6:.1f} MB in {folder}")
    if FAILURES:
        print(f"browser test FAILED: {len(FAILURES)} failures on "
              f"{len({page for page, _, _, _ in FAILURES})} pages; by check: "
              + ", ".join(f"{check} {count}" for check, count in by_check.most_common()))
        return 1
    print("browser test passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

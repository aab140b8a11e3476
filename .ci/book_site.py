"""Sphinx extension of the course's website, loaded by `_config.yml` (`sphinx.local_extensions`).

It does small things the configuration alone cannot:

- **Solution markers.** nbgrader needs `### BEGIN SOLUTION` / `### END SOLUTION` in the
  notebooks; readers of the site need not see them. The lines are dropped from every code cell
  on the page (the notebooks keep them).
- **One base URL.** `html.baseurl` in `_config.yml` is the only place the site's address is
  written; the sitemap, the social-preview metadata and the 404 page's links are derived from it.
- **A light site.** The site serves its own MathJax and theme assets (it works offline), but the
  packages copy far more than the pages load: every MathJax component and its speech rules in 13
  languages, source maps, theme translations, TrueType copies of web fonts, and a 1.5 MB
  Font Awesome script that only draws custom icons (the theme's stylesheet and web fonts
  already draw the ones the site uses). Images load lazily, when the reader scrolls near them.
  After the build, what no page needs is deleted
  (:data:`MATHJAX_KEEP` lists what MathJax may load, lazily included: TeX extensions, the menu
  and its accessibility tools with English speech rules). The notebooks offered for download
  are the chapters without their outputs: a student downloads them to run them.
- **A social-preview image**, drawn by :func:`tconv.plot.social_preview` into the build.
- **The book as a PDF** in every page's download menu (`make pdf` prints it; .ci/pdf.py).
- **One copy of each inline script**: see :func:`drop_duplicate_scripts`.
- **Numbers computed by the code, in the prose.** A chapter writes them as inline expressions,
  {eval}`f"{seconds:.1f}"`, which JupyterLab (jupyterlab-myst) evaluates; `make execute`
  (.ci/execute.py) saves each markdown cell's results in its metadata, `user_expressions`.
  The site's `eval` role reads those saved results (myst-nb's own asks a running kernel, and the
  site does not run the notebooks): see :class:`SavedExpression`.
- **Links to a target.** `[text](page.md#key)` links to the target `(key)=` on that page (the
  bibliography's entries); MyST resolves the link but knows only headings as anchors, so
  :func:`anchor_targets` tells it about the targets too.
- **Links to the site itself.** A page that JupyterLab does not serve (the API reference, built
  from docstrings by Sphinx) is linked from the chapters by its published address under
  `html.baseurl`; on the site, :class:`RelativeSiteLinks` makes such links relative, so they
  work offline and in a local build.
- **Defaults for the boxes.** Every solution is a fold (sphinx-togglebutton's `dropdown`) and
  every "Learning goals" box a tip, without a `:class:` line in each: a plain notebook viewer
  (Colab, GitHub) shows a directive's option lines as text. See :class:`BoxDefaults`.
- **API names as links.** Inline code that names a helper (`tconv.conv_matrix`) links to the
  API page, so the chapters need no Sphinx role that JupyterLab would show raw.

The browser test (`.ci/browser_site.py`) fails on any request the site cannot answer, so a file
deleted here that a page needs is caught.
"""
import json
import pathlib
import re
import shutil
import urllib.parse

from docutils import nodes
from myst_nb.core.variables import VariableOutput, render_variable_outputs
from myst_nb.ext.eval import EvalRoleAny, eval_warning
from sphinx import addnodes
from sphinx.transforms import SphinxTransform

BOOK_PDF = "transposed-convolution.pdf"  # written by .ci/pdf.py, copied to the site by `make pdf`
FONTAWESOME_SCRIPT = re.compile(r'[ \t]*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*">'
                                r"</script>\n?")
IMG_WITHOUT_LOADING = re.compile(r"<img (?![^>]*\bloading=)")
API_NAME = re.compile(r"^tconv(\.[A-Za-z_]\w*)*$")
MARKER = re.compile(r"^[ \t]*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)[ \t]*\n?", re.MULTILINE)

# MathJax's components that pages load (MathJax's loader, relative to _static/mathjax/): TeX
# input, HTML output, and hidden MathML that screen readers read. Not the 430 KB right-click menu
# that the combined tex-chtml.js would add to every page's first visit.
MATHJAX_LOAD = ["input/tex", "output/chtml", "a11y/assistive-mml"]

# Paths under _static/mathjax/ that pages may load: the loader and its components, then what they
# load lazily.
MATHJAX_KEEP = (
    "startup.js",
    "core.js",                        # what every component needs
    *(f"{component}.js" for component in MATHJAX_LOAD),
    "input/tex/extensions/",          # \require and autoloaded TeX packages
    "output/chtml/fonts/",            # the fonts of the HTML output
)


class LinkApiNames(SphinxTransform):
    """Inline code that is exactly the name of a helper (`tconv.conv_matrix`) links to its entry.

    The chapters write API names as plain inline code, which reads as code everywhere (JupyterLab,
    GitHub, Colab); on the site each becomes a cross-reference, as the {func} role would make. A
    name the API page does not document stays plain code.
    """

    default_priority = 500

    def apply(self):
        for literal in list(self.document.findall(nodes.literal)):
            name = literal.astext()
            if not API_NAME.match(name) or isinstance(literal.parent, (nodes.reference, addnodes.pending_xref)):
                continue
            xref = addnodes.pending_xref("", refdomain="py", reftype="obj", reftarget=name,
                                         refexplicit=False, refwarn=False, refdoc=self.env.docname)
            xref += nodes.literal(name, name, classes=["xref", "py", "py-obj"])
            literal.replace_self(xref)


class RemoveSolutionMarkers(SphinxTransform):
    """Drop nbgrader's marker lines from code shown on the page."""

    default_priority = 500

    def apply(self):
        for block in self.document.findall(nodes.literal_block):
            text = block.astext()
            if MARKER.search(text):
                block.children = [nodes.Text(MARKER.sub("", text))]
                block.rawsource = block.astext()


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    """Keep one copy of each script of a page.

    sphinx-thebe and sphinx-togglebutton add their inline configuration scripts while the
    sources are read, which Sphinx 7 registers twice; a repeated `const` declaration is a
    console error on every page.
    """
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (getattr(script, "filename", script) or "",  # None and "" both mean inline
               tuple(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def configure_mathjax(app, config):
    """Load MathJax through its loader with the components of :data:`MATHJAX_LOAD`."""
    config.mathjax_path = "mathjax/startup.js"  # sphinx-mathjax-offline sets tex-chtml.js
    mathjax = dict(config.mathjax3_config or {})
    mathjax["loader"] = {"load": MATHJAX_LOAD}
    config.mathjax3_config = mathjax


def add_book_pdf_button(app, pagename, templatename, context, doctree):
    """Put the whole book's PDF (`make pdf` copies it to the site's root) in the download menu."""
    for button in context.get("header_buttons", []):
        if button.get("label") == "download-buttons":
            button["buttons"].append({
                "type": "link",
                "url": context["pathto"](BOOK_PDF, 1),
                "text": "book .pdf",
                "tooltip": "The whole book as one PDF",
                "icon": "fas fa-book",
                "label": "download-book-pdf-button",
            })


def derive_urls(app, config):
    """Set the URL options of the sitemap, social metadata and 404 page from html_baseurl."""
    base = config.html_baseurl
    if not base:
        return
    base = base.rstrip("/") + "/"
    config.html_baseurl = base
    config.ogp_site_url = base
    config.ogp_site_name = config.html_title
    config.notfound_urls_prefix = urllib.parse.urlparse(base).path or "/"
    config.sitemap_url_scheme = "{link}"


def write_social_preview(app, exception):
    """Draw the social-preview image into the built site."""
    if exception is not None or app.builder.format != "html":
        return
    from tconv.plot import social_preview

    out = pathlib.Path(app.outdir) / "_static" / "social-preview.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    social_preview(out)


def trim_assets(app, exception):
    """Delete copied assets that no page loads; in the pages, drop the Font Awesome script and load
    images lazily."""
    if exception is not None or app.builder.format != "html":
        return
    static = pathlib.Path(app.outdir) / "_static"
    mathjax = static / "mathjax"
    if mathjax.is_dir():
        for path in sorted(mathjax.rglob("*"), reverse=True):
            relative = path.relative_to(mathjax).as_posix()
            if path.is_file() and not relative.startswith(MATHJAX_KEEP):
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    for path in static.rglob("*.map"):
        path.unlink()
    for path in static.rglob("*.ttf"):
        if path.with_suffix(".woff2").exists():
            path.unlink()
    shutil.rmtree(static / "locales", ignore_errors=True)
    for page in pathlib.Path(app.outdir).rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        fixed = FONTAWESOME_SCRIPT.sub("", html)
        # Figures further down a chapter load when the reader scrolls near them, not on arrival.
        fixed = IMG_WITHOUT_LOADING.sub('<img loading="lazy" ', fixed)
        if fixed != html:
            page.write_text(fixed, encoding="utf-8")
    for path in (static / "scripts").glob("fontawesome.js*"):
        path.unlink()
    for path in (pathlib.Path(app.outdir) / "_sources").rglob("*.ipynb"):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")


class BoxDefaults(SphinxTransform):
    """Solutions fold (class dropdown); "Learning goals" boxes look like tips (class tip)."""

    default_priority = 11  # after sphinx-exercise merges each gated solution into one node (10)

    def apply(self):
        from sphinx_exercise.nodes import solution_node

        for node in self.document.findall(solution_node):
            if "dropdown" not in node["classes"]:
                node["classes"].append("dropdown")
        for node in self.document.findall(nodes.admonition):
            if "admonition-learning-goals" in node["classes"] and "tip" not in node["classes"]:
                node["classes"].append("tip")


class RelativeSiteLinks(SphinxTransform):
    """A link to a page of this site by its published address becomes a link within the build."""

    default_priority = 900

    def apply(self):
        base = self.config.html_baseurl
        if not base:
            return
        for node in self.document.findall(nodes.reference):
            uri = node.get("refuri", "")
            if not uri.startswith(base):
                continue
            path, _, fragment = uri[len(base):].partition("#")
            docname = path.removesuffix(".html")
            if docname not in self.env.found_docs:
                raise ValueError(f"{self.env.docname}: {uri} names no page of this site")
            node["refuri"] = self.app.builder.get_relative_uri(self.env.docname, docname) + (
                f"#{fragment}" if fragment else "")
            node["internal"] = True


def saved_expressions(path):
    """{expression: result} from the markdown cells' `user_expressions` metadata of a notebook.

    An expression written in several cells must have the same result in each (the role cannot
    tell the cells apart), otherwise ValueError."""
    found = {}
    for number, cell in enumerate(json.loads(pathlib.Path(path).read_text(encoding="utf-8"))["cells"]):
        for saved in cell.get("metadata", {}).get("user_expressions", []):
            expression, result = saved["expression"], saved["result"]
            if found.setdefault(expression, result) != result:
                raise ValueError(f"{path}: cell {number}: {{eval}}`{expression}` has two different "
                                 "saved results; give each a name of its own")
    return found


class SavedExpression(EvalRoleAny):
    """The `{eval}` role, from the result saved in the notebook instead of a running kernel."""

    def run(self):
        source = self.document["source"]
        try:
            saved = saved_expressions(source) if source.endswith(".ipynb") else {}
        except ValueError as error:
            return [], [eval_warning(str(error), self.document, self.line)]
        if self.text not in saved:
            where = pathlib.Path(source).relative_to(self.document.settings.env.srcdir)
            return [], [eval_warning(f"{{eval}}`{self.text}` has no saved result: run "
                                     f"make execute NB={where}", self.document, self.line)]
        result = saved[self.text]
        if result.get("status") != "ok":
            return [], [eval_warning(f"{{eval}}`{self.text}` failed when executed",
                                     self.document, self.line)]
        output = VariableOutput(data=result["data"], metadata={"strip_text_quotes": True},
                                nb_renderer=self.document["nb_renderer"], vtype="eval")
        return render_variable_outputs([output], self.document, self.line, self.source,
                                       inline=True), []


def use_saved_expressions(app):
    """Replace myst-nb's eval role (registered by its setup) once every extension is set up."""
    app.add_role("eval", SavedExpression(), override=True)


def anchor_targets(app, env):
    """Let MyST's `[text](page.md#key)` links name a `(key)=` target, not only a heading."""
    for name, (docname, labelid) in env.domains["std"].anonlabels.items():
        if docname in env.metadata:
            slugs = env.metadata[docname].setdefault("myst_slugs", {})
            slugs.setdefault(labelid, (0, labelid, name))
    return []


def setup(app):
    app.connect("env-updated", anchor_targets)
    app.connect("builder-inited", use_saved_expressions)
    app.add_transform(RemoveSolutionMarkers)
    app.add_transform(LinkApiNames)
    app.add_transform(BoxDefaults)
    app.add_post_transform(RelativeSiteLinks)
    app.connect("config-inited", derive_urls, priority=400)
    app.connect("config-inited", configure_mathjax, priority=400)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    app.connect("html-page-context", add_book_pdf_button, priority=900)
    app.connect("build-finished", write_social_preview)
    app.connect("build-finished", trim_assets, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

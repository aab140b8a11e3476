"""Check every internal link of the built site: the target file exists, and so does its anchor.

Usage: python .ci/check_links.py [_build/html]
External links (http, https, mailto) are not followed: the build machine has no network.
"""

import html.parser
import os
import pathlib
import sys
import urllib.parse

import yaml


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) and not (tag == "link" and attrs.get("rel") == "preconnect"):
                self.links.append((tag, attrs[key]))


def parse(path, cache={}):
    if path not in cache:
        page = Page()
        page.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = page
    return cache[path]


# Files the site links to that a later step adds: name -> the step. Where that step was skipped
# (no Chromium here), a missing one is reported, not counted as broken; on CI it must be there.
BUILT_LATER = {"transposed-convolution.pdf": "make pdf"}


def base_path():
    """The path of the site's address (`html.baseurl` in _config.yml), e.g. "/transposed-convolution/".

    The 404 page links with absolute paths under it, since it is served at any depth.
    """
    config = yaml.safe_load((pathlib.Path(__file__).parent.parent / "_config.yml").read_text())
    base = (config.get("html") or {}).get("baseurl") or "/"
    return urllib.parse.urlsplit(base).path.rstrip("/") + "/"


def main(site):
    site = pathlib.Path(site).resolve()
    prefix = base_path()
    # Pages only: _static/ holds the theme's Jinja templates, whose links are not links yet.
    pages = sorted(p for p in site.rglob("*.html") if p.relative_to(site).parts[0] != "_static")
    broken, checked, later = [], 0, set()
    for page_path in pages:
        for tag, link in parse(page_path).links:
            parts = urllib.parse.urlsplit(link)
            if parts.scheme or link.startswith("//") or link.startswith("javascript:"):
                continue
            checked += 1
            path = urllib.parse.unquote(parts.path)
            if path.startswith(prefix):
                path = str(site / path[len(prefix):])
            target = page_path if not parts.path else (page_path.parent / path).resolve()
            if target.is_dir():
                target = target / "index.html"
            where = f"{page_path.relative_to(site)}: <{tag}> {link}"
            if not target.exists() and target.name in BUILT_LATER and os.environ.get("CI") != "true":
                later.add(f"not built: {target.name} ({BUILT_LATER[target.name]} was skipped)")
            elif not target.exists():
                broken.append(f"{where} -> no file {target}")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in parse(target).ids:
                broken.append(f"{where} -> no anchor #{parts.fragment}")
    for line in broken + sorted(later):
        print(line)
    print(f"link check: {len(pages)} pages, {checked} internal links, {len(broken)} broken")
    return 1 if broken or not pages else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "_build/html"))

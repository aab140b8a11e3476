"""What the browser scripts share (browser_site.py, browser_lab.py, pdf.py): how to start Debian's
Chromium, and what to do where there is none.

Chromium is started by Playwright with `executable_path=shutil.which("chromium")`: no script ever
downloads a browser. Without the background-networking flags, Chromium tries to reach Google's
hosts at start, which a closed network refuses.
"""

import os
import shutil

ARGS = ["--headless", "--no-sandbox", "--disable-background-networking",
        "--disable-component-update", "--disable-gpu", "--no-first-run", "--disable-sync"]
SKIP_EXIT = 77  # the exit status of a test that could not run here (`make` accepts it)
NOT_FOUND = "no Chromium (`chromium` is not on PATH; on Debian: apt-get install chromium)"


def unavailable():
    """Why no browser script can run here (Chromium or Playwright missing), or None if they can."""
    if shutil.which("chromium") is None:
        return NOT_FOUND
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as error:
        return f"Playwright is not importable ({error})"
    return None


def skip_or_fail(what, reason):
    """The exit status when `what` cannot run: skipped (77) on a workstation, failed (1) on CI."""
    if os.environ.get("CI") == "true":
        print(f"{what} failed: {reason} (CI=true: the {what} must run on CI)")
        return 1
    print(f"{what} skipped: {reason}")
    return SKIP_EXIT


def short(text, length=80):
    """`text` on one line, cut to `length` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= length else text[: length - 1] + "…"

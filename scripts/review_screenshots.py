#!/usr/bin/env python3
"""Screenshots of the review page of the sample corpus, for the README:

    python scripts/review_screenshots.py [--out docs]

Runs ``dedup review corpus/ -o TMP/report.html`` and saves the whole page, light and
dark (the page follows ``prefers-color-scheme``), as ``review-corpus.png`` and
``review-corpus-dark.png``. Uses the system Chromium through Playwright, as the browser
tests do (``tests/browser.py``); Playwright's own browsers are not needed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from browser import find_chromium, launch  # noqa: E402

VIEWPORT = {"width": 1280, "height": 900}  # a laptop screen; full-page shots grow downwards


def only(url: str, blocked: list[str]):
    """A route handler letting through ``url`` alone and adding any other URL to ``blocked``:
    the report is one file, and anything else it asked for would be a bug to fix, not
    something to picture."""

    def route(route) -> None:
        if route.request.url == url:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    return route


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs", help="folder for the PNG files (default: docs/)")
    args = parser.parse_args()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("playwright is not installed: pip install -e '.[test]'")
    executable = find_chromium()
    if executable is None:
        sys.exit("Chromium not found: no chromium on PATH nor /usr/bin/chromium (apt-get install chromium)")

    args.out.mkdir(parents=True, exist_ok=True)
    blocked: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.html"
        command = [sys.executable, "-m", "dedup.cli", "review", "corpus/", "-o", str(report), "-q"]
        subprocess.run(command, check=True, cwd=REPO)  # "corpus/" as the README runs it
        with sync_playwright() as playwright:
            browser = launch(playwright, executable)
            for scheme, name in (("light", "review-corpus.png"), ("dark", "review-corpus-dark.png")):
                context = browser.new_context(viewport=VIEWPORT, color_scheme=scheme)
                context.route("**/*", only(report.as_uri(), blocked))
                page = context.new_page()
                page.goto(report.as_uri())
                # the paragraph clusters open, so the picture shows their word diffs
                page.evaluate("() => document.querySelectorAll('details.para-cluster').forEach(d => d.open = true)")
                target = args.out / name
                page.screenshot(path=str(target), full_page=True)
                context.close()
                print(f"wrote {target} ({scheme}, {target.stat().st_size:,} bytes)")
            browser.close()
    if blocked:
        print(
            f"the page asked for {len(blocked)} other URLs (blocked): {', '.join(sorted(set(blocked)))}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

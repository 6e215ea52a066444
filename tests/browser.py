"""A real browser for the review page: Debian's Chromium driven by Playwright.

Playwright's own browser builds are never downloaded (``playwright install`` cannot reach
its CDN from CI); the system ``chromium`` is launched instead, which ``.ci/run`` installs.
The fixtures skip, saying why, when Playwright or Chromium is missing. A test module uses
them through ``conftest.py``, which imports them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Route

# Headless on a server without a GPU, a sandbox for root, or a network: nothing the page
# does may depend on them, and Chromium must not reach out on its own (updates, sync,
# first-run pages, QUIC probes), which would show up as requests the report did not make.
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def find_chromium() -> str | None:
    """The system Chromium's executable, or ``None`` when there is none."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def launch(playwright: Any, executable: str) -> Browser:
    """Start a headless ``executable`` (a Chromium) under ``playwright``."""
    return playwright.chromium.launch(executable_path=executable, headless=True, args=list(LAUNCH_ARGS))


@dataclass
class ReportPage:
    """An opened report, with what it did that a self-contained page must not do."""

    page: Page
    url: str
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    requests: list[str] = field(default_factory=list)  # every URL fetched other than the report itself


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole session; skips when Playwright or Chromium is missing."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
    )
    executable = find_chromium()
    if executable is None:
        pytest.skip("Chromium not found: no chromium on PATH nor /usr/bin/chromium (apt-get install chromium)")
    playwright = sync_api.sync_playwright().start()
    try:  # a Chromium that is there but does not start is an error, not a reason to skip
        instance = launch(playwright, executable)
        yield instance
        instance.close()
    finally:
        playwright.stop()


@pytest.fixture
def open_report(browser: Browser) -> Iterator[Callable[..., ReportPage]]:
    """``open_report(path, javascript=True, color_scheme="light")`` opens ``path`` in a new
    browser context and returns a :class:`ReportPage`. Every request but the report's own
    ``file://`` URL is recorded and blocked; console errors and page errors are recorded."""
    contexts = []

    def open_(path: Path, *, javascript: bool = True, color_scheme: str = "light") -> ReportPage:
        url = Path(path).resolve().as_uri()
        context = browser.new_context(java_script_enabled=javascript, color_scheme=color_scheme)
        contexts.append(context)
        page = context.new_page()
        report = ReportPage(page, url)

        def route(route: Route) -> None:
            if route.request.url == url:
                route.continue_()
            else:
                report.requests.append(route.request.url)
                route.abort()

        def console(message: ConsoleMessage) -> None:
            if message.type == "error":
                report.errors.append(message.text)

        context.route("**/*", route)
        page.on("websocket", lambda socket: report.requests.append(socket.url))
        page.on("console", console)
        page.on("pageerror", lambda error: report.errors.append(f"uncaught: {error}"))
        page.goto(url)
        return report

    yield open_
    for context in contexts:
        context.close()

"""The pages as a person meets them: the hub served by uvicorn on a free port, driven by Chromium.

One server and one browser serve the whole session; each test gets its own browser context
(its own cookies), so professionals never share a session.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from fastapi import FastAPI
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright

from config.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = PROJECT_ROOT / "tests" / "web" / "screenshots"
# The WCAG 2.2 levels A and AA, as axe-core tags its rules.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
_AXE = Axe()
_MARKUP_AS_TEXT = re.compile(r"</?(?:a|p|span|code|strong|div|ul|li|h[1-6])(?:\s[^>]*)?>")


@dataclass
class Served:
    base_url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@contextmanager
def serve(app: FastAPI, port: int) -> Iterator[Served]:
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on", server_header=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="hub-under-test", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the hub under test did not start")
        time.sleep(0.05)
    served = Served(base_url, server, thread)
    try:
        yield served
    finally:
        served.stop()


@contextmanager
def chromium(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        raise RuntimeError("the browser tests need Chromium: apt-get install -y chromium (make test does)")
    # Playwright gives each launch a fresh user-data directory of its own, removed on close.
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    try:
        yield browser
    finally:
        browser.close()


@dataclass
class Visitor:
    """One professional's browser: their own cookies, every console error and failed request kept."""

    context: BrowserContext
    page: Page
    base_url: str
    problems: list[str] = field(default_factory=list)

    def open(self, path: str) -> Page:
        self.page.goto(self.base_url + path)
        return self.page

    def sign_in_as(self, name: str) -> Page:
        page = self.open("/sign-in")
        page.get_by_role("button", name=f"Sign in as {name}", exact=True).click()
        page.wait_for_url(self.base_url + "/")
        return page

    def source(self) -> str:
        return self.page.content()

    def assert_accessible(self) -> None:
        """axe-core's WCAG 2.2 A and AA rules pass, and no markup is shown as text (a page that
        escaped its own HTML reads as tags to a screen reader and to everyone else)."""
        shown = _MARKUP_AS_TEXT.findall(self.page.inner_text("body"))
        assert shown == [], f"{self.page.url}: markup shown as text: {shown[:3]}"
        results = _AXE.run(self.page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        violations = [
            f"{violation['id']}: {violation['help']} ({[node['target'] for node in violation['nodes']]})"
            for violation in results.response["violations"]
        ]
        assert violations == [], f"{self.page.url}: {violations}"

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def visitor(browser: Browser, base_url: str, **options: Any) -> Visitor:
    context = browser.new_context(base_url=base_url, **options)
    page = context.new_page()
    found = Visitor(context=context, page=page, base_url=base_url)

    def on_console(message: ConsoleMessage) -> None:
        # A page answered 403 or 404 on purpose is logged as a failed load of the page itself;
        # any other failed load (a script, a stylesheet) is a problem.
        if message.type == "error" and message.location.get("url") != page.url:
            found.problems.append(f"console: {message.text} at {page.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: found.problems.append(f"page error: {error} at {page.url}"))
    return found


def wait_for_health(base_url: str) -> None:
    deadline = time.monotonic() + 30
    while httpx.get(base_url + "/health", timeout=5).status_code != 200:
        if time.monotonic() > deadline:
            raise RuntimeError("the hub under test is not healthy")
        time.sleep(0.2)

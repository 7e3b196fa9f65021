"""Browser fixtures: one server and one Chromium per module (a session-scoped sync Playwright
breaks the pytest-asyncio tests that run after it), a fresh page per test, a screenshot after each."""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from tests.e2e import harness


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    problem = harness.frontend_problem() or harness.chromium_problem()
    if problem:
        pytest.skip(problem)
    with harness.server(tmp_path_factory.mktemp("e2e")) as url:
        yield url


@pytest.fixture(scope="module")
def browser(base_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = harness.launch(p)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, base_url, request):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True, base_url=base_url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(15000)
    yield page
    harness.ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(harness.ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', request.node.name)}.png"))
    context.close()
    assert not errors, f"errors in the page: {errors}"


class Api:
    """The REST API of the server under test, for arranging and checking."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def create(self, name: str, definition: dict) -> None:
        status, body = self.call("POST", "/api/state-machines/", {"name": name, "definition": json.dumps(definition)})
        assert status in (200, 201), body

    def call(self, method: str, path: str, body: object | None = None) -> tuple[int, object]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base_url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json", "Accept": "application/json",
                                              "Authorization": f"Bearer {harness.API_TOKEN}"})
        try:
            with urllib.request.urlopen(req, timeout=10) as response:
                text = response.read()
                return response.status, json.loads(text) if text else None
        except urllib.error.HTTPError as exc:
            text = exc.read()
            try:
                return exc.code, json.loads(text)
            except ValueError:
                return exc.code, text.decode(errors="replace")


@pytest.fixture(scope="module")
def api(base_url) -> Api:
    return Api(base_url)

"""The page in a real browser: Debian's Chromium, driven by Playwright, against gunicorn."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling Google on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
FIGURE_2 = "1/(1+exp(-(w0*x0+w1*x1+w2)))"
FIGURE_2_VALUES = {"w0": "2", "x0": "-1", "w1": "-3", "x1": "-2", "w2": "-3"}

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium")


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """gunicorn serving create_app(), as `make run` does, on a free port."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "app:create_app()"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base_url + "/", timeout=1)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"gunicorn did not start: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.2)
    yield base_url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def _diagram_width(page):
    image = page.locator(".result img")
    image.wait_for()
    page.wait_for_function("document.querySelector('.result img').complete")
    return page.evaluate("document.querySelector('.result img').naturalWidth")


def test_typing_figure_2_draws_it_and_the_address_is_the_permalink(server, page, tmp_path):
    page.goto(server + "/")
    page.fill("#expr", FIGURE_2)
    page.click("button[type=submit]")
    # The first submission finds the variables and gives each a field with its default.
    assert [page.input_value(f"#var-{name}") for name in FIGURE_2_VALUES] == ["1"] * 5
    for name, value in FIGURE_2_VALUES.items():
        page.fill(f"#var-{name}", value)
    page.click("button[type=submit]")

    query = parse_qs(urlsplit(page.url).query)
    assert query["expr"] == [FIGURE_2]
    assert {name: query[name] for name in FIGURE_2_VALUES} == {k: [v] for k, v in FIGURE_2_VALUES.items()}
    assert _diagram_width(page) > 500
    table = page.locator("table.numbers").inner_text()
    for gradient in ("-0.196611", "0.393223", "-0.393223", "-0.589835", "0.196611"):
        assert gradient in table
    page.screenshot(path=str(tmp_path / "figure-2.png"), full_page=True)
    assert page.console_errors == []


def test_the_permalink_shows_the_same_circuit_in_a_fresh_browser(server, browser, page):
    query = "expr=(x%2By)*z&x=-2&y=5&z=-4&precision=0"
    page.goto(f"{server}/?{query}")
    first = page.locator("table.numbers").inner_text()
    first_svg = page.get_attribute(".result img", "src")

    other = browser.new_context().new_page()
    other.goto(page.url)
    assert other.locator("table.numbers").inner_text() == first
    assert other.get_attribute(".result img", "src") == first_svg
    assert other.input_value("#expr") == "(x+y)*z"
    other.context.close()


def test_a_typo_shows_the_message_with_a_caret_and_keeps_the_values(server, page):
    page.goto(f"{server}/?expr=(x%2By*z&x=-2&y=5&z=-4")
    error = page.locator("#expr-error")
    assert "column" in error.inner_text()
    assert "^" in page.locator("pre.caret").inner_text()
    assert page.input_value("#expr") == "(x+y*z"
    assert [page.input_value(f"#var-{name}") for name in "xyz"] == ["-2", "5", "-4"]
    # The page itself answers 400, which Chromium reports; nothing else may go wrong.
    assert page.console_errors == [
        "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"
    ]


def test_every_gallery_link_draws_its_circuit(server, page):
    page.goto(server + "/")
    links = page.locator(".gallery a")
    hrefs = [links.nth(index).get_attribute("href") for index in range(links.count())]
    assert len(hrefs) >= 3
    for href in hrefs:
        page.goto(server + href)
        assert _diagram_width(page) > 200, href
    assert page.console_errors == []

"""The page in a real browser: Debian's Chromium, driven by Playwright, against gunicorn.

First the page without JavaScript (the form and the <img> must work alone), then the live page
of static/app.js: typing, the permalink, scrubbing, stepping, inspecting, exporting, the display
options, a phone-sized screen and the keyboard. Every test checks the browser's console.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling Google on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/backprop-screenshots"))
FIGURE_2 = "1/(1+exp(-(w0*x0+w1*x1+w2)))"
FIGURE_2_VALUES = {"w0": "2", "x0": "-1", "w1": "-3", "x1": "-2", "w2": "-3"}
FIGURE_2_QUERY = "expr=1%2F(1%2Bexp(-(w0*x0%2Bw1*x1%2Bw2)))&w0=2&x0=-1&w1=-3&x1=-2&w2=-3&precision=2"
FIGURE_1_QUERY = "expr=(x%2By)*z&x=-2&y=5&z=-4&precision=0"
# What Chromium logs for an answer of 400, which a mistake in the expression deliberately gets.
BAD_REQUEST = "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's chromium")


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """gunicorn serving create_app(), as `make run` does, on a free port."""
    port = _free_port()
    # Every test comes from one address, faster than any student: lift the per-client limit.
    environment = {**os.environ, "BACKPROP_RATE_LIMIT": "100000 per minute"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2",
         "app:create_app()"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment,
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


def _open_page(browser, **context_options):
    context = browser.new_context(**{"viewport": {"width": 1280, "height": 1000}, **context_options})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    return page


@pytest.fixture
def page(browser):
    page = _open_page(browser)
    yield page
    page.context.close()


@pytest.fixture
def static_page(browser):
    """The page as a browser without JavaScript sees it."""
    page = _open_page(browser, java_script_enabled=False)
    yield page
    page.context.close()


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# --- helpers for the live page ------------------------------------------------------------------

def open_circuit(page, server, query, gates):
    page.goto(f"{server}/?{query}")
    wait_drawn(page, gates)


def wait_drawn(page, gates):
    """Waits for the inline SVG with this many gates and for its numbers to be in the tables."""
    expect(page.locator("#diagram svg.circuit g.gate")).to_have_count(gates)
    expect(page.locator("#wire-table tbody tr").first).to_be_attached()


def wire_numbers(page):
    """{wire id: [value, gradient]} as the SVG on screen shows them."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#diagram g.wire')]
        .map(g => [g.id, [g.querySelector('.num-value').textContent, g.querySelector('.num-grad').textContent]]))""")


def gate_geometry(page):
    """Where each gate is drawn: its circle's centre and its box, in the SVG's own units."""
    return page.evaluate("""() => [...document.querySelectorAll('#diagram g.gate')].map(g => {
        const e = g.querySelector('ellipse'), b = g.getBBox();
        return [g.id, e.getAttribute('cx'), e.getAttribute('cy'), b.x, b.y, b.width, b.height]; })""")


def query_of(url):
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def visible_texts(page, selector):
    return page.evaluate(f"""() => [...document.querySelectorAll({json.dumps(selector)})]
        .filter(t => getComputedStyle(t).opacity !== '0').map(t => t.textContent)""")


# --- without JavaScript -------------------------------------------------------------------------

def _diagram_width(page):
    image = page.locator(".result img")
    image.wait_for()
    page.wait_for_function("document.querySelector('.result img').complete")
    return page.evaluate("document.querySelector('.result img').naturalWidth")


def test_without_javascript_the_form_draws_figure_2_at_its_permalink(server, static_page):
    page = static_page
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
    table = page.locator("table.numbers").first.inner_text()
    for gradient in ("-0.196611", "0.393223", "-0.393223", "-0.589835", "0.196611"):
        assert gradient in table
    # The controls that need the script stay hidden.
    assert not page.locator(".stepper").is_visible() and not page.locator(".share").is_visible()
    assert page.console_errors == []


def test_without_javascript_the_permalink_shows_the_same_circuit_in_a_fresh_browser(server, browser, static_page):
    page = static_page
    page.goto(f"{server}/?{FIGURE_1_QUERY}")
    first = page.locator("table.numbers").first.inner_text()
    first_svg = page.get_attribute(".result img", "src")

    other = _open_page(browser, java_script_enabled=False)
    other.goto(page.url)
    assert other.locator("table.numbers").first.inner_text() == first
    assert other.get_attribute(".result img", "src") == first_svg
    assert other.input_value("#expr") == "(x+y)*z"
    other.context.close()


def test_a_typo_in_the_url_shows_the_message_with_a_caret_and_keeps_the_values(server, page):
    page.goto(f"{server}/?expr=(x%2By*z&x=-2&y=5&z=-4")
    error = page.locator("#expr-error")
    assert "column" in error.inner_text()
    assert "^" in page.locator("pre.caret").inner_text()
    assert page.input_value("#expr") == "(x+y*z"
    assert [page.input_value(f"#var-{name}") for name in "xyz"] == ["-2", "5", "-4"]
    # The page itself answers 400, which Chromium reports; nothing else may go wrong.
    assert page.console_errors == [BAD_REQUEST]


# --- live editing and the permalink -------------------------------------------------------------

def test_typing_draws_the_circuit_without_a_reload_and_the_address_is_the_permalink(server, page):
    page.goto(server + "/")
    page.evaluate("window.stillTheSamePage = true")
    page.locator("#expr").press_sequentially(FIGURE_2, delay=5)
    wait_drawn(page, 8)
    # The variables get fields with their defaults, in the order typed.
    expect(page.locator("#variables input[name]")).to_have_count(5)
    assert [page.input_value(f"#var-{name}") for name in FIGURE_2_VALUES] == ["1"] * 5
    for name, value in FIGURE_2_VALUES.items():
        page.fill(f"#var-{name}", value)
    expect(page.locator("#wire-n12 .num-value")).to_have_text("0.73")
    numbers = wire_numbers(page)
    assert numbers["wire-n0"] == ["2.00", "-0.20"] and numbers["wire-n1"] == ["-1.00", "0.39"]
    assert numbers["wire-n10"] == ["0.37", "-0.53"]
    page.wait_for_url(lambda url: query_of(url).get("w2") == "-3")
    assert {name: query_of(page.url)[name] for name in ("expr", *FIGURE_2_VALUES)} == {
        "expr": FIGURE_2, **FIGURE_2_VALUES}
    assert page.evaluate("window.stillTheSamePage") is True
    assert "-0.196611" in page.locator("#summary").inner_text()
    assert page.console_errors == []


def test_a_mistake_shows_at_its_position_while_the_last_good_diagram_stays(server, page):
    open_circuit(page, server, FIGURE_2_QUERY, 8)
    page.evaluate("window.stillTheSamePage = true")
    page.locator("#expr").press("End")
    page.locator("#expr").press_sequentially("+*", delay=5)
    error = page.locator("#expr-error")
    expect(error).to_contain_text("column 30")
    assert page.locator("#expr-error pre.caret").inner_text() == FIGURE_2 + "+*\n" + " " * 29 + "^"
    assert page.get_attribute("#expr", "aria-invalid") == "true"
    # The last good diagram stays, dimmed; nothing typed is lost, and the link keeps the typing.
    assert page.locator("#diagram g.gate").count() == 8
    assert "stale" in page.get_attribute("#diagram", "class")
    assert page.input_value("#expr") == FIGURE_2 + "+*"
    assert [page.input_value(f"#var-{name}") for name in FIGURE_2_VALUES] == list(FIGURE_2_VALUES.values())
    page.wait_for_url(lambda url: query_of(url)["expr"] == FIGURE_2 + "+*")

    # A value that is not a number: the message sits at its field.
    page.locator("#expr").press("Backspace")
    page.locator("#expr").press("Backspace")
    expect(page.locator("#expr-error")).to_have_count(0)
    page.fill("#var-x0", "-1x")
    expect(page.locator("#var-x0-error")).to_contain_text("not a number")
    page.fill("#var-x0", "-1")
    expect(page.locator(".error")).to_have_count(0)
    assert "stale" not in page.get_attribute("#diagram", "class")
    assert page.evaluate("window.stillTheSamePage") is True
    # Each mistake was a 400 from /api/graph, which Chromium logs; nothing else went wrong.
    assert page.console_errors and set(page.console_errors) == {BAD_REQUEST}


def test_the_url_round_trips_through_reload_a_new_browser_and_back_and_forward(server, browser, page):
    open_circuit(page, server, FIGURE_1_QUERY, 2)
    assert wire_numbers(page)["wire-n4"] == ["-12", "1"]
    # A gallery link: drawn in place, as a new history entry.
    page.evaluate("window.stillTheSamePage = true")
    page.click(".gallery a:text('Figure 3')")
    wait_drawn(page, 4)
    page.wait_for_url(lambda url: query_of(url).get("expr") == "2*(x*y + max(z,w))")
    assert page.evaluate("window.stillTheSamePage") is True
    figure_3 = wire_numbers(page)
    page.go_back()
    expect(page.locator("#expr")).to_have_value("(x+y)*z")
    wait_drawn(page, 2)
    expect(page.locator("#wire-n4 .num-value")).to_have_text("-12")
    assert [page.input_value(f"#var-{name}") for name in "xyz"] == ["-2", "5", "-4"]
    page.go_forward()
    expect(page.locator("#expr")).to_have_value("2*(x*y + max(z,w))")
    wait_drawn(page, 4)
    expect(page.locator("#wire-n7 .num-value")).to_have_text(figure_3["wire-n7"][0])

    # A change of value, then of the expression: the address bar follows each.
    page.fill("#var-x", "4")
    page.wait_for_url(lambda url: query_of(url).get("x") == "4")
    expect(page.locator("#wire-n0 .num-value")).to_have_text("4.00")
    drawn = wire_numbers(page)
    page.reload()
    wait_drawn(page, 4)
    assert wire_numbers(page) == drawn
    other = _open_page(browser)
    other.goto(page.url)
    wait_drawn(other, 4)
    assert wire_numbers(other) == drawn
    assert other.input_value("#var-x") == "4"
    assert other.console_errors == []
    other.context.close()
    assert page.console_errors == []


def test_a_variable_taken_out_and_put_back_keeps_its_value(server, page):
    open_circuit(page, server, "expr=x*y&x=3&y=-4", 1)
    page.fill("#expr", "x")
    expect(page.locator("#variables input[name]")).to_have_count(1)
    page.fill("#expr", "x*y")
    expect(page.locator("#var-y")).to_have_value("-4")
    expect(page.locator("#wire-n2 .num-value")).to_have_text("-12.00")
    assert page.console_errors == []


# --- scrubbing ----------------------------------------------------------------------------------

def test_scrubbing_a_value_changes_the_numbers_without_moving_the_gates(server, page):
    open_circuit(page, server, FIGURE_2_QUERY, 8)
    page.evaluate("document.querySelector('#diagram svg').dataset.original = 'yes'")
    before = gate_geometry(page)
    numbers = wire_numbers(page)
    slider = page.locator("[data-variable=w0] input.scrub")
    slider.focus()
    for _ in range(50):  # 50 steps of 0.01: w0 from 2 to 2.5
        page.keyboard.press("ArrowRight")
    expect(page.locator("#var-w0")).to_have_value("2.5")
    expect(page.locator("#wire-n0 .num-value")).to_have_text("2.50")
    # w0*x0 = -2.5, so the sigmoid's input is 1.5 - 2.5 ... = 0.5: f = 0.62.
    expect(page.locator("#wire-n12 .num-value")).to_have_text("0.62")
    after = wire_numbers(page)
    assert after != numbers and after["wire-n5"] == ["-2.50", "0.24"]
    assert gate_geometry(page) == before
    # The same SVG element, patched: not a new drawing.
    assert page.evaluate("document.querySelector('#diagram svg').dataset.original") == "yes"
    expect(page.locator("#wire-table tr[data-wire=wire-n0] td.value")).to_have_text("2.50")
    page.wait_for_url(lambda url: query_of(url).get("w0") == "2.5")

    # Typing a value does the same; the slider follows, widening its range when needed.
    page.fill("#var-w0", "250")
    expect(page.locator("#wire-n0 .num-value")).to_have_text("250.00")
    assert gate_geometry(page) == before
    assert float(page.get_attribute("[data-variable=w0] input.scrub", "max")) >= 250
    assert page.console_errors == []


def test_numbers_that_become_inf_or_nan_are_flagged_and_unflagged(server, page):
    open_circuit(page, server, "expr=log(x)*y&x=2&y=3", 2)
    assert page.locator("#non-finite").is_hidden()
    page.fill("#var-x", "-1")
    expect(page.locator("#wire-n2 .num-value")).to_have_text("nan")
    assert "num-flagged" in page.get_attribute("#wire-n2 .num-value", "class")
    assert page.locator("#wire-n2 .cell-flagged").count() >= 1
    expect(page.locator("#non-finite")).to_be_visible()
    page.fill("#var-x", "1")
    expect(page.locator("#wire-n2 .num-value")).to_have_text("0.00")
    assert page.locator("#diagram .cell-flagged").count() == 0
    expect(page.locator("#non-finite")).to_be_hidden()
    assert page.console_errors == []


def test_forward_mode_adds_each_wires_tangent_and_scrubbing_patches_it(server, page):
    open_circuit(page, server, FIGURE_1_QUERY, 2)
    page.select_option("#option-wrt", "x")
    page.wait_for_url(lambda url: query_of(url).get("wrt") == "x")
    expect(page.locator("#wire-n4 .num-tangent")).to_have_text("-4")  # d f / d x = z
    assert page.locator("#wire-n0 .num-tangent").text_content() == "1"
    before = gate_geometry(page)
    page.fill("#var-z", "-5")
    expect(page.locator("#wire-n4 .num-tangent")).to_have_text("-5")
    expect(page.locator("#wire-n4 .num-value")).to_have_text("-15")
    assert gate_geometry(page) == before
    expect(page.locator("#wire-table thead")).to_contain_text("d/dx")
    # Taking x out of the expression turns forward mode off rather than failing.
    page.fill("#expr", "y*z")
    expect(page.locator("#diagram svg.circuit g.gate")).to_have_count(1)
    assert page.input_value("#option-wrt") == ""
    assert page.locator("#diagram .num-tangent").count() == 0
    assert page.console_errors and set(page.console_errors) == {BAD_REQUEST}


def test_options_the_form_does_not_show_survive_editing(server, page):
    open_circuit(page, server, "expr=sigmoid(x)*y&x=0&y=2&composites=expanded", 5)
    page.fill("#var-y", "3")
    page.wait_for_url(lambda url: query_of(url).get("y") == "3")
    assert query_of(page.url)["composites"] == "expanded"
    expect(page.locator("#wire-n6 .num-value")).to_have_text("1.50")
    assert page.locator("#diagram svg.circuit g.gate").count() == 5
    assert page.console_errors == []


# --- step-through -------------------------------------------------------------------------------

def test_step_through_figure_2_shows_values_then_the_chain_rule_gate_by_gate(server, page):
    open_circuit(page, server, FIGURE_2_QUERY, 8)
    page.click("[data-step=next]")
    expect(page.locator("#step-counter")).to_have_text("Forward pass: step 1 of 9")
    # Only the inputs' values are known; no gradient yet.
    assert sorted(visible_texts(page, "#diagram .num-value")) == sorted(["2.00", "-1.00", "-3.00", "-2.00", "-3.00"])
    assert visible_texts(page, "#diagram .num-grad") == []
    page.keyboard.press("n")  # the first * gate
    expect(page.locator("#step-explain")).to_contain_text("w0*x0 = -2.00")
    assert "current" in page.get_attribute("#gate-n5", "class")
    for _ in range(8):  # the other gates, then the output's gradient of 1
        page.keyboard.press("n")
    expect(page.locator("#step-counter")).to_have_text("Backward pass: step 1 of 9")
    assert visible_texts(page, "#diagram .num-grad") == ["1.00"]
    for _ in range(3):  # back through 1/x, +1, then exp
        page.keyboard.press("n")
    explanation = page.locator("#step-explain")
    expect(explanation).to_contain_text("upstream -0.53 × local 0.37 = -0.20")
    expect(explanation).to_contain_text("exp(x)")
    assert "current" in page.get_attribute("#gate-n10", "class")
    page.keyboard.press("b")
    expect(explanation).to_contain_text("upstream -0.53 × local 1.00 = -0.53")  # the +1 gate
    page.click("[data-step=next]")
    page.click("[data-step=next]")  # *-1
    expect(explanation).to_contain_text("upstream -0.20 × local -1.00 = 0.20")
    for _ in range(4):  # the last gate, the first *: x0's gradient is w0 times upstream
        page.keyboard.press("n")
    expect(explanation).to_contain_text("upstream 0.20 × local -1.00 = -0.20")
    expect(explanation).to_contain_text("upstream 0.20 × local 2.00 = 0.39")
    expect(page.locator("#step-counter")).to_have_text("Backward pass: step 9 of 9")
    assert sorted(visible_texts(page, "#diagram .num-grad")) == sorted(
        ["-0.20", "0.39", "-0.39", "-0.59", "0.20", "0.20", "0.20", "0.20", "0.20", "-0.20", "-0.53", "-0.53", "1.00"])

    page.keyboard.press("r")
    expect(page.locator("#step-counter")).to_have_text("Forward pass: step 1 of 9")
    page.click("[data-step=play]")
    expect(page.locator("#step-counter")).to_have_text("Forward pass: step 2 of 9")
    page.keyboard.press("p")  # pause
    assert page.get_attribute("[data-step=play]", "aria-pressed") == "false"
    page.keyboard.press("Escape")
    expect(page.locator("#step-counter")).to_have_text("")
    assert len(visible_texts(page, "#diagram .num-grad")) == 13
    assert page.console_errors == []


def test_step_through_adds_up_the_gradients_at_a_fork(server, page):
    open_circuit(page, server, "expr=x*x%2By&x=3&y=1", 2)
    for _ in range(6):  # inputs, *, +, the output, back through +, back through *
        page.keyboard.press("n")
    explanation = page.locator("#step-explain")
    expect(explanation).to_contain_text("upstream 1.00 × local 3.00 = 3.00")
    expect(explanation).to_contain_text("Gradients add up at the fork of x: 3.00 + 3.00 = 6.00")
    assert page.console_errors == []


# --- inspect ------------------------------------------------------------------------------------

def test_inspecting_a_gate_shows_its_formula_and_numbers_and_lights_its_path(server, page):
    open_circuit(page, server, FIGURE_2_QUERY, 8)
    page.hover("#gate-n10")
    panel = page.locator("#inspect")
    expect(panel).to_contain_text("Gate exp")
    text = panel.inner_text()
    assert "exp(-(w0*x0+w1*x1+w2))" in text
    assert "∂/∂x = exp(x) = 0.37" in text
    assert "0.37" in text and "-0.53" in text
    assert "upstream -0.53 × local 0.37 = -0.20" in text
    on_path = page.evaluate("[...document.querySelectorAll('#diagram g.on-path')].map(g => g.id)")
    assert {"gate-n10", "wire-n10", "gate-n11", "wire-n11", "gate-n12", "wire-n12"} <= set(on_path)
    assert "wire-n1" not in on_path and "gate-n5" not in on_path

    # A click pins a wire; leaving the diagram keeps it.
    page.click("#wire-n1")
    expect(panel).to_contain_text("Wire x0")
    page.mouse.move(5, 5)
    text = panel.inner_text()
    assert "∂/∂b = a = 2.00" in text and "upstream 0.20 × local 2.00 = 0.39" in text
    # The keyboard moves between gates and wires, each inspected as it gets the focus.
    page.keyboard.press("ArrowRight")
    expect(panel).to_contain_text("Wire w1")
    page.keyboard.press("Escape")
    page.locator("#expr").focus()
    expect(panel).to_contain_text("Hover, click or focus")
    assert page.console_errors == []


# --- export and share ---------------------------------------------------------------------------

def test_each_export_downloads_a_valid_file(server, page, tmp_path):
    open_circuit(page, server, FIGURE_2_QUERY, 8)
    page.fill("#var-w0", "3")  # the exports follow the live state, not the loaded one
    expect(page.locator("#wire-n0 .num-value")).to_have_text("3.00")
    files = {}
    for kind, suffix in [("svg", ".svg"), ("png", ".png"), ("dot", ".dot"), ("json", ".json")]:
        with page.expect_download() as download:
            page.click(f"[data-export={kind}]")
        path = tmp_path / download.value.suggested_filename
        download.value.save_as(path)
        assert path.suffix == suffix
        files[kind] = path.read_bytes()
    assert ET.fromstring(files["svg"]).tag == "{http://www.w3.org/2000/svg}svg"
    assert b">3.00<" in files["svg"]
    assert files["png"].startswith(b"\x89PNG\r\n\x1a\n")
    assert files["dot"].startswith(b"digraph")
    body = json.loads(files["json"])
    assert body["variables"]["w0"] == 3 and body["expr"] == FIGURE_2
    assert page.console_errors == []


def test_copy_link_and_the_embeddable_snippets(server, browser):
    page = _open_page(browser, permissions=["clipboard-read", "clipboard-write"])
    open_circuit(page, server, FIGURE_1_QUERY, 2)
    page.click("#copy-link")
    expect(page.locator("#copy-status")).to_have_text("Link copied.")
    link = page.evaluate("navigator.clipboard.readText()")
    assert link.startswith(server + "/?")
    assert {name: query_of(link)[name] for name in ("expr", "x", "y", "z", "precision")} == query_of(page.url)

    page.click("[data-copy=snippet-markdown]")
    expect(page.locator("#copy-status")).to_have_text("Markdown snippet copied.")
    markdown = page.evaluate("navigator.clipboard.readText()")
    match = re.fullmatch(r"!\[Circuit of \(x\+y\)\*z\]\((http://[^)]+)\)", markdown)
    assert match, markdown
    image = match.group(1)
    assert urlsplit(image).path == "/graph.svg" and query_of(image)["x"] == "-2"
    with urllib.request.urlopen(image) as response:  # the absolute URL serves the diagram
        assert response.headers["Content-Type"].startswith("image/svg+xml")

    page.click("[data-copy=snippet-html]")
    html = page.evaluate("navigator.clipboard.readText()")
    assert html == f'<img src="{image.replace("&", "&amp;")}" alt="Circuit of (x+y)*z">'
    assert page.input_value("#snippet-html") == html
    assert page.console_errors == []
    page.context.close()


# --- display options ----------------------------------------------------------------------------

def test_dark_theme_colour_blind_scheme_layout_and_precision_apply_and_stay_in_the_url(server, page):
    open_circuit(page, server, FIGURE_2_QUERY, 8)
    page.select_option("#option-theme", "dark")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == "rgb(22, 24, 29)"
    expect(page.locator("#diagram svg polygon").first).to_have_attribute("fill", "#16181d")
    page.select_option("#option-colors", "colorblind")
    expect(page.locator("html")).to_have_attribute("data-colors", "colorblind")
    expect(page.locator("#wire-n0 .num-value")).to_have_attribute("fill", "#56b4e9")
    expect(page.locator("#legend-value")).to_have_text("blue, above")
    assert page.evaluate("getComputedStyle(document.querySelector('#summary td.value')).color") == "rgb(86, 180, 233)"
    screenshot(page, "desktop-dark-colorblind")
    page.select_option("#option-direction", "TB")
    page.select_option("#option-precision", "4")
    expect(page.locator("#wire-n12 .num-value")).to_have_text("0.7311")
    page.wait_for_url(lambda url: query_of(url).get("precision") == "4")
    query = query_of(page.url)
    assert (query["theme"], query["colors"], query["direction"]) == ("dark", "colorblind", "TB")
    # Top to bottom: the output's gate sits below the inputs.
    assert page.evaluate("""document.querySelector('#gate-n12').getBoundingClientRect().top >
        document.querySelector('#wire-n0').getBoundingClientRect().bottom""")
    page.reload()
    wait_drawn(page, 8)
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.locator("#wire-n12 .num-value")).to_have_text("0.7311")
    assert page.console_errors == []


# --- phones and keyboards -----------------------------------------------------------------------

@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_phone_sized_screen_scrolls_only_the_diagram(server, browser, theme):
    page = _open_page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    open_circuit(page, server, f"{FIGURE_2_QUERY}&theme={theme}", 8)
    page.click("#wire-table summary")
    page.tap("#gate-n10")
    expect(page.locator("#inspect")).to_contain_text("Gate exp")
    page.click("[data-step=next]")
    screenshot(page, f"phone-{theme}")
    # innerWidth would not do: a phone's browser widens the layout to fit what overflows.
    sizes = page.evaluate("""() => ({page: document.documentElement.scrollWidth, window: 390,
        diagram: [document.querySelector('#diagram').scrollWidth, document.querySelector('#diagram').clientWidth],
        widest: Math.max(...[...document.querySelectorAll('body *')].filter(e => !e.closest('#diagram'))
            .map(e => e.getBoundingClientRect().right))})""")
    assert sizes["page"] <= sizes["window"], sizes
    assert sizes["widest"] <= sizes["window"] + 0.5, sizes
    assert sizes["diagram"][0] > sizes["diagram"][1]  # figure 2 scrolls inside its own box
    for button in page.locator(".stepper button").all():
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.console_errors == []
    page.context.close()


def test_every_control_is_reachable_by_keyboard_with_a_visible_focus(server, page):
    open_circuit(page, server, FIGURE_1_QUERY, 2)
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("""() => { const e = document.activeElement;
            return [e.id || e.dataset.step || e.dataset.copy || e.dataset.export || e.getAttribute('aria-label') || e.tagName,
                    getComputedStyle(e).outlineStyle, e.closest('#diagram') ? 'diagram' : ''] }"""))
    names = [name for name, _, _ in reached]
    for control in ("expr", "var-x", "x slider", "option-theme", "reset", "back", "play", "next", "all",
                    "svg", "png", "dot", "json", "copy-link", "snippet-markdown", "snippet-html"):
        assert control in names, (control, names)
    # The diagram is one tab stop: a gate or wire, whose focus the page draws itself.
    assert sum(1 for _, _, where in reached if where == "diagram") == 1
    for name, outline, where in reached:
        if not where and name not in ("BODY", "A"):
            assert outline != "none", name
    assert page.console_errors == []


# --- numbers the page spells itself -------------------------------------------------------------

def test_the_full_precision_table_spells_numbers_as_python_does(server, page):
    """The one place the page has only a float: the table of full-precision numbers, which must
    read as Python's repr (JavaScript's shortest round-trip digits, spelled Python's way)."""
    random = __import__("random").Random(3)
    numbers = [0.125, 2.5, 0.5, -0.125, 0.005, 1e9, -1e9, 999999999.995, 1e-5, 1e16, 1e15, 5e-324,
               -0.0, 0.0, 1e308, 0.375, 9.995e9, 0.36787944117144233, -0.5344466]
    numbers += [random.uniform(-10, 10) for _ in range(300)] + [random.randint(-999, 999) / 8 for _ in range(300)]
    numbers += [random.uniform(-1, 1) * 10 ** random.randint(-12, 20) for _ in range(300)]
    cases = numbers + ["NaN", "Infinity", "-Infinity"]
    page.goto(server + "/")
    spelled = page.evaluate("""async (cases) => {
        const { reprLikePython } = await import('/static/js/numbers.js');
        return cases.map((number) => reprLikePython(number));
    }""", cases)
    named = {"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}
    for number, full in zip(cases, spelled):
        assert full == named.get(number, repr(number)), number
    assert page.console_errors == []


# --- the gallery --------------------------------------------------------------------------------

def test_every_gallery_link_draws_its_circuit(server, page):
    page.goto(server + "/")
    links = page.locator(".gallery a")
    hrefs = [links.nth(index).get_attribute("href") for index in range(links.count())]
    assert len(hrefs) == 7
    for href in hrefs:
        page.goto(server + href)
        expect(page.locator("#diagram svg.circuit g.gate").first).to_be_attached()
        assert page.evaluate("document.querySelector('#diagram svg').getBBox().width") > 100, href
    expect(page.locator("#wire-n8 .num-value")).to_have_text("3.41")  # log-sum-exp of 1, 2, 3
    assert page.console_errors == []

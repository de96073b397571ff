"""The page as a class meets it, in Debian's Chromium against gunicorn: a slider redraws while it is
dragged, a first visit shows figure 2 with the diagram and the step panels on one screen, the
device's dark theme is taken where the link leaves the theme open, and on a phone each step brings
its gate into view. (How many updates a second a drag gets is measured by bench/bench_drag.py.)
"""

from urllib.parse import parse_qs, urlsplit

import pytest

from slider_drag import drag, watch
from test_browser import (CHROMIUM, FIGURE_2, FIGURE_2_QUERY, _open_page, browser, expect,  # noqa: F401
                          server, wait_drawn)

pytestmark = pytest.mark.skipif(not __import__("os").path.exists(CHROMIUM), reason="needs Debian's chromium")

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
FIGURE_2_STEPS = 18  # 9 forward (the inputs, then each gate) and 9 backward (the output's 1, then each gate)

def query_of(url):
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def test_a_slider_redraws_the_diagram_while_it_is_dragged(server, browser):
    """A mouse drag of w0's slider in 60 moves 16 ms apart: the diagram changes several times
    before the button is released, never with two requests in flight, and ends on the value the
    slider stopped at."""
    page = _open_page(browser, viewport=DESKTOP)
    page.goto(f"{server}/?{FIGURE_2_QUERY}")
    wait_drawn(page, 8)
    watch(page, "wire-n0")
    during, _, most_in_flight = drag(page, "w0", moves=60, interval_ms=16)
    assert during >= 3, f"{during} diagram updates during the drag"
    assert most_in_flight == 1
    final = page.input_value("#var-w0")
    expect(page.locator("#wire-n0 .num-value")).to_have_text(f"{float(final):.2f}")
    page.wait_for_url(lambda url: query_of(url).get("w0") == final)
    assert page.console_errors == []
    page.context.close()


def test_a_first_visit_shows_figure_2_with_the_diagram_and_the_step_panels_on_one_screen(server, browser):
    page = _open_page(browser, viewport=DESKTOP)
    page.goto(server + "/")
    wait_drawn(page, 8)
    assert query_of(page.url)["expr"] == FIGURE_2  # the address bar holds the circuit's link
    expect(page.locator("#display-options")).not_to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    assert page.get_attribute(".skip-link", "href") == "#result"

    def bottoms():
        return page.evaluate("""() => [window.scrollY,
            document.querySelector('#diagram').getBoundingClientRect().bottom,
            document.querySelector('.panels').getBoundingClientRect().bottom]""")

    page.locator("body").click(position={"x": 5, "y": 5})  # keys act outside the text fields
    for step in range(FIGURE_2_STEPS):
        page.keyboard.press("n")
        scrolled, diagram, panels = bottoms()
        assert scrolled == 0 and diagram <= DESKTOP["height"] and panels <= DESKTOP["height"], (step, diagram, panels)
    expect(page.locator("#step-counter")).to_contain_text("Backward pass")
    assert page.console_errors == []
    page.context.close()


def test_a_first_visit_asks_the_app_for_the_page_and_its_drawing_alone(server, browser):
    """The page comes with its circuit's JSON and lessons written into it, and fetches the
    <img> only without a script: the script asks for the SVG it inlines, and nothing else."""
    page = _open_page(browser, viewport=DESKTOP)
    asked = []
    page.on("request", lambda request: asked.append(urlsplit(request.url).path))
    page.goto(f"{server}/?{FIGURE_2_QUERY}")
    wait_drawn(page, 8)
    expect(page.locator("#symbolic tbody tr")).to_have_count(5)  # the lessons are in
    page.wait_for_timeout(600)  # past the moment /api/explain would have been asked for
    assert [path for path in asked if not path.startswith("/static/")] == ["/", "/graph.svg"]
    assert page.console_errors == []
    page.context.close()


@pytest.mark.parametrize("device, link_theme, expected", [
    ("dark", None, "dark"),
    ("light", None, "light"),
    ("dark", "light", "light"),
    ("light", "dark", "dark"),
])
def test_the_device_theme_is_taken_where_the_link_leaves_it_open(server, browser, device, link_theme, expected):
    page = _open_page(browser, viewport=DESKTOP, color_scheme=device)
    page.goto(f"{server}/?{FIGURE_2_QUERY}" + (f"&theme={link_theme}" if link_theme else ""))
    wait_drawn(page, 8)
    expect(page.locator("html")).to_have_attribute("data-theme", expected)
    paper = "#16181d" if expected == "dark" else "#ffffff"
    assert page.evaluate("document.querySelector('#diagram svg .graph > polygon').getAttribute('fill')") == paper
    # The link stays as it was: whoever opens it gets their own device's theme.
    assert query_of(page.url).get("theme", "") == (link_theme or "")
    page.locator("#var-w0").fill("3")
    page.wait_for_url(lambda url: query_of(url).get("w0") == "3")
    assert query_of(page.url).get("theme", "") == (link_theme or "")
    assert page.console_errors == []
    page.context.close()


def test_on_a_phone_each_step_brings_its_gate_or_numbers_into_view(server, browser):
    """The step's gate, or where there is none (the output's gradient 1) its new number."""
    page = _open_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(server + "/")
    wait_drawn(page, 8)
    for step in range(FIGURE_2_STEPS):
        page.locator("[data-step=next]").click()  # a phone has no keyboard: the Step button
        current = page.locator("#diagram .current")
        shown = current if current.count() else page.locator("#diagram .just-shown").first
        box = shown.bounding_box()
        frame = page.locator("#diagram").bounding_box()
        assert box is not None, step
        # Within a pixel: the box holds the gate's outline, half of which lies outside its layout box.
        assert -1 <= box["x"] and box["x"] + box["width"] <= PHONE["width"] + 1, (step, box)
        assert frame["x"] - 1 <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 1, (step, box)
        assert -1 <= box["y"] and box["y"] + box["height"] <= PHONE["height"] + 1, (step, box)
    assert page.console_errors == []
    page.context.close()

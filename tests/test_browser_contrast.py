"""One number format and WCAG AA contrast on the live page, measured in Chromium: every visible
text (numbers, labels, links, notes, the diagram's texts, inf and nan on their flags) in its
computed colour against the colour actually behind it, in the light and dark page themes and both
colour schemes; every number in the tables and panels written as the diagram writes it, its full
precision on hover; on a 390 px phone no number broken across lines. Screenshots of each.
"""

import re

import pytest
from playwright.sync_api import expect

from test_browser import (SCREENSHOTS, _open_page, answer, browser, screenshot, server, wait_drawn,  # noqa: F401
                          wait_explained, wait_practice)
from graphlib.document import format_number
from wcag import AA_TEXT, FLAG_DIFFERENCE, blend, contrast, difference

# inf, -inf and nan on every kind of wire (values, gradients, forward mode's tangents), a fork,
# a named step: 1/x at 0 and log(y) at -1.
FLAGGED = "q = 1/x; f = q + log(y) * z + q"
FLAGGED_QUERY = "expr=q+%3D+1%2Fx%3B+f+%3D+q+%2B+log(y)+*+z+%2B+q&x=0&y=-1&z=2&wrt=z"
FLAGGED_GATES = 5
SCHEMES = [(colors, theme) for theme in ("light", "dark") for colors in ("lecture", "colorblind")]
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}

# Every visible text node's element: its colour (an SVG text's fill), and what is behind it: for
# HTML the first opaque background up its ancestors (translucent ones blended in turn), for SVG
# the last filled shape drawn under the text's middle. Disabled controls are exempt (WCAG 1.4.3).
MEASURE = """(root) => {
  const opaque = (colour) => !/^rgba\\(.*, 0\\)$/.test(colour) && colour !== 'transparent';
  const backgrounds = (element) => {
    const layers = [];
    for (let at = element; at && at.nodeType === 1; at = at.parentElement) {
      const colour = getComputedStyle(at).backgroundColor;
      if (opaque(colour)) layers.push(colour);
      if (opaque(colour) && !colour.startsWith('rgba')) break;
    }
    return layers;
  };
  const under = (text) => {
    const box = text.getBoundingClientRect();
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    const svg = text.ownerSVGElement;
    let found = null;
    for (const shape of svg.querySelectorAll('polygon, ellipse')) {
      if (!(shape.compareDocumentPosition(text) & Node.DOCUMENT_POSITION_FOLLOWING)) continue;
      const fill = getComputedStyle(shape).fill;
      const area = shape.getBoundingClientRect();
      if (fill !== 'none' && opaque(fill) && area.left <= x && x <= area.right && area.top <= y && y <= area.bottom) found = fill;
    }
    return found ? [found] : backgrounds(svg);
  };
  const seen = new Set(), measured = [];
  const walker = document.createTreeWalker(document.querySelector(root), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!/[A-Za-z0-9]/.test(node.textContent) || seen.has(element) || !element.getClientRects().length) continue;
    seen.add(element);
    const style = getComputedStyle(element);
    if (style.visibility !== 'visible' || element.closest('option, title, script, style, .visually-hidden, :disabled')) continue;
    let opacity = 1;
    for (let at = element; at && at.nodeType === 1; at = at.parentElement) opacity *= Number(getComputedStyle(at).opacity);
    const svgText = element instanceof SVGElement;
    measured.push({ text: node.textContent.trim().slice(0, 40), where: element.closest('[id]')?.id || element.tagName,
                    colour: svgText ? style.fill : style.color, behind: svgText ? under(element) : backgrounds(element), opacity });
  }
  for (const element of document.querySelector(root).querySelectorAll('*')) {  // generated text: phones' column names
    const before = getComputedStyle(element, '::before');
    if (!/[A-Za-z0-9]/.test(before.content) || before.display === 'none' || !element.getClientRects().length) continue;
    measured.push({ text: before.content.slice(0, 40), where: element.closest('[id]')?.id || element.tagName,
                    colour: before.color, behind: backgrounds(element), opacity: 1 });
  }
  for (const field of document.querySelector(root).querySelectorAll('input:not([type=range]):not([type=hidden]), select, textarea')) {
    if (!field.getClientRects().length || field.disabled) continue;
    measured.push({ text: field.value.slice(0, 40), where: field.id, colour: getComputedStyle(field).color,
                    behind: backgrounds(field), opacity: 1 });
  }
  return measured;
}"""


def _effective(layers, paper):
    """The colour behind a text: its backgrounds from the innermost out, blended over the paper."""
    colour = paper
    for layer in reversed(layers):
        colour = blend(layer, colour)
    return colour


def _show_everything(page):
    """The page as a student reads it: the lessons in, the wire table open."""
    wait_explained(page)
    page.click("#wire-table summary")


def _measure_panels(page):
    """What the page measures in its panels: a wire inspected, then a step explained (each dims
    the rest of the diagram, on purpose, so only the panel is measured then)."""
    page.locator("#diagram g.wire").first.click()
    page.locator("#inspect h3").wait_for()
    measured = page.evaluate(MEASURE, "#inspect")
    for _ in range(FLAGGED_GATES + 2):  # into the backward pass
        page.click("[data-step=next]")
    return measured + page.evaluate(MEASURE, "#step-explain")


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("colors, theme", SCHEMES, ids=[f"{c}-{t}" for c, t in SCHEMES])
def test_every_text_on_the_page_has_aa_contrast_with_what_is_behind_it(server, browser, colors, theme, size):
    page = _open_page(browser, viewport=SIZES[size])
    page.goto(f"{server}/?{FLAGGED_QUERY}&colors={colors}&theme={theme}")
    wait_drawn(page, FLAGGED_GATES)
    _show_everything(page)
    paper = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    flag = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--flag').trim()")
    measured = page.evaluate(MEASURE, "body") + _measure_panels(page)
    failures = []
    for item in measured:
        behind = _effective(item["behind"], paper)
        ratio = contrast(blend(item["colour"], behind), behind)
        if ratio < AA_TEXT or item["opacity"] != 1:
            failures.append((item["where"], item["text"], item["colour"], behind, round(ratio, 2), item["opacity"]))
    assert failures == []
    # What was measured includes the flags: inf and nan in the diagram and the tables, on the flag.
    on_flag = [item for item in measured if _effective(item["behind"], paper) == blend(flag, paper)]
    assert {"inf", "-inf", "nan"} <= {item["text"] for item in on_flag}
    assert {"summary", "wire-table"} < {item["where"] for item in on_flag}  # the diagram's and the tables'
    assert difference(flag, _effective([], paper)) >= FLAG_DIFFERENCE
    assert len(measured) > 200
    assert page.console_errors == []
    # For a person to look at: the page, and the sections painted only once scrolled to.
    screenshot(page, f"contrast-{size}-{colors}-{theme}")
    for section in ("#gradcheck-section", "#symbolic-section"):
        page.locator(section).screenshot(path=str(SCREENSHOTS / f"contrast-{size}-{colors}-{theme}-{section[1:]}.png"))
    page.context.close()


@pytest.mark.parametrize("colors, theme", SCHEMES, ids=[f"{c}-{t}" for c, t in SCHEMES])
def test_the_practice_table_its_marks_and_hints_have_aa_contrast(server, browser, colors, theme):
    page = _open_page(browser, viewport=SIZES["desktop"])
    page.goto(f"{server}/?expr=(x%2By)*z&x=-2&y=5&z=-4&precision=0&practice=grads&colors={colors}&theme={theme}")
    wait_practice(page, 5)
    answer(page, "wire-n3", "-3")  # wrong
    expect(answer(page, "wire-n2", "3")).to_have_class(re.compile(r"\bright\b"))
    page.click("#practice-table [data-hint=wire-n0]")
    expect(page.locator("#hint-wire-n0")).to_be_visible()
    paper = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    failures = []
    for item in page.evaluate(MEASURE, "#practice") + page.evaluate(MEASURE, "#summary"):
        behind = _effective(item["behind"], paper)
        ratio = contrast(blend(item["colour"], behind), behind)
        if ratio < AA_TEXT or item["opacity"] != 1:
            failures.append((item["where"], item["text"], item["colour"], behind, round(ratio, 2), item["opacity"]))
    assert failures == []
    assert page.console_errors == []
    page.context.close()


# Each number on the page with a tooltip: [its text, its tooltip, where it is].
TOOLTIPS = """(selector) => [...document.querySelectorAll(selector)].filter((element) => element.title)
  .map((element) => [element.textContent.trim(), element.title, element.closest('[id]').id])"""


@pytest.mark.parametrize("precision", [0, 2, 7])
def test_every_number_is_written_as_the_diagram_writes_it_with_its_full_precision_on_hover(server, browser, precision):
    page = _open_page(browser, viewport=SIZES["desktop"])
    page.goto(f"{server}/?{FLAGGED_QUERY}&precision={precision}")
    wait_drawn(page, FLAGGED_GATES)
    _show_everything(page)
    page.locator("#diagram g.wire").first.click()
    numbers = page.evaluate(TOOLTIPS, NUMBERS)
    assert {"summary", "wire-table", "inspect", "chain-rule", "gradcheck"} <= {where for _, _, where in numbers}
    for text, full, where in numbers:
        assert repr(float(full)) == full, (where, full)  # as Python spells it
        assert text == format_number(float(full), precision), (where, text, full)
    assert page.console_errors == []
    page.context.close()


NUMBERS = ".number, table.numbers td.value, table.numbers td.gradient, table.numbers td.tangent, table.numbers td.number"

# Each number element's text, and on how many lines it lies (distinct tops of its text's boxes).
LINES = """(selector) => [...document.querySelectorAll(selector)].filter((element) => element.getClientRects().length)
  .map((element) => {
    const range = document.createRange();
    range.selectNodeContents(element);
    const tops = new Set([...range.getClientRects()].filter((box) => box.width > 0).map((box) => Math.round(box.top)));
    return [element.textContent.trim(), tops.size];
  })"""


@pytest.mark.parametrize("query, gates", [
    (FLAGGED_QUERY + "&precision=10", FLAGGED_GATES),
    ("expr=1%2F(1%2Bexp(-(w0*x0%2Bw1*x1%2Bw2)))&w0=2.123456&x0=-1.5&w1=-3&x1=-2.25&w2=-3&precision=10", 8),
], ids=["flags", "figure-2"])
def test_on_a_phone_no_number_breaks_across_lines(server, browser, query, gates):
    page = _open_page(browser, viewport=SIZES["phone"])
    page.goto(f"{server}/?{query}")
    wait_drawn(page, gates)
    _show_everything(page)
    numbers = page.evaluate(LINES, NUMBERS)
    page.locator("#diagram g.wire").first.click()
    numbers += page.evaluate(LINES, "#inspect " + NUMBERS.replace(", ", ", #inspect "))
    for _ in range(gates + 2):  # the step explanation, into the backward pass
        page.click("[data-step=next]")
    numbers += page.evaluate(LINES, "#step-explain " + NUMBERS.replace(", ", ", #step-explain "))
    assert len(numbers) > 40
    assert [(text, lines) for text, lines in numbers if lines != 1] == []
    # Nor does the page scroll sideways for them: a wide table scrolls in its own box.
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert page.console_errors == []
    page.context.close()

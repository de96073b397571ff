"""The page in Korean (`lang=ko`) in Chromium against gunicorn: the template's and the scripts'
words come from the `page` catalogue, the diagram is drawn, `lang` stays in the address bar, the
requests, the links to share and the language switch, and no English sentence of the catalogue is
left on screen; the English page keeps its words. Screenshots at 1366x900 and 390x844, light and
dark, of figure 1, a circuit of 99 gates and the 2-layer network with gradient descent's drawer
open, none wider than the screen. The server and browser fixtures are tests/test_browser.py's."""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po

from graphlib.gallery import GALLERY
from graphlib.i18n import CATALOGUES
from test_browser import (CHROMIUM, FIGURE_1_QUERY, SCREENSHOTS, _open_page, browser, expect,  # noqa: F401
                          query_of, server)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")

with open(CATALOGUES / "ko" / "LC_MESSAGES" / "page.po", "rb") as po:
    PAGE_CATALOGUE = {message.id: message.string for message in read_po(po, locale="ko", domain="page") if message.id}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
SUM_25 = "+".join(f"sin(x*y*{k})" for k in range(1, 26))  # 99 gates, as tests/test_browser_big.py's
TWO_LAYER_NET = next(example for example in GALLERY if example.slug == "two-layer-net")
# The main controls, as a Korean reader sees them: (selector, its text in Korean).
KOREAN_CONTROLS = [
    ("label[for=expr]", "수식"),
    ("#variables legend", "Input"),
    ("#display-options summary", "표시 옵션"),
    ("#descent-options summary", "Gradient descent"),
    ("button[type=submit]", "그리기"),
    ("[data-step=back]", "뒤로"),
    ("[data-step=all]", "모두 보기"),
    ("[data-zoom=fit]", "너비 맞춤"),
    ("#summary caption", "output과 gradient"),
    ("#chain-rule-title", "gate별 chain rule"),
    ("#gradcheck-title", "Gradient 검사"),
    ("#copy-link", "링크 복사"),
    ("#help-title", "입력할 수 있는 것"),
]


@pytest.fixture
def page(browser):
    page = _open_page(browser, viewport={"width": 1366, "height": 900})
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    yield page
    page.context.close()


def open_circuit(page, server, query, gates):
    page.goto(f"{server}/?{query}")
    expect(page.locator("#diagram svg.circuit g.gate")).to_have_count(gates)
    expect(page.locator("#live-status")).to_be_empty()


def english_left_on_screen(page):
    """The catalogue's English that a Korean reader would see, in visible text nodes: a message
    whole, or a piece of two words or more between a message's %(name)s parameters. What Korean
    writes alike (Forward pass., gate, local: ∂/∂) does not count."""
    english = {re.sub(r"<[^>]+>", "", message): korean for message, korean in PAGE_CATALOGUE.items() if korean != message}
    whole = [message for message in english if not PLACEHOLDER.search(message)]
    pieces = sorted({piece.strip(" :;,.()") for message, korean in english.items() if PLACEHOLDER.search(message)
                     for piece in PLACEHOLDER.split(message)[::2]
                     if len(piece.strip(" :;,.()").split()) >= 2 and piece.strip(" :;,.()") not in korean})
    return page.evaluate("""([whole, pieces]) => {
      const found = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!parent.checkVisibility() || parent.closest("svg, pre, code, script")) continue;
        const text = node.textContent.replace(/\\s+/g, " ").trim();
        if (whole.includes(text)) found.push(text);
        else found.push(...pieces.filter((piece) => text.includes(piece)).map((piece) => text + " <- " + piece));
      }
      return found;
    }""", [whole, pieces])


def test_the_korean_page_shows_its_controls_in_korean_and_draws_the_circuit(server, page):
    open_circuit(page, server, "lang=ko&" + FIGURE_1_QUERY, gates=2)
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.title().endswith("· Backprop 회로")
    for selector, korean in KOREAN_CONTROLS:
        expect(page.locator(selector).first).to_contain_text(korean)
    expect(page.locator("nav.languages .current")).to_have_text("한국어")
    # The scripts' words: the step-through, the inspect panel and the wire table.
    page.locator("[data-step=next]").click()
    expect(page.locator("#step-counter")).to_have_text("Forward pass: 3단계 중 1단계")
    page.locator("#diagram g.gate").first.hover()
    expect(page.locator("#inspect dt").first).to_have_text("계산")
    page.locator("#wire-table summary").click()
    expect(page.locator("#wire-table thead th").first).to_have_text("연결선")
    assert page.console_errors == []


def test_no_english_sentence_of_the_catalogue_is_left_on_the_korean_page(server, page):
    open_circuit(page, server, "lang=ko&" + FIGURE_1_QUERY + "&wrt=x", gates=2)
    for drawer in ("#display-options", "#descent-options", "#wire-table"):
        page.locator(f"{drawer} summary").click()
    page.locator("[data-step=next]").click()
    page.locator("#diagram g.wire").first.hover()
    expect(page.locator("#gradcheck tbody tr").first).to_be_visible()
    assert english_left_on_screen(page) == []
    assert page.console_errors == []


def test_practice_speaks_korean_too(server, page):
    open_circuit(page, server, "lang=ko&" + FIGURE_1_QUERY + "&practice=grads", gates=2)
    expect(page.locator("#practice-title [data-practice-mode=grads]")).to_have_text("연습: gradient 찾기")
    expect(page.locator("#practice-title [data-practice-mode=values]")).to_be_hidden()
    page.locator("[data-hint]").first.click()
    answer = page.locator("input.answer").first
    answer.fill("7")
    answer.press("Enter")
    expect(page.locator("#practice-score")).to_contain_text("개 중")
    assert english_left_on_screen(page) == []
    assert page.console_errors == []


def test_lang_stays_in_the_address_bar_the_requests_the_links_and_the_language_switch(server, page):
    open_circuit(page, server, "lang=ko&" + FIGURE_1_QUERY, gates=2)
    page.locator("#var-x").fill("3")
    expect(page).to_have_url(re.compile(r"[?&]x=3(&|$)"))
    assert query_of(page.url)["lang"] == "ko"
    asked = [url for url in page.requested if urlsplit(url).path.startswith(("/api/", "/graph"))]
    assert asked and all(query_of(url).get("lang") == "ko" for url in asked)
    for export in ("page", "svg", "json"):
        link = query_of(page.locator(f"[data-export={export}]").get_attribute("href"))
        assert link["lang"] == "ko" and link["x"] == "3", export
    assert "lang=ko" in page.locator("#snippet-markdown").input_value()
    # The other language keeps the circuit as it is now.
    english = page.locator("nav.languages [data-language=en]")
    assert query_of(english.get_attribute("href"))["x"] == "3"
    english.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert query_of(page.url)["lang"] == "en" and query_of(page.url)["x"] == "3"
    expect(page.locator("label[for=expr]")).to_have_text("Expression")
    assert page.console_errors == []


def test_without_javascript_the_korean_form_draws_and_keeps_the_language(server, browser):
    page = _open_page(browser, java_script_enabled=False)
    page.goto(f"{server}/?lang=ko&{FIGURE_1_QUERY}")
    expect(page.locator("#diagram noscript")).to_have_count(1)
    page.locator("#var-x").fill("3")
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"[?&]x=3&"))
    assert query_of(page.url)["lang"] == "ko"
    expect(page.locator("label[for=expr]")).to_have_text("수식")
    expect(page.locator("#summary tbody tr").first).to_contain_text("output")
    page.context.close()


@pytest.mark.parametrize("query, gates", [
    ("expr=x*y%2Bx*max(x,y)&x=2&y=-3", 4),  # forks
    (TWO_LAYER_NET.query + "&steps=3", 8),  # vectors and matrices, gradient descent's note
], ids=["forks", "two-layer-net"])
def test_the_script_writes_the_korean_lessons_as_the_template_does(server, browser, query, gates):
    """The chain rule and the descent note, written by the template without JavaScript and by the
    script: word for word the same Korean, from the same messages."""
    static = _open_page(browser, java_script_enabled=False)
    static.goto(f"{server}/?lang=ko&{query}")
    written = [static.locator(part).inner_text().split() for part in ("#chain-rule", "#descent-note")]
    live = _open_page(browser)
    open_circuit(live, server, "lang=ko&" + query, gates)
    if live.locator("#chain-rule-more").is_visible():  # a long table shows its first steps: all of them
        live.locator("#chain-rule-more button").click()
    chain_rule = live.locator("#chain-rule").evaluate("""table => {
        for (const math of table.querySelectorAll("code.math.typeset")) math.replaceWith(math.title);
        return table.innerText; }""")
    assert [chain_rule.split(), live.locator("#descent-note").inner_text().split()] == written
    assert "output부터, 모든 gate의 chain rule" in chain_rule
    assert live.console_errors == []
    static.context.close()
    live.context.close()


def test_a_gallery_link_keeps_the_language(server, page):
    open_circuit(page, server, "lang=ko&" + FIGURE_1_QUERY, gates=2)
    page.locator(".gallery a").nth(1).click()  # figure 2
    expect(page).to_have_url(re.compile(r"expr=1%2F"))
    assert query_of(page.url)["lang"] == "ko"
    expect(page.locator("label[for=expr]")).to_have_text("수식")


def test_the_english_page_keeps_its_words(server, page):
    open_circuit(page, server, FIGURE_1_QUERY, gates=2)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#page-catalogue").text_content() == "{}"
    expect(page.locator("label[for=expr]")).to_have_text("Expression")
    expect(page.locator("button[type=submit]")).to_have_text("Draw")
    page.locator("[data-step=next]").click()
    expect(page.locator("#step-counter")).to_have_text("Forward pass: step 1 of 3")
    assert "lang" not in query_of(page.url)
    assert page.console_errors == []


SCREENSHOT_CIRCUITS = [
    ("figure-1", FIGURE_1_QUERY, 2, None),
    ("99-gates", f"expr={SUM_25.replace('+', '%2B')}&x=0.5&y=-1.5", 99, None),
    ("two-layer-net", TWO_LAYER_NET.query + "&steps=20", 8, "#descent-options"),
]


@pytest.mark.parametrize("width, height", [(1366, 900), (390, 844)])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name, query, gates, drawer", SCREENSHOT_CIRCUITS, ids=[name for name, *_ in SCREENSHOT_CIRCUITS])
def test_the_korean_page_fits_the_screen(server, browser, width, height, scheme, name, query, gates, drawer):
    page = _open_page(browser, viewport={"width": width, "height": height}, color_scheme=scheme)
    open_circuit(page, server, "lang=ko&" + query, gates)
    if drawer:
        page.locator(f"{drawer} summary").click()
        expect(page.locator("#descent-note")).to_contain_text("W2, W1, b1, b2에 대한 gradient descent, lr 0.02: 다이어그램은 step 20")
    expect(page.locator("#summary tbody tr").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"korean-{name}-{width}-{scheme}.png"))
    page.screenshot(path=str(SCREENSHOTS / f"korean-{name}-{width}-{scheme}-full.png"), full_page=True)
    assert page.console_errors == []
    page.context.close()


def test_the_readme_shows_the_korean_page_and_says_what_lang_does():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("### 한국어 / Korean")[1].split("\n## ")[0].replace("\n", " ")
    for claim in ["`lang=ko` in a link shows the page in Korean", "`graphlib/translations/ko/LC_MESSAGES/page.po`",
                  "keeps `lang` in the address bar, in every request it makes, in the links to share and in the gallery's links",
                  '"English / 한국어" at the top opens the same circuit in the other language']:
        assert claim in section, claim
    assert "(docs/images/page-ko.png)" in section
    image = Path(__file__).resolve().parent.parent / "docs" / "images" / "page-ko.png"
    header = image.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")) == (1366, 900)

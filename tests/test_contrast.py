"""WCAG AA contrast of the diagram, measured on what is drawn: in the SVG of circuits with inf and
nan wires, every text's fill against the fill of what lies under it (a flag's cell or the paper),
in all four palettes; every flag stands out from its paper; and the page's style sheet colours
its numbers as the diagram does. tests/test_browser_contrast.py measures the page in Chromium.
"""

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode

import pytest

from graphlib.render import PALETTES
from wcag import AA_TEXT, FLAG_DIFFERENCE, contrast, difference

SVG = "{http://www.w3.org/2000/svg}"
STYLE_SHEET = Path(__file__).resolve().parent.parent / "static" / "style.css"
# Every kind of text the diagram draws: inf and nan on flags (values, gradients and forward
# mode's tangents), plain numbers, names of inputs and of steps, gate labels, a fork's branches.
CIRCUITS = {
    "reciprocal-at-0": {"expr": "1/x", "x": "0", "wrt": "x"},  # inf, -inf
    "log-at-minus-1": {"expr": "log(x)", "x": "-1"},  # nan, and a gradient of -1
    "sqrt-at-minus-1": {"expr": "q = sqrt(x); f = q * x + y", "x": "-1", "y": "2", "wrt": "y"},  # named, forked, nan
}
PAGE_VARIABLES = {"value": "--value", "gradient": "--gradient", "tangent": "--tangent", "flag": "--flag",
                  "paper": "--paper"}


def _shape_contains(shape, x, y):
    """Whether the point lies inside a polygon's bounding box or an ellipse (all Graphviz draws under text)."""
    if shape.tag == f"{SVG}ellipse":
        cx, cy, rx, ry = (float(shape.get(name)) for name in ("cx", "cy", "rx", "ry"))
        return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1
    points = [tuple(map(float, point.split(","))) for point in shape.get("points").split()]
    xs, ys = [point[0] for point in points], [point[1] for point in points]
    return min(xs) <= x <= max(xs) and min(ys) <= y <= max(ys)


def texts_on_backgrounds(svg_bytes):
    """(text, its fill, the fill under it) for every <text>: the last filled shape drawn before it
    under the middle of its first letter (the painter's order of SVG)."""
    root = ET.fromstring(svg_bytes)
    painted, found = [], []
    for element in root.iter():
        if element.tag in (f"{SVG}polygon", f"{SVG}ellipse"):
            if element.get("fill") not in (None, "none", "transparent"):
                painted.append(element)
        elif element.tag == f"{SVG}text":
            size = float(element.get("font-size"))
            x, y = float(element.get("x")), float(element.get("y"))
            if element.get("text-anchor") == "start":
                x += size * 0.3
            y -= size * 0.35  # the baseline is at y; the middle of a digit is above it
            under = [shape for shape in painted if _shape_contains(shape, x, y)]
            assert under, "".join(element.itertext())
            found.append(("".join(element.itertext()), element.get("fill"), under[-1].get("fill")))
    return found


@pytest.mark.parametrize("colors, theme", PALETTES.keys(), ids=["-".join(key) for key in PALETTES])
@pytest.mark.parametrize("circuit", CIRCUITS.values(), ids=CIRCUITS.keys())
def test_every_text_of_the_diagram_has_aa_contrast_with_what_lies_under_it(client, circuit, colors, theme):
    palette = PALETTES[(colors, theme)]
    response = client.get("/graph.svg?" + urlencode({**circuit, "colors": colors, "theme": theme}))
    assert response.status_code == 200
    drawn = texts_on_backgrounds(response.data)
    for text, fill, background in drawn:
        assert contrast(fill, background) >= AA_TEXT, (text, fill, background, round(contrast(fill, background), 2))
    on_flags = [text for text, _, background in drawn if background == palette.flag]
    assert on_flags and set(on_flags) <= {"inf", "-inf", "nan"}
    assert {background for _, _, background in drawn} <= {palette.flag, palette.paper}


@pytest.mark.parametrize("colors, theme", PALETTES.keys(), ids=["-".join(key) for key in PALETTES])
def test_each_palette_has_aa_contrast_and_its_flag_stands_out_from_the_paper(colors, theme):
    palette = PALETTES[(colors, theme)]
    for name in ("value", "gradient", "tangent", "ink"):
        for ground in ("paper", "flag"):
            ratio = contrast(getattr(palette, name), getattr(palette, ground))
            assert ratio >= AA_TEXT, (name, ground, round(ratio, 2))
    assert difference(palette.flag, palette.paper) >= FLAG_DIFFERENCE


def _style_sheet_colours(colors, theme):
    """The page's custom properties for a colour scheme and theme, as its rules cascade."""
    text = STYLE_SHEET.read_text()
    selectors = [":root"]
    if colors == "colorblind":
        selectors.append('[data-colors="colorblind"]')
    if theme == "dark":
        selectors.append('[data-theme="dark"]')
    if (colors, theme) == ("colorblind", "dark"):
        selectors.append('[data-theme="dark"][data-colors="colorblind"]')
    found = {}
    for selector in selectors:
        block = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", text).group(1)
        found.update(re.findall(r"(--[\w-]+):\s*(#[0-9a-f]{6})", block))
    return found


@pytest.mark.parametrize("colors, theme", PALETTES.keys(), ids=["-".join(key) for key in PALETTES])
def test_the_page_colours_numbers_flags_and_paper_as_the_diagram_does(colors, theme):
    palette = PALETTES[(colors, theme)]
    page = _style_sheet_colours(colors, theme)
    assert {field: page[variable] for field, variable in PAGE_VARIABLES.items()} == {
        field: getattr(palette, field) for field in PAGE_VARIABLES}

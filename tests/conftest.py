"""Fixtures shared by the tests, in the style of Flask's tutorial (flaskr), and the checks every
answer of the Flask test client gets, whatever the test asked for:

- an SVG (`image/svg+xml`: drawings and error images) parses as XML;
- a DOT source (`text/vnd.graphviz`) is accepted by the real `dot`, and the SVG it makes parses;
- a page (`text/html`) carries no raw character that HTML calls a parse error (C0 controls but
  tab, LF, FF and CR; DELETE and the C1 controls; noncharacters);
- JSON (`application/json`) parses, without the NaN and Infinity tokens Python's json allows.

They wrap `FlaskClient.open`, so they cover every app a test creates (`create_app(...)` included),
not only the `client` fixture. Answers from a real server (tests/live_server.py) are checked by the
tests that make them.
"""

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from flask.testing import FlaskClient

from app import create_app

DOT = shutil.which("dot")
# Characters the HTML standard makes parse errors when they appear raw in the input stream:
# controls, and noncharacters (U+FDD0-U+FDEF, and the last two code points of every plane).
NONCHARACTERS = "".join(chr(plane | 0xFFFE) + chr(plane | 0xFFFF) for plane in range(0, 0x110000, 0x10000))
HTML_PARSE_ERRORS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef" + NONCHARACTERS + "]")


@pytest.fixture
def app():
    return create_app({"TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


def check_svg(data):
    """The SVG parses as XML; returns the root element."""
    try:
        return ET.fromstring(data)
    except ET.ParseError as error:
        line = data.splitlines()[error.position[0] - 1] if isinstance(data, bytes) else b""
        raise AssertionError(f"the SVG is not well-formed XML ({error}): {line[:300]!r}") from None


def check_dot(source):
    """The real dot accepts the source, without a warning, and draws an SVG that parses."""
    if DOT is None:
        return
    done = subprocess.run([DOT, "-Tsvg"], input=source if isinstance(source, bytes) else source.encode(),
                          capture_output=True, timeout=60, check=False)
    assert done.returncode == 0 and not done.stderr, f"dot refused the DOT source: {done.stderr[:500]!r}"
    check_svg(done.stdout)


def check_html(text):
    found = HTML_PARSE_ERRORS.search(text)
    assert found is None, (f"the page has a raw {found.group()!r} at {found.start()}: "
                           f"{text[max(found.start() - 80, 0):found.start() + 20]!r}")


def check_answer(response):
    """What every answer of the app must be, by its type."""
    if response.is_streamed or response.status_code in (204, 304) or not response.data:
        return
    mimetype = response.mimetype
    if mimetype == "image/svg+xml":
        check_svg(response.data)
    elif mimetype == "text/vnd.graphviz":
        check_dot(response.data)
    elif mimetype == "text/html":
        check_html(response.get_data(as_text=True))
    elif mimetype == "application/json":
        json.loads(response.get_data(as_text=True), parse_constant=_refuse_constant)


def _refuse_constant(token):
    raise AssertionError(f"the JSON has a raw {token} token, which is not JSON")


@pytest.fixture(autouse=True)
def every_answer_is_well_formed(monkeypatch):
    unchecked_open = FlaskClient.open

    def checked_open(self, *args, **kwargs):
        response = unchecked_open(self, *args, **kwargs)
        check_answer(response)
        return response

    monkeypatch.setattr(FlaskClient, "open", checked_open)

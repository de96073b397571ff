"""DOT text (graphlib/dot.py): every name and value comes out as one DOT ID, read back by the real
`dot` as it was given; statements are laid out one a line, as the graphviz package wrote them."""

import subprocess
import xml.etree.ElementTree as ET

import pytest

from graphlib.dot import Digraph, endpoint, quote

SVG = "{http://www.w3.org/2000/svg}"

QUOTED = [
    pytest.param("gate", "gate", id="a-name-as-it-is"),
    pytest.param("_x1", "_x1", id="underscore-and-digits"),
    pytest.param("-0.25", "-0.25", id="a-number-as-it-is"),
    pytest.param(".5", ".5", id="a-number-without-its-zero"),
    pytest.param("gate-n3", '"gate-n3"', id="a-dash-needs-quotes"),
    pytest.param("#ffffff", '"#ffffff"', id="a-colour"),
    pytest.param("", '""', id="empty"),
    pytest.param("Node", '"Node"', id="a-keyword-in-any-case"),
    pytest.param("subgraph", '"subgraph"', id="a-keyword"),
    pytest.param('say "hi"', '"say \\"hi\\""', id="quotes-escaped"),
    pytest.param("a\\N", '"a\\\\N"', id="a-backslash-is-not-an-escape"),
    pytest.param("<<b>x</b>>", "<<b>x</b>>", id="an-html-label-as-it-is"),
    pytest.param("<", '"<"', id="a-lone-angle-bracket-is-text"),
    pytest.param("1x", '"1x"', id="a-name-starting-with-a-digit"),
]


@pytest.mark.parametrize("text, expected", QUOTED)
def test_quote(text, expected):
    assert quote(text) == expected


ENDPOINTS = [
    pytest.param("fork-n0", '"fork-n0"', id="a-node"),
    pytest.param("wire-n3:line", '"wire-n3":line', id="a-port"),
    pytest.param("wire-n3:line:w", '"wire-n3":line:w', id="a-port-and-its-side"),
]


@pytest.mark.parametrize("text, expected", ENDPOINTS)
def test_endpoint(text, expected):
    assert endpoint(text) == expected


def example():
    dot = Digraph("circuit")
    dot.defaults("graph", rankdir="LR", bgcolor="#ffffff")
    dot.defaults("edge", arrowhead="none")
    with dot.subgraph("inputs", rank="source") as inputs:
        inputs.node("x", 'say "hi" \\N', id="x")
        inputs.node("y")
    dot.node("gate-n1", "<<b>*</b>>", shape="circle", **{"class": "gate"})
    dot.edge("x", "gate-n1", **{"class": "of-x"})
    return dot.source


def test_statements_are_written_one_a_line_attributes_by_name():
    assert example() == (
        "digraph circuit {\n"
        '\tgraph [bgcolor="#ffffff" rankdir=LR]\n'
        "\tedge [arrowhead=none]\n"
        "\tsubgraph inputs {\n"
        "\t\trank=source\n"
        '\t\tx [label="say \\"hi\\" \\\\N" id=x]\n'
        "\t\ty\n"
        "\t}\n"
        '\t"gate-n1" [label=<<b>*</b>> class=gate shape=circle]\n'
        "\tx -> \"gate-n1\" [class=\"of-x\"]\n"
        "}\n"
    )


def test_dot_reads_back_what_was_written():
    """Graphviz's own drawing of the text: every label as given (the backslash too, where dot
    would read \\N as the node's name), every attribute and edge in place."""
    svg = subprocess.run(["dot", "-Tsvg"], input=example(), capture_output=True, text=True, check=True).stdout
    root = ET.fromstring(svg)
    nodes = {group.get("id"): [text.text for text in group.iter(f"{SVG}text")]
             for group in root.iter(f"{SVG}g") if group.get("class") in ("node", "node gate")}
    assert nodes == {"x": ['say "hi" \\N'], "node2": ["y"], "node3": ["*"]}
    assert [edge.get("class") for edge in root.iter(f"{SVG}g") if "edge" in (edge.get("class") or "")] == ["edge of-x"]

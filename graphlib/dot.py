"""DOT statements into DOT text, every name and value quoted as the DOT language requires.

The few kinds of statement a circuit needs, one statement a line (the layout of the graphviz
package, which wrote them before)."""

import functools
import re
from contextlib import contextmanager

# A DOT ID that needs no quotes: a name or a number (https://graphviz.org/doc/info/lang.html).
PLAIN_ID = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*|-?(\.[0-9]+|[0-9]+(\.[0-9]*)?))\Z")
KEYWORDS = {"node", "edge", "graph", "digraph", "subgraph", "strict"}  # matched in any case


@functools.lru_cache(maxsize=4096)  # a circuit repeats its names, colours and classes many times
def quote(text):
    """`text` as a DOT ID: an HTML-like label (`<...>`), a name or a number as it is; anything
    else in double quotes, with its quotes and backslashes escaped."""
    if len(text) >= 2 and text[0] == "<" and text[-1] == ">":
        return text
    if PLAIN_ID.match(text) and text.lower() not in KEYWORDS:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def endpoint(text):
    """An edge's end, `node`, `node:port` or `node:port:compass`, with the node and port quoted."""
    node, _, rest = text.partition(":")
    if not rest:
        return quote(node)
    port, _, compass = rest.partition(":")
    return f"{quote(node)}:{quote(port)}" + (f":{compass}" if compass else "")


def attribute_list(label=None, attributes=None):
    """` [label=... name=value ...]`, the label first and the rest by name, or "" if empty."""
    items = [] if label is None else [f"label={quote(label)}"]
    items += [f"{quote(name)}={quote(value)}" for name, value in sorted((attributes or {}).items())]
    return f" [{' '.join(items)}]" if items else ""


class Digraph:
    """A directed graph's DOT text, written statement by statement."""

    def __init__(self, name):
        self._lines = [f"digraph {quote(name)} {{"]
        self._indent = "\t"

    def defaults(self, kind, **attributes):
        """Attributes of every `kind` ("graph", "node" or "edge") statement after this one."""
        self._add(f"{kind}{attribute_list(attributes=attributes)}")

    def node(self, name, label=None, **attributes):
        self._add(f"{quote(name)}{attribute_list(label, attributes)}")

    def edge(self, tail, head, **attributes):
        self._add(f"{endpoint(tail)} -> {endpoint(head)}{attribute_list(attributes=attributes)}")

    @contextmanager
    def subgraph(self, name, **attributes):
        """Statements made inside the `with` block belong to the subgraph `name`."""
        self._add(f"subgraph {quote(name)} {{")
        self._indent += "\t"
        for attribute, value in attributes.items():
            self._add(f"{quote(attribute)}={quote(value)}")
        try:
            yield self
        finally:
            self._indent = self._indent[:-1]
            self._add("}")

    @property
    def source(self):
        return "\n".join(self._lines) + "\n}\n"

    def _add(self, statement):
        self._lines.append(self._indent + statement)

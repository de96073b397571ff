"""Expression text to `Graph`: a hand-written tokenizer and recursive-descent parser.

Nothing here evaluates the text as code: the grammar is ours and allows only numbers, variables,
the constants pi and e, the operators + - * / ** ^, parentheses, and the functions of `ops.OPS`.
One gate per operator typed, in the order typed; nothing is simplified or reordered, except that
an operation on constants alone is folded into a constant (constants carry no wire and no gradient).
"""

import keyword
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from graphlib.errors import ExpressionSyntaxError, LimitError
from graphlib.graph import Const, Graph, Node
from graphlib.ops import CONSTANTS, FUNCTIONS, INFIX_OPS, OPS

MAX_LENGTH = 1000
MAX_GATES = 120
MAX_DEPTH = 40
MAX_VARIABLES = 20
MAX_TOKEN_LENGTH = 30

# Names that may not be variables: they would clash with functions, constants, the URL's
# option parameters, or read as Python code to whoever reads the expression.
OPTION_NAMES = frozenset({"expr", "precision", "colors", "theme", "direction", "format"})
RESERVED_NAMES = frozenset(FUNCTIONS) | frozenset(CONSTANTS) | OPTION_NAMES | frozenset(keyword.kwlist)

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
NUMBER_PATTERN = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
OPERATOR_PATTERN = re.compile(r"\*\*|[-+*/^(),]")

LOOKALIKES = {
    "\u2212": "-", "\u2013": "-", "\u2014": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*",
    "\u2217": "*", "\u00f7": "/", "\u2044": "/", "\u00b2": "**2", "\u00b3": "**3",
    "\uff08": "(", "\uff09": ")", "\uff0c": ",", "\uff0b": "+", "\uff0d": "-",
}


@dataclass(frozen=True)
class Token:
    kind: str  # "number", "name", "op" or "end"
    text: str
    start: int

    @property
    def end(self):
        return self.start + len(self.text)


def parse(source):
    """Parse `source` into a Graph, or raise an ExpressionSyntaxError or LimitError."""
    if len(source) > MAX_LENGTH:
        raise LimitError(
            f"The expression is {len(source)} characters long; the limit is {MAX_LENGTH}.",
            position=MAX_LENGTH,
        )
    if not source.strip():
        raise ExpressionSyntaxError("Type an expression, for example (x+y)*z.", position=0)
    parser = _Parser(source, tokenize(source))
    result = parser.expression()
    parser.expect_end()
    if isinstance(result, Const):
        raise ExpressionSyntaxError(
            f"The expression is a constant ({result.value:g}): it has no variable to take a "
            "gradient with respect to. Use at least one variable, for example 2*x.",
            position=0,
        )
    return parser.builder.finish(source)


def tokenize(source):
    tokens = []
    position = 0
    while position < len(source):
        char = source[position]
        if char.isspace():
            position += 1
            continue
        for kind, pattern in (("number", NUMBER_PATTERN), ("name", NAME_PATTERN), ("op", OPERATOR_PATTERN)):
            match = pattern.match(source, position)
            if match:
                break
        else:
            raise _unexpected_character(source, position)
        text = match.group()
        if kind != "op" and len(text) > MAX_TOKEN_LENGTH:
            raise LimitError(
                f"The {kind} at column {position + 1} is {len(text)} characters long; "
                f"the limit is {MAX_TOKEN_LENGTH}.",
                position=position,
            )
        tokens.append(Token(kind, "**" if text == "^" else text, position))
        position = match.end()
    tokens.append(Token("end", "", len(source)))
    return tokens


def _unexpected_character(source, position):
    char = source[position]
    name = unicodedata.name(char, f"U+{ord(char):04X}")
    message = f"Unexpected character {char!r} ({name}) at column {position + 1}."
    if char in LOOKALIKES:
        message += f" Did you mean {LOOKALIKES[char]!r}?"
    elif char == "_":
        message += " Names start with a letter, such as x_1."
    elif not char.isascii() and char.isalpha():
        message += " Variable names use the ASCII letters A-Z, a-z, digits and _."
    elif char in "=;":
        message += " Type one expression, such as (x+y)*z; variable values go in their own fields."
    else:
        message += " Allowed are numbers, names, + - * / ** ^, parentheses and commas."
    return ExpressionSyntaxError(message, position=position)


class _GraphBuilder:
    """Collects nodes as the parser reduces them, which is already evaluation order."""

    def __init__(self):
        self.inputs = {}  # variable name -> Node, in the order first typed
        self.gates = []

    def variable(self, token):
        if token.text not in self.inputs:
            if len(self.inputs) == MAX_VARIABLES:
                raise LimitError(
                    f"Too many variables: {token.text!r} at column {token.start + 1} would be "
                    f"number {MAX_VARIABLES + 1}; the limit is {MAX_VARIABLES}.",
                    position=token.start,
                )
            key = f"v{len(self.inputs)}"
            self.inputs[token.text] = Node(key, "input", name=token.text, span=(token.start, token.end))
        return self.inputs[token.text].id

    def gate(self, op, args, span, source, typed_at):
        """A gate applying `op` to `args` (wires or constants), or a Const if all are constant.

        `typed_at` is the column of the operator or function name, for error messages."""
        if all(isinstance(arg, Const) for arg in args):
            with np.errstate(all="ignore"):
                value = float(op.forward(*(np.float64(arg.value) for arg in args)))
            return Const(value, source[span[0]:span[1]].strip())
        if len(self.gates) == MAX_GATES:
            raise LimitError(
                f"Too many gates: the operation at column {typed_at + 1} would be gate number "
                f"{MAX_GATES + 1}; the limit is {MAX_GATES}.",
                position=typed_at,
            )
        key = f"g{len(self.gates)}"
        self.gates.append(Node(key, op.name, tuple(args), span=span))
        return key

    def finish(self, source):
        """Number the nodes n0, n1, ... with the inputs first, and rewrite the references."""
        ordered = list(self.inputs.values()) + self.gates
        new_id = {node.id: f"n{index}" for index, node in enumerate(ordered)}
        nodes = tuple(
            Node(
                new_id[node.id],
                node.op,
                tuple(new_id[arg] if isinstance(arg, str) else arg for arg in node.args),
                node.name,
                node.span,
            )
            for node in ordered
        )
        return Graph(source, nodes)


class _Parser:
    """Grammar, loosest binding first (Python's precedence; ** is right-associative):

        expression := term (("+" | "-") term)*
        term       := factor (("*" | "/") factor)*
        factor     := ("+" | "-") factor | power
        power      := primary ("**" factor)?
        primary    := number | name | name "(" expression ("," expression)* ")" | "(" expression ")"

    Each rule returns an operand: a node id (a wire) or a Const.
    """

    def __init__(self, source, tokens):
        self.source = source
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.builder = _GraphBuilder()

    @property
    def token(self):
        return self.tokens[self.index]

    def advance(self):
        token = self.token
        self.index += 1
        return token

    def at(self, *texts):
        return self.token.kind == "op" and self.token.text in texts

    def expression(self):
        return self.left_associative(self.term, "+", "-")

    def term(self):
        return self.left_associative(self.factor, "*", "/")

    def left_associative(self, operand_rule, *operators):
        """operand (operator operand)*, each operator a gate on what came before it."""
        start = self.token.start
        left = operand_rule()
        while self.at(*operators):
            operator = self.advance()
            right = operand_rule()
            left = self.binary(operator, left, right, start)
        return left

    def factor(self):
        if not self.at("+", "-"):
            return self.power()
        sign = self.advance()
        with self.nested(sign):
            operand = self.factor()
        if sign.text == "+":
            return operand
        span = (sign.start, self.previous_end())
        if isinstance(operand, Const):
            return Const(-operand.value, self.source[span[0]:span[1]])
        # The lecture draws negation as the gate `*-1`.
        return self.builder.gate(OPS["mul"], (operand, Const(-1.0, "-1")), span, self.source, sign.start)

    def power(self):
        start = self.token.start
        base = self.primary()
        if not self.at("**"):
            return base
        operator = self.advance()
        with self.nested(operator):
            exponent = self.factor()
        return self.binary(operator, base, exponent, start)

    def primary(self):
        token = self.token
        if token.kind == "number":
            self.advance()
            return self.number(token)
        if token.kind == "name":
            self.advance()
            if self.at("("):
                return self.call(token)
            return self.name(token)
        if self.at("("):
            self.advance()
            with self.nested(token):
                inner = self.expression()
            self.expect(")", opened=token)
            return inner
        raise self.error_expecting("a number, a variable, a function or '('")

    def number(self, token):
        value = float(token.text)
        if value == float("inf"):
            raise ExpressionSyntaxError(
                f"The number {token.text} at column {token.start + 1} is too large for "
                "float64 (the largest is about 1.8e308).",
                position=token.start,
            )
        return Const(value, token.text)

    def name(self, token):
        if token.text in CONSTANTS:
            return Const(CONSTANTS[token.text], token.text)
        if token.text in FUNCTIONS:
            raise ExpressionSyntaxError(
                f"{token.text} at column {token.start + 1} is a function: write {token.text}(...).",
                position=token.start,
            )
        if token.text in RESERVED_NAMES:
            raise ExpressionSyntaxError(
                f"{token.text!r} at column {token.start + 1} is a reserved word and cannot be a "
                "variable name; choose another name.",
                position=token.start,
            )
        return self.builder.variable(token)

    def call(self, name):
        op = FUNCTIONS.get(name.text)
        if op is None:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionSyntaxError(
                f"Unknown function {name.text!r} at column {name.start + 1}. Known functions: {known}.",
                position=name.start,
            )
        opening = self.advance()
        args = []
        with self.nested(opening):
            args.append(self.expression())
            while self.at(","):
                self.advance()
                args.append(self.expression())
        self.expect(")", opened=opening)
        if len(args) != op.arity:
            plural = "argument" if op.arity == 1 else "arguments"
            raise ExpressionSyntaxError(
                f"{op.name} takes {op.arity} {plural}, but got {len(args)} at column "
                f"{name.start + 1}.",
                position=name.start,
            )
        return self.builder.gate(op, args, (name.start, self.previous_end()), self.source, name.start)

    def binary(self, operator, left, right, start):
        op = INFIX_OPS[operator.text]
        span = (start, self.previous_end())
        return self.builder.gate(op, (left, right), span, self.source, operator.start)

    def previous_end(self):
        return self.tokens[self.index - 1].end

    @contextmanager
    def nested(self, token):
        """Count nesting so that deep input is refused long before Python's recursion limit."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise LimitError(
                f"The expression nests too deeply at column {token.start + 1}; the limit is "
                f"{MAX_DEPTH} levels of brackets, signs and powers.",
                position=token.start,
            )
        try:
            yield
        finally:
            self.depth -= 1

    def expect(self, text, opened):
        if self.at(text):
            self.advance()
            return
        raise self.error_expecting(
            f"{text!r} to close the {opened.text!r} at column {opened.start + 1}"
        )

    def expect_end(self):
        token = self.token
        if token.kind == "end":
            return
        column = token.start + 1
        if self.at(")"):
            message = f"Unmatched ')' at column {column}."
        elif self.at(","):
            message = f"Unexpected ',' at column {column}: commas only separate a function's arguments, as in max(x, y)."
        elif token.kind == "name" and token.text in RESERVED_NAMES and token.text not in FUNCTIONS:
            message = f"{token.text!r} at column {column} is a reserved word, not part of the expression language."
        else:
            previous = self.tokens[self.index - 1]
            message = f"Missing operator between {previous.text!r} and {token.text!r} at column {column}"
            if previous.kind != "op" and token.kind != "op":
                message += f"; for a product write {previous.text}*{token.text}."
            else:
                message += "; for a product put * between them."
        raise ExpressionSyntaxError(message, position=token.start)

    def error_expecting(self, what):
        token = self.token
        found = "the end of the expression" if token.kind == "end" else repr(token.text)
        return ExpressionSyntaxError(
            f"Expected {what} at column {token.start + 1}, but found {found}.",
            position=token.start,
        )


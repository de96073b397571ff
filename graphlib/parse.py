"""Expression text to `Graph`: a hand-written tokenizer and recursive-descent parser.

Nothing here evaluates the text as code: the grammar is ours and allows only numbers, variables,
the constants pi and e, the operators + - * / ** ^, parentheses, and the functions of `ops.OPS`.
One gate per operator typed, in the order typed; nothing is simplified or reordered, except that
an operation on constants alone is folded into a constant (constants carry no wire and no gradient).

A program may also be staged as in the lecture, one named step per line or per `;`:
`q = x + y; f = q * z`. A step's wire carries its name, a step used twice forks, and the last
statement is the output.
"""

import dataclasses
import keyword
import re
import unicodedata
from collections.abc import Set
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .errors import ExpressionSyntaxError, LimitError
from .i18n import _
from .graph import Const, Node, numbered
from .arrays import ShapeMismatch
from .ops import CALLS, CONSTANTS, FUNCTIONS, INFIX_OPS, OPS
from .shapes import gate_shape
from .options import QUERY_NAMES

# A 500-gate expression over 100 variables is about 2,500 characters typed compactly
# (x17*x42+...), and with the 100 values its query is about 5.5 KB, within app.MAX_QUERY_BYTES.
MAX_LENGTH = 3000
MAX_GATES = 500
MAX_DEPTH = 40
MAX_VARIABLES = 100
MAX_STEPS = 20  # named steps (q = x + y)
MAX_TOKEN_LENGTH = 30


class _ReservedNames(Set):
    """Names that may not be variables: the functions of ops.OPS, as it is at each use (a
    function added there is reserved at once), and the names `fixed`."""

    def __init__(self, fixed):
        self._fixed = fixed

    def __contains__(self, name):
        return name in self._fixed or name in FUNCTIONS

    def __iter__(self):
        return iter(self._fixed | frozenset(FUNCTIONS))

    def __len__(self):
        return len(self._fixed | frozenset(FUNCTIONS))

    @classmethod
    def _from_iterable(cls, names):  # what `|`, `&` and `-` make of it: a frozenset
        return frozenset(names)


# Names that may not be variables: they would clash with functions, constants, the URL's
# option parameters, or read as Python code to whoever reads the expression.
RESERVED_NAMES = _ReservedNames(frozenset(CONSTANTS) | QUERY_NAMES | frozenset(keyword.kwlist))

NAME_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
NUMBER_PATTERN = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# A number given as a value (a field, the learning rate, an answer): signed, as typed.
VALUE_PATTERN = re.compile(r"[+-]?" + NUMBER_PATTERN.pattern)
OPERATOR_PATTERN = re.compile(r"\*\*|\.T(?![A-Za-z0-9_])|[-+*/^(),=@\[\]]")

# The only characters that separate tokens. Every other control, format or space character (a
# no-break space, a vertical tab, U+2028, a zero-width space...) is refused by name: str.isspace()
# would let some of them through into the labels, where XML does not allow them.
WHITESPACE = " \t\r\n"
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Zs"})
# Unicode gives control characters no name, only aliases (NameAliases.txt): these are the aliases
# of U+0000-U+001F, U+007F and U+0080-U+009F, in that order; unicodedata.lookup() reads them back.
CONTROL_NAMES = dict(zip(
    [*range(0x20), *range(0x7F, 0xA0)],
    ["NULL", "START OF HEADING", "START OF TEXT", "END OF TEXT", "END OF TRANSMISSION", "ENQUIRY",
     "ACKNOWLEDGE", "ALERT", "BACKSPACE", "CHARACTER TABULATION", "LINE FEED", "LINE TABULATION",
     "FORM FEED", "CARRIAGE RETURN", "SHIFT OUT", "SHIFT IN", "DATA LINK ESCAPE", "DEVICE CONTROL ONE",
     "DEVICE CONTROL TWO", "DEVICE CONTROL THREE", "DEVICE CONTROL FOUR", "NEGATIVE ACKNOWLEDGE",
     "SYNCHRONOUS IDLE", "END OF TRANSMISSION BLOCK", "CANCEL", "END OF MEDIUM", "SUBSTITUTE", "ESCAPE",
     "INFORMATION SEPARATOR FOUR", "INFORMATION SEPARATOR THREE", "INFORMATION SEPARATOR TWO",
     "INFORMATION SEPARATOR ONE", "DELETE", "PADDING CHARACTER", "HIGH OCTET PRESET",
     "BREAK PERMITTED HERE", "NO BREAK HERE", "INDEX", "NEXT LINE", "START OF SELECTED AREA",
     "END OF SELECTED AREA", "CHARACTER TABULATION SET", "CHARACTER TABULATION WITH JUSTIFICATION",
     "LINE TABULATION SET", "PARTIAL LINE FORWARD", "PARTIAL LINE BACKWARD", "REVERSE LINE FEED",
     "SINGLE SHIFT TWO", "SINGLE SHIFT THREE", "DEVICE CONTROL STRING", "PRIVATE USE ONE",
     "PRIVATE USE TWO", "SET TRANSMIT STATE", "CANCEL CHARACTER", "MESSAGE WAITING",
     "START OF GUARDED AREA", "END OF GUARDED AREA", "START OF STRING",
     "SINGLE GRAPHIC CHARACTER INTRODUCER", "SINGLE CHARACTER INTRODUCER",
     "CONTROL SEQUENCE INTRODUCER", "STRING TERMINATOR", "OPERATING SYSTEM COMMAND", "PRIVACY MESSAGE",
     "APPLICATION PROGRAM COMMAND"],
    strict=True,
))

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
        raise LimitError(_("The expression is %(length)s characters long; the limit is %(limit)s.",
                           length=len(source), limit=MAX_LENGTH), position=MAX_LENGTH)
    if not source.strip(WHITESPACE):
        raise ExpressionSyntaxError(_("Type an expression, for example (x+y)*z."), position=0)
    parser = _Parser(source, tokenize(source))
    result = parser.program()
    if result is None:  # only separators: ";" or blank lines
        raise ExpressionSyntaxError(_("Type an expression, for example (x+y)*z."), position=0)
    if isinstance(result, Const):
        message = _("The expression is a constant (%(value)s): it has no variable to take a gradient with "
                    "respect to. Use at least one variable, for example 2*x.", value=format(result.value, "g"))
        if parser.builder.steps:
            message += " " + _("The values of variables go in their own fields.")
        raise ExpressionSyntaxError(message, position=0)
    return parser.builder.finish(source, result)


def where(source, position):
    """`column 7`, or `line 2, column 3` once the text has several lines."""
    if "\n" not in source:
        return _("column %(column)s", column=position + 1)
    line = source.count("\n", 0, position) + 1
    column = position - (source.rfind("\n", 0, position) + 1) + 1
    return _("line %(line)s, column %(column)s", line=line, column=column)


def tokenize(source):
    tokens = []
    position = 0
    depth = 0  # as in Python, a line break inside brackets continues the expression
    while position < len(source):
        char = source[position]
        if char == ";" or (char == "\n" and depth == 0):
            tokens.append(Token("sep", char, position))
            position += 1
            continue
        if char in WHITESPACE:
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
            message = (_("The number at %(where)s is %(length)s characters long; the limit is %(limit)s.")
                       if kind == "number" else
                       _("The name at %(where)s is %(length)s characters long; the limit is %(limit)s."))
            raise LimitError(message % {"where": where(source, position), "length": len(text),
                                        "limit": MAX_TOKEN_LENGTH}, position=position)
        tokens.append(Token(kind, "**" if text == "^" else text, position))
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(text, 0)
        position = match.end()
    tokens.append(Token("end", "", len(source)))
    return tokens


def is_invisible(char):
    """A control, format or space character other than the four of WHITESPACE: nothing a reader
    sees, or a separator we do not take."""
    return char not in WHITESPACE and unicodedata.category(char) in INVISIBLE_CATEGORIES


def character_name(char):
    """`U+001F (INFORMATION SEPARATOR ONE)`, `U+00A0 (NO-BREAK SPACE)`; the code point alone where
    Unicode has no name."""
    code = f"U+{ord(char):04X}"
    name = unicodedata.name(char, None) or CONTROL_NAMES.get(ord(char))
    return f"{code} ({name})" if name else code


def _unexpected_character(source, position):
    char = source[position]
    if is_invisible(char):
        return ExpressionSyntaxError(
            _("Unexpected character %(character)s at %(where)s. Only spaces, tabs and line breaks may separate "
              "the parts of an expression.", character=character_name(char), where=where(source, position)),
            position=position,
        )
    name = unicodedata.name(char, f"U+{ord(char):04X}")
    message = _("Unexpected character %(character)s (%(name)s) at %(where)s.", character=repr(char), name=name,
                where=where(source, position))
    if char in LOOKALIKES:
        hint = _("Did you mean %(character)s?", character=repr(LOOKALIKES[char]))
    elif char == "_":
        hint = _("Names start with a letter, such as x_1.")
    elif not char.isascii() and char.isalpha():
        hint = _("Variable names use the ASCII letters A-Z, a-z, digits and _.")
    else:
        hint = _("Allowed are numbers, names, + - * / ** ^ @, parentheses, commas, [ ] and .T.")
    return ExpressionSyntaxError(f"{message} {hint}", position=position)


class _GraphBuilder:
    """Collects nodes as the parser reduces them, which is already evaluation order."""

    def __init__(self, source):
        self.source = source
        self.inputs = {}  # variable name -> Node, in the order first typed
        self.gates = []
        self.steps = {}  # step name -> the gate id (or Const) it names

    def variable(self, token):
        if token.text not in self.inputs:
            if len(self.inputs) == MAX_VARIABLES:
                raise LimitError(_("Too many variables: %(name)s at %(where)s would be number %(number)s; the limit "
                                   "is %(limit)s.", name=repr(token.text), where=where(self.source, token.start),
                                   number=MAX_VARIABLES + 1, limit=MAX_VARIABLES), position=token.start)
            key = f"v{len(self.inputs)}"
            self.inputs[token.text] = Node(key, "input", name=token.text, span=(token.start, token.end))
        return self.inputs[token.text].id

    def gate(self, op, args, span, typed_at):
        """A gate applying `op` to `args` (wires or constants), or a Const if all are constant.

        `typed_at` is the column of the operator or function name, for error messages."""
        if all(isinstance(arg, Const) for arg in args):
            return self.folded(op, args, span, typed_at)
        if len(self.gates) == MAX_GATES:
            raise LimitError(_("Too many gates: the operation at %(where)s would be gate number %(number)s; the "
                               "limit is %(limit)s.", where=where(self.source, typed_at), number=MAX_GATES + 1,
                               limit=MAX_GATES), position=typed_at)
        key = f"g{len(self.gates)}"
        self.gates.append(Node(key, op.name, tuple(args), span=span, at=typed_at))
        return key

    def folded(self, op, args, span, typed_at):
        """An operation on constants alone, as one constant: a number, so an array gate must take
        numbers (sum(2) is 2; 2 @ 3 is refused as the circuit's shapes would be)."""
        text = self.source[span[0]:span[1]].strip(WHITESPACE)
        if not op.elementwise:
            try:
                gate_shape(op, [arg.value for arg in args], [() for arg in args])
            except ShapeMismatch as mismatch:
                raise ExpressionSyntaxError(_("%(gate)s: %(mismatch)s.", gate=text, mismatch=mismatch),
                                            position=typed_at) from None
        with np.errstate(all="ignore"):
            value = float(op.forward(*(np.float64(arg.value) for arg in args)))
        return Const(value, text)

    def name_step(self, name, result):
        """Give a step's name to the gate it computes; a constant step stays a constant."""
        if isinstance(result, Const):
            self.steps[name.text] = Const(result.value, name.text)
            return
        if not result.startswith("g") or any(result == step for step in self.steps.values()):
            raise ExpressionSyntaxError(_("%(name)s = ... at %(where)s only renames a value that already has a "
                                          "name; use that name instead.", name=name.text,
                                          where=where(self.source, name.start)), position=name.start)
        index = int(result[1:])
        self.gates[index] = dataclasses.replace(self.gates[index], name=name.text)
        self.steps[name.text] = result

    def finish(self, source, output):
        """Number the nodes n0, n1, ... with the inputs first, and rewrite the references."""
        self._check_every_step_is_used(output)
        return numbered(source, list(self.inputs.values()) + self.gates)

    def _check_every_step_is_used(self, output):
        used = {output}
        for node in reversed(self.gates):
            if node.id in used:
                used.update(arg for arg in node.args if isinstance(arg, str))
        for node in self.gates:
            if node.name and node.id not in used:
                raise ExpressionSyntaxError(_("The step %(name)s at %(where)s is never used: every step must lead "
                                              "to the output, the last line.", name=node.name,
                                              where=where(self.source, node.span[0])), position=node.span[0])


class _Parser:
    """Grammar, loosest binding first (Python's precedence; ** is right-associative):

        expression := term (("+" | "-") term)*
        term       := factor (("*" | "/" | "@") factor)*
        factor     := ("+" | "-") factor | power
        power      := postfixed ("**" factor)?
        postfixed  := primary (".T" | "[" index ("," index)? "]")*
        index      := "-"? whole number
        primary    := number | name | name "(" expression ("," expression)* ")" | "(" expression ")"

    Each rule returns an operand: a node id (a wire) or a Const.
    """

    def __init__(self, source, tokens):
        self.source = source
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.builder = _GraphBuilder(source)
        self.statement_name = None  # the name token of the step being parsed
        # Names assigned anywhere, so that using one before its definition is an error, not an input.
        self.assigned = {
            token.text: token for before, token, after in zip([None] + tokens, tokens, tokens[1:])
            if token.kind == "name" and after.text == "=" and (before is None or before.kind == "sep")
        }

    @property
    def token(self):
        return self.tokens[self.index]

    def advance(self):
        token = self.token
        self.index += 1
        return token

    def at(self, *texts):
        return self.token.kind == "op" and self.token.text in texts

    def program(self):
        """statement ((";" | newline) statement)*; returns the last statement's operand."""
        result = None
        start = None
        while True:
            while self.token.kind == "sep":
                self.advance()
            if self.token.kind == "end":
                return result
            if result is not None and self.statement_name is None:
                raise ExpressionSyntaxError(_("The statement at %(where)s is not the last one, so it must be a "
                                              "named step, as in q = x + y.", where=where(self.source, start)),
                                            position=start)
            start = self.token.start
            result = self.statement()
            self.expect_end_of_statement()

    def statement(self):
        """name "=" expression, or (as the last statement only) an expression."""
        self.statement_name = None
        is_step = self.token.kind == "name" and self.tokens[self.index + 1].text == "="
        if not is_step:
            return self.expression()
        name = self.advance()
        self.check_step_name(name)
        self.advance()
        self.statement_name = name
        result = self.expression()
        self.builder.name_step(name, result)
        return result

    def check_step_name(self, name):
        if name.text in self.builder.steps:
            raise ExpressionSyntaxError(_("%(name)s is defined twice (again at %(where)s); give each step its own "
                                          "name.", name=name.text, where=where(self.source, name.start)),
                                        position=name.start)
        if name.text in self.builder.inputs:
            raise ExpressionSyntaxError(_("%(name)s is used as an input before it is defined at %(where)s; define "
                                          "a step before using it.", name=name.text,
                                          where=where(self.source, name.start)), position=name.start)
        self._refuse_reserved(name, _("%(name)s at %(where)s is a reserved word and cannot be a step name; "
                                      "choose another name."))
        if len(self.builder.steps) == MAX_STEPS:
            raise LimitError(_("Too many named steps: %(name)s at %(where)s would be number %(number)s; the limit "
                               "is %(limit)s.", name=repr(name.text), where=where(self.source, name.start),
                               number=MAX_STEPS + 1, limit=MAX_STEPS), position=name.start)

    def expression(self):
        return self.left_associative(self.term, "+", "-")

    def term(self):
        return self.left_associative(self.factor, "*", "/", "@")

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
        return self.builder.gate(OPS["mul"], (operand, Const(-1.0, "-1")), span, sign.start)

    def power(self):
        start = self.token.start
        base = self.postfixed()
        if not self.at("**"):
            return base
        operator = self.advance()
        with self.nested(operator):
            exponent = self.factor()
        return self.binary(operator, base, exponent, start)

    def postfixed(self):
        """A value transposed (W.T) or indexed (v[2], W[1, 0], W[1]), any number of times."""
        start = self.token.start
        operand = self.primary()
        while self.at(".T", "["):
            operator = self.advance()
            if operator.text == ".T":
                op, args = OPS["transpose"], (operand,)
            else:
                op, args = OPS["index"], (operand, *self.indices(operator))
            operand = self.builder.gate(op, args, (start, self.previous_end()), operator.start)
        return operand

    def indices(self, opening):
        """The one or two indices after `[`, and the `]`."""
        with self.nested(opening):
            indices = [self.index_number()]
            if self.at(","):
                self.advance()
                indices.append(self.index_number())
        self.expect("]", opened=opening)
        return indices

    def index_number(self):
        """A constant index: a whole number, negative ones counting from the end as in NumPy."""
        start = self.token.start
        sign = self.advance().text if self.at("-") else ""
        token = self.token
        if token.kind != "number" or not token.text.isdigit():
            raise self.error_expecting(_("an index, a whole number such as 0 or 2"))
        self.advance()
        return Const(float(sign + token.text), self.source[start:token.end])

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
        raise self.error_expecting(_("a number, a variable, a function or '('"))

    def number(self, token):
        value = float(token.text)
        if value == float("inf"):
            raise ExpressionSyntaxError(
                f"The number {token.text} at {where(self.source, token.start)} is too large for "
                "float64 (the largest is about 1.8e308).",
                position=token.start,
            )
        return Const(value, token.text)

    def name(self, token):
        if token.text in self.builder.steps:
            return self.builder.steps[token.text]
        if self.statement_name is not None and token.text == self.statement_name.text:
            raise ExpressionSyntaxError(_("%(name)s at %(where)s is defined in terms of itself; a step can only "
                                          "use inputs and the steps before it.", name=token.text,
                                          where=where(self.source, token.start)), position=token.start)
        if token.text in self.assigned:
            raise ExpressionSyntaxError(_("%(name)s at %(where)s is used before it is defined at %(defined)s; move "
                                          "its step up.", name=token.text, where=where(self.source, token.start),
                                          defined=where(self.source, self.assigned[token.text].start)),
                                        position=token.start)
        if token.text in CONSTANTS:
            return Const(float(CONSTANTS[token.text]), token.text)
        if token.text in FUNCTIONS:
            raise ExpressionSyntaxError(_("%(name)s at %(where)s is a function: write %(name)s(...).",
                                          name=token.text, where=where(self.source, token.start)),
                                        position=token.start)
        self._refuse_reserved(token, _("%(name)s at %(where)s is a reserved word and cannot be a variable name; "
                                       "choose another name."))
        return self.builder.variable(token)

    def _refuse_reserved(self, token, message):
        """`message` (translated, with %(name)s and %(where)s) when the token is a reserved word."""
        if token.text in RESERVED_NAMES:
            raise ExpressionSyntaxError(message % {"name": repr(token.text), "where": where(self.source, token.start)},
                                        position=token.start)

    def call(self, name):
        if name.text not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionSyntaxError(_("Unknown function %(name)s at %(where)s. Known functions: %(known)s.",
                                          name=repr(name.text), where=where(self.source, name.start), known=known),
                                        position=name.start)
        opening = self.advance()
        args = []
        with self.nested(opening):
            args.append(self.expression())
            while self.at(","):
                self.advance()
                args.append(self.expression())
        self.expect(")", opened=opening)
        op = CALLS.get((name.text, len(args)))
        if op is None:
            arities = sorted(arity for typed, arity in CALLS if typed == name.text)
            message = (_("%(name)s takes 1 argument, but got %(count)s at column %(column)s.") if arities == [1] else
                       _("%(name)s takes %(counts)s arguments, but got %(count)s at column %(column)s."))
            raise ExpressionSyntaxError(message % {"name": name.text, "counts": _(" or ").join(map(str, arities)),
                                                   "count": len(args), "column": name.start + 1},
                                        position=name.start)
        self.check_parameters(op, name, args)
        return self.builder.gate(op, args, (name.start, self.previous_end()), name.start)

    def check_parameters(self, op, name, args):
        """sum(W, axis): the axis is a whole number typed in the expression, not a wire."""
        if op.parameters_from is None:
            return
        for parameter, arg in zip(op.parameters[op.parameters_from:], args[op.parameters_from:]):
            if not isinstance(arg, Const) or not float(arg.value).is_integer():
                raise ExpressionSyntaxError(_("The %(parameter)s of %(usage)s at %(where)s must be a whole number "
                                              "typed in the expression, such as 0 or 1.", parameter=parameter,
                                              usage=op.usage, where=where(self.source, name.start)),
                                            position=name.start)

    def binary(self, operator, left, right, start):
        op = INFIX_OPS[operator.text]
        span = (start, self.previous_end())
        return self.builder.gate(op, (left, right), span, operator.start)

    def previous_end(self):
        return self.tokens[self.index - 1].end

    @contextmanager
    def nested(self, token):
        """Count nesting so that deep input is refused long before Python's recursion limit."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise LimitError(_("The expression nests too deeply at %(where)s; the limit is %(limit)s levels of "
                               "brackets, signs and powers.", where=where(self.source, token.start), limit=MAX_DEPTH),
                             position=token.start)
        try:
            yield
        finally:
            self.depth -= 1

    def expect(self, text, opened):
        if self.at(text):
            self.advance()
            return
        # One sentence with both places, the one at fault first: "Expected ')' at column 5 to close
        # the '(' at column 1, but found the end of the expression."
        token = self.token
        raise ExpressionSyntaxError(_("Expected %(closing)s at %(where)s to close the %(opening)s at %(opened_at)s, "
                                      "but found %(found)s.", closing=repr(text), where=where(self.source, token.start),
                                      opening=repr(opened.text), opened_at=where(self.source, opened.start),
                                      found=self.found()), position=token.start)

    def expect_end_of_statement(self):
        token = self.token
        if token.kind in ("end", "sep"):
            return
        place = where(self.source, token.start)
        if self.at(")", "]"):
            message = _("Unmatched '%(bracket)s' at %(where)s.", bracket=token.text, where=place)
        elif self.at("="):
            message = _("Unexpected '=' at %(where)s: a step is a name, '=' and an expression, as in q = x + y, on a "
                        "line of its own.", where=place)
        elif self.at(","):
            message = _("Unexpected ',' at %(where)s: commas only separate a function's arguments, as in max(x, y).",
                        where=place)
        elif token.text in ("e", "E") and self.tokens[self.index - 1].kind == "number" \
                and self.tokens[self.index - 1].end == token.start:
            number = self.tokens[self.index - 1].text
            message = _("The number %(number)s at %(where)s ends in '%(letter)s' with no exponent: write %(number)se3 "
                        "for %(number)s × 1000, or %(number)s*e for the constant e.", number=number,
                        where=where(self.source, token.start - len(number)), letter=token.text)
        elif token.kind == "name" and token.text in RESERVED_NAMES and token.text not in FUNCTIONS \
                and token.text not in CONSTANTS:
            message = _("%(name)s at %(where)s is a reserved word, not part of the expression language.",
                        name=repr(token.text), where=place)
        else:
            previous = self.tokens[self.index - 1]
            if previous.kind != "op" and token.kind != "op":
                message = _("Missing operator between %(left)s and %(right)s at %(where)s; for a product write "
                            "%(product)s.", product=previous.text + "*" + token.text,
                            left=repr(previous.text), right=repr(token.text), where=place)
            else:
                message = _("Missing operator between %(left)s and %(right)s at %(where)s; for a product put * "
                            "between them.", left=repr(previous.text), right=repr(token.text), where=place)
        raise ExpressionSyntaxError(message, position=token.start)

    def found(self):
        """What stands where something else was expected: the token, or the end of the expression or line."""
        token = self.token
        if token.text == ";":
            return "';'"
        return {"end": _("the end of the expression"), "sep": _("the end of the line")}.get(token.kind, repr(token.text))

    def error_expecting(self, what):
        token = self.token
        return ExpressionSyntaxError(_("Expected %(what)s at %(where)s, but found %(found)s.", what=what,
                                       where=where(self.source, token.start), found=self.found()), position=token.start)


"""Random expressions of the grammar and wild points for them, shared by the property tests."""

import math

from graphlib.errors import CircuitError
from graphlib.ops import FUNCTIONS
from graphlib.parse import parse

UNARY = [name for name, op in FUNCTIONS.items() if op.arity == 1 and op.elementwise]
BINARY = [name for name, op in FUNCTIONS.items() if op.arity == 2 and op.elementwise]
OPERATORS = ["+", "-", "*", "/", "**", "^"]
CONSTANTS = ["2", "3", "0.5", "1.5e-1", "10", "pi", "e"]
VARIABLES = ["x", "y", "z", "w"]


def random_expression(rng, depth, top=True):
    if depth == 0 or (not top and rng.random() < 0.2):
        return rng.choice(VARIABLES) if rng.random() < 0.8 else rng.choice(CONSTANTS)
    kind = rng.random()
    if kind < 0.45:
        operator = rng.choice(OPERATORS)
        left = random_expression(rng, depth - 1, top=False)
        # Powers mostly get a constant exponent: a variable one needs a positive base.
        if operator in ("**", "^") and rng.random() < 0.6:
            right = rng.choice(["2", "3", "0.5"])
        else:
            right = random_expression(rng, depth - 1, top=False)
        return f"({left} {operator} {right})"
    if kind < 0.8:
        return f"{rng.choice(UNARY)}({random_expression(rng, depth - 1, top=False)})"
    if kind < 0.9:
        arguments = [random_expression(rng, depth - 1, top=False) for _ in range(2)]
        return f"{rng.choice(BINARY)}({arguments[0]}, {arguments[1]})"
    return f"-{random_expression(rng, depth - 1, top=False)}"



def random_circuit(rng, min_depth, max_depth):
    """A parsed random expression of depth `min_depth` to `max_depth`; expressions of constants
    alone, such as (2 + pi), are not circuits and are drawn again."""
    while True:
        try:
            return parse(random_expression(rng, rng.randint(min_depth, max_depth)))
        except CircuitError:
            continue


# Values at poles, kinks, the ends of float64 and where exp overflows.
WILD_VALUES = [0.0, -0.0, 1.0, -1.0, 0.5, -2.0, math.pi / 2, 1e-300, -1e-300, 1e300, -1e300, 40.0,
               710.0, -745.0]


def wild_point(rng, graph):
    """A point for `graph`, most variables at one of WILD_VALUES, the rest anywhere in [-3, 3]."""
    return {name: rng.choice(WILD_VALUES) if rng.random() < 0.7 else rng.uniform(-3.0, 3.0)
            for name in graph.variables}

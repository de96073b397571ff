"""The lecture's circuits, as (title, expression, values): the page's gallery and the README figures."""

from dataclasses import dataclass
from urllib.parse import urlencode


@dataclass(frozen=True)
class Example:
    slug: str
    title: str
    expr: str
    values: dict
    precision: int = 2

    @property
    def query(self):
        """The URL query that shows this circuit, as the page's form would send it."""
        return urlencode({"expr": self.expr, **self.values, "precision": self.precision})


GALLERY = (
    Example("figure-1", "Figure 1: (x+y)*z", "(x+y)*z", {"x": "-2", "y": "5", "z": "-4"}, precision=0),
    Example("figure-2", "Figure 2: a 2-D neuron with a sigmoid",
            "1/(1+exp(-(w0*x0+w1*x1+w2)))",
            {"w0": "2", "x0": "-1", "w1": "-3", "x1": "-2", "w2": "-3"}),
    Example("figure-3", "Figure 3: add, multiply and max gates", "2*(x*y + max(z,w))",
            {"x": "3", "y": "-4", "z": "2", "w": "-1"}),
    Example("staged", "The staged-backprop example", "(x+sigmoid(y))/(sigmoid(x)+(x+y)**2)",
            {"x": "3", "y": "-4"}),
)

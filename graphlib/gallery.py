"""Example circuits, as (title, expression, values): the page's gallery and the README figures.

First the lecture's three figures and the appendix expression of the seed notes, then three
circuits every course meets next: a tanh neuron, an L2 loss and log-sum-exp; figure 2 with a
squared error, to train by gradient descent; last, four losses of vectors and matrices: a linear
layer, a 2-layer network, softmax cross-entropy and the multiclass SVM loss.
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from .i18n import N_, translated


@dataclass(frozen=True)
class Example:
    slug: str
    title: str  # in English, marked for the catalogue: `shown_title` is in the language in use
    expr: str
    values: dict
    precision: int = 2
    descent: dict = field(default_factory=dict)  # gradient descent's params and lr (descent.py)

    @property
    def shown_title(self):
        return translated(self.title)

    @property
    def query(self):
        """The URL query that shows this circuit, as the page's form would send it."""
        return urlencode({"expr": self.expr, **self.values, "precision": self.precision, **self.descent})


GALLERY = (
    Example("figure-1", N_("Figure 1: (x+y)*z"), "(x+y)*z", {"x": "-2", "y": "5", "z": "-4"}, precision=0),
    Example("figure-2", N_("Figure 2: a 2-D neuron with a sigmoid"),
            "1/(1+exp(-(w0*x0+w1*x1+w2)))",
            {"w0": "2", "x0": "-1", "w1": "-3", "x1": "-2", "w2": "-3"}),
    Example("figure-3", N_("Figure 3: add, multiply and max gates"), "2*(x*y + max(z,w))",
            {"x": "3", "y": "-4", "z": "2", "w": "-1"}),
    Example("staged", N_("The staged-backprop example"), "(x+sigmoid(y))/(sigmoid(x)+(x+y)**2)",
            {"x": "3", "y": "-4"}),
    # micrograd's neuron: b is chosen so that the output is tanh(0.8814) = 0.7071 and the
    # gradients come out round (dx1 = -1.5, dw1 = 1, dx2 = 0.5, dw2 = 0, db = 0.5).
    Example("tanh-neuron", N_("A tanh neuron"), "tanh(x1*w1 + x2*w2 + b)",
            {"x1": "2", "w1": "-3", "x2": "0", "w2": "1", "b": "6.8813735870195432"}, precision=4),
    # Squared error of a linear prediction: w*x + b = 1.5 against the target 3, loss 2.25.
    Example("l2-loss", N_("An L2 loss"), "(w*x + b - y)**2",
            {"w": "0.5", "x": "2", "b": "0.5", "y": "3"}),
    # The gradients of log-sum-exp are the softmax of its inputs: 0.09, 0.24, 0.67.
    Example("log-sum-exp", N_("Log-sum-exp"), "log(exp(a) + exp(b) + exp(c))",
            {"a": "1", "b": "2", "c": "3"}),
    # Figure 2 trained: its squared error against the target y = 0, with the weights as the
    # parameters of gradient descent. At lr 0.5 the loss falls from 0.53 to 0.04 in 4 steps.
    Example("figure-2-descent", N_("Figure 2 with a squared error, by gradient descent"),
            "(1/(1+exp(-(w0*x0+w1*x1+w2))) - y)**2",
            {"w0": "2", "x0": "-1", "w1": "-3", "x1": "-2", "w2": "-3", "y": "0"}, precision=3,
            descent={"params": "w0,w1,w2", "lr": "0.5"}),
    # The seed's linear layer y = X·W (4 examples, 3 features, 2 outputs) with a squared error
    # against the targets Y. Every entry is a multiple of 1/4, so every number is exact; at lr 0.05
    # the loss falls from 5.56 to 2.19 in 10 steps (W alone cannot fit Y: it levels off).
    Example("linear-layer", N_("A linear layer with a squared error"), "sum((X @ W - Y)**2)",
            {"X": "[[1, 2, 0], [0, 1, -1], [2, 0, 1], [1, -1, 1]]", "W": "[[0.5, -1], [0.25, 0.5], [-0.5, 0.25]]",
             "Y": "[[0.5, 0.5], [0, 1], [1, -1], [0, 0.5]]"},
            descent={"params": "W", "lr": "0.05"}),
    # A 2-layer network: two of its three relu units are active (0.5 and 0.1); the third (-1.5)
    # blocks the gradient -4.8 that reaches it, so its row of W1 and its entry of b1 get 0. At
    # lr 0.02 the loss falls from 9.04 to 1.02 in 20 steps with one unit still active; from lr 0.03
    # on, every unit dies within 10 steps (a dead relu passes no gradient) and b2 alone fits y.
    Example("two-layer-net", N_("A 2-layer network"), "sum((W2 @ relu(W1 @ x + b1) + b2 - y)**2)",
            {"W1": "[[0.1, -0.2], [0.3, 0.4], [-0.5, 0.6]]", "x": "[1, -2]", "b1": "[0, 0.6, 0.2]",
             "W2": "[[1, 2, 3], [-1, 0, 1]]", "b2": "[0.5, -0.5]", "y": "[1, 2]"},
            descent={"params": "W1,b1,W2,b2", "lr": "0.02"}),
    # Softmax cross-entropy of class 2, whose score 2.3 is the lowest of 4.1, 3.2, 2.3: the loss
    # is 2.25, and the scores' gradient is the softmax minus 1 at class 2 (0.64, 0.26, -0.89).
    Example("softmax-cross-entropy", N_("Softmax cross-entropy"), "-log_softmax(W @ x + b)[2]",
            {"W": "[[2, 1.1], [1, 1.2], [-1, 0.3]]", "x": "[2, 1]", "b": "[-1, 0, 4]"},
            descent={"params": "W,b", "lr": "0.1"}),
    # The notes' multiclass SVM example with the correct class 1: scores 5.1, 3.2 (correct) and
    # -1.7. The first margin is active (5.1 - 3.2 + 1 = 2.9), the last not (-3.9); the correct
    # class's own term is always 1, hence the - 1. At lr 0.1 the loss falls 2.9, 1.9, 0.9, 0.
    Example("svm-loss", N_("The multiclass SVM loss"), "s = W @ x; sum(relu(s - s[1] + 1)) - 1",
            {"W": "[[2, 1.1], [1, 1.2], [-1, 0.3]]", "x": "[2, 1]"},
            descent={"params": "W", "lr": "0.1"}),
)

"""Gradient descent (graphlib/descent.py): `w <- w - lr * dw` against its closed form on a
parabola and against a plain numpy loop on figure 2 with a squared error; which values move; a
run that leaves the finite range; and the request's fields params, lr and steps, each bad value
refused with its message."""

import math
from fractions import Fraction

import numpy as np
import pytest

from graphlib.descent import Settings, descend, forget_runs, read_settings
from graphlib.errors import ValueInputError
from graphlib.evaluate import evaluate
from graphlib.gallery import GALLERY
from graphlib.parse import parse

PARABOLA = parse("(w-3)**2")
FIGURE_2_LOSS = next(example for example in GALLERY if example.slug == "figure-2-descent")


def run(graph, start, params, learning_rate, steps):
    return descend(graph, start, Settings(tuple(params), learning_rate, steps))


# --- the closed form: f = (w-3)**2 gives w_k = 3 + (w_0 - 3)(1 - 2 lr)^k ------------------------------

PARABOLA_RUNS = [
    # w_0, lr, k
    (0.0, 0.1, 1),
    (0.0, 0.1, 50),
    (10.0, 0.25, 1),
    (10.0, 0.25, 20),
    (-7.5, 0.4, 100),
    (3.5, 0.05, 500),
    (100.0, 0.9, 30),  # 1 - 2 lr = -0.8: w jumps across 3 at every step
    (2.0, 0.5, 3),  # 1 - 2 lr = 0: the first step lands on the minimum
]


@pytest.mark.parametrize("start, learning_rate, steps", PARABOLA_RUNS)
def test_on_a_parabola_each_step_follows_the_closed_form(start, learning_rate, steps):
    trajectory = run(PARABOLA, {"w": start}, ["w"], learning_rate, steps)
    exact = 3 + (Fraction(start) - 3) * (1 - 2 * Fraction(learning_rate)) ** steps
    assert math.isclose(trajectory.values["w"], exact, rel_tol=1e-15, abs_tol=0)
    assert len(trajectory.losses) == steps + 1
    assert trajectory.losses[0] == (start - 3) ** 2
    # The loss of the last step is the circuit's output there, and the circuit shown is that one.
    assert trajectory.losses[-1] == trajectory.evaluation.values[PARABOLA.output.id]
    assert trajectory.evaluation == evaluate(PARABOLA, trajectory.values)


def test_the_loss_falls_at_every_step_on_a_parabola_with_a_small_rate():
    losses = run(PARABOLA, {"w": 0.0}, ["w"], 0.1, 50).losses
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))


def test_no_step_leaves_the_start_as_it_is():
    trajectory = run(PARABOLA, {"w": 0.0}, ["w"], 0.1, 0)
    assert trajectory.values == {"w": 0.0} and trajectory.losses == (9.0,) and trajectory.start == {"w": 0.0}


# --- figure 2 with a squared error, against numpy written out -----------------------------------------

def numpy_descent(values, learning_rate, steps):
    """The neuron of figure 2 and its squared error, forward and backward by hand, in numpy."""
    w = np.array([float(values[name]) for name in ("w0", "w1", "w2")])
    x = np.array([float(values["x0"]), float(values["x1"]), 1.0])
    y = float(values["y"])
    losses = []
    for _ in range(steps + 1):
        prediction = 1 / (1 + np.exp(-(w @ x)))
        losses.append((prediction - y) ** 2)
        dw = 2 * (prediction - y) * prediction * (1 - prediction) * x
        w = w - learning_rate * dw
    w = w + learning_rate * dw  # the loop computed one step past the last
    return w, losses


@pytest.mark.parametrize("learning_rate, steps", [(0.5, 1), (0.5, 20), (2.0, 100), (0.01, 500)])
def test_figure_2_with_a_squared_error_descends_as_numpy_does(learning_rate, steps):
    graph = parse(FIGURE_2_LOSS.expr)
    start = {name: float(value) for name, value in FIGURE_2_LOSS.values.items()}
    trajectory = run(graph, start, ["w0", "w1", "w2"], learning_rate, steps)
    weights, losses = numpy_descent(FIGURE_2_LOSS.values, learning_rate, steps)
    assert [trajectory.values[name] for name in ("w0", "w1", "w2")] == pytest.approx(weights, rel=1e-12)
    assert trajectory.losses == pytest.approx(losses, rel=1e-12)
    assert {name: trajectory.values[name] for name in ("x0", "x1", "y")} == {"x0": -1.0, "x1": -2.0, "y": 0.0}


def test_the_gallery_example_falls_from_0_53_to_0_04_in_4_steps():
    graph = parse(FIGURE_2_LOSS.expr)
    start = {name: float(value) for name, value in FIGURE_2_LOSS.values.items()}
    losses = run(graph, start, FIGURE_2_LOSS.descent["params"].split(","), float(FIGURE_2_LOSS.descent["lr"]), 4).losses
    assert [f"{loss:.2f}" for loss in (losses[0], losses[4])] == ["0.53", "0.04"]


def test_only_the_parameters_move():
    graph = parse("(a*x + b - y)**2")
    start = {"a": 0.5, "x": 2.0, "b": 0.5, "y": 3.0}
    trajectory = run(graph, start, ["a"], 0.1, 5)
    assert {name: trajectory.values[name] for name in ("x", "b", "y")} == {"x": 2.0, "b": 0.5, "y": 3.0}
    assert trajectory.values["a"] != 0.5 and trajectory.start == start


# --- a run kept goes on from where it stopped -----------------------------------------------------------

PLAYED_RUNS = [
    # graph, start, parameters, lr, steps
    (FIGURE_2_LOSS.expr, {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0, "y": 0.0}, ["w0", "w1", "w2"],
     0.5, 30),
    ("(w-3)**2", {"w": 4.0}, ["w"], 5.5, 400),  # inf from step 155, nan from step 310
]


@pytest.mark.parametrize("expression, start, params, learning_rate, steps", PLAYED_RUNS)
def test_a_run_played_one_step_at_a_time_is_the_run_computed_at_once_to_the_bit(expression, start, params,
                                                                                  learning_rate, steps):
    graph = parse(expression)
    forget_runs()
    at_once = run(graph, start, params, learning_rate, steps)
    forget_runs()
    played = [run(graph, start, params, learning_rate, step) for step in range(steps + 1)]
    assert [len(trajectory.losses) for trajectory in played] == list(range(1, steps + 2))
    # repr: nan and the sign of zero count.
    assert repr((played[-1].losses, played[-1].values, played[-1].evaluation)) == \
        repr((at_once.losses, at_once.values, at_once.evaluation))
    # Fewer steps than kept, or another learning rate: computed from step 0.
    assert repr(run(graph, start, params, learning_rate, 3).losses) == repr(at_once.losses[:4])
    assert run(graph, start, params, learning_rate / 2, 3).losses[1:] != at_once.losses[1:4]


# --- leaving the finite range: IEEE numbers, as everywhere ---------------------------------------------

def test_a_diverging_run_goes_on_in_inf_and_nan_and_says_where_it_left_the_finite_range():
    # lr 5.5 makes 1 - 2 lr = -10: w_k - 3 = (-10)^k, the loss 100^k, past 1.8e308 at k = 155.
    trajectory = run(PARABOLA, {"w": 4.0}, ["w"], 5.5, 400)
    assert trajectory.left_finite == 155
    assert math.isfinite(trajectory.losses[154]) and trajectory.losses[155] == math.inf
    assert math.isnan(trajectory.values["w"]) and math.isnan(trajectory.losses[-1])


def test_a_converging_run_stays_finite():
    assert run(PARABOLA, {"w": 4.0}, ["w"], 0.1, 10).left_finite is None


# --- the request's fields ----------------------------------------------------------------------------

VARIABLES = ("w0", "x0", "w1", "x1", "w2", "y")

GOOD_FIELDS = [
    ({"params": ["w0,w1,w2"], "lr": ["0.5"], "steps": ["20"]}, Settings(("w0", "w1", "w2"), 0.5, 20)),
    # In the circuit's order, whatever the order given; spaces, repeats and empty names do not count.
    ({"params": [" w2 , w0,w0,"], "lr": ["1e-3"], "steps": ["0"]}, Settings(("w0", "w2"), 0.001, 0)),
    # Left out or empty, the learning rate is 0.1 and the steps 0.
    ({"params": ["y"]}, Settings(("y",), 0.1, 0)),
    ({"params": ["w1"], "lr": [""], "steps": [""]}, Settings(("w1",), 0.1, 0)),
    ({"params": ["w1"], "lr": ["100"], "steps": ["500"]}, Settings(("w1",), 100.0, 500)),
    # A JSON body: a list of names, numbers as numbers.
    ({"params": [["w2", "x0"]], "lr": [0.25], "steps": [3]}, Settings(("x0", "w2"), 0.25, 3)),
    ({"params": [["w2"]], "lr": [2]}, Settings(("w2",), 2.0, 0)),
    # No parameters, no descent: lr and steps are still read, and must be good.
    ({}, None),
    ({"params": [""], "lr": ["0.5"], "steps": ["3"]}, None),
    ({"params": [" , "]}, None),
]


@pytest.mark.parametrize("fields, settings", GOOD_FIELDS)
def test_the_fields_read_as_settings(fields, settings):
    assert read_settings(fields, VARIABLES, practice="") == settings


@pytest.mark.parametrize("practice", ["values", "grads"])
def test_while_practising_there_is_no_descent_whatever_the_fields_say(practice):
    fields = {"params": ["w0,nothing"], "lr": ["-1"], "steps": ["many"]}
    assert read_settings(fields, VARIABLES, practice) is None


LR_MESSAGE = "lr (the learning rate) must be a decimal number above 0 and at most 100, such as 0.1; got {}."
STEPS_MESSAGE = "steps must be a whole number of steps of gradient descent from 0 to 500; got {}."
PARAMS_MESSAGE = "params must be the names of variables, separated by commas, such as w0,w1,w2."

BAD_FIELDS = [
    ({"params": ["w0,z"]}, "params",
     "params names 'z', which is not a variable of the circuit; its variables are w0, x0, w1, x1, w2, y."),
    ({"params": ["W0"]}, "params",
     "params names 'W0', which is not a variable of the circuit; its variables are w0, x0, w1, x1, w2, y."),
    ({"params": ["w0", "w1"]}, "params", "params is given 2 times; give it once."),
    ({"params": [3]}, "params", PARAMS_MESSAGE),
    ({"params": [["w0", 1]]}, "params", PARAMS_MESSAGE),
    ({"params": [{"w0": True}]}, "params", PARAMS_MESSAGE),
    ({"params": ["w0"], "lr": ["0"]}, "lr", LR_MESSAGE.format("'0'")),
    ({"params": ["w0"], "lr": ["-0.1"]}, "lr", LR_MESSAGE.format("'-0.1'")),
    ({"params": ["w0"], "lr": ["100.5"]}, "lr", LR_MESSAGE.format("'100.5'")),
    ({"params": ["w0"], "lr": ["1e-400"]}, "lr", LR_MESSAGE.format("'1e-400'")),  # 0 in float64
    ({"params": ["w0"], "lr": ["inf"]}, "lr", LR_MESSAGE.format("'inf'")),
    ({"params": ["w0"], "lr": ["nan"]}, "lr", LR_MESSAGE.format("'nan'")),
    ({"params": ["w0"], "lr": ["0,1"]}, "lr", LR_MESSAGE.format("'0,1'")),
    ({"params": ["w0"], "lr": ["0.1\u00a0"]}, "lr", LR_MESSAGE.format("'0.1\\xa0'")),
    ({"params": ["w0"], "lr": ["0." + "1" * 40]}, "lr", LR_MESSAGE.format(repr("0." + "1" * 38))),
    ({"params": ["w0"], "lr": [True]}, "lr", LR_MESSAGE.format("'True'")),
    ({"params": ["w0"], "lr": [10**400]}, "lr", LR_MESSAGE.format(repr(str(10**400)[:40]))),
    ({"params": ["w0"], "lr": [float("nan")]}, "lr", LR_MESSAGE.format("'nan'")),
    ({"params": ["w0"], "lr": [[0.1]]}, "lr", LR_MESSAGE.format("'[0.1]'")),
    ({"params": ["w0"], "steps": ["501"]}, "steps", STEPS_MESSAGE.format("'501'")),
    ({"params": ["w0"], "steps": ["-1"]}, "steps", STEPS_MESSAGE.format("'-1'")),
    ({"params": ["w0"], "steps": ["2.0"]}, "steps", STEPS_MESSAGE.format("'2.0'")),
    ({"params": ["w0"], "steps": ["²"]}, "steps", STEPS_MESSAGE.format("'²'")),
    ({"params": ["w0"], "steps": ["99999"]}, "steps", STEPS_MESSAGE.format("'99999'")),
    ({"params": ["w0"], "steps": [2.0]}, "steps", STEPS_MESSAGE.format("'2.0'")),
    ({"params": ["w0"], "steps": [True]}, "steps", STEPS_MESSAGE.format("'True'")),
    ({"params": ["w0"], "steps": ["1", "2"]}, "steps", "steps is given 2 times; give it once."),
    # Without parameters too: a bad learning rate is a mistake to show, not to ignore.
    ({"lr": ["fast"]}, "lr", LR_MESSAGE.format("'fast'")),
]


@pytest.mark.parametrize("fields, field, message", BAD_FIELDS)
def test_a_bad_field_is_refused_with_its_name_and_what_to_give(fields, field, message):
    with pytest.raises(ValueInputError) as refused:
        read_settings(fields, VARIABLES, practice="")
    assert (refused.value.field, refused.value.message) == (field, message)

"""Errors raised by graphlib: each names the culprit, where it is, and how to fix it."""


class CircuitError(Exception):
    """Base of every error a user can cause; the web layer turns it into a 4xx answer.

    `field` names the form field at fault (`expr`, a variable name, or an option),
    `position` is the 0-based column in the expression, when there is one.
    """

    def __init__(self, message, *, field="expr", position=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.position = position


class ExpressionSyntaxError(CircuitError):
    """The expression text is not in the language."""


class LimitError(CircuitError):
    """The input is well formed but larger than the service accepts."""


class ValueInputError(CircuitError):
    """A variable's value or a display option is not acceptable."""


class ServiceError(Exception):
    """The server could not finish the work: not the input's fault, answered with 503."""


class RenderError(ServiceError):
    """Graphviz is missing, failed, or ran out of time."""


class TimeLimitError(ServiceError):
    """The request's work ran past its wall-clock limit and was stopped."""


class BusyError(ServiceError):
    """Every compute process is working and the queue for them is full: answered at once with
    503 and a Retry-After of `retry_after` seconds."""

    def __init__(self, message, retry_after=1):
        super().__init__(message)
        self.retry_after = retry_after


class ShapeError(CircuitError):
    """The operands' shapes do not fit a gate, or the output is not one number."""

"""The web API described as an OpenAPI 3.1 document: every route, parameter, option and error shape, with examples.

A new route, query parameter or option must be described here: tests/test_openapi.py fails while
the app has a route or takes a field that this document leaves out, and replays every example
(openapi_examples.py) against the app. The options and limits are read from the tables that
define them (options.OPTIONS and DESCENT_FIELDS, the limits of parse.py, circuit.py, descent.py
and practice.py); the web layer's own (its drawing types, programs and size limits) come from
app.py as `WebFacts`.
"""

import functools
from dataclasses import dataclass

from .circuit import MAX_ARRAY_TEXT, MAX_AXIS, MAX_DIMENSIONS, MAX_TOTAL_ENTRIES
from .document import KINDS
from .i18n import DEFAULT_LANGUAGE, LANGUAGES
from .openapi_examples import EXAMPLES
from .options import DESCENT_FIELDS, DESCRIPTIONS, MAX_LEARNING_RATE, MAX_PRECISION, MAX_SEED, MAX_STEPS, OPTIONS
from .parse import MAX_DEPTH, MAX_GATES, MAX_LENGTH, MAX_TOKEN_LENGTH, MAX_VARIABLES, NAME_PATTERN, RESERVED_NAMES
from .practice import MAX_ANSWER_LENGTH

OPENAPI_VERSION = "3.1.0"
JSON = "application/json"
HTML = "text/html"
SVG = "image/svg+xml"
SCHEMAS = "#/components/schemas/"
JSON_TYPES = {str: "string", int: "integer"}


@dataclass(frozen=True)
class WebFacts:
    """What the web layer (app.py) decides: `drawing_types` and `programs` as (name, media type
    or language) pairs, the largest query and body it reads, and how long a cached answer lasts."""

    drawing_types: tuple
    programs: tuple
    max_query_bytes: int
    max_body_bytes: int
    cache_seconds: int


# What an option means beyond its label and choices (options.OPTIONS).
OPTION_NOTES = {
    "theme": "Left out, the page takes the device's (prefers-color-scheme); the drawings draw light.",
    "wrt": ("Each wire also shows its derivative with respect to this input variable, or for a vector or "
            "matrix one of its entries, written W[1,0]. Ignored while practising."),
    "practice": "The numbers drawn as '?' for a student to find, checked by /api/check and shown by /api/answer.",
}

# Gradient descent's fields (options.DESCENT_FIELDS): (query schema, JSON body schema, what the
# API adds to its description, options.DESCRIPTIONS).
DESCENT_PARAMETERS = {
    "params": ({"type": "string"},
               {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
               "In JSON also a list of their names. The circuit is then drawn after `steps` steps of "
               "w <- w - lr * dw from the values given, and its JSON has a `descent`. Ignored while practising."),
    "lr": ({"type": "string", "maxLength": MAX_TOKEN_LENGTH},
           {"anyOf": [{"type": "string", "maxLength": MAX_TOKEN_LENGTH},
                      {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_LEARNING_RATE}]}, ""),
    "steps": ({"type": "string", "pattern": "^[ \t\r\n]*[0-9]{1,4}[ \t\r\n]*$"},
              {"anyOf": [{"type": "string", "pattern": "^[ \t\r\n]*[0-9]{1,4}[ \t\r\n]*$"},
                         {"type": "integer", "minimum": 0, "maximum": MAX_STEPS}]}, ""),
}

LANGUAGE_SCHEMA = {"type": "string", "enum": list(LANGUAGES)}
LANGUAGE_DESCRIPTION = (
    "The language of the answer's words (the page, the messages, the lessons; generated code stays English), so "
    f"that a link reads the same to everyone. Left out, Accept-Language chooses ({DEFAULT_LANGUAGE} by default), "
    "and the answer carries Vary: Accept-Language. In a query it decides over a JSON body's.")

ERROR_MEANINGS = {
    400: ("Bad input: the message says what is wrong and how to fix it; `field` names the field at fault "
          "(`expr`, a variable, an option, or null for the request as a whole), `position` the 0-based column "
          "in the expression where there is one."),
    404: "No such file.",
    413: "The request body is larger than the limit.",
    415: "The request body is not sent as application/json.",
    429: "Too many requests from this client address: wait for Retry-After seconds.",
    500: "Something went wrong on the server's side; the error has been logged.",
    503: ("The server could not finish: the drawing or the request ran out of time or memory, or every "
          "compute process is busy (then with Retry-After)."),
}


@functools.lru_cache(maxsize=4)
def describe(web):
    """The OpenAPI document of the app whose web layer decides `web` (a WebFacts)."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Backprop circuits",
            "version": "1",
            "summary": "The cs231n backprop circuit of a typed expression: each wire's value and gradient.",
            "description": _overview(web),
        },
        "paths": _paths(web),
        "components": {"schemas": _schemas(web)},
    }


def _overview(web):
    return (
        "Every circuit lives in its URL: the expression in `expr`, each variable's value in a parameter named "
        "after it (a variable without one gets 1, and `defaults` says so), the options in further parameters, "
        "whose names no variable may take. POST /api/graph and /api/explain take the same fields as one JSON "
        f"object. The query is at most {web.max_query_bytes} bytes, a body {web.max_body_bytes} bytes. The words "
        f"of an answer are in the language `lang` names ({', '.join(LANGUAGES)}); without it, Accept-Language "
        "chooses.\n\n"
        "Errors answer in the form of their route: JSON `{\"error\": {\"message\", \"field\", \"position\"}}` "
        "under /api/, an SVG image of the message under /graph.*, the page with the message beside its field "
        "elsewhere. Routes that compute are rate-limited per client address (429 with Retry-After); answers "
        "that depend on the URL alone carry Cache-Control and an ETag, and a repeat with If-None-Match gets 304."
    )


def _paths(web):
    drawing_types = dict(web.drawing_types)
    return {
        "/": {"get": _operation(
            "/", "get", "The page: the form, the diagram and its lessons (works without JavaScript)",
            _query_parameters(("/", "get"), expr_required=False),
            {"200": _response("The page with the circuit, or the empty form", {HTML: {"schema": {"type": "string"}}}),
             "302": {"description": "Without a query: redirected to the link of a first circuit.",
                     "headers": {"Location": _header("Where to", {"type": "string"}, ("/", "get"), "Location")},
                     "content": {HTML: {"schema": {"type": "string"}}}},
             **_errors(HTML, (400, 429, 500, 503))})},
        "/graph.{output_format}": {"get": _operation(
            "/graph.{output_format}", "get", "The diagram alone",
            [_path_parameter("/graph.{output_format}", "output_format", list(drawing_types), "The drawing's format"),
             *_query_parameters(("/graph.{output_format}", "get")), _if_none_match()],
            {"200": _response("The drawing", {media_type: {"schema": _text_schema(media_type)}
                                              for media_type in drawing_types.values()}, cached=web),
             "304": _not_modified(),
             **_errors(SVG, (400, 429, 500, 503))},
            media_type_of=lambda example: drawing_types[example.path["output_format"]])},
        "/api/graph": {
            "get": _operation("/api/graph", "get", "The circuit as JSON: every node, wire and step, with its numbers",
                              [*_query_parameters(("/api/graph", "get")), _if_none_match()],
                              {"200": _json_response("The circuit", "Graph", cached=web), "304": _not_modified(),
                               **_errors(JSON, (400, 429, 500, 503))}),
            "post": _operation("/api/graph", "post", "The circuit as JSON, from a JSON object of the same fields",
                               _language_parameters(), {"200": _json_response("The circuit", "Graph"),
                                    **_errors(JSON, (400, 413, 415, 429, 500, 503))},
                               body=_body(("/api/graph", "post"), "CircuitFields")),
        },
        "/api/explain": {
            "get": _operation("/api/explain", "get",
                              "The lessons: the chain rule at each gate, the staged programs, the gradient check "
                              "and SymPy's formulas", _query_parameters(("/api/explain", "get")),
                              {"200": _json_response("The lessons", "Explanation"),
                               **_errors(JSON, (400, 429, 500, 503))}),
            "post": _operation("/api/explain", "post", "The lessons, from a JSON object of the same fields",
                               _language_parameters(),
                               {"200": _json_response("The lessons", "Explanation"),
                                **_errors(JSON, (400, 413, 415, 429, 500, 503))},
                               body=_body(("/api/explain", "post"), "CircuitFields")),
        },
        "/api/check": {"post": _operation(
            "/api/check", "post", "Practice: whether a student's answer for a hidden number is right",
            _query_parameters(("/api/check", "post")),
            {"200": _json_response("Right or not; a right answer with the number as shown", "Checked"),
             **_errors(JSON, (400, 413, 415, 429, 500, 503))},
            body=_body(("/api/check", "post"), "CheckQuestion"))},
        "/api/answer": {"post": _operation(
            "/api/answer", "post", "Practice: hidden numbers shown, one or all",
            _query_parameters(("/api/answer", "post")),
            {"200": _json_response("The numbers asked for, as the diagram would show them", "Answers"),
             **_errors(JSON, (400, 413, 415, 429, 500, 503))},
            body=_body(("/api/answer", "post"), "AnswerQuestion"))},
        "/code/{program}.py": {"get": _operation(
            "/code/{program}.py", "get", "The generated program: the staged NumPy of the notes, or PyTorch's autograd",
            [_path_parameter("/code/{program}.py", "program", [name for name, _ in web.programs], "The program"),
             *_query_parameters(("/code/{program}.py", "get")), _if_none_match()],
            {"200": _response("The program", {"text/x-python": {"schema": {"type": "string"}}}, cached=web),
             "304": _not_modified(), **_errors(HTML, (400, 429, 500, 503))})},
        "/static/{filename}": {"get": _operation(
            "/static/{filename}", "get", "The page's scripts, stylesheets, fonts and icons",
            [_path_parameter("/static/{filename}", "filename", None, "A file's path under static/")],
            {"200": _response("The file", {"*/*": {"schema": {}}}), **_errors(HTML, (404,))})},
        "/healthz": {"get": _operation(
            "/healthz", "get", "Alive: the process answers requests (asks nothing of anything else)",
            [], {"200": _json_response("Alive", "Health")})},
        "/readyz": {"get": _operation(
            "/readyz", "get", "Ready for traffic: Graphviz draws, and the Redis stores answer where configured",
            [],
            {"200": _json_response("Ready: every check is ok", "Readiness"),
             "503": _json_response("Not ready: the checks that failed say why", "Readiness")})},
        "/openapi.json": {"get": _operation(
            "/openapi.json", "get", "This document, in English",
            [_if_none_match()],
            {"200": _response("The OpenAPI 3.1 document of the app", {JSON: {"schema": {"type": "object"}}},
                              cached=web),
             "304": _not_modified()})},
    }


def _operation(path, method, summary, parameters, responses, body=None, media_type_of=None):
    """An operation, its examples (openapi_examples.EXAMPLES) put into its responses: into the
    answer's one media type, or where it has several, the one `media_type_of(example)` names."""
    operation = {"summary": summary, "operationId": _operation_id(path, method)}
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = body
    for name, example in EXAMPLES.get((path, method), {}).items():
        response = responses[str(example.status)]
        shown = {"summary": example.summary}
        if example.answer is not None:
            shown["value"] = example.answer
        if "content" in response:
            content = response["content"]
            media_type = next(iter(content)) if len(content) == 1 else media_type_of(example)
            content[media_type].setdefault("examples", {})[name] = shown
    operation["responses"] = responses
    return operation


def _operation_id(path, method):
    words = [word for word in path.replace("{", "").replace("}", "").replace(".", "/").split("/") if word]
    return "_".join([method, *words]) if words else f"{method}_page"


def _examples_of(key, read):
    """{example name: {"value": ...}} of the operation's examples where `read(example)` is not None."""
    found = {}
    for name, example in EXAMPLES.get(key, {}).items():
        value = read(example)
        if value is not None:
            found[name] = {"value": value}
    return found


def _with_examples(item, examples):
    if examples:
        item["examples"] = examples
    return item


def _path_parameter(path, name, choices, description):
    schema = {"type": "string"} if choices is None else {"type": "string", "enum": choices}
    key = (path, "get")
    return _with_examples({"name": name, "in": "path", "required": True, "description": description,
                           "schema": schema}, _examples_of(key, lambda example: example.path.get(name)))


def query_field_names():
    """The names a circuit's query may hold besides its variables', as this document describes them."""
    return tuple(name for name, _schema, _description in _fields("query"))


def _query_parameters(key, expr_required=True):
    """The circuit's fields as query parameters: the expression, the options, the worksheet's seed,
    gradient descent's fields, and the variables' values (one parameter each, named after it)."""
    parameters = []
    for name, schema, description in _fields("query"):
        required = name == "expr" and expr_required
        parameters.append(_with_examples(
            {"name": name, "in": "query", "required": required, "description": description, "schema": schema},
            _examples_of(key, lambda example: example.query.get(name))))
    variables = {
        "name": "variables", "in": "query", "style": "form", "explode": True,
        "description": ("Each variable's value in a parameter named after it (x=-2): a decimal number, or a vector "
                        "or matrix as nested lists ([1, -2], [[1, 2], [3, 4]]). A variable left out is 1."),
        "schema": {"type": "object", "propertyNames": {"$ref": SCHEMAS + "VariableName"},
                   "additionalProperties": {"$ref": SCHEMAS + "ValueText"}},
    }
    fields = set(query_field_names())
    parameters.append(_with_examples(variables, _examples_of(
        key, lambda example: {name: value for name, value in example.query.items() if name not in fields} or None)))
    return [*parameters, _accept_language()]


def _language_parameters():
    """lang and Accept-Language, which every route with words reads (a lang it does not speak is a 400)."""
    return [{"name": "lang", "in": "query", "required": False, "description": LANGUAGE_DESCRIPTION,
             "schema": LANGUAGE_SCHEMA}, _accept_language()]


def _accept_language():
    return {"name": "Accept-Language", "in": "header", "required": False, "schema": {"type": "string"},
            "description": f"Chooses among {', '.join(LANGUAGES)} where the query has no lang."}


def _fields(place):
    """(name, schema, description) of each circuit field, for a query ("query") or a JSON body ("body")."""
    yield "expr", {"type": "string", "maxLength": MAX_LENGTH}, (
        f"The expression, such as (x+y)*z: at most {MAX_LENGTH} characters, {MAX_GATES} gates, "
        f"{MAX_VARIABLES} variables and {MAX_DEPTH} levels of nesting. Required, but on the page.")
    for option in OPTIONS:
        yield option.name, _option_schema(option, place), _option_description(option)
    seed_text = {"type": "string", "pattern": "^[ \t\r\n]*[0-9]{1,10}[ \t\r\n]*$"}
    yield "seed", seed_text if place == "query" else {
        "anyOf": [seed_text, {"type": "integer", "minimum": 0, "maximum": MAX_SEED}]}, _sentence(DESCRIPTIONS["seed"])
    for name in DESCENT_FIELDS:
        query_schema, body_schema, more = DESCENT_PARAMETERS[name]
        yield name, query_schema if place == "query" else body_schema, " ".join(
            filter(None, (_sentence(DESCRIPTIONS[name]), more)))
    yield "lang", LANGUAGE_SCHEMA, LANGUAGE_DESCRIPTION


def _sentence(description):
    """A description of options.DESCRIPTIONS as a sentence of this document."""
    return description[0].upper() + description[1:] + "."


def _option_schema(option, place):
    if not option.choices:
        return {"type": "string"}
    texts = {"type": "string", "enum": list(dict.fromkeys(("", *option.values))), "default": str(option.default)}
    if place == "body" and isinstance(option.default, int):
        return {"anyOf": [texts, {"type": "integer", "minimum": 0, "maximum": MAX_PRECISION}],
                "default": option.default}
    return texts


def _option_description(option):
    """Its label and choices, `value`: the form's text where that says more than the value."""
    choices = "; ".join(f"`{value}`" if text == value else f"`{value}`: {text}"
                        for value, text in option.choices if value)
    described = f"{option.label}" + (f" ({choices})" if choices else "") + "."
    if option.default != "":
        described += f" Default `{option.default}`."
    note = OPTION_NOTES.get(option.name)
    return f"{described} {note}" if note else described


def _body(key, schema):
    """A JSON request body of the schema named `schema`, with the examples of the operation `key`."""
    return {"required": True, "content": {JSON: {
        "schema": {"$ref": SCHEMAS + schema},
        "examples": _examples_of(key, lambda example: example.body)}}}


def _response(description, content, cached=None):
    response = {"description": description, "content": content, "headers": {"Vary": {
        "description": "Accept-Language where that chose the language (the query has no lang).",
        "required": False, "schema": {"type": "string"}}}}
    if cached is not None:
        response["headers"] |= {
            "Cache-Control": {"description": "The answer depends on the URL alone.", "required": True,
                              "schema": {"type": "string", "const": f"public, max-age={cached.cache_seconds}"}},
            "ETag": {"description": "For If-None-Match.", "required": True, "schema": {"type": "string"}},
        }
    return response


def _json_response(description, schema, cached=None):
    return _response(description, {JSON: {"schema": {"$ref": SCHEMAS + schema}}}, cached)


def _text_schema(media_type):
    if media_type.startswith("image/png"):
        return {"type": "string", "contentMediaType": media_type}
    return {"type": "string"}


def _header(description, schema, key, name):
    return _with_examples({"description": description, "required": True, "schema": schema},
                          _examples_of(key, lambda example: example.headers.get(name)))


def _if_none_match():
    return {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
            "description": "The ETag of an answer kept: answered 304 without a body when it still holds."}


def _not_modified():
    return {"description": "The answer kept (If-None-Match) still holds."}


def _errors(media_type, statuses):
    """The error answers of a route that answers in `media_type` (JSON, an SVG image or the page)."""
    schema = {"$ref": SCHEMAS + "Error"} if media_type == JSON else {"type": "string"}
    errors = {}
    for status in statuses:
        error = {"description": ERROR_MEANINGS[status], "content": {media_type: {"schema": schema}}}
        if status in (429, 503):
            error["headers"] = {"Retry-After": {
                "description": "Seconds to wait before asking again (on 503 only when every compute process is busy).",
                "required": status == 429, "schema": {"type": "string", "pattern": "^[0-9]+$"}}}
        errors[str(status)] = error
    return errors


def _schemas(web):
    number = {"anyOf": [{"type": "number"}, {"enum": ["NaN", "Infinity", "-Infinity"]}],
              "description": "A float64; inf and nan by name."}
    nullable_number = {"anyOf": [{"$ref": SCHEMAS + "Value"}, {"type": "null"}]}
    texts = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"$ref": SCHEMAS + "Texts"}}]}
    strings = {"type": "array", "items": {"type": "string"}}
    shape = {"type": "array", "items": {"type": "integer", "minimum": 1, "maximum": MAX_AXIS},
             "maxItems": MAX_DIMENSIONS}
    return {
        "Number": number,
        "Value": {"anyOf": [{"$ref": SCHEMAS + "Number"},
                            {"type": "array", "maxItems": MAX_AXIS, "items": {"$ref": SCHEMAS + "Value"}}],
                  "description": "A number, or a vector or matrix as nested lists of them."},
        "Texts": {**texts, "description": "A number as the diagram writes it, or a vector's or matrix's as nested lists."},
        "Shape": {**shape, "description": "[] for a number, [n] for a vector, [rows, columns] for a matrix."},
        "VariableName": {"type": "string", "pattern": f"^{NAME_PATTERN.pattern}$", "maxLength": MAX_TOKEN_LENGTH,
                         "not": {"enum": sorted(RESERVED_NAMES)},
                         "description": "A variable's name: not a function's, a constant's or a field's."},
        "ValueText": {"type": "string", "maxLength": MAX_ARRAY_TEXT, "description": (
            "A finite decimal number (-2, 0.5, 1.5e-3), or a vector or matrix as nested lists of them "
            f"([1, -2], [[1, 2], [3, 4]]): at most {MAX_DIMENSIONS} dimensions, {MAX_AXIS} entries along an axis "
            f"and {MAX_TOTAL_ENTRIES} numbers over all the variables.")},
        "CircuitFields": {
            "type": "object", "required": ["expr"],
            "properties": {name: {**schema, "description": description} for name, schema, description in _fields("body")},
            "additionalProperties": {"anyOf": [{"type": "number"}, {"$ref": SCHEMAS + "ValueText"},
                                               {"type": "array", "maxItems": MAX_AXIS}]},
            "description": (f"The fields of a query as one JSON object (at most {web.max_body_bytes} bytes), each "
                            "once and none null; a variable's value is a number, nested lists of numbers, or their "
                            "text."),
        },
        "Error": {"type": "object", "required": ["error"], "additionalProperties": False, "properties": {"error": {
            "type": "object", "required": ["message", "field", "position"], "additionalProperties": False,
            "properties": {"message": {"type": "string"}, "field": {"type": ["string", "null"]},
                           "position": {"type": ["integer", "null"], "minimum": 0}}}}},
        "Graph": _graph_schema(nullable_number, strings),
        "Explanation": _explanation_schema(nullable_number, strings),
        "CheckQuestion": _question_schema({"answer": {"type": "string", "maxLength": MAX_ANSWER_LENGTH,
                                              "description": "The student's answer, as typed."}}, ["answer"]),
        "AnswerQuestion": _question_schema({"all": {"type": "boolean", "description": "true: every hidden number at once."}},
                                   []),
        "Revealed": _object({
            "wire": {"type": "string"}, "kind": {"enum": list(KINDS)}, "entry": {"type": "array"},
            "right": {"type": "boolean"},
            "shown": {"anyOf": [{"$ref": SCHEMAS + "Texts"}, {"type": "null"}]},
            "flagged": {"type": ["boolean", "null"]}, "number": nullable_number},
            ["wire", "kind", "shown", "flagged", "number"]),
        "Health": _object({"status": {"const": "alive"}}, ["status"]),
        "Readiness": _object({
            "status": {"enum": ["ready", "not ready"]},
            "checks": {"type": "object", "additionalProperties": {"type": "string"},
                       "description": "Per check (graphviz, rate_limit_storage, answer_cache) ok, or why not."}},
            ["status", "checks"]),
        "Checked": {"allOf": [{"$ref": SCHEMAS + "Revealed"}, {"required": ["right"]}]},
        "Answers": _object({"answers": {"type": "array", "items": {"$ref": SCHEMAS + "Revealed"}}}, ["answers"]),
    }


def _object(properties, required):
    return {"type": "object", "required": required, "properties": properties}


def _question_schema(extra, required):
    return {"type": "object", "required": required, "properties": {
        "wire": {"type": "string", "description": "The wire's id in /api/graph's `wires`, such as wire-n3."},
        "kind": {"enum": list(KINDS), "description": "Its value or its gradient."},
        "entry": {"type": "array", "items": {"type": "integer", "minimum": 0}, "maxItems": MAX_DIMENSIONS,
                  "description": "Of a vector or matrix, one entry's indices, such as [1, 0]."},
        "lang": {"type": "string", "enum": list(LANGUAGES), "description": "The messages' language, where the "
                 "query has no lang."},
        **extra}}


def _graph_schema(nullable_number, strings):
    wire_ids = {"type": "array", "items": {"type": "string"}}
    node = _object({
        "id": {"type": "string"}, "op": {"type": "string"}, "label": {"type": "string"}, "name": {"type": "string"},
        "expr": {"type": "string"}, "formula": {"type": "string"}, "formula_latex": {"type": "string"},
        "intuition": {"type": "string"}, "inputs": strings, "operands": {"type": "array", "items": {"type": "object"}},
        "shape": {"$ref": SCHEMAS + "Shape"}, "value": nullable_number, "grad": nullable_number},
        ["id", "op", "label", "name", "expr", "formula", "formula_latex", "intuition", "inputs", "operands", "shape",
         "value", "grad"])
    shown = {"anyOf": [{"$ref": SCHEMAS + "Texts"}, {"type": "null"}]}
    wire = _object({
        "id": {"type": "string"}, "node": {"type": "string"}, "consumer": {"type": ["string", "null"]},
        "operand": {"type": ["integer", "null"]}, "shape": {"$ref": SCHEMAS + "Shape"}, "value": shown, "grad": shown,
        "tangent": shown, "flagged": {"type": "array", "items": {"type": "boolean"}, "minItems": 2, "maxItems": 3},
        "hidden": {"type": "array", "items": {"type": "boolean"}}, "summary": {"type": "array"}},
        ["id", "node", "consumer", "operand", "shape", "value", "grad", "flagged"])
    step = _object({
        "kind": {"type": "string"}, "node": {"type": ["string", "null"]}, "values": wire_ids, "grads": wire_ids,
        "chains": {"type": "array", "items": _object({"operand": {"type": "integer"}, "wire": {"type": "string"}},
                                                     ["operand", "wire"])},
        "forks": {"type": "array"}}, ["kind", "node", "values", "grads", "chains", "forks"])
    options = {option.name: {"type": JSON_TYPES[type(option.default)]} for option in OPTIONS}
    descent = _object({
        "params": strings, "lr": {"type": "number"}, "steps": {"type": "integer"},
        "losses": {"type": "array", "items": {"$ref": SCHEMAS + "Number"}}, "losses_text": strings,
        "left_finite": {"type": ["integer", "null"]}, "values": {"type": "object"}},
        ["params", "lr", "steps", "losses", "losses_text", "left_finite", "values"])
    variables = {"type": "object", "additionalProperties": {"$ref": SCHEMAS + "Value"}}
    return {**_object({
        "expr": {"type": "string"}, "value": nullable_number,
        "gradients": {"type": "object", "additionalProperties": nullable_number},
        "variables": variables, "defaults": variables, "output": {"type": "string"},
        "nodes": {"type": "array", "items": node}, "wires": {"type": "array", "items": wire},
        "steps": {"type": "array", "items": step},
        "options": _object({**options, "seed": {"type": "integer"}}, list(options)),
        "conventions": strings, "tangents": {"type": "object"}, "descent": descent},
        ["expr", "value", "gradients", "variables", "defaults", "output", "nodes", "wires", "steps", "options",
         "conventions"]),
        "description": ("The circuit: its output's value, the gradient of the output for each variable, every "
                        "node and wire with its numbers as the diagram shows them, the step-through; with `wrt` "
                        "the `tangents`, with `params` the `descent`. In practice mode a hidden number is null.")}


def _explanation_schema(nullable_number, strings):
    texts = {"type": ["string", "null"]}
    chain = _object({
        "gate": {"type": "string"}, "label": {"type": "string"}, "expr": {"type": "string"},
        "intuition": {"type": "string"}, "upstream": nullable_number,
        "operands": {"type": "array", "items": {"type": "object"}}},
        ["gate", "label", "expr", "intuition", "upstream", "operands"])
    check = _object({
        "name": {"type": "string"}, "value": {"$ref": SCHEMAS + "Value"}, "analytic": {"$ref": SCHEMAS + "Value"},
        "numeric": {"$ref": SCHEMAS + "Value"}, "relative_error": {"$ref": SCHEMAS + "Value"},
        "verdict": {"type": "string"}, "kinks": {"type": "array"}, "warning": {"type": "string"}},
        ["name", "value", "analytic", "numeric", "relative_error", "verdict", "kinks", "warning"])
    formula = _object({
        "formula": {"type": "string"}, "formula_latex": {"type": "string"}, "lecture_form": texts,
        "lecture_form_latex": texts, "value": nullable_number, "value_text": texts,
        "simplified": {"type": ["boolean", "null"]}, "agrees": {"type": ["boolean", "null"]}, "differs": {}},
        ["formula", "formula_latex", "value", "value_text", "simplified", "agrees"])
    return {**_object({
        "expr": {"type": "string"}, "chain_rule": {"type": "array", "items": chain}, "forks": {"type": "array"},
        "code": _object({"python": {"type": "string"}, "pytorch": {"type": "string"}}, ["python", "pytorch"]),
        "gradcheck": {"type": "array", "items": check},
        "symbolic": {"anyOf": [{"type": "object", "additionalProperties": formula}, {"type": "null"}]},
        "symbolic_summary": texts, "symbolic_note": texts},
        ["expr", "chain_rule", "forks", "code", "gradcheck", "symbolic", "symbolic_summary", "symbolic_note"]),
        "description": ("The lessons: the chain rule at each gate, backward; the fork sums; the staged NumPy and "
                        "PyTorch programs; the numerical gradient check; SymPy's formulas per variable, or null "
                        "with `symbolic_note` saying why.")}

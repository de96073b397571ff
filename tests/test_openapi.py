"""/openapi.json: a valid OpenAPI 3.1 document (openapi-spec-validator) that describes exactly the
app's routes and the fields it takes, whose every example is answered as written, in the
documented shape (jsonschema), by the app and by a real gunicorn serving it."""

import json
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

import pytest
from jsonschema import Draft202012Validator
from live_server import server_fixture
from openapi_spec_validator import OpenAPIV31SpecValidator
from werkzeug.datastructures import Headers

from app import JSON_BODY_EXAMPLE, MAX_BODY_BYTES, create_app
from graphlib.openapi import query_field_names
from graphlib.options import BY_NAME, DESCENT_FIELDS, QUERY_NAMES

ROOT = Path(__file__).resolve().parent.parent
# Reserved since the first version, beside expr and precision, so that no variable takes it; no
# route reads it (a drawing's format is its path, /graph.svg).
RESERVED_ONLY = {"format"}
SIGNATURES = {"image/png": b"\x89PNG\r\n\x1a\n"}
# Flask answers these for every route by itself.
AUTOMATIC_METHODS = {"HEAD", "OPTIONS"}
CIRCUIT_OPERATIONS = [("/", "get"), ("/graph.{output_format}", "get"), ("/api/graph", "get"),
                      ("/api/explain", "get"), ("/api/check", "post"), ("/api/answer", "post"),
                      ("/code/{program}.py", "get")]


server = server_fixture()


@pytest.fixture(scope="module")
def app():
    return create_app({"TESTING": True})


@pytest.fixture(scope="module")
def document(app):
    response = app.test_client().get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1.")
    errors = [error.message for error in OpenAPIV31SpecValidator(document).iter_errors()]
    assert errors == []


def openapi_path(rule):
    """A Flask rule as an OpenAPI path: /graph.<any(svg, png, dot):output_format> -> /graph.{output_format}."""
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)


def test_the_documented_paths_are_exactly_the_apps_routes(app, document):
    routes = {openapi_path(rule.rule): {method.lower() for method in rule.methods - AUTOMATIC_METHODS}
              for rule in app.url_map.iter_rules()}
    documented = {path: set(operations) for path, operations in document["paths"].items()}
    assert documented == routes


def test_a_paths_choices_are_the_routes_choices(app, document):
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            parameter = next(parameter for parameter in document["paths"][openapi_path(rule.rule)]["get"]["parameters"]
                             if parameter["name"] == name)
            assert set(parameter["schema"].get("enum", ())) == set(getattr(converter, "items", ())), rule.rule


def test_the_documented_fields_are_exactly_the_names_a_query_may_hold():
    assert set(query_field_names()) == QUERY_NAMES - RESERVED_ONLY
    assert RESERVED_ONLY <= QUERY_NAMES


@pytest.mark.parametrize("path, method", CIRCUIT_OPERATIONS)
def test_each_circuit_route_takes_every_field_and_the_variables(document, path, method):
    names = [parameter["name"] for parameter in document["paths"][path][method]["parameters"]
             if parameter["in"] == "query"]
    assert names == [*query_field_names(), "variables"]


# Routes with no words: files, the health checks and this English document.
WORDLESS = {("/static/{filename}", "get"), ("/healthz", "get"), ("/readyz", "get"), ("/openapi.json", "get")}


def test_every_operation_with_words_takes_lang_and_the_wordless_ones_do_not(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            takes_lang = "lang" in [parameter["name"] for parameter in operation.get("parameters", [])]
            assert takes_lang == ((path, method) not in WORDLESS), (path, method)


def test_the_wordless_routes_ignore_a_lang_they_do_not_speak(app, document):
    """Each one's first example, asked with lang=fr: answered as without it, never a 400."""
    client = app.test_client()
    for path, method in WORDLESS:
        name = next(name for example_path, example_method, name in examples(document)
                    if (example_path, example_method) == (path, method))
        (url, query, body), _ = the_example(document, path, method, name)
        plain = client.open(f"{url}?{urlencode(query)}", method=method.upper(), json=body)
        ignored = client.open(f"{url}?{urlencode([*query, ('lang', 'fr')])}", method=method.upper(), json=body)
        assert ignored.status_code == plain.status_code == 200 and ignored.data == plain.data, path
        assert "400" not in document["paths"][path][method]["responses"]


def test_a_language_the_service_does_not_speak_is_answered_as_documented(app, document):
    """Each operation's first example, asked with lang=fr."""
    client = app.test_client()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if (path, method) in WORDLESS:
                continue
            name = next(name for example_path, example_method, name in examples(document)
                        if (example_path, example_method) == (path, method))
            (url, query, body), _ = the_example(document, path, method, name)
            query = [(field, value) for field, value in query if field != "lang"] + [("lang", "fr")]
            response = client.open(f"{url}?{urlencode(query)}", method=method.upper(), json=body)
            assert response.status_code == 400, (path, method)
            check_documented(document, Answered.of(response), operation["responses"]["400"], None)


@pytest.mark.parametrize("path", ["/api/graph", "/api/explain"])
def test_a_json_body_takes_the_same_fields(document, path):
    schema = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/CircuitFields"}
    assert list(document["components"]["schemas"]["CircuitFields"]["properties"]) == list(query_field_names())


def test_a_practice_question_documents_every_field_practice_reads(document):
    read = set(re.findall(r'single\(question, "(\w+)"\)', (ROOT / "graphlib" / "practice.py").read_text()))
    schemas = document["components"]["schemas"]
    documented = set(schemas["CheckQuestion"]["properties"]) | set(schemas["AnswerQuestion"]["properties"])
    assert documented == read | {"lang"}  # lang: read by the app from any JSON body


def test_each_option_is_documented_from_its_table(document):
    parameters = {parameter["name"]: parameter for parameter in document["paths"]["/api/graph"]["get"]["parameters"]}
    for name, option in BY_NAME.items():
        assert option.label in parameters[name]["description"]
        assert set(parameters[name]["schema"].get("enum", [""])) == {"", *option.values}
    for name in DESCENT_FIELDS:
        assert parameters[name]["description"]


def examples(document):
    """(path, method, name) of every example: its request is its parameters' and body's examples of
    that name, its answer the response whose content or header holds one of that name."""
    found = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                media = [*response.get("content", {}).values(), *response.get("headers", {}).values()]
                found += [(path, method, name) for content in media for name in content.get("examples", {})]
    return found


def the_example(document, path, method, name):
    """The request (url, JSON body or None), and the documented answer: (status, media type or
    None, its example, its response object)."""
    operation = document["paths"][path][method]
    query, url = [], path
    for parameter in operation.get("parameters", []):
        example = parameter.get("examples", {}).get(name)
        if example is None:
            continue
        if parameter["in"] == "path":
            url = url.replace("{" + parameter["name"] + "}", example["value"])
        elif parameter["name"] == "variables":
            query += list(example["value"].items())
        else:
            query.append((parameter["name"], example["value"]))
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("examples", {})
    for status, response in operation["responses"].items():
        for media_type, content in response.get("content", {}).items():
            if name in content.get("examples", {}):
                return (url, query, body.get(name, {}).get("value")), (int(status), media_type,
                                                                         content["examples"][name], response)
        for header in response.get("headers", {}).values():
            if name in header.get("examples", {}):
                return (url, query, body.get(name, {}).get("value")), (int(status), None, None, response)
    raise AssertionError(f"no answer documented for the example {name}")


def test_the_examples_answered_200_are_requests_the_document_allows(document):
    for path, method, name in examples(document):
        operation = document["paths"][path][method]
        (_, _, body), (status, _, _, _) = the_example(document, path, method, name)
        if status >= 400:
            continue
        for parameter in operation.get("parameters", []):
            example = parameter.get("examples", {}).get(name)
            if example is not None:
                errors = list(schema_validator(document, parameter["schema"]).iter_errors(example["value"]))
                assert not errors, (path, method, name, parameter["name"], [error.message for error in errors])
        if body is not None:
            schema = operation["requestBody"]["content"]["application/json"]["schema"]
            assert not list(schema_validator(document, schema).iter_errors(body)), (path, method, name)


def schema_validator(document, schema):
    """A validator of `schema`, whose #/components/... references resolve in the document."""
    return Draft202012Validator({**schema, "components": document["components"]})


class Answered(NamedTuple):
    """An answer, from the Flask test client or a real gunicorn."""

    status: int
    mimetype: str
    headers: Headers
    data: bytes

    @classmethod
    def of(cls, response):
        return cls(response.status_code, response.mimetype, response.headers, response.data)


def check_documented(document, answered, documented, media_type):
    """The answer is of a documented media type, valid against its schema, with the headers
    documented as required."""
    content = documented.get("content", {})
    assert answered.mimetype in content or "*/*" in content, (answered.mimetype, list(content))
    schema = (content.get(answered.mimetype) or content["*/*"])["schema"]
    if answered.mimetype == "application/json":
        errors = list(schema_validator(document, schema).iter_errors(json.loads(answered.data)))
        assert not errors, [error.message for error in errors[:5]]
    elif "contentMediaType" in schema:
        assert answered.data.startswith(SIGNATURES[schema["contentMediaType"]])
    elif schema.get("type") == "string":
        answered.data.decode("utf-8")  # text, as documented: raises where it is not
    for name, header in documented.get("headers", {}).items():
        if header.get("required"):
            assert name in answered.headers, name
            errors = list(schema_validator(document, header["schema"]).iter_errors(answered.headers[name]))
            assert not errors, (name, answered.headers[name])
    assert media_type is None or answered.mimetype == media_type or media_type == "*/*"


def test_every_operation_has_examples(document):
    described = {(path, method) for path, method, _ in examples(document)}
    every = {(path, method) for path, operations in document["paths"].items() for method in operations}
    assert described == every


def replay_every_example(document, send):
    """Each example's request sent (`send(method, target, body)` gives an Answered), and its
    answer checked: the status, the media type and schema, the body and headers written."""
    replayed = []
    for path, method, name in examples(document):
        (url, query, body), (status, media_type, example, documented) = the_example(document, path, method, name)
        target = f"{url}?{urlencode(query)}" if query else url
        answered = send(method.upper(), target, body)
        where = f"{method.upper()} {target} ({name})"
        assert answered.status == status, (where, answered.data[:300])
        check_documented(document, answered, documented, media_type)
        if example is not None and "value" in example:
            text = answered.data.decode()
            assert (json.loads(text) if answered.mimetype == "application/json" else text) == example["value"], where
        for header_name, header in documented.get("headers", {}).items():
            if name in header.get("examples", {}):
                assert answered.headers[header_name] == header["examples"][name]["value"], where
        replayed.append(where)
    return replayed


def test_every_example_is_answered_as_documented(app, document):
    client = app.test_client()
    replayed = replay_every_example(
        document, lambda method, target, body: Answered.of(client.open(target, method=method, json=body)))
    assert len(replayed) >= 20


def test_a_real_gunicorn_answers_every_example_as_documented(server, document):
    def send(method, target, body):
        data, headers = (None, {}) if body is None else (json.dumps(body), {"Content-Type": "application/json"})
        status, answer_headers, answer = server.request(method, target, body=data, headers=headers)
        mimetype = answer_headers.get("content-type", "").split(";")[0]
        return Answered(status, mimetype, Headers(list(answer_headers.items())), answer)

    assert len(replay_every_example(document, send)) >= 20


# The error answers no example shows: each made happen, and checked against the operation's
# documented answer for its status. (path, method, query, request, status)
TOO_LARGE = json.dumps({"expr": "x", "padding": "0" * MAX_BODY_BYTES})
ERRORS = [
    ("/api/graph", "post", "", {"data": TOO_LARGE, "content_type": "application/json"}, 413),
    ("/api/explain", "post", "", {"data": "expr=x", "content_type": "application/x-www-form-urlencoded"}, 415),
    ("/api/check", "post", "?expr=x&practice=grads", {"data": "x", "content_type": "text/plain"}, 415),
    ("/api/answer", "post", "?expr=x&practice=grads", {"data": "[1]", "content_type": "application/json"}, 400),
    ("/api/graph", "get", "?" + "x=1&" * 2000 + "expr=x", {}, 400),
]


@pytest.mark.parametrize("path, method, query, request_fields, status", ERRORS)
def test_the_errors_answer_as_documented(app, document, path, method, query, request_fields, status):
    response = app.test_client().open(path + query, method=method.upper(), **request_fields)
    assert response.status_code == status
    check_documented(document, Answered.of(response), document["paths"][path][method]["responses"][str(status)], None)


@pytest.mark.parametrize("path", ["/", "/graph.svg", "/api/graph", "/code/staged.py"])
def test_too_many_requests_answer_as_documented(document, path):
    app = create_app({"TESTING": True, "RATE_LIMIT": "1 per minute", "NUMBERS_RATE_LIMIT": "1 per minute"})
    client = app.test_client()
    client.get(f"{path}?expr=x*y&x=1")
    response = client.get(f"{path}?expr=x*y&x=2")
    assert response.status_code == 429
    documented = document["paths"][openapi_path_of(document, path)]["get"]["responses"]["429"]
    check_documented(document, Answered.of(response), documented, None)


@pytest.mark.parametrize("path", ["/", "/graph.svg", "/api/graph", "/api/explain", "/code/pytorch.py"])
def test_out_of_time_answers_as_documented(document, path):
    app = create_app({"TESTING": True, "TIME_LIMIT_SECONDS": 1e-6})
    expression = "%2B".join(f"x{index}*y{index}" for index in range(200))
    response = app.test_client().get(f"{path}?expr={expression}")
    assert response.status_code == 503
    documented = document["paths"][openapi_path_of(document, path)]["get"]["responses"]["503"]
    check_documented(document, Answered.of(response), documented, None)


def openapi_path_of(document, url_path):
    """The documented path that `url_path` is an instance of."""
    for path in document["paths"]:
        if re.fullmatch(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)), url_path):
            return path
    raise AssertionError(url_path)


def test_the_json_body_example_of_the_messages_is_a_documented_body(document):
    schema = {"$ref": "#/components/schemas/CircuitFields"}
    assert not list(schema_validator(document, schema).iter_errors(json.loads(JSON_BODY_EXAMPLE)))


def test_the_document_is_cached_as_the_answers_that_depend_on_the_url_alone(app):
    client = app.test_client()
    first = client.get("/openapi.json")
    assert first.headers["Cache-Control"] == "public, max-age=3600"
    again = client.get("/openapi.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_the_language_is_chosen_as_documented(app):
    client = app.test_client()
    english = client.get("/api/graph?expr=x*y").get_json()["nodes"][2]["intuition"]
    by_header = client.get("/api/graph?expr=x*y", headers={"Accept-Language": "ko"})
    by_link = client.get("/api/graph?expr=x*y&lang=ko", headers={"Accept-Language": "en"})
    assert by_header.get_json()["nodes"][2]["intuition"] == by_link.get_json()["nodes"][2]["intuition"] != english
    assert "Accept-Language" in by_header.headers["Vary"] and "Accept-Language" not in by_link.headers.get("Vary", "")


@pytest.mark.parametrize("document_path", ["README.md", "docs/CONVENTIONS.md"])
def test_the_documents_point_to_the_description(document_path):
    assert "/openapi.json" in (ROOT / document_path).read_text()

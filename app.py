"""The web app: HTTP requests to graphlib calls, and their results to HTML, SVG and JSON.

Run it with `make run` (gunicorn serves `create_app()`); every circuit lives in its URL.
"""

import functools
import hashlib
import json
import os
import socket
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import orjson
from flask import Blueprint, Flask, Response, current_app, g, jsonify, redirect, render_template, request, url_for
from flask.json.provider import DefaultJSONProvider
import flask_babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge, UnsupportedMediaType
from werkzeug.middleware.proxy_fix import ProxyFix

from graphlib.accesslog import CACHE_STATUS, AccessLog
from graphlib.cache import RenderCache
from graphlib.api import explain_json, program_text, symbolic_settled, to_json
from graphlib.circuit import DEFAULT_VALUE, build_circuit, parse_value
from graphlib.deadline import deadline
from graphlib.errors import CircuitError, LimitError, ServiceError
from graphlib.evaluate import entry_name
from graphlib.gallery import GALLERY
from graphlib import __version__
from graphlib.i18n import (CATALOGUES, DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, N_, _, current_language,
                           language_named, page_catalogue, translated, use_language)
from graphlib.language import functions
from graphlib.openapi import WebFacts, describe
from graphlib.ops import conventions
from graphlib.options import BY_NAME, DESCENT_FIELDS, MAX_STEPS, OPTIONS, in_language, single
from graphlib.parse import MAX_LENGTH, NAME_PATTERN, RESERVED_NAMES, parse
from graphlib.practice import answer_json, check_json
from graphlib.drawing import draw, error_svg, run_dot
from graphlib.rediscache import SOCKET_SECONDS as REDIS_SOCKET_SECONDS
from graphlib.rediscache import RedisCache
from graphlib.render import visible

FIRST_CIRCUIT = GALLERY[1]  # figure 2 of the notes, a neuron: what `/` shows a first visit
DRAWING_TYPES = {"svg": "image/svg+xml", "png": "image/png", "dot": "text/vnd.graphviz"}  # /graph.<type>
PROGRAMS = {"staged": "python", "pytorch": "pytorch"}  # /code/<program>.py -> its language (api.program_text)
# Routes whose answer depends on the URL alone (the page and /api/explain do not: SymPy may run
# out of time on one request and not on the next).
CONTENT_ADDRESSED = {"circuit.graph", "circuit.code", "circuit.api_graph", "circuit.openapi_json"}
CACHE_SECONDS = 3600
# Below gunicorn's 8190-byte request line ("GET /code/pytorch.py?... HTTP/1.1" adds 30 bytes),
# so our message wins; room for a 500-gate expression over 100 variables with their values.
MAX_QUERY_BYTES = 8000
MAX_BODY_BYTES = 16 * 1024
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self'; "
        "style-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


# The views. Endpoints are named "circuit.<view>" (url_for("circuit.index")).
bp = Blueprint("circuit", __name__)
# Per client address, over the routes that compute: made here so that the views below can carry
# their limits, bound to the app by create_app. A Limiter keeps one storage and one on/off
# switch, those of the app it was bound to last: one app a process (each gunicorn worker makes
# one; the tests make many, each used before the next is made).
limiter = Limiter(get_remote_address)


class OrderedFastJSON(DefaultJSONProvider):
    """JSON by orjson, keys in their documented order: a 50-gate circuit's answer (60 KB) takes
    0.05 ms to write instead of the standard library's 0.6 ms, a third of the whole request.
    What orjson will not write (an integer past 64 bits) is left to the standard library."""

    sort_keys = False

    def dumps(self, obj, **kwargs):
        try:
            return orjson.dumps(obj).decode()
        except orjson.JSONEncodeError:
            return super().dumps(obj, **kwargs)


def create_app(test_config=None):
    """The app, configured by the defaults below, then BACKPROP_* environment variables, then
    `test_config`."""
    app = Flask(__name__)
    app.json = OrderedFastJSON(app)
    app.config.from_mapping(
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        TIME_LIMIT_SECONDS=15,  # the whole request; drawing alone stops at DOT_TIMEOUT_SECONDS
        # Per client address, over the compute routes; sized for a class of 30 behind one address
        # (a school's NAT), each drawing a circuit of their own about once a second. Answers
        # served from the cache are not counted.
        RATE_LIMIT="1800 per minute;60 per second",
        # The page's value-only updates while a slider moves (a few ms each): 30 students
        # scrubbing at 10 updates a second are 300 a second.
        NUMBERS_RATE_LIMIT="24000 per minute;500 per second",
        # Said outright: the limiter would otherwise keep the previous app's choice.
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",  # one worker's memory; redis://host:6379 to share
        RATELIMIT_HEADERS_ENABLED=True,
        # The template's messages (Flask-Babel's _ and {% trans %} in Jinja): the `page` domain.
        BABEL_TRANSLATION_DIRECTORIES=str(CATALOGUES),
        BABEL_DOMAIN="page",
        BABEL_DEFAULT_LOCALE=DEFAULT_LANGUAGE,
        # A shared storage that stops answering: count in this process's memory until it is back,
        # rather than fail every request.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        # A Redis storage that accepts connections and never answers is taken as down after
        # this long, not after the operating system's minutes (redis-py waits forever by default).
        RATELIMIT_STORAGE_OPTIONS={"socket_timeout": REDIS_SOCKET_SECONDS,
                                   "socket_connect_timeout": REDIS_SOCKET_SECONDS},
        PROXY_HOPS=0,  # reverse proxies in front whose X-Forwarded-For is to be believed
        RENDER_CACHE_ENTRIES=512,
        RENDER_CACHE_BYTES=64 * 1024 * 1024,
        ANSWER_CACHE_ENTRIES=2048,
        ANSWER_CACHE_BYTES=128 * 1024 * 1024,
        CACHE_URI="",  # redis://host:6379/1: the answer cache shared by every instance (rediscache.py)
        CACHE_TTL_SECONDS=3600,
        ACCESS_LOG="",  # "-" for standard output, or a file: one JSON line a request (accesslog.py)
        INSTANCE="",  # the access log's name for this instance; default host:pid
    )
    # BACKPROP_RATE_LIMIT="10 per minute", BACKPROP_RATELIMIT_STORAGE_URI=redis://..., and so on.
    app.config.from_prefixed_env("BACKPROP")
    if test_config:
        app.config.update(test_config)
    if app.config["PROXY_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"])
    if app.config["ACCESS_LOG"]:
        instance = str(app.config["INSTANCE"] or f"{socket.gethostname()}:{os.getpid()}")
        app.wsgi_app = AccessLog.to(app.wsgi_app, app.config["ACCESS_LOG"], instance)
    flask_babel.Babel(app, locale_selector=request_language)
    # Before the limiter's check, so that a 429 comes in the request's language too.
    app.before_request(speak_the_request_language)
    app.teardown_request(stop_speaking_the_request_language)
    limiter.init_app(app)
    app.extensions["render_cache"] = RenderCache(app.config["RENDER_CACHE_ENTRIES"],
                                                 app.config["RENDER_CACHE_BYTES"])
    # Whole answers by URL: a class opening one link costs one computation, the others wait for
    # it and are served from here, uncounted by the rate limit.
    app.extensions["answer_cache"] = _answer_cache(app.config)
    app.register_blueprint(bp)
    register_error_handlers(app)
    app.after_request(secure_headers)
    app.after_request(varies_by_language)
    return app


def _answer_cache(config):
    """In this process's memory, or with CACHE_URI in Redis, shared by every instance: under this
    build's name, as Redis outlives the app's instances (a rebuilt app must not serve the answers
    of the one it replaced)."""
    if config["CACHE_URI"]:
        return RedisCache.from_url(config["CACHE_URI"], namespace=f"backprop:answers:{build_id()}",
                                   ttl_seconds=config["CACHE_TTL_SECONDS"],
                                   max_bytes=config["ANSWER_CACHE_BYTES"], encode=Answer.to_bytes,
                                   decode=Answer.from_bytes)
    return RenderCache(config["ANSWER_CACHE_ENTRIES"], config["ANSWER_CACHE_BYTES"],
                       size=lambda answer: len(answer.body))


# The files an answer is made from (those the Dockerfile copies, but for gunicorn's settings).
BUILT_FROM = ("app.py", "graphlib", "templates", "static")


@functools.cache
def build_id(root=Path(__file__).resolve().parent):
    """graphlib's version and a digest of the files answers are made from (2 MB: a few ms, once a
    process), so that every change to the code, a template, a script or a translation has a name."""
    digest = hashlib.sha256()
    for top in BUILT_FROM:
        paths = [root / top] if (root / top).is_file() else sorted((root / top).rglob("*"))
        for path in paths:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(f"{path.relative_to(root).as_posix()}\0{path.stat().st_size}\0".encode())
                digest.update(path.read_bytes())
    return f"{__version__}-{digest.hexdigest()[:16]}"


# --- the language of a request --------------------------------------------------------------------

# Routes with no words to translate (files, the health checks, the English OpenAPI document):
# they ignore `lang` and Accept-Language, so that a `lang` they would not use is no error.
WORDLESS = {"static", "circuit.healthz", "circuit.readyz", "circuit.openapi_json"}


def request_language():
    """The language of this request, decided once: `lang` in the query, else the best of
    Accept-Language (English by default; the answer then varies by it); a POSTed JSON body's
    `lang` decides when the view reads the body (_json_fields). Flask-Babel's locale selector
    for the template, and the language of graphlib's messages (speak_the_request_language)."""
    if "language" not in g:
        g.language, g.language_by_header = DEFAULT_LANGUAGE, False  # a bad `lang` is refused in English
        if request.endpoint not in WORDLESS:
            g.language, g.language_by_header = _asked_language()
    return g.language


def _asked_language():
    """(the language the query's `lang` names, else the best of Accept-Language; whether
    Accept-Language chose it)."""
    given = request.args.getlist("lang")
    if given:
        return language_named(single({"lang": given}, "lang")), False
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE), True


def speak_the_request_language():
    """Messages in the request's language from here to the end of the request: the views, the
    error handlers, the compute pool's jobs (compute.py sends the language with each job)."""
    g.language_scope = use_language(request_language())
    g.language_scope.__enter__()


def _speak_instead(language):
    """The rest of the request in `language`, which a POSTed body's `lang` chose."""
    stop_speaking_the_request_language(None)
    g.language, g.language_by_header = language, False
    speak_the_request_language()
    flask_babel.refresh()  # the template's locale, which Flask-Babel keeps once asked


def stop_speaking_the_request_language(error):
    scope = g.pop("language_scope", None)
    if scope is not None:
        scope.__exit__(None, None, None)


def varies_by_language(response):
    """An answer whose language Accept-Language chose says so, to caches between here and the reader."""
    if g.get("language_by_header") and request.endpoint != "static":
        response.vary.add("Accept-Language")
    return response


def register_error_handlers(app):
    """Every failure answered in the form its route answers (JSON, an SVG or the page), with a
    message that says what happened and what to do."""
    app.register_error_handler(CircuitError, bad_input)
    app.register_error_handler(ServiceError, could_not_finish)
    app.register_error_handler(MemoryError, out_of_memory)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected)


def bad_input(error):
    return _error_response(error.message, 400, field=error.field, position=error.position)


def could_not_finish(error):
    response = current_app.make_response(_error_response(str(error), 503))
    if getattr(error, "retry_after", None) is not None:  # BusyError: every compute process working
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def out_of_memory(error):
    return _error_response(_("The circuit needed more memory than the server allows; try a smaller one."), 503)


# Werkzeug's own words for the errors it raises, in the catalogue so that they come in Korean too.
HTTP_MESSAGES = {
    400: N_("The browser (or proxy) sent a request that this server could not understand."),
    404: N_("The requested URL was not found on the server. If you entered the URL manually please check "
            "your spelling and try again."),
    405: N_("The method is not allowed for the requested URL."),
    413: N_("The data value transmitted exceeds the capacity limit."),
    415: N_("The server does not support the media type transmitted in the request."),
}


# A 429's sentence, by the period of the limit that was hit: Flask-Limiter's own text ("60 per 1
# second") is English, and a period is no word to paste into another language's sentence.
TOO_MANY_REQUESTS = {
    "second": N_("Too many requests from your address (the limit is %(amount)s a second); wait a moment and try "
                 "again."),
    "minute": N_("Too many requests from your address (the limit is %(amount)s a minute); wait a moment and try "
                 "again."),
    "hour": N_("Too many requests from your address (the limit is %(amount)s an hour); wait a moment and try again."),
    "day": N_("Too many requests from your address (the limit is %(amount)s a day); wait a moment and try again."),
}
TOO_MANY_REQUESTS_IN_SECONDS = N_("Too many requests from your address (the limit is %(amount)s in %(seconds)s "
                                  "seconds); wait a moment and try again.")


def too_many_requests(limit):
    """The 429's message for Flask-Limiter's limit `limit` (a limits RateLimitItem: 60 per 1 second)."""
    if limit.multiples == 1 and limit.GRANULARITY.name in TOO_MANY_REQUESTS:
        return translated(TOO_MANY_REQUESTS[limit.GRANULARITY.name]) % {"amount": limit.amount}
    return translated(TOO_MANY_REQUESTS_IN_SECONDS) % {"amount": limit.amount, "seconds": limit.get_expiry()}


def http_error(error):
    message = error.description
    if error.code == 429:
        message = too_many_requests(error.limit.limit)
    elif message == type(error).description and error.code in HTTP_MESSAGES:
        message = translated(HTTP_MESSAGES[error.code])
    return _error_response(message, error.code)


def unexpected(error):
    current_app.logger.exception("Unexpected error")
    return _error_response(_("Something went wrong on our side; the error has been logged."), 500)


def secure_headers(response):
    """On every answer, static files and errors included."""
    response.headers.update(SECURITY_HEADERS)
    return response


# --- the answer cache and the limits of the routes that compute ----------------------------------

@dataclass(frozen=True)
class Answer:
    body: bytes
    mimetype: str

    def to_bytes(self):
        return self.mimetype.encode() + b"\n" + self.body

    @classmethod
    def from_bytes(cls, data):
        mimetype, body = data.split(b"\n", 1)
        return cls(body, mimetype.decode())


# The routes whose GET answers are kept in the answer cache: those that depend on the URL alone,
# and the page and /api/explain unless SymPy ran out of time or memory on them (g.transient).
ANSWERED = CONTENT_ADDRESSED | {"circuit.index", "circuit.api_explain"}


def _answer_key():
    if request.method not in ("GET", "HEAD") or request.endpoint not in ANSWERED:
        return None
    return (request.path, request.query_string, request_language())


rate_limit = limiter.shared_limit(lambda: current_app.config["RATE_LIMIT"], scope="compute")
numbers_rate_limit = limiter.limit(lambda: current_app.config["NUMBERS_RATE_LIMIT"])


def compute(view, limit=rate_limit):
    """A route that computes a circuit: answered from the answer cache where it can be (waiting
    for an identical request under way), else rate-limited per client and stopped at the time
    limit. Only a request that computes is counted: one served from the cache is not, and one
    that waited for an answer that was not kept (the first request failed) computes it, counted."""
    @limit
    @functools.wraps(view)
    def computed(*args, **kwargs):
        with deadline(current_app.config["TIME_LIMIT_SECONDS"]):
            return view(*args, **kwargs)

    @functools.wraps(view)
    def from_cache_or_computed(*args, **kwargs):
        key = _answer_key()
        if key is not None:
            answers = current_app.extensions["answer_cache"]
            answer, g.answer_token = answers.claim(key, current_app.config["TIME_LIMIT_SECONDS"])
            request.environ[CACHE_STATUS] = "miss" if answer is None else "hit"
            if answer is not None:
                return Response(answer.body, mimetype=answer.mimetype)
        return computed(*args, **kwargs)
    return from_cache_or_computed


@bp.after_request
def keep_the_answer(response):
    token = g.pop("answer_token", None)
    if token is not None:
        keep = response.status_code == 200 and not g.get("transient")
        current_app.extensions["answer_cache"].settle(
            token, Answer(response.get_data(), response.mimetype) if keep else None)
    return response


@bp.teardown_request
def release_the_claim(error):
    token = g.pop("answer_token", None)
    if token is not None:  # the request ended without an answer
        current_app.extensions["answer_cache"].settle(token)


@bp.after_request
def validated_by_content(response):
    """The same URL gives the same bytes on these routes: browsers and proxies may keep them
    for an hour, and ask again with If-None-Match for a bodiless 304. (Flask runs a blueprint's
    after_request functions last registered first: this one before keep_the_answer, which keeps
    no 304.)"""
    if request.endpoint in CONTENT_ADDRESSED and request.method in ("GET", "HEAD") and response.status_code == 200:
        response.cache_control.public = True
        response.cache_control.max_age = CACHE_SECONDS
        # The language in the tag too: an answer in Korean is not an English one's revalidation.
        if response.get_etag() == (None, None):  # /openapi.json's is made once
            response.set_etag(f"{request_language()}-{hashlib.sha1(response.get_data()).hexdigest()}")
        response.make_conditional(request)
    return response


# --- the routes ----------------------------------------------------------------------------------

@bp.get("/")
@compute
def index():
    if not request.query_string or list(request.args) == ["lang"]:
        # A first visit: a working circuit, its link in the address bar, in the language asked for.
        lang = f"lang={request_language()}&" if "lang" in request.args else ""
        return redirect(f"{url_for('.index')}?{lang}{FIRST_CIRCUIT.query}")
    fields = _query_fields()
    if "expr" not in fields:
        return _page()
    return _page(circuit=build_circuit(fields))


@bp.get("/graph.<any(svg, png, dot):output_format>")
@compute
def graph(output_format):
    circuit = build_circuit(_query_fields())
    key = (circuit.key, output_format, current_language())  # a drawing has words (a fork's note, a summary's)
    drawing = current_app.extensions["render_cache"].get_or_make(key, lambda: draw(circuit.document, output_format))
    return Response(drawing, mimetype=DRAWING_TYPES[output_format])


@bp.route("/api/graph", methods=["GET", "POST"])
@functools.partial(compute, limit=numbers_rate_limit)
def api_graph():
    return jsonify(to_json(build_circuit(_request_fields())))


@bp.route("/api/explain", methods=["GET", "POST"])
@compute
def api_explain():
    return jsonify(_explanation(build_circuit(_request_fields())))


# Practice: the circuit in the query, as for every other route, and the question in a JSON
# body ({"wire": "wire-n3", "kind": "grad", "answer": "-4"}), whose names cannot clash with
# a variable's. The page asks them as a student types, as it asks /api/graph.
@bp.post("/api/check")
@functools.partial(compute, limit=numbers_rate_limit)
def api_check():
    question = _json_fields()  # first: a "lang" in it is the language of the circuit's errors too
    return jsonify(check_json(build_circuit(_query_fields()), question))


@bp.post("/api/answer")
@functools.partial(compute, limit=numbers_rate_limit)
def api_answer():
    question = _json_fields()
    return jsonify(answer_json(build_circuit(_query_fields()), question))


# The web API described for other programs (graphlib/openapi.py): every route, field and error.
WEB_FACTS = WebFacts(tuple(DRAWING_TYPES.items()), tuple(PROGRAMS.items()), MAX_QUERY_BYTES, MAX_BODY_BYTES,
                     CACHE_SECONDS)


@bp.get("/openapi.json")
def openapi_json():
    """The same bytes and tag for every request (the document is in English), made at the first."""
    if "openapi" not in current_app.extensions:
        body = current_app.json.dumps(describe(WEB_FACTS)).encode()
        current_app.extensions["openapi"] = (body, f"{DEFAULT_LANGUAGE}-{hashlib.sha1(body).hexdigest()}")
    body, etag = current_app.extensions["openapi"]
    response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    return response


@bp.get("/code/<any(staged, pytorch):program>.py")
@compute
def code(program):
    circuit = build_circuit(_query_fields())
    return Response(program_text(circuit, PROGRAMS[program]), mimetype="text/x-python")


# --- health, for a load balancer, an orchestrator or a container's HEALTHCHECK ---------------------

READY_DOT = "digraph ready { a -> b }"
READY_SECONDS = 5
# /readyz answers what it found this long ago at most: probes from every orchestrator and load
# balancer, or from anyone, cost a Graphviz job and two Redis round trips once in this time.
READINESS_KEPT_SECONDS = 2


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Alive: the process answers requests. Asks nothing of anything else, so costs nothing."""
    return jsonify({"status": "alive"})


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """Ready for traffic: Graphviz draws in a compute process, and the Redis stores answer where
    they are configured; else 503, with what failed and why. Checked at most once in
    READINESS_KEPT_SECONDS."""
    checked_at, answer = current_app.extensions.get("readiness", (None, None))
    if checked_at is None or time.monotonic() - checked_at >= READINESS_KEPT_SECONDS:
        answer = _readiness()
        current_app.extensions["readiness"] = (time.monotonic(), answer)
    checks, status = answer
    return jsonify({"status": "ready" if status == 200 else "not ready", "checks": checks}), status


def _readiness():
    """(each check's outcome, the status they make)."""
    checks = {"graphviz": _check(lambda: run_dot(READY_DOT, "svg", timeout=READY_SECONDS))}
    if not current_app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        checks["rate_limit_storage"] = _check(_rate_limit_storage_answers)
    if current_app.config["CACHE_URI"]:
        checks["answer_cache"] = _check(current_app.extensions["answer_cache"].ping)
    return checks, 200 if all(outcome == "ok" for outcome in checks.values()) else 503


def _check(probe):
    """The probe's outcome: "ok", or what went wrong (any failure is an answer here, not an
    error of the request)."""
    try:
        probe()
    except Exception as error:  # noqa: BLE001 - a readiness probe reports whatever went wrong
        return f"{type(error).__name__}: {error}"[:300]
    return "ok"


def _rate_limit_storage_answers():
    if not limiter.storage.check():
        raise ConnectionError("the rate limit's storage does not answer")


def _request_fields():
    """The fields of a GET query or of a POSTed JSON object, in the same form."""
    return _json_fields() if request.method == "POST" else _query_fields()


def _query_fields():
    """Every query parameter with all of its values, so repeated names can be refused."""
    if len(request.query_string) > MAX_QUERY_BYTES:
        raise LimitError(_("The URL's query is %(bytes)s bytes; the limit is %(limit)s.",
                           bytes=len(request.query_string), limit=MAX_QUERY_BYTES), field=None)
    return request.args.to_dict(flat=False)


JSON_BODY_EXAMPLE = '{"expr": "(x+y)*z", "x": -2}'


def _json_fields():
    # Reading the body ourselves catches what get_json(silent=True) does not: deep nesting
    # raises RecursionError.
    if not request.is_json:
        raise UnsupportedMediaType(_("Send the body as JSON with Content-Type: application/json, for example "
                                     "%(example)s.", example=JSON_BODY_EXAMPLE))
    body_text = _read_body()
    try:
        body = json.loads(body_text, object_pairs_hook=_JsonObject)
    except (ValueError, RecursionError) as error:
        reason = _("it nests too deeply") if isinstance(error, RecursionError) else str(error)[:200]
        raise CircuitError(_("The request body must be a JSON object, for example %(example)s; this body is not "
                             "valid JSON (%(reason)s).", example=JSON_BODY_EXAMPLE, reason=reason),
                           field=None) from None
    if not isinstance(body, dict):
        raise CircuitError(_("The request body must be a JSON object, for example %(example)s.",
                             example=JSON_BODY_EXAMPLE), field=None)
    # The same fields as a query's: a name given twice is refused (json.loads would keep the
    # last), and so is null, which would otherwise read as "not given" and quietly become 1.
    if body.repeated:
        name, count = next(iter(body.repeated.items()))
        raise CircuitError(_("%(name)s is given %(count)s times in the request body; give it once.",
                             name=_shown(name), count=count), field=name)
    if "lang" in body and "lang" not in request.args:  # the query's decides where both are given
        _speak_instead(language_named(body["lang"]))
    nulls = [name for name, value in body.items() if value is None]
    if nulls:
        raise CircuitError(_("%(name)s is null in the request body; give it a value, or leave it out for its "
                             "default.", name=_shown(nulls[0])), field=nulls[0])
    return {name: [value] for name, value in body.items()}


def _shown(name):
    """A field's name as a message quotes it: as is when it could be a field, else in quotes."""
    return name if NAME_PATTERN.fullmatch(name) and len(name) <= 40 else repr(name[:40])


class _JsonObject(dict):
    """A JSON object that remembers the keys it was given more than once (`repeated`: key ->
    count), so that the request's fields can refuse them; nested objects keep their last value,
    as a field's value they are refused anyway, and unknown fields are ignored."""

    def __init__(self, pairs):
        super().__init__(pairs)
        counts = Counter(key for key, _value in pairs)
        self.repeated = {key: count for key, count in counts.items() if count > 1}


def _read_body():
    """The body, at most MAX_BODY_BYTES of it. A chunked body has no length to check up front,
    and Werkzeug's stream would quietly cut it at the limit, so read the server's input, one
    byte more than allowed, and see."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise RequestEntityTooLarge()
    try:
        body = request.environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
    except Exception:  # noqa: BLE001 - servers signal a broken chunked body in their own types
        # (gunicorn: InvalidChunkSize, ChunkMissingTerminator, NoMoreData), with no common base.
        raise CircuitError(_("The request body could not be read: its chunked encoding is broken."),
                           field=None) from None
    if len(body) > MAX_BODY_BYTES:
        raise RequestEntityTooLarge()
    return body


def _error_response(message, status, field=None, position=None):
    if request.path.startswith("/api/"):
        return jsonify({"error": {"message": message, "field": field, "position": position}}), status
    # By path, not endpoint: a wrong method never reaches the endpoint, and still wants an image.
    if request.path in {f"/graph.{output_format}" for output_format in DRAWING_TYPES}:
        return Response(error_svg(message), status=status, mimetype="image/svg+xml")
    return _page(error={"message": message, "field": field, "position": position}), status


def _page(circuit=None, error=None):
    """The form with the circuit (or the error) below it; fields keep exactly what was typed, but
    for characters HTML may not carry raw (refused anyway), which show as a visible stand-in in
    the same column, where the error's caret points."""
    fields = {name: visible(text) for name, text in request.args.to_dict(flat=True).items()}
    expression = fields.get("expr", "")
    variables = _form_variables(expression, fields, circuit)
    return render_template(
        "index.html",
        expression=expression,
        variables=variables,
        wrt_choices=_wrt_choices(variables, circuit),
        options=in_language(OPTIONS),
        chosen={option.name: fields.get(option.name, "" if option.unset else str(option.default)) for option in OPTIONS},
        # Without a theme in the link the script takes the device's (prefers-color-scheme).
        theme=_chosen_or_default(fields, "theme"),
        colors=_chosen_or_default(fields, "colors"),
        circuit=circuit,
        error=error,
        query=urlencode(request.args.to_dict(flat=False), doseq=True),
        gallery=GALLERY,
        conventions=conventions(),
        functions=functions(),
        max_length=MAX_LENGTH,
        descent_fields={name: fields.get(name, "") for name in DESCENT_FIELDS},
        max_steps=MAX_STEPS,
        # The page in the request's language: <html lang>, and its scripts' words (static/js/i18n.js).
        language=current_language(),
        language_names=LANGUAGE_NAMES,
        page_catalogue=page_catalogue(current_language()),
        **({} if circuit is None else _document_and_lessons(circuit)),
    )


def _chosen_or_default(fields, name):
    """The option as the link chooses it, where that is one of its choices; else its default."""
    option = BY_NAME[name]
    return fields.get(name) if fields.get(name) in option.values else option.default


def _document_and_lessons(circuit):
    """The circuit's JSON and its lessons: drawn into the page's tables without JavaScript, and
    written into the page for the script, which then asks for neither."""
    graph_json = to_json(circuit)
    return {"graph_json": graph_json, "node_of": {node["id"]: node for node in graph_json["nodes"]},
            "wire_of": {wire["id"]: wire for wire in graph_json["wires"]}, "explain": _explanation(circuit)}


def _explanation(circuit):
    explanation = explain_json(circuit)
    g.transient = not symbolic_settled(explanation)
    return explanation


def _form_variables(expression, fields, circuit):
    """(name, text, is_default) for each variable field: those of the expression when it parses,
    else those the user sent, so that a typo in the expression loses none of their values."""
    if circuit is not None:  # with seed=N, the values drawn for the worksheet
        return [(name, fields[name] if name in fields else f"{circuit.start[name]:g}", name in circuit.defaulted)
                for name in circuit.graph.variables]
    try:
        names = parse(expression).variables if expression else []
    except CircuitError:
        names = [name for name in fields if NAME_PATTERN.fullmatch(name) and name not in RESERVED_NAMES]
    return [(name, fields.get(name, _default_text()), name not in fields) for name in names]


def _wrt_choices(variables, circuit):
    """Forward mode's choices, per variable: (name, entries), the entries `W[1,0]` of a vector
    or matrix (forward mode follows one number), none for a number. Without a circuit (a
    mistake in the form) a value's shape is read from its field where it reads."""
    choices = []
    for name, text, _is_default in variables:
        if circuit is not None:
            shape = np.shape(circuit.start[name])
        else:
            try:
                shape = np.shape(parse_value(name, text))
            except CircuitError:
                shape = ()
        choices.append((name, [entry_name(name, index) for index in np.ndindex(*shape)] if shape else []))
    return choices


def _default_text():
    return f"{DEFAULT_VALUE:g}"


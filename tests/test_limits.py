"""What keeps the service steady: the time limit, the rate limit, the render cache, memory."""

import concurrent.futures
import dataclasses
import time
from urllib.parse import quote

import pytest

import compute_jobs
from app import create_app
from graphlib import compute, drawing
from graphlib.cache import RenderCache
from graphlib.deadline import deadline
from graphlib.errors import TimeLimitError
from live_server import LiveServer
from real_servers import RedisServer


def test_deadline_interrupts_python_work_and_disarms_afterwards():
    with pytest.raises(TimeLimitError, match="longer than 0.05 seconds"):
        with deadline(0.05):
            while True:
                pass
    time.sleep(0.1)  # an alarm left armed would fire here


def test_a_request_past_the_time_limit_is_stopped_and_the_next_one_works(monkeypatch):
    """The drawing runs in a compute process (graphlib/compute.py), here one that hangs: the
    request's limit stops the request, the process is killed, and the pool's other, warm one
    draws the next request. (Real drawings now take milliseconds; tests/test_compute.py has the
    pool's own limits.)"""
    client = create_app({"TIME_LIMIT_SECONDS": 0.3}).test_client()
    compute.default_pool().warm()  # the pool's start is not a request's
    victims = set(compute.default_pool().pids())
    monkeypatch.setattr(drawing, "draw_here", compute_jobs.hang)
    started = time.monotonic()
    slow = client.get("/graph.svg", query_string={"expr": "(x+y)*z"})
    assert time.monotonic() - started < 2
    assert slow.status_code == 503
    assert "took longer than 0.3 seconds" in slow.text
    monkeypatch.undo()
    quick = client.get("/graph.svg", query_string={"expr": "(x+y)*z", "x": "2"})
    assert quick.status_code == 200
    assert len(victims - set(compute.default_pool().pids())) == 1, "the hanging process was replaced"


@pytest.mark.parametrize("path, kind", [
    ("/api/graph", "application/json"),
    ("/graph.svg", "image/svg+xml"),
    ("/", "text/html"),
])
def test_too_many_requests_get_a_429_with_a_message(path, kind):
    client = create_app({"RATE_LIMIT": "3 per minute", "NUMBERS_RATE_LIMIT": "3 per minute"}).test_client()
    answers = [client.get(path, query_string={"expr": "x*2", "x": value}) for value in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.mimetype == kind
    assert "Too many requests from your address (the limit is 3 a minute)" in refused.text
    assert int(refused.headers["Retry-After"]) > 0


# (the limit configured, the 429's message in English and in Korean): Flask-Limiter's own words
# ("60 per 1 second") are not quoted, in either language
LIMIT_MESSAGES = [
    ("2 per second", "Too many requests from your address (the limit is 2 a second); wait a moment and try again.",
     "이 주소에서 요청이 너무 많습니다(한도: 1초에 2번). 잠시 기다렸다가 다시 시도하세요."),
    ("2 per minute", "Too many requests from your address (the limit is 2 a minute); wait a moment and try again.",
     "이 주소에서 요청이 너무 많습니다(한도: 1분에 2번). 잠시 기다렸다가 다시 시도하세요."),
    ("2 per hour", "Too many requests from your address (the limit is 2 an hour); wait a moment and try again.",
     "이 주소에서 요청이 너무 많습니다(한도: 1시간에 2번). 잠시 기다렸다가 다시 시도하세요."),
    ("2 per day", "Too many requests from your address (the limit is 2 a day); wait a moment and try again.",
     "이 주소에서 요청이 너무 많습니다(한도: 하루에 2번). 잠시 기다렸다가 다시 시도하세요."),
    ("2 per 5 minutes", "Too many requests from your address (the limit is 2 in 300 seconds); wait a moment and try "
     "again.", "이 주소에서 요청이 너무 많습니다(한도: 300초에 2번). 잠시 기다렸다가 다시 시도하세요."),
]


@pytest.mark.parametrize("limit, english, korean", LIMIT_MESSAGES, ids=[case[0] for case in LIMIT_MESSAGES])
def test_a_429_says_its_limit_in_the_requests_language(limit, english, korean):
    client = create_app({"RATE_LIMIT": limit}).test_client()
    answers = [client.get("/api/explain", query_string={"expr": "x*2", "x": value, "lang": language})
               for value, language in [(1, "en"), (2, "en"), (3, "en"), (4, "ko")]]
    assert [answer.status_code for answer in answers] == [200, 200, 429, 429]
    assert [answer.get_json() for answer in answers[2:]] == [{"error": {"message": english, "field": None,
                                                                        "position": None}},
                                                             {"error": {"message": korean, "field": None,
                                                                        "position": None}}]
    assert all(int(answer.headers["Retry-After"]) > 0 for answer in answers[2:])


def test_the_rate_limit_is_shared_by_the_compute_routes_and_spares_static_files():
    client = create_app({"RATE_LIMIT": "2 per minute"}).test_client()
    assert client.get("/api/explain?expr=x").status_code == 200
    assert client.get("/graph.svg?expr=x").status_code == 200
    assert client.get("/graph.png?expr=x").status_code == 429
    assert client.get("/graph.svg?expr=x").status_code == 200  # answered before: not counted
    assert client.get("/static/style.css").status_code == 200


def test_value_only_updates_have_their_own_larger_allowance():
    client = create_app({"RATE_LIMIT": "1 per minute", "NUMBERS_RATE_LIMIT": "3 per minute"}).test_client()
    assert client.get("/graph.svg?expr=x").status_code == 200
    assert [client.get(f"/api/graph?expr=x&x={value}").status_code for value in range(4)] == [200, 200, 200, 429]


def test_the_rate_limit_can_be_set_from_the_environment(monkeypatch):
    monkeypatch.setenv("BACKPROP_RATE_LIMIT", "1 per minute")
    client = create_app().test_client()
    assert [client.get(f"/graph.svg?expr=x&x={value}").status_code for value in range(2)] == [200, 429]


CANONICAL = [
    pytest.param("x=1", "x=1.0", True, id="same-number-differently-written"),
    pytest.param("x=1", "x=1e0", True, id="exponent-form"),
    pytest.param("x=0", "x=-0", False, id="signed-zero-differs"),
    pytest.param("x=1", "x=1&precision=3", False, id="option-differs"),
    pytest.param("x=1", "x=1&unused=7", True, id="unknown-parameter-ignored"),
]


@pytest.mark.parametrize("first, second, shared", CANONICAL)
def test_identical_requests_are_served_from_the_cache(first, second, shared):
    app = create_app()
    client = app.test_client()
    cache = app.extensions["render_cache"]  # behind the answer cache, which keys on the URL as sent
    one = client.get(f"/graph.svg?expr=1/x&{first}")
    two = client.get(f"/graph.svg?expr=1/x&{second}")
    assert (cache.hits, cache.misses) == ((1, 1) if shared else (0, 2))
    assert (one.data == two.data) == shared


def test_the_cache_is_bounded_in_entries_and_bytes():
    cache = RenderCache(max_entries=3, max_bytes=10)
    for key in "abcd":
        cache.get_or_make(key, lambda: b"12")
    assert list(cache.entries) == ["b", "c", "d"]
    cache.get_or_make("big", lambda: b"123456789")
    assert list(cache.entries) == ["big"] and cache.size == 9
    assert cache.get_or_make("huge", lambda: b"x" * 11) == b"x" * 11
    assert "huge" not in cache.entries


def test_running_out_of_memory_is_a_503_not_a_crash(monkeypatch):
    app = create_app()

    def exhausted(*args):
        raise MemoryError

    # A real allocation failure needs a memory limit on the test process; simulate its effect.
    monkeypatch.setattr("graphlib.circuit.evaluate", exhausted)
    answer = app.test_client().get("/api/graph?expr=x")
    assert answer.status_code == 503
    assert answer.json["error"]["message"].startswith("The circuit needed more memory")


@pytest.fixture
def redis_url():
    """A throwaway redis-server on a free loopback port, as a deployment would share one."""
    with RedisServer() as server:
        yield server.url


def test_workers_sharing_redis_share_one_rate_limit(redis_url):
    settings = {"RATE_LIMIT": "3 per minute", "RATELIMIT_STORAGE_URI": redis_url}
    first, second = create_app(settings).test_client(), create_app(settings).test_client()
    answers = [client.get(f"/graph.dot?expr=x&x={value}").status_code
               for value, client in enumerate((first, second, first, second))]
    assert answers == [200, 200, 200, 429]


def test_an_inner_deadline_stops_its_own_work_and_the_outer_one_resumes():
    with pytest.raises(TimeLimitError, match="outer"):
        with deadline(0.3, "outer"):
            with pytest.raises(TimeLimitError, match="inner"):
                with deadline(0.05, "inner"):
                    while True:
                        pass
            while True:  # the outer deadline still fires, with the time it had left
                pass


def test_the_rate_limit_can_be_switched_off():
    import gc

    client = create_app({"RATELIMIT_ENABLED": False, "RATE_LIMIT": "1 per minute"}).test_client()
    gc.collect()  # the limiter must outlive create_app even when it registers no hooks
    assert [client.get("/api/graph?expr=x").status_code for _ in range(3)] == [200, 200, 200]
    assert client.get("/graph.svg?expr=x").status_code == 200


# ---------------------------------------------------------------------------------------------
# The answer cache: a repeated URL is answered once, repeats are not counted by the rate limit,
# and identical requests arriving together are computed once (a class opening one link).

def test_a_repeated_url_is_answered_from_the_cache_and_not_counted():
    app = create_app({"RATE_LIMIT": "4 per minute"})
    client = app.test_client()
    for path in ["/?expr=x*2", "/graph.svg?expr=x*2", "/api/explain?expr=x*2", "/code/staged.py?expr=x*2"]:
        first = client.get(path)
        assert [client.get(path).data for _ in range(5)] == [first.data] * 5, path
    answers = app.extensions["answer_cache"]
    assert (answers.misses, answers.hits) == (4, 20)
    assert client.get("/graph.png?expr=x*2").status_code == 429  # only the 4 first were counted


def test_identical_requests_arriving_together_are_computed_once(monkeypatch):
    import threading

    import app as app_module

    app = create_app({"RATE_LIMIT": "1 per minute"})
    calls = []
    real_draw = app_module.draw

    def slow_draw(circuit, output_format):
        calls.append(output_format)
        time.sleep(0.3)
        return real_draw(circuit, output_format)

    monkeypatch.setattr(app_module, "draw", slow_draw)
    statuses = []

    def open_link():
        statuses.append(app.test_client().get("/graph.svg?expr=x*3&x=2").status_code)

    students = [threading.Thread(target=open_link) for _ in range(10)]
    for student in students:
        student.start()
    for student in students:
        student.join(10)
    assert statuses == [200] * 10 and calls == ["svg"]


def test_requests_that_waited_for_an_answer_never_kept_are_counted_when_they_compute_it():
    """The first of 8 identical requests runs out of time (a 503, not kept): the 7 that waited
    for it each compute the circuit themselves, and are counted for it like any request."""
    path = "/graph.svg?expr=" + quote("+".join(f"sin(x*{n})" for n in range(1, 120)))
    with LiveServer(env={"BACKPROP_RATE_LIMIT": "1 per minute", "BACKPROP_TIME_LIMIT_SECONDS": "0.05"}) as server:
        with concurrent.futures.ThreadPoolExecutor(8) as students:
            statuses = list(students.map(lambda _: server.get(path)[0], range(8)))
    assert sorted(statuses) == [429] * 7 + [503]


def test_answers_that_may_differ_next_time_are_not_kept(monkeypatch):
    from graphlib import symbolic

    app = create_app({"ANSWER_CACHE_ENTRIES": 16})
    client = app.test_client()
    monkeypatch.setattr("graphlib.api.symbolic_gradients",
                        lambda graph, point, evaluation: symbolic.Symbolic(None, symbolic.OUT_OF_TIME))
    for _ in range(2):
        assert client.get("/api/explain?expr=x*4").json["symbolic_note"] == symbolic.OUT_OF_TIME.text
    assert app.extensions["answer_cache"].entries == {}


def test_formulas_not_typeset_in_time_are_typeset_on_the_next_request(monkeypatch):
    from graphlib import symbolic

    def typesetting_out_of_time(graph, point, evaluation):  # worked out and checked, left plain text
        found = symbolic.symbolic_gradients_here(graph, point, evaluation)
        return symbolic.Symbolic({name: dataclasses.replace(gradient, latex=None, lecture=None)
                                  for name, gradient in found.gradients.items()}, found.note)

    app = create_app({"ANSWER_CACHE_ENTRIES": 16})
    client = app.test_client()
    with monkeypatch.context() as patched:
        patched.setattr("graphlib.api.symbolic_gradients", typesetting_out_of_time)
        assert client.get("/api/explain?expr=x*4").json["symbolic"]["x"]["formula_latex"] is None
    assert app.extensions["answer_cache"].entries == {}
    assert client.get("/api/explain?expr=x*4").json["symbolic"]["x"]["formula_latex"] == "4"


def test_refused_requests_are_not_kept():
    app = create_app()
    client = app.test_client()
    assert [client.get("/graph.svg?expr=x*").status_code for _ in range(2)] == [400, 400]
    assert not app.extensions["answer_cache"].entries

"""compose.yaml's topology without Docker: nginx (deploy/nginx.conf) in front of two gunicorn instances sharing one redis-server.

All real processes on loopback, started here and always stopped. They share the drawing (answer)
cache and the rate limit through Redis, and each writes its access log to a file of its own,
which the tests read to see who made an answer and who served it from the cache.
"""

import concurrent.futures
import gzip
import http.client
import json
import time

import pytest
import redis

from app import READINESS_KEPT_SECONDS
from live_server import HOST, LiveServer
from real_servers import NginxServer, RedisServer

RATE_LIMIT = 6  # per minute, per client address, over both instances
CIRCUIT = "/graph.svg?expr=(x%2By)*z&x=-2&y=5&z=-4"


def instance_env(name, redis_url, log_path):
    return {
        "BACKPROP_RATELIMIT_STORAGE_URI": redis_url,
        "BACKPROP_CACHE_URI": f"{redis_url}/1",
        "BACKPROP_RATE_LIMIT": f"{RATE_LIMIT} per minute",
        "BACKPROP_PROXY_HOPS": "1",
        "BACKPROP_ACCESS_LOG": str(log_path),
        "BACKPROP_INSTANCE": name,
        "BACKPROP_COMPUTE_PROCESSES": "1",
    }


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    logs = tmp_path_factory.mktemp("access-logs")
    with RedisServer() as redis_server:
        with LiveServer(env=instance_env("app1", redis_server.url, logs / "app1.jsonl")) as app1, \
                LiveServer(env=instance_env("app2", redis_server.url, logs / "app2.jsonl")) as app2, \
                NginxServer([app1.port, app2.port]) as proxy:
            yield Topology(redis_server, app1, app2, proxy, logs)


class Topology:
    def __init__(self, redis_server, app1, app2, proxy, logs):
        self.redis_server, self.app1, self.app2, self.proxy, self.logs = redis_server, app1, app2, proxy, logs

    def via_proxy(self, path, headers=None, method="GET", body=None):
        connection = http.client.HTTPConnection(HOST, self.proxy.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, {name.lower(): value for name, value in response.getheaders()}, response.read()
        finally:
            connection.close()

    def log(self, instance):
        """The instance's access log, a dict a line (every line must be JSON)."""
        return [json.loads(line) for line in (self.logs / f"{instance}.jsonl").read_text().splitlines()]

    def lines_for(self, path):
        """Both logs' lines for the request `path` (path and query length), oldest first."""
        route, _, query = path.partition("?")
        return [line for name in ("app1", "app2") for line in self.log(name)
                if line["path"] == route and line["query_bytes"] == len(query)]


@pytest.fixture
def clean(topology):
    """Each test starts from an empty cache and uncounted clients."""
    redis.Redis.from_url(topology.redis_server.url).flushall()
    return topology


def test_a_drawing_made_by_one_instance_is_served_from_the_shared_cache_by_the_other(clean):
    status, _, made = clean.app1.get(CIRCUIT)
    assert status == 200 and made.startswith(b"<?xml")
    status, _, served = clean.app2.get(CIRCUIT)
    assert (status, served) == (200, made)
    status, _, proxied = clean.via_proxy(CIRCUIT)
    assert (status, proxied) == (200, made)
    assert [(line["instance"], line["cache"]) for line in clean.lines_for(CIRCUIT)][0] == ("app1", "miss")
    assert [line["cache"] for line in clean.lines_for(CIRCUIT)][1:] == ["hit", "hit"]
    assert ("app2", "hit") in [(line["instance"], line["cache"]) for line in clean.lines_for(CIRCUIT)]


def test_identical_requests_on_both_instances_at_once_are_drawn_once(clean):
    """Nine students at once, three through nginx; the six sent to the instances directly name
    addresses of their own (as a proxy would), so that no one address passes the rate limit
    before the first request's claim exempts the rest."""
    path = "/graph.png?expr=tanh(x*w%2Bb)&x=0.5&w=-1.25&b=2"

    def student(number):
        forwarded = {"X-Forwarded-For": f"192.0.2.{number}"}
        return [lambda: clean.app1.request("GET", path, headers=forwarded),
                lambda: clean.app2.request("GET", path, headers=forwarded),
                lambda: clean.via_proxy(path)][number % 3]

    with concurrent.futures.ThreadPoolExecutor(9) as pool:
        answers = list(pool.map(lambda send: send(), [student(number) for number in range(9)]))
    assert {(status, body) for status, _, body in answers} == {(200, answers[0][2])}
    assert sorted(line["cache"] for line in clean.lines_for(path)) == ["hit"] * 8 + ["miss"]


def test_the_rate_limit_counts_one_client_across_both_instances(clean):
    """Requests alternate between the instances, directly and through nginx; the ones through
    nginx claim other addresses in X-Forwarded-For, which nginx appends to and the app ignores."""
    senders = [
        clean.app1.get,
        lambda path: clean.via_proxy(path, {"X-Forwarded-For": "203.0.113.7"}),
        clean.app2.get,
        lambda path: clean.via_proxy(path, {"X-Forwarded-For": "198.51.100.9, 192.0.2.1"}),
    ]
    statuses = [senders[number % len(senders)](f"/graph.dot?expr=x*{number}")[0] for number in range(RATE_LIMIT + 2)]
    assert statuses == [200] * RATE_LIMIT + [429, 429]
    clients = {line["client"] for name in ("app1", "app2") for line in clean.log(name) if line["path"] == "/graph.dot"}
    assert clients == {HOST}


def test_every_access_log_line_is_one_json_object_without_the_query(clean):
    secret_expression = "tanh(secret_name)"
    clean.via_proxy(f"/api/graph?expr={secret_expression}&secret_name=3")
    lines = clean.log("app1") + clean.log("app2")
    assert lines, "no access log lines"
    for line in lines:
        assert set(line) == {"time", "instance", "client", "method", "path", "query_bytes", "status", "bytes",
                             "ms", "cache"}
        assert line["instance"] in ("app1", "app2")
        assert line["client"] == HOST or line["client"].startswith("192.0.2.")  # the students above
        assert line["time"].endswith("+00:00") and line["ms"] >= 0
        assert line["cache"] in ("hit", "miss", None)
    logged = (clean.logs / "app1.jsonl").read_text() + (clean.logs / "app2.jsonl").read_text()
    assert "secret_name" not in logged
    api_line = next(line for line in lines if line["path"] == "/api/graph")
    assert (api_line["method"], api_line["status"], api_line["cache"]) == ("GET", 200, "miss")
    assert api_line["query_bytes"] == len("expr=tanh(secret_name)&secret_name=3")
    assert api_line["bytes"] > 0


def test_health_is_kept_from_the_public_and_readiness_follows_redis(clean):
    assert [clean.via_proxy(path)[0] for path in ("/healthz", "/readyz", "/readyz?lang=ko", "//healthz")] == [404] * 4
    assert clean.app1.get("/healthz")[0] == 200
    status, _, body = clean.app1.get("/readyz")
    assert status == 200
    assert json.loads(body) == {"status": "ready", "checks": {"graphviz": "ok", "rate_limit_storage": "ok",
                                                              "answer_cache": "ok"}}
    clean.redis_server.stop()
    try:
        time.sleep(READINESS_KEPT_SECONDS)  # what /readyz found is kept that long
        status, _, body = clean.app1.get("/readyz")
        assert status == 503
        answer = json.loads(body)
        assert answer["status"] == "not ready" and answer["checks"]["graphviz"] == "ok"
        assert answer["checks"]["answer_cache"].startswith("ConnectionError")
        assert answer["checks"]["rate_limit_storage"] != "ok"
        # Still answering: the cache acts empty, the rate limit counts in memory.
        assert clean.app2.get("/graph.svg?expr=x*7")[0] == 200
        assert clean.app2.get("/healthz")[0] == 200
    finally:
        clean.redis_server.start()
    time.sleep(READINESS_KEPT_SECONDS)
    assert clean.app1.get("/readyz")[0] == 200


def test_a_body_past_the_apps_limit_is_refused_by_nginx_in_the_apps_shape(clean):
    status, headers, body = clean.via_proxy("/api/graph", {"Content-Type": "application/json"}, "POST",
                                            b'{"expr": "x"}' + b" " * 17000)
    assert (status, headers["content-type"]) == (413, "application/json")
    assert json.loads(body)["error"]["message"] == (
        "The request body is larger than the 16384 bytes allowed. 요청 본문이 허용된 16384바이트보다 큽니다.")
    status, _, body = clean.via_proxy("/api/graph", {"Content-Type": "application/json"}, "POST",
                                      b'{"expr": "x*3"}')
    assert (status, json.loads(body)["value"]) == (200, 3), body


def test_through_nginx_drawings_come_compressed_and_a_repeat_gets_a_bodiless_304(clean):
    status, headers, compressed = clean.via_proxy(CIRCUIT, {"Accept-Encoding": "gzip"})
    assert (status, headers["content-encoding"]) == (200, "gzip")
    assert gzip.decompress(compressed) == clean.app1.get(CIRCUIT)[2]
    status, _, body = clean.via_proxy(CIRCUIT, {"Accept-Encoding": "gzip", "If-None-Match": headers["etag"]})
    assert (status, body) == (304, b"")

"""The answer cache in Redis (graphlib/rediscache.py), against a real redis-server: what RenderCache promises, across instances."""

import threading
import time

import pytest
import redis

from graphlib.rediscache import SOCKET_SECONDS, RedisCache
from live_server import free_port
from real_servers import RedisServer, SilentListener


@pytest.fixture(scope="module")
def redis_server():
    with RedisServer() as server:
        yield server


@pytest.fixture
def client(redis_server):
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    return client


def instance(client, **settings):
    """A cache as one app instance holds it: its own connection to the shared Redis."""
    return RedisCache(redis.Redis(connection_pool=client.connection_pool), **settings)


def test_a_value_kept_by_one_instance_is_found_by_another(client):
    first, second = instance(client), instance(client)
    assert first.get_or_make(("/graph.svg", b"expr=x"), lambda: b"<svg/>") == b"<svg/>"
    assert second.get_or_make(("/graph.svg", b"expr=x"), lambda: pytest.fail("made twice")) == b"<svg/>"
    assert (first.misses, first.hits, second.misses, second.hits) == (1, 0, 0, 1)
    assert second.has(("/graph.svg", b"expr=x")) and not second.has(("/graph.svg", b"expr=y"))


def test_a_claim_on_one_instance_makes_the_other_wait_for_its_value(client):
    maker, waiter = instance(client), instance(client)
    value, token = maker.claim("key", wait_seconds=5)
    assert value is None and token is not None
    assert waiter.has("key")  # being made, on another instance
    threading.Timer(0.2, maker.settle, (token, b"made once")).start()
    started = time.monotonic()
    assert waiter.claim("key", wait_seconds=5) == (b"made once", None)
    assert 0.15 < time.monotonic() - started < 2


def test_a_claim_given_up_frees_the_waiters_at_once(client):
    maker, waiter = instance(client), instance(client)
    _, token = maker.claim("key", wait_seconds=5)
    threading.Timer(0.1, maker.settle, (token, None)).start()  # the request failed: nothing kept
    started = time.monotonic()
    assert waiter.claim("key", wait_seconds=5) == (None, None)  # make it unshared
    assert time.monotonic() - started < 2
    assert not waiter.has("key")


def test_values_expire_after_their_time_to_live_and_leave_the_budget(client):
    cache = instance(client, ttl_seconds=0.2)
    cache.get_or_make("old", lambda: b"x" * 100)
    time.sleep(0.3)
    cache.get_or_make("new", lambda: b"y" * 10)
    assert not cache.has("old")
    assert int(client.get("backprop:answers:bytes")) == 10
    assert client.zcard("backprop:answers:index") == client.hlen("backprop:answers:sizes") == 1


def test_the_oldest_values_go_when_the_byte_budget_is_passed(client):
    cache = instance(client, max_bytes=250)
    for name in ("first", "second", "third"):
        cache.get_or_make(name, lambda: b"z" * 100)
    assert [cache.has(name) for name in ("first", "second", "third")] == [False, True, True]
    assert int(client.get("backprop:answers:bytes")) == 200
    cache.get_or_make("too big", lambda: b"z" * 251)  # made, never kept
    assert not cache.has("too big") and int(client.get("backprop:answers:bytes")) == 200


def test_keys_are_hashed_so_no_request_text_reaches_redis(client):
    cache = instance(client)
    cache.get_or_make(("/graph.svg", b"expr=secret_name*2", "ko"), lambda: b"<svg/>")
    names = [name.decode() for name in client.keys("*")]
    assert all("secret" not in name for name in names)
    value_keys = [name for name in names if name.startswith("backprop:answers:value:")]
    assert len(value_keys) == 1 and len(value_keys[0].rsplit(":", 1)[1]) == 64


def test_values_are_encoded_and_decoded_by_the_callers_functions(client):
    cache = instance(client, encode=str.encode, decode=bytes.decode)
    cache.get_or_make("text", lambda: "가나다")
    assert instance(client, encode=str.encode, decode=bytes.decode).claim("text", 1) == ("가나다", None)


def test_without_redis_the_cache_acts_empty_and_never_fails_a_request():
    cache = RedisCache.from_url(f"redis://127.0.0.1:{free_port()}")
    assert not cache.has("key")
    assert cache.claim("key", wait_seconds=1) == (None, None)
    assert cache.get_or_make("key", lambda: b"made") == b"made"
    cache.settle(("digest", "token"), b"value")
    with pytest.raises(redis.ConnectionError):
        cache.ping()


def test_a_claim_whose_instance_died_expires_by_itself(client):
    dead, alive = instance(client), instance(client)
    _, token = dead.claim("key", wait_seconds=0.1)  # never settled: the instance died making it
    assert token is not None and alive.has("key")
    time.sleep(1.2)  # the claim lasts its wait and a second
    assert not alive.has("key")
    value, token = alive.claim("key", wait_seconds=0.1)
    assert value is None and token is not None


def test_a_redis_that_never_answers_costs_one_short_timeout_then_is_left_alone(caplog):
    with SilentListener() as silent_redis:
        cache = RedisCache.from_url(silent_redis.url)
        started = time.monotonic()
        for number in range(20):  # what 20 requests ask: is it kept, claim it, keep it, let go
            key = ("/graph.svg", f"expr=x*{number}".encode())
            cache.has(key)
            assert cache.claim(key, wait_seconds=15) == (None, None)
            assert cache.get_or_make(key, lambda: b"made") == b"made"
        assert time.monotonic() - started < 2 * SOCKET_SECONDS + 0.5
    assert [record.getMessage().split(";")[0] for record in caplog.records] == [
        "Redis cache unavailable, answers made unshared"]


def test_redis_is_asked_again_after_the_pause_and_its_return_is_logged(caplog):
    with RedisServer() as server:
        cache = RedisCache.from_url(server.url, pause_seconds=0.3)
        server.stop()
        assert cache.get_or_make("key", lambda: b"made while down") == b"made while down"
        server.start()
        assert cache.get_or_make("key", lambda: b"made while paused") == b"made while paused"
        assert redis.Redis.from_url(server.url).dbsize() == 0  # not asked while paused
        time.sleep(0.3)
        assert cache.get_or_make("key", lambda: b"kept") == b"kept"
        assert RedisCache.from_url(server.url).claim("key", wait_seconds=1) == (b"kept", None)
    assert [record.getMessage().split(";")[0] for record in caplog.records] == [
        "Redis cache unavailable, answers made unshared", "Redis cache available again"]

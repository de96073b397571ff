"""Answers kept in Redis, shared by every app instance (cache.py's interface): hashed keys, a time to live, a byte budget."""

import hashlib
import logging
import time
import uuid

import redis

TTL_SECONDS = 3600
MAX_BYTES = 128 * 1024 * 1024
FIRST_POLL_SECONDS = 0.005  # a drawing takes milliseconds: look again soon, then less often
LAST_POLL_SECONDS = 0.1
# A Redis that does not answer in this long is taken as down: it answers in well under a
# millisecond, and a request asks it up to five times (has, claim, keep, release).
SOCKET_SECONDS = 0.2
# After a failure, Redis is left alone this long: a Redis that accepts connections and never
# answers would otherwise cost every request a timeout per question.
PAUSE_SECONDS = 5.0
UNANSWERED = object()  # what a question to Redis gives back while Redis is down or paused

log = logging.getLogger(__name__)

# Keeps one value and its place in the budget, all at once (a script runs alone in Redis):
# forgets the entries past their time to live (their values have expired already), records the
# new one, then drops the oldest until the values fit in the budget. The index counts microseconds:
# in milliseconds, values kept in the same one tie, and Redis orders ties by name, not by age. Sizes are kept in a hash,
# so the total stays exact whatever expires. KEYS: the value, the index (sorted by the time kept),
# the sizes, the total. ARGV: the digest, the value, the time to live (ms), the budget, the prefix
# of the values' keys.
KEEP_SCRIPT = """
local now = redis.call('TIME')
local now_us = tonumber(now[1]) * 1000000 + tonumber(now[2])
local function forget(digest)
    local size = redis.call('HGET', KEYS[3], digest)
    if size then
        redis.call('DECRBY', KEYS[4], size)
        redis.call('HDEL', KEYS[3], digest)
    end
    redis.call('ZREM', KEYS[2], digest)
    redis.call('DEL', ARGV[5] .. digest)
end
if redis.call('EXISTS', KEYS[1]) == 1 then
    return 0
end
for _, digest in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now_us - 1000 * tonumber(ARGV[3]))) do
    forget(digest)
end
forget(ARGV[1])
local size = string.len(ARGV[2])
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[2], now_us, ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], size)
local total = redis.call('INCRBY', KEYS[4], size)
while total > tonumber(ARGV[4]) do
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
    if not oldest then
        break
    end
    forget(oldest)
    total = tonumber(redis.call('GET', KEYS[4]))
end
return 1
"""

# Lets go of a claim only if it is still this request's (it may have expired and been taken).
RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisCache:
    """Values by key in a Redis shared by every instance of the app, `ttl_seconds` each and
    `max_bytes` in all (oldest out first). `encode` turns a value into bytes, `decode` back.

    Redis failing never fails a request: the cache then answers as an empty one (each request
    makes its own answer), asks Redis nothing for `pause_seconds`, and says so in the log once
    (and again when Redis is back)."""

    def __init__(self, client, namespace="backprop:answers", ttl_seconds=TTL_SECONDS, max_bytes=MAX_BYTES,
                 encode=bytes, decode=bytes, pause_seconds=PAUSE_SECONDS):
        self.client = client
        self.namespace = namespace
        self.ttl_ms = int(ttl_seconds * 1000)
        self.max_bytes = max_bytes
        self.encode = encode
        self.decode = decode
        self.hits = 0
        self.misses = 0
        self.pause_seconds = pause_seconds
        self._paused_until = 0.0
        self._down = False
        self._keep_script = client.register_script(KEEP_SCRIPT)
        self._release_script = client.register_script(RELEASE_SCRIPT)

    @classmethod
    def from_url(cls, url, **settings):
        client = redis.Redis.from_url(url, socket_timeout=SOCKET_SECONDS, socket_connect_timeout=SOCKET_SECONDS)
        return cls(client, **settings)

    def ping(self):
        """Whether Redis answers (raises RedisError with the reason when it does not)."""
        return self.client.ping()

    def get_or_make(self, key, make):
        """The value cached under `key`, else `make()`'s, kept when it fits; errors are not kept."""
        digest = self._digest(key)
        found = self._get(digest)
        if found is not None:
            return self._hit(found)
        self.misses += 1
        made = make()
        self._keep(digest, made)
        return made

    def has(self, key):
        """Whether `key` is kept, or being made by a request on any instance."""
        digest = self._digest(key)
        found = self._ask(lambda: self.client.exists(self._value_key(digest), self._claim_key(digest)))
        return found is not UNANSWERED and found > 0

    def claim(self, key, wait_seconds):
        """(value, None) where `key` is kept, or comes while waiting up to `wait_seconds` for the
        request making it (on this instance or another); else (None, token): the caller makes it
        and hands the token to `settle` whatever happens. The claim expires by itself after
        `wait_seconds` (and a second), so an instance that dies while making holds no one up."""
        digest = self._digest(key)
        found = self._get(digest)
        if found is not None:
            return self._hit(found), None
        token = uuid.uuid4().hex
        claimed = self._ask(lambda: self.client.set(self._claim_key(digest), token, nx=True,
                                                    px=int(wait_seconds * 1000) + 1000))
        if claimed is UNANSWERED:
            self.misses += 1
            return None, None
        if claimed:
            found = self._get(digest)  # kept between the look and the claim
            if found is not None:
                self._release(digest, token)
                return self._hit(found), None
            self.misses += 1
            return None, (digest, token)
        found = self._wait_for(digest, wait_seconds)
        if found is not None:
            return self._hit(found), None
        self.misses += 1
        return None, None  # the first request failed, or could not be kept: make it unshared

    def settle(self, token, value=None):
        """Keep `value` (None: nothing to keep) under the claimed key and let go of the claim."""
        digest, claim_token = token
        if value is not None:
            self._keep(digest, value)
        self._release(digest, claim_token)

    def _wait_for(self, digest, wait_seconds):
        """The value once kept, or None when the claim goes (given up, failed) or time is up."""
        give_up_at = time.monotonic() + wait_seconds
        pause = FIRST_POLL_SECONDS
        while time.monotonic() < give_up_at:
            time.sleep(pause)
            pause = min(pause * 2, LAST_POLL_SECONDS)
            answer = self._ask(lambda: self.client.pipeline().get(self._value_key(digest)).exists(
                self._claim_key(digest)).execute())
            if answer is UNANSWERED:
                return None
            found, claimed = answer
            if found is not None:
                return found
            if not claimed:
                return self._get(digest)
        return self._get(digest)

    def _hit(self, found):
        self.hits += 1
        return self.decode(found)

    def _get(self, digest):
        found = self._ask(lambda: self.client.get(self._value_key(digest)))
        return None if found is UNANSWERED else found

    def _keep(self, digest, value):
        data = self.encode(value)
        if len(data) > self.max_bytes:
            return
        self._ask(lambda: self._keep_script(
            keys=[self._value_key(digest), f"{self.namespace}:index", f"{self.namespace}:sizes",
                  f"{self.namespace}:bytes"],
            args=[digest, data, self.ttl_ms, self.max_bytes, f"{self.namespace}:value:"]))

    def _release(self, digest, claim_token):
        self._ask(lambda: self._release_script(keys=[self._claim_key(digest)], args=[claim_token]))

    def _ask(self, question):
        """`question()`'s answer from Redis, or UNANSWERED when Redis fails, or failed less than
        `pause_seconds` ago (then it is not asked at all)."""
        if time.monotonic() < self._paused_until:
            return UNANSWERED
        try:
            answer = question()
        except redis.RedisError as error:
            self._paused_until = time.monotonic() + self.pause_seconds
            if not self._down:
                self._down = True
                log.warning("Redis cache unavailable, answers made unshared; asking again every %s s: %s",
                            format(self.pause_seconds, "g"), error)
            return UNANSWERED
        if self._down:
            self._down = False
            log.warning("Redis cache available again")
        return answer

    def _value_key(self, digest):
        return f"{self.namespace}:value:{digest}"

    def _claim_key(self, digest):
        return f"{self.namespace}:claim:{digest}"

    @staticmethod
    def _digest(key):
        """A fixed-length name for any key made of strings, bytes, numbers, tuples and frozen
        dataclasses, whose repr is their content."""
        return hashlib.sha256(repr(key).encode()).hexdigest()

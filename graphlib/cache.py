"""Answers kept by their request, bounded in entries and in bytes (LRU); one request makes each."""

import threading
from collections import OrderedDict


class RenderCache:
    """Values by key, least recently used out first. `size(value)` is what a value counts
    against `max_bytes` (its length, for bytes)."""

    def __init__(self, max_entries=512, max_bytes=64 * 1024 * 1024, size=len):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.measure = size
        self.entries = OrderedDict()
        self.in_flight = {}  # key -> threading.Event, set when the request making it is done
        self.size = 0
        self.hits = 0
        self.misses = 0
        self.lock = threading.Lock()

    def get_or_make(self, key, make):
        """The bytes cached under `key`, else `make()`'s, kept when they fit; errors are not kept."""
        with self.lock:
            if key in self.entries:
                return self._hit(key)
            self.misses += 1
        made = make()
        self._keep(key, made)
        return made

    def claim(self, key, wait_seconds):
        """(value, None) where `key` is kept, or comes while waiting up to `wait_seconds` for
        the request making it; else (None, token): the caller makes it, and hands the token to
        `settle` whatever happens, so that identical requests arriving meanwhile are made once."""
        with self.lock:
            if key in self.entries:
                return self._hit(key), None
            making = self.in_flight.get(key)
            if making is None:
                self.misses += 1
                self.in_flight[key] = threading.Event()
                return None, key
        making.wait(wait_seconds)
        with self.lock:
            if key in self.entries:
                return self._hit(key), None
            self.misses += 1
        return None, None  # the first request failed, or could not be kept: make it unshared

    def settle(self, token, value=None):
        """Keep `value` (None: nothing to keep) under the claimed key and wake those waiting."""
        if value is not None:
            self._keep(token, value)
        with self.lock:
            making = self.in_flight.pop(token, None)
        if making is not None:
            making.set()

    def _hit(self, key):
        self.entries.move_to_end(key)
        self.hits += 1
        return self.entries[key]

    def _keep(self, key, value):
        size = self.measure(value)
        with self.lock:
            if key not in self.entries and size <= self.max_bytes:
                self.entries[key] = value
                self.size += size
                self._evict()

    def _evict(self):
        while len(self.entries) > self.max_entries or self.size > self.max_bytes:
            _, dropped = self.entries.popitem(last=False)
            self.size -= self.measure(dropped)

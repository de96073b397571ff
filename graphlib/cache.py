"""Rendered outputs kept by their canonical request, bounded in entries and in bytes (LRU)."""

import threading
from collections import OrderedDict


class RenderCache:
    def __init__(self, max_entries=512, max_bytes=64 * 1024 * 1024):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.entries = OrderedDict()
        self.size = 0
        self.hits = 0
        self.misses = 0
        self.lock = threading.Lock()

    def get_or_make(self, key, make):
        """The bytes cached under `key`, else `make()`'s, kept when they fit; errors are not kept."""
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                self.hits += 1
                return self.entries[key]
            self.misses += 1
        made = make()
        with self.lock:
            if key not in self.entries and len(made) <= self.max_bytes:
                self.entries[key] = made
                self.size += len(made)
                self._evict()
        return made

    def _evict(self):
        while len(self.entries) > self.max_entries or self.size > self.max_bytes:
            _, dropped = self.entries.popitem(last=False)
            self.size -= len(dropped)

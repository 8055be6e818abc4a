"""A small, thread-safe, bounded per-process store: the least recently stored entry goes first.

For copies a web process keeps of shared data (cached pages, what it learned about routes, a
survey's structure), which must never grow without bound under gunicorn's threads.
"""

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any


class LocalLRU:
    def __init__(self, max_entries: int):
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            return self._entries.get(key, default)

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

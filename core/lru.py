"""A bounded map that forgets the least recently used entry first, for the in-process caches."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def get_each(self, keys: Iterable[K]) -> list[V | None]:
        """`get` of each key, in one call."""
        entries, found = self._entries, []
        move = entries.move_to_end
        for key in keys:
            value = entries.get(key)
            if value is not None:
                move(key)
            found.append(value)
        return found

    def put(self, key: K, value: V) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

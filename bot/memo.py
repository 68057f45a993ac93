"""A small least-recently-used memo for pure computations on the hot path.

``/due`` computes a unit's month from the loaded plans and renders it; both are
pure functions of their inputs, and officers of one unit ask the same thing on the
same day, so their results are kept (docs/benchmarks.md, "Issue 9: inbound"). A
key names the objects it was computed from by identity (``Same``): a reloaded plan
snapshot or directory is a new object, so what was computed from the old one is
never found again, and falls out of the memo in time.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Same:
    """An object as part of a key, compared by identity (and held, so its id is not
    reused while the key lives)."""

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.obj is self.obj


class Memo(Generic[V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()

    def get(self, key: Hashable) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: Hashable, value: V) -> V:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)

"""One prepared call into the Rust core and how to read its answer: the async face awaits
it, the blocking face waits for it, and the operation itself is written once."""

from __future__ import annotations

from typing import Any, Callable, Generic, TypeVar

from app.temporal import _core

T = TypeVar("T")


class Call(Generic[T]):
    __slots__ = ("_pending", "_read")

    def __init__(self, pending: _core.Pending, read: Callable[[Any], T]) -> None:
        self._pending = pending
        self._read = read

    async def answer(self) -> T:
        """Awaits the call (asyncio is never blocked)."""
        return self._read(await self._pending)

    def wait(self) -> T:
        """Blocks this thread until the call ends, without holding the GIL."""
        return self._read(self._pending.wait())


def nothing(_: object) -> None:
    return None

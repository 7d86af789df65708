"""Taking turns: at most ``slots`` analyses run at once in one process; the others wait in line, first come
first served, each knowing how many are ahead of it, and any can leave the line.

The app keeps one ``Turns`` for the whole server: every browser session's analysis takes a
``Ticket`` and waits for its turn, so a crowd of uploads cannot start a crowd of pose models.

Pure: the standard library only.
"""

from __future__ import annotations

import itertools
import threading
from types import TracebackType


class Turns:
    """A first-come-first-served line in front of ``slots`` places."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError(f"Turns needs at least one slot, got {slots!r}")
        self.slots = slots
        self._lock = threading.Condition()
        self._running: set[int] = set()
        self._waiting: list[int] = []  # ticket numbers in arrival order
        self._numbers = itertools.count(1)

    def ticket(self) -> Ticket:
        """Join the end of the line."""
        with self._lock:
            number = next(self._numbers)
            self._waiting.append(number)
            return Ticket(self, number)

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._running)

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)

    # -- used by Ticket, under the lock

    def _ahead(self, number: int) -> int:
        if number in self._running:
            return 0
        if number not in self._waiting:
            return 0
        return len(self._running) + self._waiting.index(number)

    def _try_start(self, number: int) -> bool:
        if number in self._running:
            return True
        if self._waiting and self._waiting[0] == number and len(self._running) < self.slots:
            self._waiting.pop(0)
            self._running.add(number)
            self._lock.notify_all()  # the next in line may have a slot too
            return True
        return False

    def _leave(self, number: int) -> None:
        if number in self._waiting:
            self._waiting.remove(number)
        self._running.discard(number)
        self._lock.notify_all()


class Ticket:
    """One place in the line: ``wait`` for the turn, ``ahead`` to see how far it is, ``leave`` when done or giving up.

    A context manager: leaving the block (finished, failed or cancelled) leaves the line.
    """

    def __init__(self, turns: Turns, number: int) -> None:
        self._turns = turns
        self.number = number
        self._left = False

    @property
    def ahead(self) -> int:
        """How many analyses run or wait before this one (0 once it runs)."""
        with self._turns._lock:
            return self._turns._ahead(self.number)

    @property
    def started(self) -> bool:
        with self._turns._lock:
            return self.number in self._turns._running

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait up to ``timeout_s`` for this ticket's turn; True once it has begun."""
        if self._left:
            raise RuntimeError("this ticket has left the line")
        with self._turns._lock:
            return self._turns._lock.wait_for(lambda: self._turns._try_start(self.number), timeout=timeout_s)

    def leave(self) -> None:
        """Give up the place or the slot (idempotent)."""
        with self._turns._lock:
            self._turns._leave(self.number)
        self._left = True

    def __enter__(self) -> Ticket:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.leave()

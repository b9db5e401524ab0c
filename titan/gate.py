"""Fair admission to the running slots: a room's worth of requests at once, no one person hogging them.

Bedrock calls wait on the network, not the CPU, so many run at once (`slots`, 16 by
default). One person holds at most `per_person` of them (a quarter, at least one), so a
colleague whose calls hang cannot stall the room. When a slot frees, the waiting request of
the person with the fewest running goes next (then the one waiting longest): the queue is
fair across people, not first come first served.

    ticket = gate.enter("user:alice")
    while not ticket.wait(1.0):           # True once admitted
        show(f"{ticket.ahead()} ahead of you")
    try:
        ...                               # the request runs here
    finally:
        ticket.leave()                    # frees the slot (or gives up the place in the queue)

Thread-safe; waiting happens in `Ticket.wait`, which a UI can call in small steps to show
the wait and stop when the person cancels.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from dataclasses import dataclass, field

DEFAULT_SLOTS = 16


@dataclass(eq=False)
class Ticket:
    """One request's place: waiting, then admitted (holding a slot), then left."""

    gate: Gate
    person: str
    number: int
    admitted: bool = False
    left: bool = False
    _event: threading.Event = field(default_factory=threading.Event, repr=False)

    def wait(self, timeout: float | None = None) -> bool:
        """Block up to `timeout` seconds for a slot; True once admitted."""
        return self._event.wait(timeout)

    def ahead(self) -> int:
        """How many waiting requests go before this one (0 once admitted)."""
        return self.gate.ahead(self)

    def leave(self) -> None:
        """Free the slot, or give up the place in the queue; calling it again does nothing."""
        self.gate.leave(self)


class Gate:
    """`slots` requests run at once, at most `per_person` of them one person's; see the module docstring."""

    def __init__(self, slots: int = DEFAULT_SLOTS, per_person: int | None = None) -> None:
        if slots < 1:
            raise ValueError("slots must be 1 or more")
        self.slots = slots
        self.per_person = per_person or max(1, slots // 4)
        self._lock = threading.Lock()
        self._running: Counter[str] = Counter()
        self._waiting: list[Ticket] = []
        self._numbers = itertools.count()

    def enter(self, person: str) -> Ticket:
        """Join the queue (admitted at once when a slot is free for this person)."""
        with self._lock:
            ticket = Ticket(self, person, next(self._numbers))
            self._waiting.append(ticket)
            self._admit()
            return ticket

    def leave(self, ticket: Ticket) -> None:
        with self._lock:
            if ticket.left:
                return
            ticket.left = True
            if ticket.admitted:
                self._running[ticket.person] -= 1
                if self._running[ticket.person] <= 0:
                    del self._running[ticket.person]
            else:
                self._waiting.remove(ticket)
            self._admit()

    def ahead(self, ticket: Ticket) -> int:
        with self._lock:
            if ticket.admitted or ticket.left:
                return 0
            order = sorted(self._waiting, key=self._priority)
            return order.index(ticket)

    @property
    def running(self) -> int:
        with self._lock:
            return sum(self._running.values())

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)

    def _priority(self, ticket: Ticket) -> tuple[int, int]:
        return self._running[ticket.person], ticket.number

    def _admit(self) -> None:
        """Fill free slots: fewest running first, then longest waiting; never past one person's share."""
        while sum(self._running.values()) < self.slots:
            eligible = [ticket for ticket in self._waiting if self._running[ticket.person] < self.per_person]
            if not eligible:
                return
            chosen = min(eligible, key=self._priority)
            self._waiting.remove(chosen)
            chosen.admitted = True
            self._running[chosen.person] += 1
            chosen._event.set()

"""A person's request from the page or the API: wait fairly for a slot, then run it, without blocking.

Waiting happens in small steps, so the page shows the queue ("2 ahead of you") and Stop
works while waiting; once the request runs it finishes in its own thread even if the person
stops watching, so its images are kept in History and its slot is freed.
"""

from __future__ import annotations

from typing import Any

import anyio

from titan import Delivered, Person, Playground, Request

#: How often a waiting request updates "N ahead of you".
WAIT_STEP = 1.0


async def run_fairly(
    playground: Playground,
    request: Request,
    *,
    model: str,
    person: Person,
    progress: Any = None,
    extra: dict[str, Any] | None = None,
) -> Delivered:
    """Wait for a slot (fair across people), then run `request`; raises what `Playground.run` raises."""
    ticket = playground.gate.enter(person.spender)
    started = False
    try:
        while not await anyio.to_thread.run_sync(ticket.wait, WAIT_STEP, abandon_on_cancel=True):
            if progress is not None:
                ahead = ticket.ahead()
                progress(0, desc=f"Waiting for a free slot: {ahead} request{'s' * (ahead != 1)} ahead of yours")
        if progress is not None:
            progress(0.05, desc="Waiting for Amazon Bedrock…" if playground.billed else "Working…")

        def work() -> Delivered:
            try:
                return playground.run(request, model=model, person=person, extra=extra)
            finally:
                ticket.leave()

        started = True
        return await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
    finally:
        if not started:
            ticket.leave()

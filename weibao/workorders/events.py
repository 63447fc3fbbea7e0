"""After-commit hook for timeline events: other apps (notifications) subscribe without workorders importing them.

    from weibao.workorders.events import subscribe
    subscribe(lambda event_id: deliver_event.enqueue(event_id=event_id))

Subscribers are called once per appended WorkOrderEvent, only after the transaction that wrote it commits, with
the event's id; they must be quick (enqueue a task) and must not raise — a failing subscriber is logged and the
others still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import transaction

logger = logging.getLogger(__name__)

Subscriber = Callable[[int], object]
_subscribers: list[Subscriber] = []


def subscribe(fn: Subscriber) -> Subscriber:
    """Register `fn(event_id)`; usable as a decorator. Registering the same function twice is a no-op."""
    if fn not in _subscribers:
        _subscribers.append(fn)
    return fn


def unsubscribe(fn: Subscriber) -> None:
    if fn in _subscribers:
        _subscribers.remove(fn)


def _deliver(event_ids: list[int]) -> None:
    for event_id in event_ids:
        for fn in list(_subscribers):
            try:
                fn(event_id)
            except Exception:
                logger.exception("work-order event subscriber %r failed for event %s", fn, event_id)


def publish(event_ids: Iterable[int]) -> None:
    """Call the subscribers with these event ids once the current transaction commits (at once outside one)."""
    ids = [int(i) for i in event_ids]
    if ids and _subscribers:
        transaction.on_commit(lambda: _deliver(ids))

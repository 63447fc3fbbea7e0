"""After-commit hook for timeline events: other apps (notifications) subscribe without workorders importing them.

    from weibao.workorders.events import subscribe
    subscribe(lambda event_id: deliver_event.enqueue(event_id=event_id))

Subscribers are called once per appended WorkOrderEvent, only after the transaction that wrote it commits, with
the event's id; they must be quick (enqueue a task) and must not raise — a failing subscriber is logged and the
others still run.

A subscriber whose work is itself a row in the same database (a task queued with the database task backend) may
ask to run inside the writing transaction instead (`subscribe(fn, in_transaction=True)`): its row then commits or
rolls back with the event (a transactional outbox: nothing is lost between commit and enqueue, and intake saves a
second commit). Such a subscriber's exception is not swallowed: the change it belongs to fails with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from django.db import transaction

logger = logging.getLogger(__name__)

Subscriber = Callable[[int], object]
_subscribers: list[Subscriber] = []
_in_transaction: list[Subscriber] = []
_takes_lists: set[Subscriber] = set()


def subscribe(fn: Subscriber | None = None, *, in_transaction: bool = False, many: bool = False):
    """Register `fn(event_id)`; usable as a decorator (also as `@subscribe(in_transaction=True)`). With
    `many=True` the function is called once per published batch with the list of ids (`fn([id, …])`): a batch
    intake then queues one task instead of one per order. Registering the same function again replaces its mode."""
    if fn is None:
        return lambda f: subscribe(f, in_transaction=in_transaction, many=many)
    unsubscribe(fn)
    (_in_transaction if in_transaction else _subscribers).append(fn)
    if many:
        _takes_lists.add(fn)
    return fn


def unsubscribe(fn: Subscriber) -> None:
    for registry in (_subscribers, _in_transaction):
        if fn in registry:
            registry.remove(fn)
    _takes_lists.discard(fn)


def _call(fn: Subscriber, event_ids: list[int]) -> None:
    if fn in _takes_lists:
        fn(event_ids)
    else:
        for event_id in event_ids:
            fn(event_id)


def _deliver(event_ids: list[int]) -> None:
    for fn in list(_subscribers):
        try:
            _call(fn, event_ids)
        except Exception:
            logger.exception("work-order event subscriber %r failed for events %s", fn, event_ids)


def publish(event_ids: Iterable[int]) -> None:
    """Call the subscribers with these event ids once the current transaction commits (at once outside one); the
    in-transaction subscribers right now."""
    ids = [int(i) for i in event_ids]
    if not ids:
        return
    for fn in list(_in_transaction):
        _call(fn, ids)
    if _subscribers:
        transaction.on_commit(lambda: _deliver(ids))

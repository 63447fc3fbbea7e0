"""Preconditions other apps put on work-order moves (a pending quote blocks resolving, SPEC §4.4).

Work orders sit below the apps that add such rules (imports point one way), so those apps register a guard from
their `AppConfig.ready()`. The transition service asks every guard before a move; the first that answers with a
message refuses the move (TransitionNotAllowed, HTTP 409, the message shown to the user).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from weibao.core.exceptions import TransitionNotAllowed

if TYPE_CHECKING:
    from weibao.workorders.models import WorkOrder

# guard(workorder, to=<target status>) -> None when the move may go ahead, else the reason it may not.
Guard = Callable[..., str | None]

_GUARDS: list[Guard] = []


def register(guard: Guard) -> Guard:
    """Add a guard (idempotent: registering the same function twice keeps one)."""
    if guard not in _GUARDS:
        _GUARDS.append(guard)
    return guard


def refusal(workorder: WorkOrder, *, to: str) -> str | None:
    """The first guard's reason against moving `workorder` (the locked row) to `to`, or None."""
    for guard in _GUARDS:
        message = guard(workorder, to=to)
        if message:
            return str(message)
    return None


def check(workorder: WorkOrder, *, to: str, requested: str) -> None:
    """Raise TransitionNotAllowed with the guard's reason when a guard refuses the move."""
    message = refusal(workorder, to=to)
    if message:
        from weibao.workorders.choices import Status

        raise TransitionNotAllowed(current=str(Status(workorder.status).label), requested=requested, message=message)

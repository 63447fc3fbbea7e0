"""Signed one-click answer links (generic; no app named here).

An app sends a person a link that answers one question about one row without a login — "已解决，可以结单" on a
resolution notice, "approve this quote" — and handles the answer in its own service:

    link = action_link_create(purpose="workorders.observation", target=workorder, recipient="a@b.cn",
                              channel="email", choices=["fixed", "not_fixed"])
    url = reverse("workorders:answer", args=[action_link_token(link, "fixed")])
    ...
    result = action_link_use(token, purpose="workorders.observation", handler=lambda link, choice: ...)

Rules: the token is signed (SECRET_KEY, salted by purpose) over the link id, the target id, a digest of the
recipient and the chosen answer, so a link cannot be turned into one for another order or another recipient; it
expires after WEIBAO_ANSWER_LINK_DAYS (or `days`); it is used once — the row is locked (select_for_update) and
`used_at` recorded in the same transaction as the handler's change, so two clicks at once answer once. All the
answers offered to one recipient share one row: answering one spends the others.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import models, transaction
from django.utils import timezone

from weibao.core.models import ActionLink


class LinkError(Exception):
    """Base of the reasons a link does not work; `link` is set when the link itself was genuine."""

    code = "invalid"

    def __init__(self, link: ActionLink | None = None) -> None:
        super().__init__(self.code)
        self.link = link


class LinkInvalid(LinkError):
    code = "invalid"


class LinkExpired(LinkError):
    code = "expired"


class LinkUsed(LinkError):
    code = "used"


def _salt(purpose: str) -> str:
    return f"weibao.action_link:{purpose}"


def _digest(recipient: str) -> str:
    return hashlib.sha256(recipient.strip().lower().encode()).hexdigest()[:16]


def target_label(target: models.Model) -> str:
    return target._meta.label_lower


def action_link_create(
    *,
    purpose: str,
    target: models.Model,
    recipient: str,
    channel: str,
    choices: list[str],
    days: int | None = None,
    now: datetime.datetime | None = None,
) -> ActionLink:
    """A new link row for one recipient; tokens for each answer come from `action_link_token`."""
    now = now or timezone.now()
    days = settings.WEIBAO_ANSWER_LINK_DAYS if days is None else days
    return ActionLink.objects.create(
        purpose=purpose,
        target_type=target_label(target),
        target_id=target.pk,
        recipient=recipient[:254],
        channel=channel,
        choices=list(choices),
        expires_at=now + datetime.timedelta(days=days),
    )


def action_link_token(link: ActionLink, choice: str) -> str:
    if choice not in link.choices:
        raise ValueError(choice)
    payload = {"k": link.pk, "t": link.target_id, "r": _digest(link.recipient), "c": choice}
    return signing.dumps(payload, salt=_salt(link.purpose), compress=True)


def _check(token: str, purpose: str, link: ActionLink | None = None) -> tuple[ActionLink, str]:
    try:
        payload = signing.loads(token, salt=_salt(purpose))
    except signing.BadSignature as exc:
        raise LinkInvalid from exc
    if not isinstance(payload, dict) or not {"k", "t", "r", "c"} <= set(payload):
        raise LinkInvalid
    if link is None:
        link = ActionLink.objects.filter(pk=payload["k"], purpose=purpose).first()
    if (
        link is None
        or link.target_id != payload["t"]
        or _digest(link.recipient) != payload["r"]
        or payload["c"] not in link.choices
    ):
        raise LinkInvalid(None)
    return link, payload["c"]


def action_link_check(token: str, *, purpose: str, now: datetime.datetime | None = None) -> tuple[ActionLink, str]:
    """The link and the answer a token stands for; raises LinkInvalid, LinkUsed or LinkExpired (in that order)."""
    link, choice = _check(token, purpose)
    if link.used_at is not None:
        raise LinkUsed(link)
    if link.expires_at <= (now or timezone.now()):
        raise LinkExpired(link)
    return link, choice


def action_link_use[T](
    token: str,
    *,
    purpose: str,
    handler: Callable[[ActionLink, str], T],
    channel: str = "",
    now: datetime.datetime | None = None,
) -> T:
    """Spend the link and run `handler(link, choice)` in one transaction; a second use raises LinkUsed.
    `channel` is where the answer came through (defaults to the channel the link was sent by)."""
    link, _choice = action_link_check(token, purpose=purpose, now=now)
    with transaction.atomic():
        # Locked: two clicks (or a phone retrying) at once — the second waits and then sees used_at.
        locked = ActionLink.objects.select_for_update().get(pk=link.pk)
        link, choice = _check(token, purpose, locked)
        if link.used_at is not None:
            raise LinkUsed(link)
        if link.expires_at <= (now or timezone.now()):
            raise LinkExpired(link)
        result = handler(link, choice)
        link.used_at, link.used_choice, link.used_channel = timezone.now(), choice, channel or link.channel
        link.save(update_fields=["used_at", "used_choice", "used_channel", "updated_at"])
    return result


def action_link_use_row(
    link: ActionLink,
    choice: str,
    *,
    handler: Callable[[ActionLink, str], Any],
    channel: str,
    now: datetime.datetime | None = None,
) -> Any:
    """Spend a link found by other means than its token (an SMS answer "1"/"2" from the recipient's phone)."""
    return action_link_use(
        action_link_token(link, choice), purpose=link.purpose, handler=handler, channel=channel, now=now
    )

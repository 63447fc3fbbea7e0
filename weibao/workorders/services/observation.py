"""Leaving the observation period (运行观察期) on purpose (issue 23).

A customer's answer to the resolution notice — a signed one-click link, the portal's buttons, an SMS "1"/"2" —
confirms the fix or reopens the order with source and reason recorded. A free-text reply during observation never
reopens by itself: it becomes a comment and an ObservationReply that raises the flag "客户在观察期内回复" until the
duty engineer decides (reopen with a reason, or keep observing); the observation close job leaves flagged orders
alone. Automatic replies (out of office) never raise the flag.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weibao.accounts.models import User
from weibao.core import action_links
from weibao.core.exceptions import TransitionNotAllowed
from weibao.workorders.choices import (
    OBSERVATION_STATUSES,
    CustomerAnswer,
    EventKind,
    ReopenReason,
    ReopenSource,
    ReplyDecision,
    Status,
    action_perm,
)
from weibao.workorders.models import ObservationReply, WorkOrder, WorkOrderEvent
from weibao.workorders.services.common import (
    _check_actor,
    _check_version,
    _clean_text,
    _copy_back,
    _event,
    _lock,
    _save,
    system_user,
)
from weibao.workorders.services.transitions import _move, _reopen

LINK_PURPOSE = "workorders.observation"
ANSWERS = [CustomerAnswer.FIXED.value, CustomerAnswer.NOT_FIXED.value]
# SMS answers: "reply 1 / 2" (full-width digits too; Chinese phones often send them).
SMS_ANSWERS = {
    "1": CustomerAnswer.FIXED,
    "１": CustomerAnswer.FIXED,
    "2": CustomerAnswer.NOT_FIXED,
    "２": CustomerAnswer.NOT_FIXED,
}

# Words that make a reply read like "the fault is back" (pre-marking only; the desk decides).
_RECURRENCE = re.compile(
    r"(还是|仍然|依然|又|再次|复现|没好|未解决|不行|不能用|无法|故障|坏了|断网|掉线|still|again|not work|broken|"
    r"doesn't work|does not work|recur|same problem)",
    re.IGNORECASE,
)
_NEGATED = re.compile(
    r"(已解决|可以结单|恢复正常|正常了|好了|谢谢|感谢|thanks|thank you|works now|working now)", re.IGNORECASE
)


_STRONG = re.compile(r"还是|仍|又|still|again", re.IGNORECASE)


def looks_like_recurrence(text: str) -> bool:
    """True when a reply reads like the fault came back ("还是不行", "still broken"); a thank-you that merely
    mentions the old fault ("故障已解决，谢谢") is not — unless it also says "again"/"still" ("谢谢，不过又掉线了")."""
    text = text or ""
    if not _RECURRENCE.search(text):
        return False
    return not _NEGATED.search(text) or bool(_STRONG.search(text))


# --- replies during observation -------------------------------------------------------------------------------------


def observation_reply_record(
    *, wo: WorkOrder, event: WorkOrderEvent, channel: str, sender: str, text: str
) -> ObservationReply:
    """Called with the order row locked (by workorder_comment): a customer's reply while the order observes raises
    the flag and waits for the desk. Never reopens."""
    reply = ObservationReply.objects.create(
        organisation_id=wo.organisation_id,
        workorder=wo,
        event=event,
        channel=channel[:16],
        sender=sender[:254],
        text=text,
        suspected_recurrence=looks_like_recurrence(text),
    )
    if not wo.observation_reply_pending:
        wo.observation_reply_pending = True
        _save(wo, ["observation_reply_pending"])
    _event(
        wo,
        kind=EventKind.OBSERVATION_REPLY,
        actor=event.actor,
        body=text,
        internal=True,
        data={
            "reply": reply.pk,
            "channel": channel,
            "sender": sender,
            "suspected_recurrence": reply.suspected_recurrence,
        },
    )
    return reply


@transaction.atomic
def workorder_reply_decide(
    *,
    workorder: WorkOrder,
    actor: User,
    decision: str,
    reason_code: str = "",
    reason: str = "",
    expected_version: int | None = None,
) -> WorkOrder:
    """The desk decides about the customer's reply (one click): reopen — a reason from the list and a text are
    required — or keep observing. Either way the flag comes down and the open replies are settled."""
    if decision not in (ReplyDecision.REOPENED, ReplyDecision.KEPT):
        raise ValidationError({"decision": _("Choose reopen or keep observing.")})
    reason = _clean_text(reason, "reason", required=decision == ReplyDecision.REOPENED)
    if decision == ReplyDecision.REOPENED and reason_code not in ReopenReason.values:
        raise ValidationError({"reason_code": _("Choose a reason from the list.")})
    _check_actor(actor, action_perm("reply_reopen"), workorder)
    wo = _lock(workorder)
    if not wo.observation_reply_pending:
        # Decided already (a second click, or a colleague was faster): nothing to do.
        _copy_back(workorder, wo)
        return workorder
    _check_version(wo, expected_version)
    if decision == ReplyDecision.REOPENED:
        return _reopen(
            workorder,
            actor=actor,
            perm=action_perm("reply_reopen"),
            reason=reason,
            kind=EventKind.REOPENED,
            source=ReopenSource.DESK_REPLY,
            reason_code=reason_code,
            data={"replies": _open_reply_ids(wo)},
        )
    now = timezone.now()
    replies = _open_reply_ids(wo)
    ObservationReply.objects.filter(pk__in=replies).update(
        decision=ReplyDecision.KEPT, decided_by=actor, decided_at=now
    )
    wo.observation_reply_pending = False
    _save(wo, ["observation_reply_pending"])
    _event(wo, kind=EventKind.OBSERVATION_KEPT, actor=actor, body=reason, internal=True, data={"replies": replies})
    _copy_back(workorder, wo)
    return workorder


def _open_reply_ids(wo: WorkOrder) -> list[int]:
    return list(ObservationReply.objects.filter(workorder=wo, decision=ReplyDecision.OPEN).values_list("pk", flat=True))


# --- the customer's answer: links, portal, SMS ------------------------------------------------------------------------


@transaction.atomic
def workorder_customer_answer(
    *,
    workorder: WorkOrder,
    answer: str,
    source: str,
    channel: str,
    answered_by: str,
    actor: User | None = None,
    note: str = "",
) -> WorkOrder:
    """The customer answers the resolution notice. "fixed": a resolved order goes into observation (an observing
    one records the confirmation); "not fixed": the order reopens with `source` recorded. Who answered, when and
    through which channel go on the timeline (and, for links, on the ActionLink row)."""
    note = _clean_text(note, "note")
    actor = actor or system_user()
    data = {"source": source, "channel": channel, "answered_by": answered_by}
    if answer == CustomerAnswer.NOT_FIXED:
        reason = note or _("The customer answered that the problem persists.")
        wo = _lock(workorder)
        if wo.status not in OBSERVATION_STATUSES | {Status.CLOSED, Status.REOPENED}:
            raise TransitionNotAllowed(current=str(Status(wo.status).label), requested=str(Status.REOPENED.label))
        return _reopen(
            workorder,
            actor=actor,
            perm=action_perm("reopen"),
            reason=reason,
            kind=EventKind.CUSTOMER_REJECTED,
            source=source,
            reason_code=ReopenReason.NOT_FIXED,
            channel=channel,
            answered_by=answered_by,
        )
    if answer != CustomerAnswer.FIXED:
        raise ValidationError({"answer": _("Unknown answer.")})
    wo = _lock(workorder)
    if wo.status == Status.RESOLVED:
        return _move(
            workorder, actor=actor, perm=action_perm("customer_confirm"), to=Status.OBSERVING, body=note, data=data
        )
    if wo.status == Status.OBSERVING:
        # Already observing (confirmed before, or the sweep moved it): the answer is recorded, nothing moves.
        _event(wo, kind=EventKind.CUSTOMER_CONFIRMED, actor=actor, body=note, data=data)
        _copy_back(workorder, wo)
        return workorder
    raise TransitionNotAllowed(current=str(Status(wo.status).label), requested=str(Status.OBSERVING.label))


def observation_links_for(*, workorder: WorkOrder, recipient: str, channel: str) -> dict[str, str]:
    """Absolute URLs of the two answers for one recipient of the resolution notice (one ActionLink row: answering
    one spends the other). Called while the notice is rendered."""
    from django.conf import settings

    link = action_links.action_link_create(
        purpose=LINK_PURPOSE, target=workorder, recipient=recipient, channel=channel, choices=ANSWERS
    )
    base = settings.SITE_URL.rstrip("/")
    return {
        answer: base + reverse("workorders:answer", args=[action_links.action_link_token(link, answer)])
        for answer in ANSWERS
    }


def _answer_handler(note: str, source: str, channel: str | None = None):
    def handle(link, choice: str) -> WorkOrder:
        workorder = WorkOrder.objects.get(pk=link.target_id)
        return workorder_customer_answer(
            workorder=workorder,
            answer=choice,
            source=source,
            channel=channel or link.channel,
            answered_by=link.recipient,
            note=note,
        )

    return handle


def observation_link_answer(*, token: str, note: str = "") -> WorkOrder:
    """A customer opened one of the notice's links and confirmed: spend the link and answer. Raises
    core.action_links.LinkError (invalid, used, expired) or TransitionNotAllowed (the order moved on)."""
    return action_links.action_link_use(
        token, purpose=LINK_PURPOSE, handler=_answer_handler(note, ReopenSource.CUSTOMER_LINK)
    )


def observation_link_preview(*, token: str) -> tuple[WorkOrder, str, object]:
    """What a link stands for (order, answer, link row) before the customer confirms; raises LinkError."""
    link, choice = action_links.action_link_check(token, purpose=LINK_PURPOSE)
    return WorkOrder.objects.select_related("site", "customer").get(pk=link.target_id), choice, link


def _phone_key(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    return digits[-11:]  # mainland mobiles: +86 / 0086 prefixes dropped


def observation_sms_answer(*, phone: str, text: str) -> str:
    """An inbound SMS from a phone that received a resolution notice with "reply 1 / 2". "1"/"2" answer through the
    phone's newest unused link; anything else is a free-text reply during observation (flag, comment). Returns
    what happened: "fixed", "not_fixed", "reply", "used" (that notice was answered already) or "unknown" (no open
    notice for this phone)."""
    from weibao.core.models import ActionLink

    key = _phone_key(phone)
    if not key:
        return "unknown"
    now = timezone.now()
    candidates = ActionLink.objects.filter(purpose=LINK_PURPOSE, channel="sms", expires_at__gt=now).order_by("-pk")
    link = next(
        (c for c in candidates.filter(recipient__endswith=key[-8:])[:20] if _phone_key(c.recipient) == key), None
    )
    if link is None:
        return "unknown"
    answer = SMS_ANSWERS.get((text or "").strip())
    if answer is not None:
        if link.used_at is not None:
            return "used"  # answered before (a repeated "2", or the e-mail link was used): nothing happens twice
        try:
            action_links.action_link_use_row(
                link, answer, channel="sms", handler=_answer_handler("", ReopenSource.CUSTOMER_SMS, "sms")
            )
        except action_links.LinkUsed:
            return "used"  # a concurrent answer won
        return str(answer)
    from weibao.workorders.services.edits import workorder_comment

    workorder = WorkOrder.objects.get(pk=link.target_id)
    body = _("SMS from %(phone)s:") % {"phone": phone} + "\n" + (text or "").strip()
    workorder_comment(
        workorder=workorder, actor=system_user(), body=body, from_customer=True, channel="sms", sender=phone
    )
    return "reply"

"""Background work of vendor escalation and RMA: telling the vendor and our engineer (after the step commits) and the
periodic reminders. Every task takes ids, re-reads the rows and is safe to run twice (STYLE §6); `weibao crontask`
schedules the @cron job."""

from __future__ import annotations

from crontask import cron
from django.tasks import task


@task()
def escalation_notify(*, escalation_id: int, question_id: int | None = None) -> int:
    """The vendor's contacts hear of the escalation, or of one question to them."""
    from weibao.rma.notify import escalation_deliver

    return escalation_deliver(escalation_id=escalation_id, question_id=question_id)


@task()
def answer_notify(*, question_id: int) -> int:
    """Our owner engineer hears that the vendor answered."""
    from weibao.rma.notify import answer_deliver

    return answer_deliver(question_id=question_id)


@cron("17 * * * *")
@task()
def rma_reminders() -> int:
    """Every hour: units with the vendor over 30 days, vendor answers past their deadline; once per case/threshold
    and per escalation."""
    from weibao.rma.notify import remind_vendor_overdue, remind_with_vendor

    return remind_with_vendor() + remind_vendor_overdue()

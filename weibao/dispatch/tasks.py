"""Roster jobs: the 7x24 cover check (issue 18 §3)."""

from crontask import cron
from django.tasks import task


@cron("*/15 * * * *")
@task()
def cover_check() -> int:
    """Every 15 minutes: holes in the 7x24 cover from now to 24 hours ahead are told to the branch's managers."""
    from weibao.dispatch.cover import cover_gaps
    from weibao.notifications.services import cover_gap_notify

    return len(cover_gap_notify(gaps=cover_gaps()))

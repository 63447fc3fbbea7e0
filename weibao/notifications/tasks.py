"""Background work of the channels: polling mailboxes, turning timeline events into notices, sending them.

Every task takes ids, re-reads its rows and is safe to run twice (rows are claimed with conditional updates).
"""

import logging

from crontask import cron
from django.tasks import task

from weibao.notifications.models import Mailbox

logger = logging.getLogger(__name__)


def queue_is_in_the_database() -> bool:
    """The task queue is a table of the default database (django-tasks-db, no router elsewhere): queuing a task
    inside the transaction that writes its rows then makes the two commit together (a transactional outbox: a
    process killed between the commit and the enqueue cannot lose the task)."""
    from django.db import DEFAULT_DB_ALIAS, router
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    return isinstance(notify_event.get_backend(), DatabaseBackend) and (
        router.db_for_write(DBTaskResult) == DEFAULT_DB_ALIAS
    )


@task
def notify_event(*, event_id: int) -> int:
    """A work-order timeline event → the deliveries it causes (each then sent by `deliver`)."""
    from weibao.notifications.services import deliveries_for_event

    return len(deliveries_for_event(event_id=event_id))


@task
def notify_events(*, event_ids: list[int]) -> int:
    """Several events in one task (a batch intake's orders): the same deliveries as `notify_event` for each, made
    together and sent by one `deliver_many` task (see `deliveries_for_events`)."""
    from django.db import InterfaceError, OperationalError

    from weibao.notifications.services import deliveries_for_event, deliveries_for_events

    try:
        return len(deliveries_for_events(event_ids=event_ids))
    except (OperationalError, InterfaceError):
        raise  # the database is away: the task fails and nothing was written
    except Exception:
        # One bad event must not cost the whole batch its notices: each event again on its own (its own
        # transaction; safe after the failed batch, which wrote nothing), so only the bad one is lost and logged.
        logger.exception("notices of a batch of %d events failed; making them one event at a time", len(event_ids))
    made = 0
    for event_id in event_ids:
        try:
            made += len(deliveries_for_event(event_id=event_id))
        except (OperationalError, InterfaceError):
            raise
        except Exception:
            logger.exception("notices of timeline event %s could not be made", event_id)
    return made


@task
def deliver(*, delivery_id: int) -> str:
    from weibao.notifications.services import delivery_send

    return delivery_send(delivery_id=delivery_id)


@task
def deliver_many(*, delivery_ids: list[int]) -> int:
    """Several deliveries in one task (fewer queue rows when mail intake answers a batch of mails)."""
    from weibao.notifications.services import delivery_send

    return sum(1 for delivery_id in delivery_ids if delivery_send(delivery_id=delivery_id) == "sent")


@cron("* * * * *")
@task
def deliver_due() -> int:
    """Every minute: send what is due — retries after their back-off, notices held for quiet hours, rows left by
    a worker that died during a send — in batches, leaving alone what already waits in the queue."""
    from weibao.notifications.services import deliveries_queue_due

    return deliveries_queue_due()


@task
def poll_mailbox(*, mailbox_id: int) -> dict:
    from weibao.notifications.intake import mailbox_poll

    mailbox = Mailbox.objects.filter(pk=mailbox_id, enabled=True).first()
    if mailbox is None:
        return {}
    result = mailbox_poll(mailbox=mailbox)
    return {"stored": result.stored, "processed": result.processed, "error": result.error}


@cron("* * * * *")
@task
def poll_mailboxes() -> int:
    """Every minute: read every enabled support mailbox."""
    ids = list(Mailbox.objects.filter(enabled=True).values_list("pk", flat=True))
    for mailbox_id in ids:
        poll_mailbox.enqueue(mailbox_id=mailbox_id)
    return len(ids)

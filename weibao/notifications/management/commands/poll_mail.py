"""`weibao poll_mail [--mailbox NAME] [--workers N]`: read the support mailboxes now (the scheduler does it every
minute) and print what became of the mail — handy after configuring a mailbox or to work off a backlog."""

from django.core.management.base import BaseCommand, CommandError

from weibao.notifications.intake import mailbox_poll
from weibao.notifications.models import Mailbox


class Command(BaseCommand):
    help = "Poll the enabled support mailboxes once and report."

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", help="only this mailbox (name)")
        parser.add_argument("--workers", type=int, default=None, help="processes for a backlog (default setting)")

    def handle(self, *args, mailbox: str | None, workers: int | None, **options):
        mailboxes = Mailbox.objects.filter(enabled=True)
        if mailbox:
            mailboxes = Mailbox.objects.filter(name=mailbox)
            if not mailboxes.exists():
                raise CommandError(f"No mailbox named {mailbox!r}.")
        failed = []
        for mb in mailboxes.order_by("name"):
            result = mailbox_poll(mailbox=mb, workers=workers)
            status = self.style.ERROR(result.error) if result.error else self.style.SUCCESS("ok")
            self.stdout.write(
                f"{mb.name}: {status}; stored {result.stored}, handled {result.processed} "
                f"{dict(sorted(result.statuses.items()))}"
            )
            if result.error:
                failed.append(mb.name)
        if failed:  # cron and monitoring see the failure in the exit status
            raise CommandError(f"Polling failed for: {', '.join(failed)}")

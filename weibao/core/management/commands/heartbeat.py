from django.core.management.base import BaseCommand

from weibao.core.tasks import heartbeat


class Command(BaseCommand):
    help = (
        "Enqueue one worker heartbeat now (the scheduler does it every minute). Run it after starting the "
        "worker, so that /healthz is green at once instead of after the next minute."
    )

    def handle(self, *args, **options):
        result = heartbeat.enqueue()
        self.stdout.write(f"Heartbeat enqueued ({result.id}).")

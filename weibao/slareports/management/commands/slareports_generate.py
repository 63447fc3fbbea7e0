"""Generate the due regular reports now, with progress (the same work as the daily job; safe to run twice)."""

import datetime

from django.core.management.base import BaseCommand, CommandError

from weibao.slareports.services import reports_generate_due


class Command(BaseCommand):
    help = "Generate the regular SLA reports that are due (first working day after their period), with progress."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="act as if today were this date (YYYY-MM-DD)")

    def handle(self, *args, today: str | None = None, **options):
        day = None
        if today:
            try:
                day = datetime.date.fromisoformat(today)
            except ValueError as exc:
                raise CommandError("--today must be YYYY-MM-DD") from exc

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  {done}/{total} schedules checked")

        counts = reports_generate_due(today=day, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"regular reports: {counts}"))

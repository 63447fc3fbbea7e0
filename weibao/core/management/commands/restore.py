from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from weibao.core.backup import BackupError, restore


class Command(BaseCommand):
    # The system checks connect to the database before handle() runs; an unreachable database must end in our
    # clear CommandError, not a traceback from a check.
    requires_system_checks = []
    help = (
        "Replace the database content and the uploaded files with a backup made by `weibao backup` (checked against "
        "its manifest first). Stop web, worker and scheduler first."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="backup file")
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="do not ask for confirmation"
        )

    def handle(self, *args, file: Path, interactive: bool, **options):
        if interactive:
            try:
                answer = input(
                    f"This replaces ALL data in the database and ALL uploaded files with {file}. Type 'yes' to continue: "
                )
            except EOFError:  # no terminal (cron, CI): never restore without an explicit --noinput
                answer = ""
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled (confirm with 'yes', or pass --noinput).")
        try:
            result = restore(file)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if result["files"] is None:
            self.stdout.write(self.style.SUCCESS(f"Database restored from {file} (a database-only backup)."))
        else:
            self.stdout.write(self.style.SUCCESS(f"Database and {result['files']} files restored from {file}."))

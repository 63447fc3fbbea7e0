from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from weibao.core.backup import BackupError, backup, default_backup_path


class Command(BaseCommand):
    # The system checks connect to the database before handle() runs; an unreachable database must end in our
    # clear CommandError, not a traceback from a check.
    requires_system_checks = []
    help = (
        "Back up the database (SQLite: online backup; PostgreSQL: pg_dump custom format) and the uploaded files "
        "(MEDIA_ROOT) into one tar archive with a manifest of checksums, while the site runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", type=Path, help="backup archive (default: var/backups/weibao-<time>.tar)")

    def handle(self, *args, output: Path | None, **options):
        target = output or default_backup_path()
        try:
            written = backup(target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Backup written to {written} ({written.stat().st_size} bytes)."))

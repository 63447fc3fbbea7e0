"""`weibao db_worker`: django-tasks-db's worker, holding a lease so that the tasks of a killed worker are re-queued
(see weibao.core.workers). Same options as the upstream command."""

from django_tasks_db.management.commands import db_worker as upstream

from weibao.core.workers import run_with_lease


class LeasedWorker(upstream.Worker):
    def run(self) -> None:
        run_with_lease(worker_id=self.worker_id, queues=",".join(self.queue_names), run=super().run)


class Command(upstream.Command):
    help = "Run a database background worker that holds a lease (its tasks are re-queued if it dies)"

    def handle(self, *args, **options) -> None:
        # The upstream command builds its Worker by name; hand it ours for the time of this call.
        original = upstream.Worker
        upstream.Worker = LeasedWorker
        try:
            super().handle(*args, **options)
        finally:
            upstream.Worker = original

"""Background work of the estate: checking and committing large equipment-list imports.

They run on their own queue, IMPORTS_QUEUE, served by its own worker (`weibao db_worker --queue-name imports`,
started by scripts/run.sh): a slow or hostile spreadsheet never holds up the default queue's notices and SLA sweeps.
The file itself is read in a child process under a memory and time limit (assets.excel).
"""

from django.contrib.auth import get_user_model
from django.tasks import task

from weibao.assets import services

IMPORTS_QUEUE = "imports"


@task(queue_name=IMPORTS_QUEUE)
def import_check_task(job_id: int) -> None:
    services.import_check(job_id=job_id)


@task(queue_name=IMPORTS_QUEUE)
def import_commit_task(job_id: int, actor_id: int) -> None:
    actor = get_user_model().objects.get(pk=actor_id)
    services.import_commit(job_id=job_id, actor=actor, claimed=True)

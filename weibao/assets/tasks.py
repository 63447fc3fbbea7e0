"""Background work of the estate: checking and committing large equipment-list imports."""

from django.contrib.auth import get_user_model
from django.tasks import task

from weibao.assets import services


@task
def import_check_task(job_id: int) -> None:
    services.import_check(job_id=job_id)


@task
def import_commit_task(job_id: int, actor_id: int) -> None:
    actor = get_user_model().objects.get(pk=actor_id)
    services.import_commit(job_id=job_id, actor=actor, claimed=True)

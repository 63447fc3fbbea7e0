"""A small partial index for the lease recovery's question "which tasks are RUNNING?" (asked by every worker every
few seconds): django-tasks-db indexes only READY rows, and its table keeps every finished task."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_worker_lease"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS weibao_tasks_running_idx ON django_tasks_database_dbtaskresult (status) "
            "WHERE status = 'RUNNING'",
            "DROP INDEX IF EXISTS weibao_tasks_running_idx",
        ),
    ]

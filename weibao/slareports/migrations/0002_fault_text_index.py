"""The text index behind "similar past faults": pg_trgm + a GIN trigram index on PostgreSQL, an FTS5 trigram table
kept by triggers on SQLite. Other databases get nothing (the lookup then returns no matches)."""

from django.db import migrations

from weibao.slareports import similar


def forwards(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor == "postgresql":
        for statement in similar.PG_SETUP:
            schema_editor.execute(statement)
    elif conn.vendor == "sqlite":
        similar.ensure_sqlite_index(conn, rebuild=True)


def backwards(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS slareports_wo_fault_trgm")  # the extension may serve others
    elif conn.vendor == "sqlite":
        for suffix in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {similar.FTS_TABLE}_{suffix}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {similar.FTS_TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("slareports", "0001_initial"),
        ("workorders", "0016_event_kinds_onsite"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

"""PostgreSQL only: trigram (pg_trgm) GIN index on customer and site names, so "contains" searches use an index.

On other databases (SQLite in development and tests) this migration does nothing.
"""

from django.db import migrations

INDEXES = [
    ("customer_name_trgm_idx", "customers_customer", "UPPER(name) gin_trgm_ops"),
    ("customer_code_trgm_idx", "customers_customer", "UPPER(code) gin_trgm_ops"),
    ("site_name_trgm_idx", "customers_site", "UPPER(name) gin_trgm_ops"),
    ("site_address_trgm_idx", "customers_site", "UPPER(address) gin_trgm_ops"),
]


def _has_trgm(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        return cursor.fetchone() is not None


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql" or not _has_trgm(schema_editor):
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, expression in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression})")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

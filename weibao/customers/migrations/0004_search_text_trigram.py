"""PostgreSQL only: trigram indexes on the customers' and sites' search text (replacing the per-column ones of 0002).

One index per table makes the planner pick it over a sequential scan; on other databases this does nothing.
"""

from django.db import migrations

OLD = ["customer_name_trgm_idx", "customer_code_trgm_idx", "site_name_trgm_idx", "site_address_trgm_idx"]
NEW = [
    ("customer_search_trgm_idx", "customers_customer", "search_text gin_trgm_ops"),
    ("site_search_trgm_idx", "customers_site", "search_text gin_trgm_ops"),
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name in OLD:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    for name, table, expression in NEW:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({expression})")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in NEW:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_search_text")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

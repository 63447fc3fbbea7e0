"""PostgreSQL only: two-character searches of customers and sites ("监控", "南京") through the trigram index.

The same doubled-character column as the devices' (`assets.0006_device_search_pairs`, `weibao.core.textsearch`):
`search_pairs` is generated from the same columns as the models' `search_text` (itself a generated column, which
another generated column may not name). Not part of the Django models.
"""

from django.db import migrations

from weibao.core.textsearch import pairs_column_sql

# table: (its search text's expression, as the model's GeneratedField has it; the index)
TABLES = {
    "customers_customer": ("UPPER(code || ' ' || name || ' ' || address)", "customer_pairs_trgm_idx"),
    "customers_site": ("UPPER(name || ' ' || address)", "site_pairs_trgm_idx"),
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
    for table, (text, index) in TABLES.items():
        schema_editor.execute(
            f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS search_pairs text "
            f"GENERATED ALWAYS AS ({pairs_column_sql(text)}) STORED"
        )
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin (search_pairs gin_trgm_ops)")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (_text, index) in TABLES.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_pairs")


class Migration(migrations.Migration):
    dependencies = [("customers", "0006_phones_normalised")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

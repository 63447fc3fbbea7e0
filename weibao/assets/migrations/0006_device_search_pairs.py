"""PostgreSQL only: two-character searches ("机房", "门禁") through the trigram index.

pg_trgm extracts no trigram from a two-character pattern, so `LIKE '%机房%'` cannot use the index. The column
`search_pairs` holds the upper-cased search text with every character doubled ("机房" → "机机房房"); a two-character
query is doubled the same way and becomes a four-character pattern with trigrams. Doubling cannot create false matches:
"XXYY" occurs in a doubled text only where "XY" occurs in the original. The column is not part of the Django model
(SQLite has no immutable regexp_replace); `assets.selectors` uses it when it exists.
"""

from django.db import migrations

EXPRESSION = (
    "regexp_replace(UPPER(name || ' ' || model || ' ' || serial_number || ' ' || ip_address || ' ' || location), "
    "'(.)', '\\1\\1', 'g')"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
    schema_editor.execute(
        f"ALTER TABLE assets_device ADD COLUMN IF NOT EXISTS search_pairs text GENERATED ALWAYS AS ({EXPRESSION}) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS device_pairs_trgm_idx ON assets_device USING gin (search_pairs gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS device_pairs_trgm_idx")
    schema_editor.execute("ALTER TABLE assets_device DROP COLUMN IF EXISTS search_pairs")


class Migration(migrations.Migration):
    dependencies = [("assets", "0005_import_job_rows")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

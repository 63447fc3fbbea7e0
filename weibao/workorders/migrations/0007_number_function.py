"""PostgreSQL: the year's next work-order number as a function, so the order INSERT takes its number itself (one
statement less per intake, and the counter row is locked only from the INSERT to COMMIT). SQLite keeps the upsert
in Python (`services.common.allocate_number`)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION workorders_next_number(y integer) RETURNS varchar AS $$
    INSERT INTO workorders_numbercounter (year, last) VALUES (y, 1)
    ON CONFLICT (year) DO UPDATE SET last = workorders_numbercounter.last + 1
    RETURNING 'WB-' || y || '-' || lpad(last::text, greatest(6, length(last::text)), '0');
$$ LANGUAGE sql VOLATILE;
"""
DROP = "DROP FUNCTION IF EXISTS workorders_next_number(integer);"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("workorders", "0006_drop_redundant_fk_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

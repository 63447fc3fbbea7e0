"""Contains-search over an upper-cased `search_text` column, with two-character terms through the trigram index.

pg_trgm extracts no trigram from a two-character pattern, so `LIKE '%机房%'` cannot use a trigram index and reads the
whole table. Tables that need it carry a PostgreSQL-only generated column `search_pairs` (added by a migration, not
part of the Django model: SQLite has no immutable regexp_replace): the search text with every character doubled
("机房" → "机机房房"). A two-character term is doubled the same way and becomes a four-character pattern with
trigrams. Doubling cannot create false matches: "XXYY" occurs in a doubled text only where "XY" occurs in the
original.
"""

import functools

from django.db import connection
from django.db.models import QuerySet, TextField
from django.db.models.expressions import RawSQL

PAIRS_COLUMN = "search_pairs"
MAX_TERMS = 5


def pairs_column_sql(source_sql: str) -> str:
    """The generated column's expression over `source_sql` (an upper-cased text expression), for migrations."""
    return f"regexp_replace({source_sql}, '(.)', '\\1\\1', 'g')"


def search_text_filter(qs: QuerySet, q: str, *, field: str = "search_text") -> QuerySet:
    """Narrow `qs` to rows whose search text contains every word of `q` (at most five; case-insensitive: the
    column is stored upper-cased, Chinese is unaffected by upper())."""
    table = qs.model._meta.db_table
    pairs = has_pairs_column(table)
    for term in q.upper().split()[:MAX_TERMS]:
        if len(term) == 2 and pairs:
            # The table name is the model's own and the column a constant: nothing of the user's reaches the SQL.
            column = RawSQL(f'"{table}"."{PAIRS_COLUMN}"', (), output_field=TextField())  # noqa: S611
            qs = qs.alias(_pairs_text=column)
            qs = qs.filter(_pairs_text__contains="".join(ch * 2 for ch in term))
        else:
            qs = qs.filter(**{f"{field}__contains": term})
    return qs


@functools.cache
def has_pairs_column(table: str) -> bool:
    """Whether the PostgreSQL-only column `search_pairs` exists on `table` (checked once per process)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
            [table, PAIRS_COLUMN],
        )
        return cursor.fetchone() is not None

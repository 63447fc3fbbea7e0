"""Similar past faults (相似历史故障): orders whose title + symptom read like a given text, so the duty engineer sees
how the same symptom was solved before. Chinese has no spaces, so words cannot be matched; both databases compare
character trigrams instead, in the database and on an index, with no external service:

- PostgreSQL: pg_trgm's `word_similarity`, the k nearest by `<<->` on a GiST trigram index over
  `title || ' ' || symptom`
  (migration 0002 creates the extension and the index on PostgreSQL only).
- SQLite: an FTS5 table with the `trigram` tokenizer, kept in step with the work orders by triggers
  (migration 0002; `ensure_sqlite_index` re-creates them after every migrate, because SQLite rebuilds a table - and
  drops its triggers - when a later migration alters it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection

from weibao.workorders.choices import Status

# Orders whose fix is known: their resolution is what the engineer wants to read.
DONE = (Status.RESOLVED.value, Status.OBSERVING.value, Status.CLOSED.value)
PG_THRESHOLD = 0.3  # word_similarity below this is noise for Chinese symptoms (measured on the demo data)
MAX_QUERY_CHARS = 200
FTS_TABLE = "slareports_faulttext"

SQLITE_SETUP = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(title, symptom, content='workorders_workorder', "
    "content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON workorders_workorder BEGIN "  # noqa: S608 - constants and placeholders only
    f"INSERT INTO {FTS_TABLE}(rowid, title, symptom) VALUES (new.id, new.title, new.symptom); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON workorders_workorder BEGIN "  # noqa: S608 - constants and placeholders only
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, symptom) VALUES ('delete', old.id, old.title, old.symptom); "
    "END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE OF title, symptom ON workorders_workorder BEGIN "  # noqa: S608 - constants and placeholders only
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title, symptom) VALUES ('delete', old.id, old.title, old.symptom); "
    f"INSERT INTO {FTS_TABLE}(rowid, title, symptom) VALUES (new.id, new.title, new.symptom); END",
]
PG_SETUP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    # GiST, not GIN: a GiST trigram index answers "the k nearest by <<->" directly (KNN), so a lookup reads a few
    # index pages even when thousands of orders share the symptom (GIN returned them all, then sorted: 0.5 s).
    "CREATE INDEX IF NOT EXISTS slareports_wo_fault_trgm ON workorders_workorder "
    "USING gist ((title || ' ' || symptom) gist_trgm_ops)",
]


def ensure_sqlite_index(conn=None, *, rebuild: bool = False) -> None:
    """Create the FTS5 table and its triggers if missing; `rebuild` re-reads every order (after a table rebuild)."""
    conn = conn or connection
    if conn.vendor != "sqlite":
        return
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = %s", [f"{FTS_TABLE}_ai"])
        missing = cursor.fetchone()[0] == 0
        for statement in SQLITE_SETUP:
            cursor.execute(statement)
        if missing or rebuild:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # noqa: S608 - constants and placeholders only


@dataclass(frozen=True)
class Match:
    workorder_id: int
    score: float


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("\x00", "")).strip()[:MAX_QUERY_CHARS]


def _trigrams(text: str) -> list[str]:
    compact = re.sub(r"[\s\"'*^():,.;，。；：！？!?、]+", "", text)
    seen: dict[str, None] = {}
    for i in range(len(compact) - 2):
        seen.setdefault(compact[i : i + 3], None)
    return list(seen)[:64]


def similar_ids(
    *, text: str, organisation_id: int | None = None, exclude_id: int | None = None, limit: int = 5
) -> list[Match]:
    """The finished orders most similar to `text`, best first (only `organisation_id`'s when given)."""
    text = _clean(text)
    if len(text) < 3:
        return []
    pg = connection.vendor == "postgresql"
    where = ["w.status = ANY(%s)"] if pg else ["w.status IN (%s, %s, %s)"]
    params: list = [list(DONE)] if pg else list(DONE)
    if organisation_id is not None:
        where.append("w.organisation_id = %s")
        params.append(organisation_id)
    if exclude_id is not None:
        where.append("w.id <> %s")
        params.append(exclude_id)
    if pg:
        sql = (
            "SELECT w.id, word_similarity(%s, w.title || ' ' || w.symptom) AS score FROM workorders_workorder w "  # noqa: S608 - constants and placeholders only
            "WHERE " + " AND ".join(where) + " ORDER BY %s <<-> (w.title || ' ' || w.symptom) LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [text, *params, text, limit])
            rows = cursor.fetchall()
        # The nearest k, kept only when they are close enough to help.
        return [Match(row[0], float(row[1])) for row in rows if row[1] >= PG_THRESHOLD]
    grams = _trigrams(text)
    if not grams:
        return []
    query = " OR ".join('"' + g.replace('"', "") + '"' for g in grams)
    sql = (
        f"SELECT w.id, -bm25({FTS_TABLE}) AS score FROM {FTS_TABLE} f JOIN workorders_workorder w ON w.id = f.rowid "  # noqa: S608 - constants and placeholders only
        f"WHERE {FTS_TABLE} MATCH %s AND " + " AND ".join(where) + f" ORDER BY bm25({FTS_TABLE}), w.id DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [query, *params, limit])
        rows = cursor.fetchall()
    # bm25 grows with the number of shared trigrams: scale to 0..1 against the query's own size for display.
    return [Match(row[0], min(1.0, float(row[1]) / max(1, len(grams)))) for row in rows]

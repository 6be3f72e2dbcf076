"""The index behind the search by part of a subject's name (registry_subjects.name), SQLite and PostgreSQL.

The public search is a case-insensitive substring search (at least 2 characters) over every subject's name, as
`name LIKE '%query%'` always was; these indexes answer it without reading millions of rows.

Design. A trigram index cannot serve a 2-character query, and Chinese organisations are often searched with two
(腾讯, 华为), so each name is indexed twice:

- trigrams, for queries with a run of 3+ characters. SQLite: FTS5 with the trigram tokenizer over
  registry_subjects.name (external content: the names are not copied), detail=none (row ids only: the smallest
  index; FTS5 still answers LIKE with it and checks each candidate against the name). PostgreSQL: a pg_trgm GIN
  index on name (lc_ctype C.UTF-8 makes pg_trgm see CJK characters as word characters; under the plain C locale
  it would skip them, and the bigram index below would still serve such queries).
- bigrams, for 2-character queries (and for patterns without a 3-character run). SQLite: a contentless FTS5 table
  whose "document" is each name's bigrams spelt as hex tokens of their (ASCII-lower-cased) UTF-8 bytes, space
  separated: a tokenizer of our own expressed as data, computed by SQL in triggers (no extension, no Python
  function: any connection, the sqlite3 shell included, keeps it right). PostgreSQL: a GIN index on the
  expression registry_name_bigrams(name), an IMMUTABLE SQL function returning the text[] of lower(name)'s bigrams.

Both are row-id ordered, so a page is the first N hits after a cursor (keyset paging), not a sort of all hits.

Keeping it in sync. On SQLite, triggers on registry_subjects (insert, update of name, delete) write both FTS
tables in the writer's transaction; on PostgreSQL the GIN indexes follow the table by themselves. A bulk load may
`suspend(conn)` first (drops the triggers / the two GIN indexes) and must `rebuild(conn)` after (re-creates them
and re-indexes every name): both are idempotent and run inside the caller's transaction. A later SQLite migration
that rebuilds registry_subjects (alembic's batch mode copies and drops the table) drops its triggers with it: such a
migration must end with `rebuild`. While the triggers are on, write subjects with INSERT or UPDATE (an upsert's DO
UPDATE is fine), not INSERT OR REPLACE: SQLite runs no delete trigger for a replaced row, and the external-content
index would then keep the replaced name.
"""

from __future__ import annotations

from collections.abc import Callable

#: Runs one SQL statement without parameters (SQLAlchemy's Connection.exec_driver_sql, a DBAPI cursor's execute).
Executes = Callable[[str], object]
#: Runs one query and returns the first column of its first row, or None.
FetchesOne = Callable[[str], object | None]

TRIGRAMS = "registry_subject_trigrams"
BIGRAMS = "registry_subject_bigrams"
POSITIONS = "registry_search_positions"
_TRIGGERS = ("registry_subjects_search_insert", "registry_subjects_search_update", "registry_subjects_search_delete")
_PG_INDEXES = ("ix_registry_subjects_name_trgm", "ix_registry_subjects_name_bigrams")
_MAX_POSITION = 1024  # names longer than this many characters have their tail bigrams unindexed (the column is 100)

#: Tables and indexes that live outside store/schema.py's metadata (virtual tables and their shadow tables,
#: expression / operator-class indexes): the schema comparison of the migration tests skips them.
OBJECT_PREFIXES = (TRIGRAMS, BIGRAMS, POSITIONS, *_PG_INDEXES)


def is_search_object(name: str | None) -> bool:
    return name is not None and name.startswith(OBJECT_PREFIXES)


# -- SQLite -------------------------------------------------------------------------------------------
def _bigrams_of(column: str) -> str:
    """SQL for the bigram document of a name column, e.g. new.name (ASCII letters lower-cased, like LIKE)."""
    return (
        f"(SELECT group_concat(hex(substr(lower({column}), p.n, 2)), ' ') FROM {POSITIONS} p"
        f" WHERE p.n < length({column}))"
    )


SQLITE_TABLES = (
    f"CREATE TABLE IF NOT EXISTS {POSITIONS} (n INTEGER PRIMARY KEY)",
    f"INSERT OR IGNORE INTO {POSITIONS} (n) WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c"
    f" WHERE n < {_MAX_POSITION}) SELECT n FROM c",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {TRIGRAMS} USING fts5(name, content='registry_subjects',"
    " content_rowid='id', tokenize='trigram', detail='none', columnsize=0)",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {BIGRAMS} USING fts5(grams, content='', tokenize='ascii', detail='none',"
    " columnsize=0)",
)

SQLITE_TRIGGERS = (
    f"CREATE TRIGGER IF NOT EXISTS {_TRIGGERS[0]} AFTER INSERT ON registry_subjects BEGIN"
    f" INSERT INTO {TRIGRAMS} (rowid, name) VALUES (new.id, new.name);"
    f" INSERT INTO {BIGRAMS} (rowid, grams) VALUES (new.id, {_bigrams_of('new.name')});"
    " END",
    f"CREATE TRIGGER IF NOT EXISTS {_TRIGGERS[1]} AFTER UPDATE OF name ON registry_subjects BEGIN"
    f" INSERT INTO {TRIGRAMS} ({TRIGRAMS}, rowid, name) VALUES ('delete', old.id, old.name);"
    f" INSERT INTO {BIGRAMS} ({BIGRAMS}, rowid, grams) VALUES ('delete', old.id, {_bigrams_of('old.name')});"
    f" INSERT INTO {TRIGRAMS} (rowid, name) VALUES (new.id, new.name);"
    f" INSERT INTO {BIGRAMS} (rowid, grams) VALUES (new.id, {_bigrams_of('new.name')});"
    " END",
    f"CREATE TRIGGER IF NOT EXISTS {_TRIGGERS[2]} AFTER DELETE ON registry_subjects BEGIN"
    f" INSERT INTO {TRIGRAMS} ({TRIGRAMS}, rowid, name) VALUES ('delete', old.id, old.name);"
    f" INSERT INTO {BIGRAMS} ({BIGRAMS}, rowid, grams) VALUES ('delete', old.id, {_bigrams_of('old.name')});"
    " END",
)

_SQLITE_REBUILD = (
    f"INSERT INTO {TRIGRAMS} ({TRIGRAMS}) VALUES ('rebuild')",
    f"INSERT INTO {BIGRAMS} ({BIGRAMS}) VALUES ('delete-all')",
    f"INSERT INTO {BIGRAMS} (rowid, grams) SELECT s.id, {_bigrams_of('s.name')} FROM registry_subjects s",
    f"INSERT INTO {TRIGRAMS} ({TRIGRAMS}) VALUES ('optimize')",
    f"INSERT INTO {BIGRAMS} ({BIGRAMS}) VALUES ('optimize')",
)

# -- PostgreSQL ---------------------------------------------------------------------------------------
PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION registry_name_bigrams(name text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT"
    " PARALLEL SAFE AS $$ SELECT coalesce(array_agg(DISTINCT substr(lower(name), i, 2)), '{}')"
    " FROM generate_series(1, char_length(lower(name)) - 1) AS i $$"
)


def pg_trgm_schema(execute: Executes, fetch_one: FetchesOne) -> str:
    """The schema holding pg_trgm, creating the extension in `public` when the database lacks it."""
    found = fetch_one(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
    )
    if found is None:
        execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
        return "public"
    return str(found)


def pg_indexes(trgm_schema: str) -> tuple[str, ...]:
    return (
        f"CREATE INDEX IF NOT EXISTS {_PG_INDEXES[0]} ON registry_subjects"
        f' USING gin (name "{trgm_schema}".gin_trgm_ops)',
        f"CREATE INDEX IF NOT EXISTS {_PG_INDEXES[1]} ON registry_subjects USING gin (registry_name_bigrams(name))",
    )


# -- what a bulk load calls -----------------------------------------------------------------------------
def create(dialect: str, execute: Executes, fetch_one: FetchesOne) -> None:
    """Create the search index (the migration's step; idempotent): empty tables are filled by `rebuild`."""
    if dialect == "sqlite":
        for statement in (*SQLITE_TABLES, *SQLITE_TRIGGERS):
            execute(statement)
    else:
        execute(PG_FUNCTION)
        for statement in pg_indexes(pg_trgm_schema(execute, fetch_one)):
            execute(statement)


def suspend(dialect: str, execute: Executes) -> None:
    """Stop maintaining the index row by row before a bulk load (SQLite: drop the triggers; PostgreSQL: drop the
    GIN indexes). Searches answer from a stale index until `rebuild`."""
    if dialect == "sqlite":
        for trigger in _TRIGGERS:
            execute(f"DROP TRIGGER IF EXISTS {trigger}")
    else:
        for index in _PG_INDEXES:
            execute(f"DROP INDEX IF EXISTS {index}")


def rebuild(dialect: str, execute: Executes, fetch_one: FetchesOne) -> None:
    """Re-index every subject's name and maintain the index row by row again (after `suspend` and a bulk load)."""
    create(dialect, execute, fetch_one)  # the triggers / indexes back (PostgreSQL builds the indexes here)
    if dialect == "sqlite":
        for statement in _SQLITE_REBUILD:
            execute(statement)


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's include_name hook: leave the search index out of schema comparisons and autogenerate."""
    return not is_search_object(name)

"""Registry bulk data: a synthetic national registry (generate), and streaming import and export of filings as
CSV or JSON Lines in the ministry's public-query columns.

    formats.py   the file: columns, what each holds, reading and writing rows (CSV / JSON Lines)
    checks.py    pure checks of one row: number, domains, document; a checked row (`Filing`)
    batches.py   checked batches of a file, read in this process or in a helper process
    generate.py  the synthetic registry, deterministic for a seed
    sinks.py     how a batch of rows reaches the tables: executemany (SQLite), COPY (PostgreSQL)
    load.py      import: batches, idempotency, bad rows with their line numbers, the change log
    export.py    export: the registry back to a file, in id order
"""

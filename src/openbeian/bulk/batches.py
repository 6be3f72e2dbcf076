"""Checked batches of a registry file, read and checked in this process or, for a large file, in a helper process
while this one writes the previous batch (reading and checking is about half of an import's work; the two
overlap on two cores).

The helper is `python -m openbeian.bulk.batches FILE FORMAT`: a fresh interpreter (it inherits no database
connection and runs none of the caller's main module), writing each batch to its stdout as a length-prefixed
pickle. The pipe's buffer bounds what waits (memory stays constant); the helper is killed if the import stops.
"""

from __future__ import annotations

import dataclasses
import operator
import os
import pickle
import struct
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from openbeian.bulk.checks import BadRow, Filing, RowChecker
from openbeian.bulk.formats import FileFormat, RowSource, check_header

BATCH = 5_000
PARALLEL_FROM_BYTES = 16 << 20  # below this (about 60,000 rows) starting a helper costs more than it saves
_FRAME = struct.Struct("<Q")


@dataclass(slots=True)
class Batch:
    filings: list[Filing]
    bad: list[BadRow]
    rows: int
    position: int  # bytes of the file read so far


def _batches(path: Path, file_format: FileFormat, size: int = BATCH) -> Iterator[Batch]:
    checker = RowChecker()
    with RowSource(path, file_format) as source:
        filings: list[Filing] = []
        bad: list[BadRow] = []
        rows = 0
        for raw in source:
            rows += 1
            checked = checker.check(raw)
            if isinstance(checked, BadRow):
                bad.append(checked)
            else:
                filings.append(checked)
            if rows == size:
                yield Batch(filings, bad, rows, source.position)
                filings, bad, rows = [], [], 0
        yield Batch(filings, bad, rows, source.size)


@contextmanager
def checked_batches(
    path: Path, file_format: FileFormat, parallel: bool | None = None, size: int = BATCH
) -> Iterator[Iterator[Batch]]:
    """The file's checked batches of `size` rows, in order; `parallel` None: a helper process for a large file on
    2+ cores."""
    if parallel is None:
        parallel = path.stat().st_size >= PARALLEL_FROM_BYTES and (os.cpu_count() or 1) > 1
    if not parallel:
        yield _batches(path, file_format, size)
        return
    check_header(path, file_format)  # a file without the columns fails here, as in this process
    helper = subprocess.Popen(
        [sys.executable, "-m", "openbeian.bulk.batches", str(path), file_format.value, str(size)],
        stdout=subprocess.PIPE,
    )
    assert helper.stdout is not None
    try:
        yield _received(helper.stdout)
    finally:
        if helper.poll() is None:
            helper.kill()
        helper.stdout.close()
        helper.wait()


def _received(pipe: IO[bytes]) -> Iterator[Batch]:
    while True:
        head = pipe.read(_FRAME.size)
        if len(head) < _FRAME.size:
            raise RuntimeError("the file reader process stopped unexpectedly")
        (length,) = _FRAME.unpack(head)
        if length == 0:
            return
        filings, bad, rows, position = pickle.loads(pipe.read(length))
        yield Batch([Filing(*values) for values in filings], bad, rows, position)


def _serve(path: Path, file_format: FileFormat, size: int, out: IO[bytes]) -> None:
    values = operator.attrgetter(*(f.name for f in dataclasses.fields(Filing)))
    for batch in _batches(path, file_format, size):
        # Filings travel as tuples of their fields: a third of the pickling cost of the objects.
        packed = ([values(f) for f in batch.filings], batch.bad, batch.rows, batch.position)
        data = pickle.dumps(packed, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(_FRAME.pack(len(data)))
        out.write(data)
    out.write(_FRAME.pack(0))
    out.flush()


if __name__ == "__main__":
    from openbeian.bulk import batches  # this module under its own name, so that its classes unpickle

    batches._serve(Path(sys.argv[1]), FileFormat(sys.argv[2]), int(sys.argv[3]), sys.stdout.buffer)

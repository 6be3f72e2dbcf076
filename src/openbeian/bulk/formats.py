"""The registry file: one row per filed site (website, app, mini program or quick app), CSV or JSON Lines.

Columns, in this order (export writes all of them; import needs the first six marked *):

    unitName*         the subject's name (an individual's full name: the file is the registry's own data)
    natureName*       企业 / 个人 / 政府机关 / 事业单位 / 社会团体 (see domain/ministry.py for the finer kinds)
    mainLicence*      the subject's number, 京ICP备2024012345号 (10 digits, or 8 for the years before 2020)
    serviceLicence*   the site's number under it, …号-2 (website), -2A (app), -2X (mini program), -2K (quick app)
    serviceName*      the site's name
    domain            the site's domains (unicode form), ";"-separated, sorted; empty for most apps
    homeUrl           the home page URL
    contentTypeName   pre-approval categories (前置审批), ";"-separated
    leaderName        the site leader's name
    limitAccess       是 / 否
    updateRecordTime* the approval time, Beijing time: 2024-05-06 10:20:30
    creditCode        organisations: the unified social credit code (统一社会信用代码)
    documentKey       individuals: the registry's key of the identity document (below)
    appId             apps, mini programs and quick apps: the package name or app id
    providers         the access providers' names, ";"-separated, sorted (created when unknown)
    policeNumber      the public-security filing number (公安备案号), when recorded
    status            active | cancelled (the site)
    cancelTime        when the site was cancelled (Beijing time)
    mainStatus        active | cancelled (the subject; a cancelled subject's sites are all cancelled)

Import also reads `idNumber` (an individual's resident ID number, checked and hashed, never stored) and ignores
columns it does not know (the ministry's mainId, domainId, serviceId ...).

Documents. The registry keeps a subject's identity document only as `document_key`, sha256 of
"<document type>:<number>", the key every order checks ("this subject is already filed"). What the file carries:
- organisations: the unified social credit code, which is public (it is printed on the business licence and
  published by the credit system). It is stored in clear (registry_subjects.credit_code), its check digit and
  registration authority (9 enterprise, 1 government or institution, 5 social organisation ...) are checked on
  import, and its key is the one an order with that licence computes, so an organisation imported from a file
  cannot be filed twice through an order;
- individuals: their ID number is personal data and is never stored, so the file carries the key instead
  (`documentKey`, 64 hex digits, checked for form), which is what export can write back. A file made from source
  data may give `idNumber` instead: its check digit is verified, it becomes the key, and the number is dropped.
So a generated file round-trips byte for byte (generate computes a valid ID number and writes its key), and
the document checks still mean something: credit codes are verified, and an individual imported from a file is
recognised when the same person later files through an order with their ID card.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO

from openbeian.domain.ministry import MINISTRY_COLUMNS
from openbeian.errors import Text, ValidationError

EXTRA_COLUMNS: tuple[str, ...] = (
    "creditCode",
    "documentKey",
    "appId",
    "providers",
    "policeNumber",
    "status",
    "cancelTime",
    "mainStatus",
)
COLUMNS: tuple[str, ...] = MINISTRY_COLUMNS + EXTRA_COLUMNS
REQUIRED: tuple[str, ...] = (
    "unitName",
    "natureName",
    "mainLicence",
    "serviceLicence",
    "serviceName",
    "updateRecordTime",
)
INPUT_ONLY: tuple[str, ...] = ("idNumber",)
#: Where each known column sits in the tuples `read_rows` yields: COLUMNS, then the input-only ones.
INPUT_COLUMNS: tuple[str, ...] = COLUMNS + INPUT_ONLY
SEPARATOR = ";"


class FileFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"

    @classmethod
    def of(cls, path: Path, given: str | None = None) -> FileFormat:
        """The given format, else the file's extension (.csv, .jsonl / .ndjson / .json)."""
        if given:
            try:
                return cls(given.lower())
            except ValueError:
                raise _bad_format(given) from None
        suffix = path.suffix.lower()
        if suffix == ".csv":
            return cls.CSV
        if suffix in (".jsonl", ".ndjson", ".json"):
            return cls.JSONL
        raise _bad_format(suffix or path.name)


def _bad_format(what: str) -> ValidationError:
    return ValidationError(
        Text(f"unknown file format {what!r}: use csv or jsonl", f"未知的文件格式「{what}」：请使用 csv 或 jsonl"),
        {"format": Text("csv or jsonl", "csv 或 jsonl")},
    )


@dataclass(frozen=True, slots=True)
class RawRow:
    """One row as read: its line number (the header is line 1 in CSV) and its values in INPUT_COLUMNS order,
    or the reason it could not be read at all."""

    line: int
    values: tuple[str, ...]
    unreadable: str | None = None


class RowSource:
    """Reads a file row by row; `position` (bytes read so far) drives a progress bar."""

    def __init__(self, path: Path, file_format: FileFormat) -> None:
        self.path = path
        self.format = file_format
        self._binary = path.open("rb")
        self._text = io.TextIOWrapper(self._binary, encoding="utf-8-sig", newline="")
        self.size = path.stat().st_size

    @property
    def position(self) -> int:
        return self._binary.tell()

    def close(self) -> None:
        self._text.close()

    def __enter__(self) -> RowSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[RawRow]:
        if self.format is FileFormat.CSV:
            return _csv_rows(self._text)
        return _jsonl_rows(self._text)


def _missing_columns(header: list[str]) -> None:
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValidationError(
            Text(f"the file lacks the column(s) {', '.join(missing)}", f"文件缺少列：{'、'.join(missing)}"),
            {"file": Text("missing columns", "缺少列")},
        )


def _csv_rows(text: IO[str]) -> Iterator[RawRow]:
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:
        raise _unreadable_file(str(exc)) from None
    header = [h.strip() for h in header]
    _missing_columns(header)
    where = [header.index(c) if c in header else -1 for c in INPUT_COLUMNS]
    width = len(header)
    empty = ("",) * len(INPUT_COLUMNS)
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RawRow(reader.line_num, empty, f"not CSV: {exc}")
            continue
        if not values:
            continue
        if len(values) != width:
            yield RawRow(reader.line_num, empty, f"{len(values)} fields, the header has {width}")
            continue
        yield RawRow(reader.line_num, tuple(values[i] if i >= 0 else "" for i in where))


def _jsonl_rows(text: IO[str]) -> Iterator[RawRow]:
    empty = ("",) * len(INPUT_COLUMNS)
    checked_header = False
    for line, content in enumerate(text, start=1):
        if not content.strip():
            continue
        try:
            record = json.loads(content)
        except ValueError as exc:
            yield RawRow(line, empty, f"not JSON: {exc}")
            continue
        if not isinstance(record, dict):
            yield RawRow(line, empty, "not a JSON object")
            continue
        if not checked_header:
            _missing_columns(list(record))
            checked_header = True
        values = []
        for column in INPUT_COLUMNS:
            value = record.get(column)
            values.append("" if value is None else value if isinstance(value, str) else str(value))
        yield RawRow(line, tuple(values))


def _unreadable_file(reason: str) -> ValidationError:
    return ValidationError(
        Text(f"the file cannot be read: {reason}", f"无法读取文件：{reason}"), {"file": Text(reason, reason)}
    )


def check_header(path: Path, file_format: FileFormat) -> None:
    """Raise ValidationError when the file lacks a required column (what reading it would raise first)."""
    with RowSource(path, file_format) as source:
        next(iter(source), None)


class RowSink:
    """Writes rows (tuples in COLUMNS order) as CSV (with a header) or JSON Lines, UTF-8, "\\n" line ends."""

    def __init__(self, out: IO[str], file_format: FileFormat) -> None:
        self._out = out
        self.format = file_format
        if file_format is FileFormat.CSV:
            self._csv = csv.writer(out, lineterminator="\n")
            self._csv.writerow(COLUMNS)

    def write(self, row: tuple[str, ...]) -> None:
        if self.format is FileFormat.CSV:
            self._csv.writerow(row)
        else:
            self._out.write(json.dumps(dict(zip(COLUMNS, row, strict=True)), ensure_ascii=False) + "\n")


def open_output(path: Path) -> IO[str]:
    return path.open("w", encoding="utf-8", newline="")

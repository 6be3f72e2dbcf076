"""The rules' versioned data: packaged JSON tables whose every entry carries `valid_from` (and maybe `valid_to`).

Tables are read once, on first use. `Tables.at(day)` gives the view of the data in force on one day: an entry
counts from its `valid_from` (inclusive) to its `valid_to` (exclusive).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from openbeian.errors import Text

Entry = dict[str, Any]


def in_force(entry: Entry, day: date) -> bool:
    start = date.fromisoformat(entry["valid_from"])
    end = entry.get("valid_to")
    return start <= day and (end is None or day < date.fromisoformat(end))


@cache
def table(name: str) -> dict[str, Any]:
    """A data file by name (``provinces``, ``tlds`` ...), parsed."""
    source = resources.files("openbeian.rules").joinpath(f"data/{name}.json")
    loaded: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    return loaded


TABLES = ("provinces", "tlds", "words", "content", "licence")


@dataclass(frozen=True, slots=True)
class Policy:
    """One province's filing policy on one day."""

    province: str
    accepts_non_local_individuals: bool
    accepts_foreigners: bool
    accepts_residence_permit: bool
    local_id_only: bool
    leader_legal_representative: str  # required | authorisation | free
    local_mobile_provinces: tuple[str, ...] | None
    min_age: int
    max_domains_per_order: int | None
    review_days: int
    refused_tlds: frozenset[str]
    source: str


@dataclass(frozen=True, slots=True)
class PreApprovalCategory:
    category: str
    authority: Text
    document: Text
    source: str


@dataclass(frozen=True, slots=True)
class Pilot:
    areas: tuple[str, ...]
    name: Text
    excluded_content: frozenset[str]
    source: str


@dataclass(frozen=True, slots=True)
class Word:
    word: str
    source: str


class Tables:
    """The data in force on one day."""

    def __init__(self, day: date) -> None:
        self.day = day
        self.policies: dict[str, Policy] = {
            row["province"]: _policy(row) for row in table("provinces")["policies"] if in_force(row, day)
        }
        tlds = table("tlds")
        self.fileable_tlds: dict[str, str] = {e["tld"]: e["source"] for e in tlds["fileable"] if in_force(e, day)}
        self.refused_tlds: dict[str, str] = {e["tld"]: e["source"] for e in tlds["not_fileable"] if in_force(e, day)}
        self.required_suffixes: dict[str, Entry] = {e["kind"]: e for e in tlds["required_by_kind"] if in_force(e, day)}
        words = table("words")
        self.reserved_words = self._words(words["reserved"])
        self.individual_forbidden_words = self._words(words["individual_forbidden"])
        self.company_like_words = self._words(words["company_like"])
        self.pre_approval: dict[str, PreApprovalCategory] = {
            e["category"]: PreApprovalCategory(
                e["category"], Text(**e["authority"]), Text(**e["document"]), e["source"]
            )
            for e in table("content")["pre_approval"]
            if in_force(e, day)
        }
        licence = table("licence")
        caps = [e for e in licence["cap"] if in_force(e, day)]
        self.ownership_cap: Entry | None = caps[-1] if caps else None
        self.pilots = tuple(
            Pilot(tuple(e["areas"]), Text(**e["name"]), frozenset(e["excluded_content"]), e["source"])
            for e in licence["pilots"]
            if in_force(e, day)
        )

    def _words(self, entries: list[Entry]) -> tuple[Word, ...]:
        return tuple(Word(e["word"], e["source"]) for e in entries if in_force(e, self.day))


def _policy(row: Entry) -> Policy:
    mobiles = row["local_mobile_provinces"]
    return Policy(
        province=row["province"],
        accepts_non_local_individuals=row["accepts_non_local_individuals"],
        accepts_foreigners=row["accepts_foreigners"],
        accepts_residence_permit=row["accepts_residence_permit"],
        local_id_only=row["local_id_only"],
        leader_legal_representative=row["leader_legal_representative"],
        local_mobile_provinces=None if mobiles is None else tuple(mobiles),
        min_age=row["min_age"],
        max_domains_per_order=row["max_domains_per_order"],
        review_days=row["review_days"],
        refused_tlds=frozenset(row["refused_tlds"]),
        source=row["source"],
    )


@lru_cache(maxsize=64)
def tables_at(day: date) -> Tables:
    return Tables(day)

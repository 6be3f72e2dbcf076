"""Constraints that hold even when the service-level checks are raced."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from openbeian.errors import Conflict
from openbeian.store.uow import Database


def test_a_second_active_filing_of_the_same_document_is_refused_by_the_database(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'r.db'}")
    now = datetime(2026, 3, 10, tzinfo=UTC)
    with db.unit_of_work() as uow:
        first = uow.registry.issue_subject("110000", 2026, "甲公司", "enterprise", "doc-key-1", now, None)
        uow.commit()
    with db.unit_of_work() as uow:
        # Bypasses check_not_filed, as a concurrent approval that read before the first commit would.
        with pytest.raises(Conflict, match=first.number):
            uow.registry.issue_subject("110000", 2026, "甲公司", "enterprise", "doc-key-1", now, None)
        other = uow.registry.issue_subject("110000", 2026, "乙公司", "enterprise", "doc-key-2", now, None)
        uow.commit()
    assert other.number == "京ICP备2026000002号"
    db.dispose()

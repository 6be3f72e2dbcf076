"""The change feed the gates follow: every decision-affecting change is in it with its state, a replica built
from the feed, from the snapshot or from the database decides alike, the long-poll answers as soon as a change
commits, and a FeedFollower following a real API server picks changes up."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from openbeian.domain.workflow import Stage, Trigger
from openbeian.gate.follow import FeedFollower, index_from_snapshot
from openbeian.gate.index import GateIndex
from openbeian.gate.source import apply_feed_change, check_host, load_index, read_changes, snapshot_lines
from openbeian.services.cleanup import CleanupService
from openbeian.store.uow import Database

from .gatehelpers import add_access_draft, api_app, cancel_site, file_site, served_app, walk

if TYPE_CHECKING:
    from conftest import Filings

HOSTS = [
    "feed-a.cn",
    "www.feed-a.cn",
    "feed-pending.cn",
    "feed-cancel.cn",
    "feed-black.cn",
    "feed-subject.cn",
    "feed-shell.cn",
    "feed-changed.cn",
    "feed-dropped.cn",
    "feed-unfiled.cn",
    "feed-shared.cn",
]


def registry_with_every_kind_of_change(filings: Filings) -> dict[str, Any]:
    """Filings, an order in review, an add-access in review, a cancellation, blacklists, an empty-shell notice and
    a change dropping a domain: each through the services."""
    officer = filings.cast.officers["110000"]
    cleanup = CleanupService(filings.ctx)
    applicant, _, form = file_site(filings, "feed-a.cn")
    order = filings.orders.act(applicant, add_access_draft(filings, applicant, form).id or 0, Trigger.SUBMIT)
    walk(filings, applicant, order, Stage.VERIFICATION)
    sharer, _, shared_form = file_site(filings, "feed-shared.cn")
    walk(filings, sharer, add_access_draft(filings, sharer, shared_form))
    pending, draft = filings.draft(filings.form("110000", "enterprise", _site("feed-pending.cn")))
    filings.orders.act(pending, draft.id or 0, Trigger.SUBMIT)
    owner, cancelled, _ = file_site(filings, "feed-cancel.cn")
    assert cancelled.issued is not None
    cancel_site(filings, owner, cancelled.issued.site_numbers[0])
    file_site(filings, "feed-black.cn")
    cleanup.blacklist_domain(officer, "feed-black.cn", "仿冒网站")
    _, _, subject_form = file_site(filings, "feed-subject.cn")
    document = subject_form["subject"]["document"]
    cleanup.blacklist_subject(officer, document["type"], document["number"], "虚假材料")
    shell_owner, shell, _ = file_site(filings, "feed-shell.cn")
    assert shell.issued is not None
    scope = {"action": "cancel", "target": shell.issued.site_numbers[0], "scope": "access"}
    walk(filings, shell_owner, filings.orders.create(shell_owner, scope))
    cleanup.notice_all(officer)
    changer, changed, _ = file_site(filings, "feed-changed.cn", "feed-dropped.cn")
    assert changed.issued is not None
    kept = [{"name": "改名后的网站", "service_type": "website", "domains": ["feed-changed.cn"]}]
    change = filings.orders.create(
        changer, {"action": "change", "target": changed.issued.site_numbers[0], "sites": kept}
    )
    walk(filings, changer, change)
    return {"cancelled": cancelled.issued.site_numbers[0]}


def decisions(index: GateIndex, filings: Filings) -> list[tuple[str, str, str | None]]:
    own, other = filings.cast.reviewer.provider_id, filings.cast.other_reviewer.provider_id
    return [
        (v.decision.value, v.reason.value, v.site_number)
        for host in HOSTS
        for provider in (None, own, other)
        for v in [index.decide(host, provider)]
    ]


@pytest.fixture
def db(sqlite_db: Database) -> Database:
    return sqlite_db


def test_the_feed_has_every_decision_affecting_change_and_a_replay_equals_the_database(filings: Filings) -> None:
    registry_with_every_kind_of_change(filings)
    engine = filings.ctx.db.engine
    newest, changes = read_changes(engine, 0, 1000)
    actions = {c["action"] for c in changes}
    assert {
        "site_approved",
        "order_review",
        "access_added",
        "site_cancelled",
        "blacklisted",
        "access_cancelled",
        "cleanup_noticed",
        "site_changed",
    } <= actions
    assert all("gate" in c for c in changes) and changes[-1]["seq"] == newest
    assert "document" not in str([c for c in changes if c["action"] == "blacklisted"])  # no document keys

    replica = GateIndex()
    for change in changes:
        apply_feed_change(replica, change)
    from_db = load_index(engine)
    from_snapshot = index_from_snapshot(snapshot_lines(engine))
    assert replica.seq == from_db.seq == from_snapshot.seq == newest
    expected = decisions(from_db, filings)
    assert decisions(replica, filings) == expected
    assert decisions(from_snapshot, filings) == expected
    one_by_one = [
        (v.decision.value, v.reason.value, v.site_number)
        for host in HOSTS
        for provider in (None, filings.cast.reviewer.provider_id, filings.cast.other_reviewer.provider_id)
        for v in [check_host(engine, host, provider)]
    ]
    assert one_by_one == expected
    assert expected[HOSTS.index("feed-dropped.cn") * 3] == ("unknown", "not_filed", None)
    # The notice on feed-shell.cn ran out (the registry's clock is March 2026; the gate reads the real time).
    assert expected[HOSTS.index("feed-shell.cn") * 3][:2] == ("suspended", "empty_shell")
    allowed = ["feed-a.cn", "feed-changed.cn", "feed-shared.cn"]
    assert sorted(from_db.allowed()) == sorted(replica.allowed()) == allowed


def test_the_allowed_hosts_of_a_provider_include_an_add_access_past_its_first_review(filings: Filings) -> None:
    registry_with_every_kind_of_change(filings)
    index = load_index(filings.ctx.db.engine)
    own = ["feed-a.cn", "feed-changed.cn", "feed-shared.cn"]
    assert sorted(index.allowed(filings.cast.reviewer.provider_id)) == own
    assert sorted(index.allowed(filings.cast.other_reviewer.provider_id)) == ["feed-a.cn", "feed-shared.cn"]
    index.apply_change(index.seq, [], [])
    index.fold()  # the overlay folded into a new trie decides alike
    assert sorted(index.allowed(filings.cast.reviewer.provider_id)) == own


def test_a_long_poll_answers_as_soon_as_a_change_commits(filings: Filings) -> None:
    file_site(filings, "feed-first.cn")
    officer = filings.cast.officers["110000"]
    with served_app(api_app(filings.ctx.db)) as url, httpx.Client(base_url=url, timeout=60) as client:
        newest = client.get("/api/v1/registry/changes", params={"since": 0}).json()["newest"]
        quiet = client.get("/api/v1/registry/changes", params={"since": newest, "wait": 0.2}).json()
        assert quiet["changes"] == []

        def later() -> None:
            time.sleep(0.3)
            CleanupService(filings.ctx).blacklist_domain(officer, "feed-late.cn", "仿冒网站")

        writer = threading.Thread(target=later)
        started = time.monotonic()
        writer.start()
        answer = client.get("/api/v1/registry/changes", params={"since": newest, "wait": 30})
        waited = time.monotonic() - started
        writer.join()
        assert answer.status_code == 200
        [change] = answer.json()["changes"]
        assert change["action"] == "blacklisted" and change["gate"]["domains"][0]["blacklisted"] is True
        assert waited < 30  # it did not wait for the whole 30 seconds
        gone = client.get("/api/v1/registry/changes", params={"since": newest + 100})
        assert gone.status_code == 410 and "snapshot" in gone.json()["error"]["message"]
        lines = client.get("/api/v1/registry/snapshot").text.splitlines()
        assert '"seq"' in lines[0] and any("feed-first.cn" in line for line in lines[1:])
        spec = client.get("/api/v1/openapi.json").json()
        assert "/api/v1/registry/snapshot" in spec["paths"]
        assert "order_review" in spec["paths"]["/api/v1/registry/changes"]["get"]["description"]


def test_a_feed_follower_takes_the_snapshot_then_applies_changes_from_a_real_api(filings: Filings) -> None:
    applicant, order, _ = file_site(filings, "feed-follow.cn")
    assert order.issued is not None
    number = order.issued.site_numbers[0]

    async def follow(url: str) -> list[str]:
        follower = FeedFollower(url, wait=5)
        await follower.start()
        seen = [follower.index.decide("feed-follow.cn").decision.value]
        task = asyncio.create_task(follower.run())
        await asyncio.to_thread(cancel_site, filings, applicant, number)
        deadline = time.monotonic() + 30
        while follower.index.decide("feed-follow.cn").decision.value == "allowed" and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        seen.append(follower.index.decide("feed-follow.cn").reason.value)
        task.cancel()
        return seen

    with served_app(api_app(filings.ctx.db)) as url:
        assert asyncio.run(follow(url)) == ["allowed", "cancelled"]


def _site(domain: str) -> list[dict[str, object]]:
    return [{"name": "云启科技官网", "service_type": "website", "domains": [domain]}]

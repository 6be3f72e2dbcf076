"""The gate's decisions on a real SQLite registry built through the services: each case read straight from the
database (`check_host`, what `gate check` runs) and from the whole index (`load_index`), which must agree."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING

import pytest

from openbeian.clock import FixedClock
from openbeian.domain.workflow import Stage, Trigger
from openbeian.gate.decision import BadHost, Reason, normalise_host
from openbeian.gate.index import GateIndex
from openbeian.gate.source import check_host, load_index
from openbeian.services.cleanup import CleanupService
from openbeian.store.uow import Database

from .gatehelpers import add_access_draft, cancel_site, file_site, walk

if TYPE_CHECKING:
    from conftest import Filings


@pytest.fixture
def db(sqlite_db: Database) -> Database:
    """SQLite only here; the change feed has a PostgreSQL variant (test_gate_feed.py)."""
    return sqlite_db


def decide(filings: Filings, host: str, provider: int | None = None, **kwargs: object) -> tuple[str, str]:
    """(decision, reason) from the database and from a freshly built index; they must agree."""
    clock = kwargs.pop("clock", None)
    times = {"clock": clock} if clock is not None else {}
    engine = filings.ctx.db.engine
    one = check_host(engine, host, provider, **times)  # type: ignore[arg-type]
    index = load_index(engine, **times)  # type: ignore[arg-type]
    whole = index.decide(host, provider)
    assert (one.decision, one.reason, one.site_number) == (whole.decision, whole.reason, whole.site_number), host
    return one.decision.value, one.reason.value


def providers(filings: Filings) -> tuple[int, int]:
    own, other = filings.cast.reviewer.provider_id, filings.cast.other_reviewer.provider_id
    assert own is not None and other is not None
    return own, other


def test_a_filed_domain_and_its_subdomains_are_allowed_for_its_provider(filings: Filings) -> None:
    _, order, _ = file_site(filings, "gate-filed.cn")
    assert order.issued is not None
    own, _ = providers(filings)
    for host in ("gate-filed.cn", "www.gate-filed.cn", "a.b.gate-filed.cn"):
        assert decide(filings, host, own) == ("allowed", "filed")
        assert decide(filings, host) == ("allowed", "filed")  # the registry's view: any provider
    verdict = check_host(filings.ctx.db.engine, "www.gate-filed.cn", own)
    assert verdict.site_number == order.issued.site_numbers[0]


def test_case_port_and_a_trailing_dot_are_normalised_as_the_registry_does(filings: Filings) -> None:
    file_site(filings, "gate-norm.com.cn")
    own, _ = providers(filings)
    for host in ("GATE-NORM.com.CN", "gate-norm.com.cn.", "www.gate-norm.com.cn:8443", "Www.Gate-Norm.Com.Cn.:80"):
        assert decide(filings, host, own) == ("allowed", "filed"), host
    assert normalise_host("WWW.Example.COM.:8080") == "www.example.com"


def test_an_idn_host_is_decided_on_its_punycode_in_either_spelling(filings: Filings) -> None:
    file_site(filings, "网关测试.cn")
    own, _ = providers(filings)
    assert decide(filings, "网关测试.cn", own) == ("allowed", "filed")
    assert decide(filings, "www.网关测试.CN.", own) == ("allowed", "filed")
    ascii_name = normalise_host("网关测试.cn")
    assert ascii_name.startswith("xn--") and decide(filings, ascii_name, own) == ("allowed", "filed")


def test_an_unfiled_host_is_unknown_not_filed(filings: Filings) -> None:
    file_site(filings, "gate-other.cn")
    assert decide(filings, "gate-unfiled.cn") == ("unknown", "not_filed")
    assert decide(filings, "gate-other.cn.evil.com") == ("unknown", "not_filed")


def test_ip_literals_and_hosts_without_a_registrable_domain_are_unknown(filings: Filings) -> None:
    for host in ("47.95.1.2", "47.95.1.2:80", "[2001:db8::1]:443", "[::1]", "2001:db8::1"):
        assert decide(filings, host) == ("unknown", "ip_literal"), host
    for host in ("localhost", "com.cn", "com"):
        assert decide(filings, host) == ("unknown", "no_registrable_domain"), host
    with pytest.raises(BadHost):
        normalise_host("bad host.cn")


def test_a_site_filed_with_another_provider_is_unknown_filed_elsewhere(filings: Filings) -> None:
    file_site(filings, "gate-elsewhere.cn")
    _, other = providers(filings)
    assert decide(filings, "www.gate-elsewhere.cn", other) == ("unknown", "filed_elsewhere")


def test_an_order_in_review_is_pending_but_a_draft_is_not(filings: Filings) -> None:
    own, other = providers(filings)
    applicant, draft = filings.draft(filings.form("110000", "enterprise", _site("gate-pending.cn")))
    assert decide(filings, "gate-pending.cn", own) == ("unknown", "not_filed")
    order = filings.orders.act(applicant, draft.id or 0, Trigger.SUBMIT)
    assert decide(filings, "gate-pending.cn", own) == ("pending", "in_review")
    assert decide(filings, "www.gate-pending.cn") == ("pending", "in_review")
    assert decide(filings, "gate-pending.cn", other) == ("unknown", "in_review")  # in review elsewhere
    order = walk(filings, applicant, order, Stage.REGULATOR_REVIEW)
    assert decide(filings, "gate-pending.cn", own) == ("pending", "in_review")
    walk(filings, applicant, order)
    assert decide(filings, "gate-pending.cn", own) == ("allowed", "filed")


def test_an_add_access_order_is_allowed_for_the_new_provider_once_its_first_review_passed(filings: Filings) -> None:
    own, other = providers(filings)
    applicant, _, form = file_site(filings, "gate-access.cn")
    draft = add_access_draft(filings, applicant, form)
    assert decide(filings, "gate-access.cn", other) == ("unknown", "filed_elsewhere")
    order = filings.orders.act(applicant, draft.id or 0, Trigger.SUBMIT)
    assert decide(filings, "gate-access.cn", other) == ("pending", "in_review")
    order = walk(filings, applicant, order, Stage.VERIFICATION)
    assert decide(filings, "gate-access.cn", other) == ("allowed", "access_in_review")
    assert decide(filings, "gate-access.cn", own) == ("allowed", "filed")
    walk(filings, applicant, order)
    assert decide(filings, "gate-access.cn", other) == ("allowed", "filed")


def test_a_cancelled_site_is_suspended(filings: Filings) -> None:
    applicant, order, _ = file_site(filings, "gate-cancel.cn")
    assert order.issued is not None
    cancel_site(filings, applicant, order.issued.site_numbers[0])
    assert decide(filings, "www.gate-cancel.cn") == ("suspended", "cancelled")


def test_blacklisted_domains_and_subjects_are_suspended(filings: Filings) -> None:
    officer = filings.cast.officers["110000"]
    cleanup = CleanupService(filings.ctx)
    file_site(filings, "gate-black.cn")
    _, _, form = file_site(filings, "gate-subject.cn")
    cleanup.blacklist_domain(officer, "gate-black.cn", "仿冒网站")
    assert decide(filings, "www.gate-black.cn") == ("suspended", "blacklisted")
    document = form["subject"]["document"]
    cleanup.blacklist_subject(officer, document["type"], document["number"], "虚假材料")
    assert decide(filings, "gate-subject.cn") == ("suspended", "blacklisted")


def test_an_empty_site_is_suspended_once_its_notice_ran_out(filings: Filings, clock: FixedClock) -> None:
    applicant, order, _ = file_site(filings, "gate-shell.cn")
    assert order.issued is not None
    target = order.issued.site_numbers[0]
    draft = filings.orders.create(applicant, {"action": "cancel", "target": target, "scope": "access"})
    walk(filings, applicant, draft)
    assert decide(filings, "gate-shell.cn", clock=clock.now().timestamp) == ("allowed", "filed")  # any provider
    [notice] = CleanupService(filings.ctx).notice_all(filings.cast.officers["110000"])
    before, after = notice.due_at.timestamp() - 60, notice.due_at.timestamp() + 60
    assert decide(filings, "gate-shell.cn", clock=lambda: before) == ("allowed", "filed")
    assert decide(filings, "gate-shell.cn", clock=lambda: after) == ("suspended", "empty_shell")


def test_strict_mode_wants_the_address_of_the_access_record(filings: Filings) -> None:
    file_site(filings, "gate-strict.cn")
    own, _ = providers(filings)
    engine = filings.ctx.db.engine
    [ips] = {
        row[0]
        for row in sqlite3.connect(filings.ctx.db.url.removeprefix("sqlite:///")).execute(
            "SELECT p.ips FROM registry_site_providers p JOIN registry_domains d ON d.site_id = p.site_id"
            " WHERE d.domain = 'gate-strict.cn'"
        )
    }
    address = ips.strip('[]"').split('"')[0]
    assert check_host(engine, "gate-strict.cn", own, address).reason is Reason.FILED
    assert check_host(engine, "gate-strict.cn", own, "10.9.9.9").reason is Reason.WRONG_SERVER_ADDRESS
    strict = load_index(engine, strict=True)
    assert strict.decide("www.gate-strict.cn", own, address).allowed
    assert strict.decide("www.gate-strict.cn", own, "10.9.9.9").reason is Reason.WRONG_SERVER_ADDRESS
    assert load_index(engine).decide("gate-strict.cn", own, "10.9.9.9").allowed  # not strict: the address is not asked


def test_site_numbers_round_trip_through_the_packed_word() -> None:
    index = GateIndex()
    from openbeian.gate.index import SiteState

    for number in ("京ICP备2026000001号-1", "粤ICP备2019123456号-12A", "沪ICP备2000999999号-511K", "京ICP证030173号-1"):
        index.apply_site(SiteState(number, "active", ("x.cn",), {1: ()}))
        assert index.decide("x.cn", 1).site_number == number
    assert datetime  # imported for type checkers of the fixtures


def _site(domain: str) -> list[dict[str, object]]:
    return [{"name": "云启科技官网", "service_type": "website", "domains": [domain]}]

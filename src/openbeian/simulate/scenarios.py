"""`simulate`: synthetic applicants driving orders of every kind to their end, through the services.

Each scenario starts from what the registry holds (a filing made earlier in the run, with its applicant)
and drives one order of its kind; a first filing is made first when the run has none to build on."""

from __future__ import annotations

import random
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openbeian.domain.kinds import OrderKind
from openbeian.domain.orders import Actor, FilingOrder
from openbeian.domain.workflow import Stage
from openbeian.errors import ValidationError
from openbeian.services.context import Context
from openbeian.services.forms import content_form
from openbeian.services.orders import OrderService
from openbeian.services.resources import ResourceService
from openbeian.simulate import synth
from openbeian.simulate.driver import Cast, drive, ensure_cast, new_applicant_order

# A realistic mix: most orders are first filings and new sites; changes and cancellations are rarer.
MIX: dict[OrderKind, int] = {
    OrderKind.FIRST_FILING: 40,
    OrderKind.ADD_SITE: 12,
    OrderKind.ADD_ACCESS: 8,
    OrderKind.CHANGE_SUBJECT: 6,
    OrderKind.CHANGE_SITE: 8,
    OrderKind.CHANGE_ACCESS: 6,
    OrderKind.CANCEL_ACCESS: 5,
    OrderKind.CANCEL_SITE: 8,
    OrderKind.CANCEL_SUBJECT: 7,
}


@dataclass
class Filing:
    """An approved filing of the run that later orders build on."""

    applicant: Actor
    form: dict[str, Any]  # the filing form of its first order (subject and sites)
    subject_number: str
    site_numbers: list[str]  # active websites of the subject (filed at the main provider)
    busy: bool = False  # cancelled, or used up by a scenario


@dataclass
class Run:
    ctx: Context
    cast: Cast
    rng: random.Random
    prefix: str
    pool: list[Filing] = field(default_factory=list)
    counter: int = 0

    def unique(self) -> str:
        self.counter += 1
        return f"{self.prefix}k{self.counter}"

    def take(self, need_site: bool = True) -> Filing | None:
        for filing in self.pool:
            if not filing.busy and (filing.site_numbers or not need_site):
                return filing
        return None

    def service_number(self, applicant: Actor, at_other_provider: bool = False) -> str:
        """A new mainland server for the applicant (at the second provider when asked) and its service number."""
        reviewer = self.cast.other_reviewer if at_other_provider else self.cast.reviewer
        ip = f"47.{self.rng.randint(92, 120)}.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}"
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            account = uow.accounts.by_id(applicant.account_id or 0)
        assert account is not None
        _, numbers = ResourceService(self.ctx).add_instance(reviewer, account.username, [ip])
        return numbers[0].code


def first_filing(run: Run) -> FilingOrder:
    applicant, order = new_applicant_order(run.ctx, run.cast, run.rng, run.unique())
    order = drive(run.ctx, run.cast, applicant, order)
    if order.issued is not None:
        websites = [n for n, s in zip(order.issued.site_numbers, order.sites, strict=True) if s.domains]
        form = content_form(order.subject, order.sites)
        run.pool.append(Filing(applicant, form, order.issued.subject_number, websites))
    return order


def _order(run: Run, filing: Filing, data: dict[str, Any]) -> FilingOrder:
    order = OrderService(run.ctx).create(filing.applicant, data)
    return drive(run.ctx, run.cast, filing.applicant, order)


def add_site(run: Run, filing: Filing) -> FilingOrder:
    site = {
        "name": f"{run.rng.choice(synth.BLOG_TOPICS)}学习笔记",
        "service_type": "website",
        "domains": [synth.domain(run.rng, run.unique())],
    }
    data = {**filing.form, "sites": [site], "service_number": run.service_number(filing.applicant)}
    order = _order(run, filing, data)
    if order.issued is not None:
        filing.site_numbers.extend(order.issued.site_numbers)
    return order


def add_access(run: Run, filing: Filing) -> FilingOrder:
    """The same site, now also hosted at the second provider (接入备案)."""
    site_number = filing.site_numbers[0]
    site = _site_form(run, site_number)
    data = {**filing.form, "sites": [site], "service_number": run.service_number(filing.applicant, True)}
    return _order(run, filing, data)


def change_subject(run: Run, filing: Filing) -> FilingOrder:
    subject = dict(filing.form["subject"])
    subject["address"] = f"{subject.get('address') or ''}{run.rng.randint(2, 99)}号楼".strip()
    return _order(run, filing, {"action": "change", "target": filing.subject_number, "subject": subject})


def change_site(run: Run, filing: Filing) -> FilingOrder:
    site_number = filing.site_numbers[0]
    site = _site_form(run, site_number)
    site["name"] = f"{site['name'][:20]}新版"
    return _order(run, filing, {"action": "change", "target": site_number, "sites": [site]})


def change_access(run: Run, filing: Filing) -> FilingOrder:
    site_number = filing.site_numbers[0]
    number = run.service_number(filing.applicant)
    return _order(run, filing, {"action": "change", "target": site_number, "service_number": number})


def cancel_access(run: Run, filing: Filing) -> FilingOrder:
    site_number = filing.site_numbers.pop(0)  # no access left: an empty site for the regulator's cleanup
    return _order(run, filing, {"action": "cancel", "target": site_number, "scope": "access"})


def cancel_site(run: Run, filing: Filing) -> FilingOrder:
    site_number = filing.site_numbers.pop(0)
    return _order(run, filing, {"action": "cancel", "target": site_number})


def cancel_subject(run: Run, filing: Filing) -> FilingOrder:
    filing.busy = True
    return _order(run, filing, {"action": "cancel", "target": filing.subject_number})


def _site_form(run: Run, site_number: str) -> dict[str, Any]:
    with run.ctx.db.unit_of_work(readonly=True) as uow:
        site = uow.registry.site_by_number(site_number)
        assert site is not None and site.order_id is not None
        order = uow.orders.get(site.order_id)
    form = content_form(order.subject, order.sites)["sites"][order.site_index(site_number)]
    assert isinstance(form, dict)
    return form


SCENARIOS: dict[OrderKind, Callable[[Run, Filing], FilingOrder]] = {
    OrderKind.ADD_SITE: add_site,
    OrderKind.ADD_ACCESS: add_access,
    OrderKind.CHANGE_SUBJECT: change_subject,
    OrderKind.CHANGE_SITE: change_site,
    OrderKind.CHANGE_ACCESS: change_access,
    OrderKind.CANCEL_ACCESS: cancel_access,
    OrderKind.CANCEL_SITE: cancel_site,
    OrderKind.CANCEL_SUBJECT: cancel_subject,
}
NEEDS_SITE = {k for k in SCENARIOS if k not in (OrderKind.CHANGE_SUBJECT, OrderKind.CANCEL_SUBJECT)}


def plan(kinds: list[OrderKind], orders: int, rng: random.Random) -> list[OrderKind]:
    """Every asked kind once (in table order), then a weighted draw for the rest."""
    first = [k for k in MIX if k in kinds]
    rest = rng.choices(first, weights=[MIX[k] for k in first], k=max(0, orders - len(first)))
    return (first + rest)[:orders]


def run_kind(run: Run, kind: OrderKind, budget: int) -> list[FilingOrder]:
    """One order of `kind`, preceded by the first filing it builds on when the run has none to spare
    (and the budget allows two orders; else a first filing alone)."""
    if kind is OrderKind.FIRST_FILING:
        return [first_filing(run)]
    done = []
    filing = run.take(need_site=kind in NEEDS_SITE)
    if filing is None:
        done.append(first_filing(run))
        if budget < 2:
            return done
        filing = run.take(need_site=kind in NEEDS_SITE)
    if filing is None:  # the first filing did not end approved: nothing to build on
        return done
    done.append(SCENARIOS[kind](run, filing))
    filing.busy = kind is not OrderKind.ADD_SITE  # a subject is used by one later scenario, besides new sites
    return done


def parse_kinds(text: str) -> list[OrderKind]:
    """`all` or a comma-separated list of order kinds."""
    if text.strip().lower() in ("", "all", "mix"):
        return list(MIX)
    kinds = []
    for part in text.split(","):
        try:
            kinds.append(OrderKind(part.strip()))
        except ValueError:
            raise ValidationError.for_field(
                "--kinds",
                f"unknown kind {part.strip()!r}; use all or some of {', '.join(MIX)}",
                f"未知的备案类型 {part.strip()!r}；可用 all 或 {', '.join(MIX)}",
            ) from None
    return kinds


def simulate(
    ctx: Context, orders: int, seed: int | None = None, kinds: list[OrderKind] | None = None
) -> dict[str, Any]:
    """Create `orders` orders of the given kinds (default: the realistic mix of all kinds) for synthetic
    applicants and drive each to its end; report what happened, per kind."""
    rng = random.Random(seed)
    run = Run(ctx, ensure_cast(ctx), rng, secrets.token_hex(3))  # the prefix keeps parallel runs apart
    started = time.perf_counter()
    stages: Counter[str] = Counter()
    by_kind: dict[str, dict[str, int]] = {}
    examples: list[dict[str, object]] = []
    created = 0
    for kind in plan(kinds or list(MIX), orders, rng):
        if created >= orders:
            break
        for order in run_kind(run, kind, orders - created):
            created += 1
            stages[order.stage.value] += 1
            counts = by_kind.setdefault(order.kind.value, {"orders": 0, "approved": 0})
            counts["orders"] += 1
            if order.stage is Stage.APPROVED:
                counts["approved"] += 1
                if order.kind is OrderKind.FIRST_FILING and order.issued is not None and len(examples) < 20:
                    examples.append(
                        {
                            "domain": order.sites[0].domains[0].unicode if order.sites[0].domains else None,
                            "site_number": order.issued.site_numbers[0],
                            "subject_number": order.issued.subject_number,
                            "province_code": order.province_code,
                        }
                    )
    seconds = time.perf_counter() - started
    return {
        "orders": created,
        "approved": stages[Stage.APPROVED.value],
        "by_stage": dict(stages),
        "by_kind": by_kind,
        "seconds": round(seconds, 3),
        "orders_per_second": round(created / seconds, 1) if seconds > 0 else None,
        "database": ctx.db.dialect,
        "seed": seed,
        "run": run.prefix,
        "examples": examples,
    }

"""`openbeian instances`: the provider's server instances and the service numbers (备案服务号) they carry.

The CLI acts as an operator (admin): it may record an instance for any provider (--provider, default the first).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click
from rich.table import Table

from openbeian.clisupport import console, emit_json, fail, handles_errors, lang, state
from openbeian.domain.calendar import CHINA_TZ
from openbeian.domain.orders import Actor
from openbeian.domain.resources import Instance, ServiceNumber, eligibility_refusals
from openbeian.domain.workflow import Role
from openbeian.services.resources import ResourceService, credit_report, instance_report

OPERATOR = Actor(None, Role.ADMIN, "cli")


def _instance(instance: Instance, at: datetime) -> dict[str, Any]:
    return instance_report(instance, at, lang())


def _number(number: ServiceNumber) -> dict[str, Any]:
    return {
        "code": number.code,
        "state": number.state.value,
        "order_id": number.order_id,
        "granted_to": number.granted_to,
    }


def _parse_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--bought-at: {text!r} is not an ISO date or datetime (e.g. 2026-01-15 or 2026-01-15T10:00+08:00)")
        raise AssertionError from None  # fail() exits
    return at if at.tzinfo is not None else at.replace(tzinfo=CHINA_TZ)


@click.group("instances")
def instances() -> None:
    """Server instances sold to applicants and their service numbers (备案服务号)."""


@instances.command("create")
@click.argument("customer")
@click.option("--ip", "ips", multiple=True, metavar="IP", help="Public IP address (repeat for several).")
@click.option("--name", default="ecs", show_default=True)
@click.option("--region", default="cn-beijing", show_default=True, help="Region id, e.g. cn-shanghai, cn-hongkong.")
@click.option("--billing", default="subscription", show_default=True, help="subscription | pay_as_you_go")
@click.option("--months", default=12, show_default=True, type=int, help="Term bought, in calendar months.")
@click.option("--bought-at", metavar="ISO", help="When it was bought [default: now; without a zone: China time].")
@click.option("--service-numbers", default=1, show_default=True, type=int, help="Numbers to issue now (0 to 5).")
@click.option("--provider", help="Provider name [default: the first provider].")
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def create(
    customer: str,
    ips: tuple[str, ...],
    name: str,
    region: str,
    billing: str,
    months: int,
    bought_at: str | None,
    service_numbers: int,
    provider: str | None,
    as_json: bool,
) -> None:
    """Record an instance sold to the applicant CUSTOMER and issue its service numbers."""
    ctx = state().ctx
    instance, numbers = ResourceService(ctx).add_instance(
        OPERATOR,
        customer,
        list(ips),
        name=name,
        region=region,
        months=months,
        service_numbers=service_numbers,
        billing_mode=billing,
        bought_at=_parse_time(bought_at),
        provider=provider,
    )
    if as_json:
        emit_json({"instance": _instance(instance, ctx.clock.now()), "service_numbers": [_number(n) for n in numbers]})
        return
    click.echo(f"instance {instance.id} ({instance.region}, expires {instance.expires_at:%Y-%m-%d})")
    for number in numbers:
        click.echo(number.code)


@instances.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@handles_errors
def list_instances(as_json: bool) -> None:
    """Every instance, with whether it can carry a filing now."""
    ctx = state().ctx
    now = ctx.clock.now()
    found = ResourceService(ctx).instances(OPERATOR)
    if as_json:
        for instance in found:
            emit_json(_instance(instance, now))
        return
    table = Table("id", "owner", "name", "region", "billing", "ips", "expires", "eligible")
    for instance in found:
        refusals = eligibility_refusals(instance, now)
        table.add_row(
            str(instance.id),
            str(instance.owner_id),
            instance.name,
            instance.region,
            instance.billing_mode.label.get(lang()),
            ", ".join(instance.ips),
            f"{instance.expires_at.astimezone(CHINA_TZ):%Y-%m-%d}",
            "yes" if not refusals else ", ".join(r.rule for r in refusals),
        )
    console.print(table)


@instances.command("show")
@click.argument("instance_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def show(instance_id: int, as_json: bool) -> None:
    """One instance, its service numbers and its free hosting credit."""
    ctx = state().ctx
    instance, numbers, credit = ResourceService(ctx).instance(OPERATOR, instance_id)
    summary = _instance(instance, ctx.clock.now())
    data = {
        "instance": summary,
        "service_numbers": [_number(n) for n in numbers],
        "hosting_credit": credit_report(credit),
    }
    if as_json:
        emit_json(data)
        return
    click.echo(f"instance {instance.id} {instance.name} {instance.region} {instance.billing_mode.label.get(lang())}")
    click.echo(f"  expires {instance.expires_at.astimezone(CHINA_TZ):%Y-%m-%d %H:%M} (China time)")
    for refusal in summary["refusals"]:
        click.echo(f"  cannot carry a filing: {refusal['message']} [{refusal['rule']}]")
    for number in numbers:
        click.echo(
            f"  {number.code}  {number.state.label.get(lang())}"
            + (f"  order {number.order_id}" if number.order_id else "")
        )
    if credit is not None:
        click.echo(f"  free hosting: {credit.days} days for order {credit.order_id}")

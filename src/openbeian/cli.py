"""The `openbeian` command: thin. Parse, call a service, print (tables for people, --json for machines).

Bad input exits 2 with one line on stderr, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import click
from rich.table import Table

from openbeian import __version__
from openbeian.cli_gate import gate
from openbeian.cli_registry import registry_export, registry_generate, registry_import
from openbeian.cli_resources import instances
from openbeian.cli_rules import rules
from openbeian.cli_scan import scan
from openbeian.clisupport import State, console, emit_json, handles_errors, parse_instant, state
from openbeian.clock import FixedClock
from openbeian.domain.workflow import Role
from openbeian.services.accounts import AccountService
from openbeian.services.context import context_from_settings
from openbeian.services.numbers import number_report
from openbeian.services.registry import RegistryService
from openbeian.store.database import upgrade
from openbeian.store.uow import Database


@contextmanager
def _quiet_alembic() -> Iterator[None]:
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    yield


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--database",
    metavar="URL",
    envvar="OPENBEIAN_DATABASE_URL",
    help="sqlite:///FILE or postgresql+psycopg://USER@HOST/DB [env OPENBEIAN_DATABASE_URL; default sqlite:///openbeian.db]",
)
@click.version_option(__version__, prog_name="openbeian")
@click.pass_context
def main(ctx: click.Context, database: str | None) -> None:
    """OpenBeian: China's ICP filing system (ICP备案) — registry, orders, provider review, regulator.

    The database is created and migrated on first use.
    """
    ctx.obj = State(database)


# -- serve ------------------------------------------------------------------------------------------
@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--tick-every",
    default=60.0,
    show_default=True,
    type=click.FloatRange(0),
    metavar="SECONDS",
    help="Run the timers (see `tick`) in the background this often; 0 turns them off.",
)
@click.option(
    "--scan-every",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0),
    metavar="HOURS",
    help="Scan every provider's filed websites (footer compliance) when its last run is older than this;"
    " 0 (default): only on demand.",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 256),
    help="Worker processes serving requests on the one database; with more than one, this process supervises"
    " them and runs the timers and scans itself (once, not per worker).",
)
@click.option(
    "--log-level",
    default="warning",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    help="uvicorn's and OpenBeian's log level (debug logs each round of the timers with its process id).",
)
@handles_errors
def serve(host: str, port: int, tick_every: float, scan_every: float, workers: int, log_level: str) -> None:
    """Serve the web app and the REST API (/api/v1, docs at /api/v1/docs), in one process or in --workers N."""
    from openbeian.web.serving import check_workers
    from openbeian.web.serving import serve as run_server

    settings = state().settings
    check_workers(state().ctx, workers)
    scans = timedelta(hours=scan_every) if scan_every else None
    processes = "" if workers == 1 else f", {workers} workers"
    click.echo(f"OpenBeian {__version__} on http://{host}:{port}  (database {settings.database_url}{processes})")
    run_server(settings, state().ctx, host, port, workers, tick_every or None, scans, log_level)


# -- tick -------------------------------------------------------------------------------------------
@main.command()
@click.option("--at", "at_text", metavar="ISO-DATETIME", help="Act as if it were this time (default: now).")
@click.option("--json", "as_json", is_flag=True, help="Print what moved as one JSON object.")
@handles_errors
def tick(at_text: str | None, as_json: bool) -> None:
    """Apply the timers once: SMS codes past 24 hours, add-access reviews past 45 days, empty shells whose
    notice ran out. Running it twice changes nothing the second time."""
    from openbeian.services.timers import tick as run_tick

    ctx = state().ctx
    if at_text is not None:
        ctx = context_from_settings(state().settings, ctx.db, FixedClock(parse_instant(at_text, "--at")))
    report = run_tick(ctx)
    if as_json:
        emit_json(report)
        return
    for key, value in report.items():
        console.print(f"{key}: {value if not isinstance(value, list) else len(value)}")


# -- db ---------------------------------------------------------------------------------------------
@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
@handles_errors
def db_upgrade() -> None:
    """Migrate the database to the newest schema revision."""
    with _quiet_alembic():
        database = Database(state().settings.database_url, migrate=False)
        before, after = upgrade(database.engine)
    click.echo(f"database at revision {after}" + ("" if before == after else f" (was {before or 'empty'})"))


# -- demo -------------------------------------------------------------------------------------------
@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the logins as JSON.")
@handles_errors
def demo(as_json: bool) -> None:
    """Load demo data (idempotent) and print the demo logins."""
    from openbeian.simulate.demo import demo_logins, seed_demo

    created = seed_demo(state().ctx)
    logins = demo_logins()
    if as_json:
        emit_json({"created": created, "logins": [login.__dict__ for login in logins]})
        return
    click.echo("demo data loaded" if created else "demo data already present")
    table = Table(title="Demo logins")
    for column in ("role", "username", "password", "note"):
        table.add_column(column)
    for login in logins:
        table.add_row(login.role, login.username, login.password, login.note)
    console.print(table)


# -- number -----------------------------------------------------------------------------------------
@main.group()
def number() -> None:
    """Filing, licence and police numbers."""


@number.command("parse")
@click.argument("texts", nargs=-1, required=True, metavar="TEXT...")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per input, one per line.")
def number_parse(texts: tuple[str, ...], as_json: bool) -> None:
    """Parse, validate and canonicalise numbers. Exit 0 when all are valid, 1 when any is not."""
    reports = [number_report(text) for text in texts]
    if as_json:
        for report in reports:
            emit_json(report)
    else:
        table = Table()
        for column in ("input", "valid", "kind", "canonical", "province", "service", "error"):
            table.add_column(column)
        for r in reports:
            service = f"{r['service_seq']} {r['service_type']}" if r["service_seq"] else ""
            table.add_row(
                r["input"],
                "yes" if r["valid"] else "no",
                r["kind"] or "",
                r["canonical"] or "",
                r["province_code"] or "",
                service,
                r["error"] or "",
            )
        console.print(table)
    sys.exit(0 if all(r["valid"] for r in reports) else 1)


# -- registry ---------------------------------------------------------------------------------------
@main.group()
def registry() -> None:
    """The public registry."""


@registry.command("query")
@click.option("--domain", help="A domain, either IDN form; a subdomain finds its registrable domain.")
@click.option("--number", "number_", metavar="NUMBER", help="A filing number in any accepted spelling.")
@click.option("--subject", help="Part of the subject's name.")
@click.option("--json", "as_json", is_flag=True, help='Print {"query": ..., "records": [...]}.')
@handles_errors
def registry_query(domain: str | None, number_: str | None, subject: str | None, as_json: bool) -> None:
    """Query the registry by exactly one of --domain, --number, --subject. No match exits 0."""
    records = RegistryService(state().ctx).query(domain, number_, subject)
    query = {k: v for k, v in (("domain", domain), ("number", number_), ("subject", subject)) if v}
    if as_json:
        emit_json({"query": query, "records": [r.to_dict() for r in records]})
        return
    if not records:
        click.echo("no record / 无备案记录")
        return
    table = Table()
    for column in ("subject", "subject number", "site number", "site", "type", "domains", "approved", "status"):
        table.add_column(column)
    for r in records:
        table.add_row(
            r.subject_name,
            r.subject_number,
            r.site_number,
            r.site_name,
            r.site_type,
            "\n".join(r.domains),
            r.approved_at[:10],
            r.status,
        )
    console.print(table)


# -- simulate ---------------------------------------------------------------------------------------
@main.command()
@click.option("--orders", default=100, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--seed", type=int, default=None, help="Seed of the synthetic data (random when unset).")
@click.option(
    "--kinds",
    default="all",
    show_default=True,
    metavar="KINDS",
    help="all (a realistic mix of every order kind) or a comma-separated list, e.g. first_filing,cancel_site.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object (with by_kind).")
@handles_errors
def simulate(orders: int, seed: int | None, kinds: str, as_json: bool) -> None:
    """Drive synthetic applicants' orders through every stage to their end, via the service layer."""
    from openbeian.simulate.scenarios import parse_kinds
    from openbeian.simulate.scenarios import simulate as run

    report = run(state().ctx, orders, seed, parse_kinds(kinds))
    if as_json:
        emit_json(report)
        return
    click.echo(
        f"{report['approved']}/{report['orders']} approved in {report['seconds']} s "
        f"({report['orders_per_second']} orders/s on {report['database']})"
    )
    for kind, counts in report["by_kind"].items():
        click.echo(f"  {kind:<16} {counts['approved']}/{counts['orders']} approved")
    for example in report["examples"][:5]:
        click.echo(f"  {example['site_number']}  {example['domain']}")


# -- users and tokens -------------------------------------------------------------------------------
@main.group()
def users() -> None:
    """Accounts."""


@users.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role if r is not Role.SYSTEM]))
@click.option("--password", help="At least 8 characters; prompted for when omitted.")
@click.option("--name", "display_name", default="", help="Display name.")
@click.option("--provider", help="Provider name (reviewers).")
@click.option("--province", help="Province abbreviation, name or code (officers).")
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def users_create(
    username: str,
    role: str,
    password: str | None,
    display_name: str,
    provider: str | None,
    province: str | None,
    as_json: bool,
) -> None:
    """Create an account (applicant, reviewer, officer or admin)."""
    if password is None:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    account = AccountService(state().ctx).create_user(username, password, Role(role), display_name, provider, province)
    data = {
        "id": account.id,
        "username": account.username,
        "role": account.role.value,
        "provider_id": account.provider_id,
        "province_code": account.province_code,
    }
    if as_json:
        emit_json(data)
    else:
        click.echo(f"created {account.role.value} {account.username} (id {account.id})")


@main.group()
def tokens() -> None:
    """API bearer tokens."""


@tokens.command("create")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def tokens_create(username: str, name: str, as_json: bool) -> None:
    """Create an API token for USERNAME (shown once; send it as 'Authorization: Bearer TOKEN')."""
    token = AccountService(state().ctx).create_token(username, name)
    if as_json:
        emit_json({"username": username, "name": name, "token": token})
    else:
        click.echo(token)


main.add_command(gate)
main.add_command(instances)
main.add_command(rules)
main.add_command(scan)
registry.add_command(registry_generate)
registry.add_command(registry_import)
registry.add_command(registry_export)

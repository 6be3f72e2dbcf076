"""`openbeian gate ...`: the enforcement gate's commands.

- `gate serve`: the authorisation endpoint for nginx auth_request, Envoy ext_authz and Traefik forwardAuth, and
  the block page (gate/asgi.py), on uvicorn; reads the database and follows its change log, or with `--follow URL`
  follows another OpenBeian's change feed.
- `gate check --host H`: one decision, read from the database now. Exit 0 allowed, 1 any other decision,
  2 bad input (one line on stderr).
- `gate sni-proxy`: the TLS SNI proxy (gate/sni.py) deciding with the same followed index.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys

import click

from openbeian.clisupport import emit_json, fail, handles_errors, state


@click.group()
def gate() -> None:
    """The enforcement gate: block unfiled hosts at the provider's edge."""


def _follower(follow: str | None, strict: bool, database: str) -> object:
    from openbeian.gate.follow import DatabaseFollower, FeedFollower

    if follow:
        return FeedFollower(follow, strict)
    from openbeian.store.uow import Database

    return DatabaseFollower(Database(database).engine, strict)


@gate.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8081, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--provider",
    metavar="NAME",
    help="Decide for this access provider (name, English name or id); default: any provider (the registry's view).",
)
@click.option(
    "--follow",
    metavar="URL",
    help="Follow this OpenBeian's change feed (e.g. http://registry:8000) instead of reading the database.",
)
@click.option("--strict", is_flag=True, help="Also require X-Server-Addr to be one of the access record's IPs.")
@click.option(
    "--filing-url",
    default="https://beian.miit.gov.cn/",
    show_default=True,
    help="Where the block page's 'file for ICP' link points.",
)
@click.option(
    "--log-level",
    default="warning",
    show_default=True,
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
)
@handles_errors
def serve(
    host: str, port: int, provider: str | None, follow: str | None, strict: bool, filing_url: str, log_level: str
) -> None:
    """Serve the authorisation endpoint (204 allow / 403 block) and the block page (/_openbeian/blocked)."""
    import uvicorn

    from openbeian.gate.asgi import GateApp
    from openbeian.gate.follow import Follower

    follower = _follower(follow, strict, state().settings.database_url)
    assert isinstance(follower, Follower)
    app = GateApp(follower, None, strict, filing_url, provider_name=provider)
    source = follow or "the database"
    click.echo(f"OpenBeian gate on http://{host}:{port}  (following {source}; provider {provider or 'any'})")
    uvicorn.run(app, host=host, port=port, log_level=log_level, lifespan="on", access_log=False)


@gate.command()
@click.option("--host", "host", required=True, help="A host name as a Host header carries it (port, IDN, any case).")
@click.option("--provider", metavar="NAME", help="Decide for this access provider (name, English name or id).")
@click.option("--server-addr", metavar="IP", help="Strict mode: the address the request arrived at.")
@click.option("--json", "as_json", is_flag=True, help='Print {"host","decision","reason","site_number","provider"}.')
@handles_errors
def check(host: str, provider: str | None, server_addr: str | None, as_json: bool) -> None:
    """Decide one host now, from the database. Exit 0 allowed, 1 other decisions, 2 bad input."""
    from openbeian.gate.decision import Reason
    from openbeian.gate.source import check_host, provider_id
    from openbeian.store.uow import Database

    if not host.strip():
        fail("--host: give a host name")
    engine = Database(state().settings.database_url).engine
    wanted = None
    if provider:
        with engine.connect() as conn:
            wanted = provider_id(conn, provider)
        if wanted is None:
            fail(f"--provider: no provider named {provider!r}")
    verdict = check_host(engine, host.strip(), wanted, server_addr)
    if verdict.reason is Reason.BAD_HOST:
        fail(f"--host: {host.strip()!r} is not a host name")
    if as_json:
        emit_json(verdict.to_dict(provider))
    else:
        number = f"  {verdict.site_number}" if verdict.site_number else ""
        click.echo(f"{verdict.decision.value}  {verdict.host}{number}  ({verdict.reason.value})")
    sys.exit(0 if verdict.allowed else 1)


@gate.command("sni-proxy")
@click.option("--listen", required=True, metavar="ADDR", help="HOST:PORT to listen on, e.g. 0.0.0.0:443.")
@click.option("--upstream", required=True, metavar="ADDR", help="HOST:PORT of the TLS server behind it.")
@click.option("--provider", metavar="NAME", help="Decide for this access provider (default: any provider).")
@click.option("--follow", metavar="URL", help="Follow this OpenBeian's change feed instead of the database.")
@click.option("--missing-sni", type=click.Choice(["block", "allow"]), default="block", show_default=True)
@click.option("--ech", type=click.Choice(["block", "allow", "outer"]), default="block", show_default=True)
@handles_errors
def sni_proxy(listen: str, upstream: str, provider: str | None, follow: str | None, missing_sni: str, ech: str) -> None:
    """Relay TLS connections whose SNI host is allowed; close the others before any handshake."""
    from openbeian.gate.follow import Follower
    from openbeian.gate.sni import parse_address, serve_sni_proxy

    try:
        listen_at, upstream_at = parse_address(listen), parse_address(upstream)
    except ValueError as err:
        fail(str(err))
        return
    follower = _follower(follow, False, state().settings.database_url)
    assert isinstance(follower, Follower)

    async def main() -> None:
        await follower.start()
        wanted = None
        if provider:
            wanted = follower.index.provider_id(provider)
            if wanted is None:
                fail(f"--provider: no provider named {provider!r}")

        def decide(host: str) -> bool:
            return follower.index.decide(host, wanted).allowed

        proxy = await serve_sni_proxy(
            *listen_at,
            *upstream_at,
            decide,
            missing_sni="allow" if missing_sni == "allow" else "block",
            ech="allow" if ech == "allow" else "outer" if ech == "outer" else "block",
        )
        click.echo(f"OpenBeian SNI proxy on {listen} -> {upstream} (provider {provider or 'any'})")
        following = asyncio.create_task(follower.run())
        stop = asyncio.Event()
        with contextlib.suppress(NotImplementedError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        try:
            await stop.wait()
        finally:
            following.cancel()
            proxy.close()
            await proxy.wait_closed()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


@gate.command("export")
@click.option(
    "--format",
    "fmt",
    required=True,
    type=click.Choice(["nginx-map", "haproxy-map", "json"]),
    help="nginx-map: an http-level include (map $host $openbeian_allowed); haproxy-map: domain/value lines; "
    "json: every known domain with its decision.",
)
@click.option("--provider", metavar="NAME", help="The allow-list of this access provider (default: any provider).")
@click.option("--out", "out", metavar="FILE", help="Write here (a temporary file renamed over it); default: stdout.")
@click.option("--feed", metavar="URL", help="Export from this OpenBeian's snapshot instead of the database.")
@handles_errors
def export_map(fmt: str, provider: str | None, out: str | None, feed: str | None) -> None:
    """Compile the allow-list for the web server itself (no extra hop per request); see docs/gate.md."""
    from pathlib import Path

    from openbeian.gate.export import export, replaced_atomically
    from openbeian.gate.haproxy import FeedSource
    from openbeian.gate.source import load_index

    if out is not None and not Path(out).parent.resolve().is_dir():
        fail(f"--out: directory {Path(out).parent} does not exist")
    index = FeedSource(feed).snapshot() if feed else load_index(state().settings.database_url)
    wanted = None
    if provider:
        wanted = index.provider_id(provider)
        if wanted is None:
            fail(f"--provider: no provider named {provider!r}")
    if out is None:
        export(index, fmt, wanted, provider, sys.stdout)
        return
    with replaced_atomically(Path(out)) as handle:
        count = export(index, fmt, wanted, provider, handle)
    click.echo(f"{out}: {count} entries (seq {index.seq}, provider {provider or 'any'})", err=True)


@gate.command("haproxy-sync")
@click.option("--socket", "socket_path", required=True, metavar="PATH", help="HAProxy's stats socket (level admin).")
@click.option(
    "--map", "map_path", required=True, metavar="FILE", help="The map file, as HAProxy's configuration names it."
)
@click.option("--provider", metavar="NAME", help="The allow-list of this access provider (default: any provider).")
@click.option("--follow", metavar="URL", help="Follow this OpenBeian's change feed instead of the database.")
@click.option(
    "--resync-every",
    default=300.0,
    show_default=True,
    type=click.FloatRange(min=1.0),
    metavar="SECONDS",
    help="Replace the whole map this often (decisions that change with time alone).",
)
@click.option("--once", is_flag=True, help="Replace the whole map once and exit.")
@handles_errors
def haproxy_sync(
    socket_path: str, map_path: str, provider: str | None, follow: str | None, resync_every: float, once: bool
) -> None:
    """Keep HAProxy's map current over its runtime API: changes apply within a second, without a reload."""
    import logging
    import threading

    from openbeian.gate.haproxy import HAProxyError, MapSync, RuntimeAPI, run_sync, source_for
    from openbeian.store.uow import Database

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s", stream=sys.stderr)
    engine = None if follow else Database(state().settings.database_url).engine
    stop = threading.Event()

    def stop_now(signum: int, frame: object) -> None:
        stop.set()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop_now)
    try:
        run_sync(
            source_for(follow, engine), MapSync(RuntimeAPI(socket_path), map_path, provider), stop, resync_every, once
        )
    except HAProxyError as err:
        fail(str(err))
    except ValueError as err:
        fail(f"--provider: {err}")
    except KeyboardInterrupt:
        pass

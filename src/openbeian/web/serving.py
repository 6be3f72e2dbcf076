"""`openbeian serve`: one process, or N uvicorn worker processes on one database.

With `--workers N` uvicorn's supervisor (the serve process) binds the socket and spawns N workers; each one
imports `app_from_environment` below (uvicorn's `factory=True`) and builds its app from the environment the
supervisor sets: the database URL, and the secret key, so that a session signed by one worker is good at the
others. The supervisor migrates the database once before it starts them; workers never migrate.

The timers (`--tick-every`, and the scheduled scans) run in the supervisor, in a thread of their own, not in the
workers: then they run once per machine however many workers there are, on SQLite and PostgreSQL alike, with no
lock to elect a leader and nothing to hand over when uvicorn replaces a worker that died. (A tick that did run
twice would change nothing the second time, but N copies would multiply the load and the log.) With one worker
the serving process runs them, as it always has.
"""

from __future__ import annotations

import asyncio
import copy
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from openbeian.config import Settings, load_settings
from openbeian.errors import ConfigurationError, Text
from openbeian.store.uow import Database
from openbeian.web.app import create_app, tick_loop

if TYPE_CHECKING:
    from fastapi import FastAPI

    from openbeian.services.context import Context

FACTORY = "openbeian.web.serving:app_from_environment"
# uvicorn replaces a worker that does not answer its supervisor's ping in time, and a new worker answers only once
# its interpreter has started and imported its modules: uvicorn's 5 s default killed workers again and again on a
# busy 2-core machine. A worker that hangs is still replaced, after this long.
WORKER_HEALTHCHECK_SECONDS = 60


def app_from_environment() -> FastAPI:
    """A worker's app: the settings from OPENBEIAN_* (set by the supervisor), no timers, no migration."""
    settings = load_settings()
    return create_app(settings, db=Database(settings.database_url, migrate=False))


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging, plus the `openbeian` loggers with the process id on each line (uvicorn applies it in
    the supervisor and again in every worker)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["openbeian"] = {"format": "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"}
    config["handlers"]["openbeian"] = {
        "class": "logging.StreamHandler",
        "formatter": "openbeian",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["openbeian"] = {"handlers": ["openbeian"], "level": level.upper(), "propagate": False}
    return config


def check_workers(ctx: Context, workers: int) -> None:
    """Several workers need a database they can all open: not an in-memory SQLite one."""
    if workers > 1 and ctx.db.dialect == "sqlite" and ctx.db.engine.url.database in (None, "", ":memory:"):
        raise ConfigurationError(
            Text(
                "--workers needs a database file or PostgreSQL: an in-memory SQLite database lives in one process",
                "--workers 需要数据库文件或 PostgreSQL：内存中的 SQLite 数据库只属于一个进程",
            )
        )


def serve(
    settings: Settings,
    ctx: Context,
    host: str,
    port: int,
    workers: int = 1,
    tick_every: float | None = None,
    scan_every: timedelta | None = None,
    log_level: str = "warning",
) -> None:
    """Serve until interrupted. `ctx` is the supervisor's (its database is migrated already)."""
    import uvicorn

    logging = log_config(log_level)
    if workers == 1:
        app = create_app(settings, db=ctx.db, tick_every=tick_every, scan_every=scan_every)
        uvicorn.run(app, host=host, port=port, log_level=log_level, log_config=logging)
        return
    check_workers(ctx, workers)
    os.environ["OPENBEIAN_DATABASE_URL"] = settings.database_url
    os.environ["OPENBEIAN_SECRET_KEY"] = settings.secret_key
    with timers_running(ctx, tick_every, scan_every) if tick_every else nullcontext():
        uvicorn.run(
            FACTORY,
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_level=log_level,
            log_config=logging,
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        )


@contextmanager
def timers_running(ctx: Context, every: float, scan_every: timedelta | None) -> Iterator[None]:
    """The timers loop in a thread with its own event loop while the block runs; stopped (a round under way
    finishes first) when the block ends."""
    loop = asyncio.new_event_loop()
    task = loop.create_task(tick_loop(ctx, every, scan_every))

    def run() -> None:
        asyncio.set_event_loop(loop)
        with suppress(asyncio.CancelledError):
            loop.run_until_complete(task)
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()

    thread = threading.Thread(target=run, name="openbeian-timers", daemon=True)
    thread.start()
    try:
        yield
    finally:
        if not loop.is_closed():
            loop.call_soon_threadsafe(task.cancel)
        thread.join(timeout=60)

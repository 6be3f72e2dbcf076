"""The ASGI application: create_app(settings) builds everything; nothing happens at import time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from openbeian import __version__
from openbeian.clock import Clock
from openbeian.config import Settings
from openbeian.errors import NotFound, OpenBeianError, Text
from openbeian.services.context import Context, context_from_settings
from openbeian.store.uow import Database
from openbeian.web import (
    api,
    eligibility,
    gate_pages,
    lifecycle_api,
    lifecycle_pages,
    pages,
    registry_api,
    resources_api,
    scan_pages,
)
from openbeian.web.errors import language_of, status_of

logger = logging.getLogger("openbeian")


def create_app(
    settings: Settings,
    clock: Clock | None = None,
    db: Database | None = None,
    tick_every: float | None = None,
    scan_every: timedelta | None = None,
) -> FastAPI:
    """The app; with `tick_every` (seconds) it also runs the timers in the background while it serves, and with
    `scan_every` each provider's footer compliance run when its last one is older than that."""
    ctx = context_from_settings(settings, db, clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(tick_loop(ctx, tick_every, scan_every)) if tick_every else None
        yield
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    app = registry_api.RegistryFirst(  # FastAPI, with the public registry paths answered first
        lifespan=lifespan,
        title="OpenBeian",
        version=__version__,
        description="China's ICP filing system (ICP备案): registry, orders, provider review, regulator.",
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.ctx = ctx
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="openbeian", same_site="lax")
    app.include_router(api.router)
    app.include_router(lifecycle_api.router)
    app.include_router(eligibility.router)
    app.include_router(resources_api.router)
    app.include_router(pages.router)
    app.include_router(lifecycle_pages.router)
    app.include_router(scan_pages.router)
    app.include_router(scan_pages.api_router)
    app.include_router(gate_pages.router)
    app.include_router(gate_pages.api_router)
    pages.mount_static(app)
    registry_api.install(app, ctx, settings)  # the public registry routes, answered before FastAPI's routing

    def lang(request: Request) -> str:
        return language_of(
            request.headers.get("accept-language"), request.cookies.get("lang"), settings.default_language
        )

    @app.exception_handler(pages.LoginRequired)
    async def on_login_required(request: Request, exc: pages.LoginRequired) -> Response:
        return pages.login_redirect(request)

    @app.exception_handler(OpenBeianError)
    async def on_domain_error(request: Request, exc: OpenBeianError) -> Response:
        if not request.url.path.startswith("/api/"):
            return pages.error_page(request, exc, status_of(exc))
        return JSONResponse({"error": exc.to_dict(lang(request))}, status_code=status_of(exc))

    @app.exception_handler(RequestValidationError)
    async def on_request_error(request: Request, exc: RequestValidationError) -> Response:
        fields: dict[str, Any] = {}
        for err in exc.errors():
            path = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            fields[path or "body"] = err.get("msg", "invalid")
        zh = lang(request) == "zh-CN"
        message = "请求格式错误" if zh else "the request is malformed"
        return JSONResponse({"error": {"code": "invalid", "message": message, "fields": fields}}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if not request.url.path.startswith("/api/") and exc.status_code == 404:
            return pages.error_page(request, NotFound(Text("page not found", "页面不存在")), 404)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            {"error": {"code": code, "message": str(exc.detail), "fields": {}}}, status_code=exc.status_code
        )

    return app


async def tick_loop(ctx: Context, every: float, scan_every: timedelta | None) -> None:
    """`openbeian tick` inside `serve` (and the scheduled compliance scans): a failing round is logged and the
    next one tries again. Each round is logged at DEBUG (with the process id under `serve`)."""
    from openbeian.scanner.compliance import run_due_compliance  # httpx, DNS: only where the timers run
    from openbeian.services.timers import tick

    while True:
        await asyncio.sleep(every)
        try:
            report = await asyncio.to_thread(tick, ctx)
            if scan_every is not None:
                await run_due_compliance(ctx, scan_every)
            moved = {k: len(v) if isinstance(v, list) else v for k, v in report.items() if k != "at"}
            logger.debug("timers ran: %s", moved)
        except Exception:  # the loop must outlive one bad round
            logger.exception("tick failed")

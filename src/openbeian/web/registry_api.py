"""The public registry API as plain ASGI endpoints, answered before FastAPI's routing, middleware and validation
(what made a lookup cost 30 times a bare ASGI answer):

    GET  /api/v1/registry?domain=|number=|subject=[&cursor=&limit=]  one page of records, next_cursor, as_of
    POST /api/v1/registry/batch  {"domains": [...]} or {"numbers": [...]}  one result per item, in input order
    POST /icpproject_query/api/icpAbbreviateInfo/queryByCondition  the ministry's query shape (ministry_compat.py)
    POST /icpproject_query/api/auth  the ministry's token step, for tools that ask for one first

Every answer passes a per-client rate limit (ratelimit.py: 429 with Retry-After, never an empty result); GET
answers carry a strong ETag over the body (If-None-Match -> 304) and Cache-Control; errors use the one JSON error
shape in the caller's language. The app is a `RegistryFirst` (FastAPI that hands these paths over before its own
per-request work) and `install(app, ctx, settings)` gives it the routes; the OpenAPI document describes them
through registry_openapi.py. Lookups by domain or number run on the event loop (one indexed read: cheaper than
a hop to a thread); name searches, batches and the ministry query run in the thread pool. The last 4,096 GET
answers are kept per worker process while the registry does not change (hot domains are asked again and again).
"""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

import orjson
from anyio import to_thread
from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from openbeian.clock import SystemClock
from openbeian.config import Settings
from openbeian.errors import AuthenticationFailed, OpenBeianError, Text, ValidationError
from openbeian.services.accounts import AccountService
from openbeian.services.context import Context
from openbeian.services.registry import MAX_BATCH, MAX_PAGE, BatchItem, RegistryService
from openbeian.store.reader import NewestChange
from openbeian.web import ministry_compat, registry_openapi
from openbeian.web.errors import language_of, status_of
from openbeian.web.ratelimit import RateLimiter, retry_after

logger = logging.getLogger("openbeian")

QUERY_PATH = "/api/v1/registry"
BATCH_PATH = "/api/v1/registry/batch"
CACHE_CONTROL = b"public, max-age=60"  # the registry changes by filings: a minute old is fresh enough
MAX_BODY = 1 << 20  # bytes of a batch or ministry request
ITEMS_PER_TOKEN = 10  # a batch of n items takes ceil(n / 10) of the client's rate-limit tokens
TOKEN_CACHE_SECONDS = 60.0
ANSWER_CACHE_SIZE = 4096  # GET answers kept per worker process, for the current registry version only
QUERY_FIELDS = ("domain", "number", "subject")

Headers = list[tuple[bytes, bytes]]
Handler = Callable[["RegistryRoutes", Scope, Receive, Send], Awaitable[None]]
JSON = b"application/json"


class HttpError(Exception):
    """An answer in the one error shape: status, code, message and fields."""

    def __init__(self, status: int, code: str, text: Text, fields: dict[str, Text] | None = None) -> None:
        super().__init__(text.en)
        self.status, self.code, self.text, self.fields = status, code, text, fields or {}
        self.headers: Headers = []

    def to_dict(self, lang: str) -> dict[str, object]:
        fields = {k: v.get(lang) for k, v in self.fields.items()}
        return {"code": self.code, "message": self.text.get(lang), "fields": fields}


class RegistryFirst(FastAPI):
    """The app: FastAPI, with the public registry paths handed to RegistryRoutes before any of FastAPI's own
    per-request work (its OpenTelemetry checks, middleware stack, routing and validation)."""

    registry_routes: RegistryRoutes | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        routes = self.registry_routes
        if routes is not None and scope["type"] == "http" and scope["path"] in routes.routes:
            await routes.handle(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def install(app: RegistryFirst, ctx: Context, settings: Settings) -> None:
    """Answer the registry paths before the rest of the app, and describe them in its OpenAPI document."""
    app.registry_routes = RegistryRoutes(ctx, settings)
    registry_openapi.merge_into(app)


class RegistryRoutes:
    """The registry endpoints, by path; `handle` answers a request to one of them."""

    def __init__(self, ctx: Context, settings: Settings) -> None:
        self.ctx = ctx
        self.service = RegistryService(ctx)
        self.default_language = settings.default_language
        clock = ctx.clock
        seconds = time.monotonic if isinstance(clock, SystemClock) else lambda: clock.now().timestamp()
        self.limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst, seconds)
        self._accounts: dict[str, tuple[int | None, float]] = {}  # token -> (account id or None, checked at)
        self._answers: OrderedDict[bytes, tuple[bytes, bytes]] = OrderedDict()  # query string -> (body, etag)
        self._version = -1  # sequence number of the newest registry change the cached answers reflect
        self.routes: dict[str, Handler] = {
            QUERY_PATH: RegistryRoutes.query,
            BATCH_PATH: RegistryRoutes.batch,
            ministry_compat.AUTH_PATH: RegistryRoutes.ministry_auth,
            **{path: RegistryRoutes.ministry_query for path in ministry_compat.QUERY_PATHS},
        }

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.routes[scope["path"]](self, scope, receive, send)
        except HttpError as exc:
            await self.send_error(scope, send, exc.status, exc.to_dict(self.language(scope)), exc.headers)
        except OpenBeianError as exc:
            await self.send_error(scope, send, status_of(exc), exc.to_dict(self.language(scope)))
        except Exception:
            logger.exception("registry API: %s %s", scope["method"], scope["path"])
            text = Text("the server failed to answer", "服务器内部错误")
            await self.send_error(scope, send, 500, HttpError(500, "internal", text).to_dict(self.language(scope)))

    # -- the endpoints --------------------------------------------------------------------------------
    async def query(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.allow(scope, ("GET", "HEAD"))
        self.limit(scope, 1)
        version, newest = self.registry_version()
        key = scope["query_string"]
        cached = self._answers.get(key)
        if cached is not None:  # the same query at the same registry version: the same answer
            await self.send_cached(scope, send, *cached)
            return
        if key.startswith(b"domain=") and b"&" not in key:  # the usual query: skip parse_qsl's generality
            params = {"domain": unquote_plus(key[7:].decode("utf-8", "replace"))}
        else:
            params = dict(parse_qsl(key.decode("utf-8", "replace")))
        given = {k: params[k] for k in QUERY_FIELDS if params.get(k)}
        limit_text = params.get("limit") or "50"
        if not (limit_text.isascii() and limit_text.isdigit()) or len(limit_text) > 6:
            raise ValidationError.for_field("limit", "give a whole number", "应为整数")
        limit, cursor = int(limit_text), params.get("cursor")
        if len(given) == 1 and "domain" in given and not cursor and 1 <= limit <= MAX_PAGE:
            # A domain has one record at most: no paging, and as_of is the newest change just read.
            records, next_cursor, as_of = self.service.by_domain(given["domain"]), None, self.as_of(newest)
        else:
            call = partial(self.service.query_page, **given, cursor=cursor, limit=limit)
            page = await to_thread.run_sync(call) if "subject" in given else call()
            records, next_cursor, as_of = page.records, page.next_cursor, page.as_of
        body = encode(
            {"query": given, "records": [r.to_dict() for r in records], "next_cursor": next_cursor, "as_of": as_of}
        )
        etag = b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'
        if self._version == version:  # no change landed meanwhile (a name search runs in a thread)
            if len(self._answers) >= ANSWER_CACHE_SIZE:
                self._answers.popitem(last=False)  # the oldest (O(1), unlike deleting a plain dict's first key)
            self._answers[key] = (body, etag)
        await self.send_cached(scope, send, body, etag)

    async def batch(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.allow(scope, ("POST",))
        self.limit(scope, 1)
        body = await read_json(receive)
        field, items = batch_items(body)
        if len(items) > ITEMS_PER_TOKEN:
            self.limit(scope, math.ceil(len(items) / ITEMS_PER_TOKEN) - 1)
        call = partial(self.service.batch, **{field: items})
        as_of = self.as_of(self.registry_version()[1])
        results = await to_thread.run_sync(call)
        lang = self.language(scope)
        answer = {"results": [batch_result(item, lang) for item in results], "as_of": as_of}
        await send_json(send, 200, encode(answer), [(b"cache-control", b"no-store")])

    async def ministry_query(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            self.allow(scope, ("POST",))
            self.limit(scope, 1)
            query = ministry_compat.parse_query(await read_json(receive))
            if query.kind == "domain":  # one record at most: on the event loop
                answer = ministry_compat.answer(self.service, query)
            else:  # a subject's sites or a name's matches: up to MAX_ROWS rows, in the thread pool
                answer = await to_thread.run_sync(ministry_compat.answer, self.service, query)
        except (HttpError, OpenBeianError) as exc:
            status = exc.status if isinstance(exc, HttpError) else status_of(exc)
            error = ministry_compat.error_answer(status, exc.to_dict(self.language(scope)))
            headers = exc.headers if isinstance(exc, HttpError) else []
            await send_json(send, status, encode(error), [(b"cache-control", b"no-store"), *headers])
            return
        await send_json(send, 200, encode(answer), [(b"cache-control", b"no-store")])

    async def ministry_auth(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.allow(scope, ("POST",))
        answer = ministry_compat.auth_answer(secrets.token_urlsafe(24))
        await send_json(send, 200, encode(answer), [(b"cache-control", b"no-store")])

    # -- the checks -----------------------------------------------------------------------------------
    def allow(self, scope: Scope, methods: tuple[str, ...]) -> None:
        if scope["method"] not in methods:
            exc = HttpError(405, "method_not_allowed", Text("method not allowed", "不支持该请求方法"))
            exc.headers = [(b"allow", ", ".join(methods).encode())]
            raise exc

    def limit(self, scope: Scope, cost: float) -> None:
        wait = self.limiter.take(self.client_of(scope), cost)
        if wait:
            seconds = retry_after(wait)
            exc = HttpError(
                429,
                "rate_limited",
                Text(
                    f"too many requests: try again in {seconds} s (this is not an empty result)",
                    f"请求过于频繁：请 {seconds} 秒后重试（这不表示查询结果为空）",
                ),
                {"retry_after": Text(str(seconds), str(seconds))},
            )
            exc.headers = [(b"retry-after", str(seconds).encode())]
            raise exc

    def client_of(self, scope: Scope) -> str:
        """The rate-limit key: the account of a valid bearer token, else the peer address."""
        token = header(scope, b"authorization")
        if token and token[:7].lower() == "bearer ":
            account = self.account_of(token[7:].strip())
            if account is not None:
                return f"account:{account}"
        client = scope.get("client")
        return f"address:{client[0]}" if client else "address:unknown"

    def account_of(self, token: str) -> int | None:
        now = time.monotonic()
        known = self._accounts.get(token)
        if known is not None and now - known[1] < TOKEN_CACHE_SECONDS:
            return known[0]
        try:
            account: int | None = AccountService(self.ctx).by_token(token).id
        except AuthenticationFailed:
            account = None  # an unknown token is no identity: the address counts (rotating tokens gains nothing)
        if len(self._accounts) > 10_000:
            self._accounts.clear()
        self._accounts[token] = (account, now)
        return account

    def registry_version(self) -> tuple[int, NewestChange | None]:
        """The newest registry change (its sequence number is the version), read for each request (one indexed
        row): cached answers are for one version and dropped when another change lands. Every registry write
        records a change (the change log the gate follows), so a cached answer is never stale."""
        newest = self.ctx.db.reader.newest_change()
        version = newest.seq if newest is not None else 0
        if version != self._version:
            self._answers.clear()
            self._version = version
        return version, newest

    def as_of(self, newest: NewestChange | None) -> str:
        """What RegistryService.as_of says, from a change already read: its time, or now when there is none."""
        return (newest.at if newest is not None else self.ctx.clock.now()).isoformat()

    def language(self, scope: Scope) -> str:
        cookie = header(scope, b"cookie") or ""
        lang = next((v for k, _, v in (c.strip().partition("=") for c in cookie.split(";")) if k == "lang"), None)
        return language_of(header(scope, b"accept-language"), lang, self.default_language)

    # -- answers --------------------------------------------------------------------------------------
    async def send_cached(self, scope: Scope, send: Send, body: bytes, etag: bytes) -> None:
        """A cacheable answer: strong ETag over the body, 304 when the client holds it already."""
        headers: Headers = [(b"etag", etag), (b"cache-control", CACHE_CONTROL)]
        held = header(scope, b"if-none-match")
        if held is not None and etag_matches(held, etag.decode()):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send_json(send, 200, body, headers, head=scope["method"] == "HEAD")

    async def send_error(
        self,
        scope: Scope,
        send: Send,
        status: int,
        error: dict[str, object],
        headers: Iterable[tuple[bytes, bytes]] = (),
    ) -> None:
        body = encode({"error": error})
        await send_json(send, status, body, [(b"cache-control", b"no-store"), *headers], head=scope["method"] == "HEAD")


def header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def etag_matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match's weak comparison: any listed tag equal to ours (W/ ignored), or *."""
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


def encode(value: object) -> bytes:
    """Compact UTF-8 JSON (orjson: a twentieth of the stdlib encoder's time on a registry answer)."""
    return orjson.dumps(value)


async def send_json(send: Send, status: int, body: bytes, headers: Headers, head: bool = False) -> None:
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", JSON), (b"content-length", str(len(body)).encode()), *headers],
    }
    await send(start)
    await send({"type": "http.response.body", "body": b"" if head else body})


async def read_json(receive: Receive) -> Any:
    """The request body as JSON (at most MAX_BODY bytes)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise HttpError(400, "invalid", Text("the client went away", "客户端已断开"))
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise HttpError(413, "too_large", Text("the request body is over 1 MiB", "请求体超过 1 MiB"))
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    try:
        return orjson.loads(b"".join(chunks))
    except (ValueError, UnicodeDecodeError):
        raise HttpError(
            422,
            "invalid",
            Text("the request body is not JSON", "请求体不是有效的 JSON"),
            {"body": Text("not JSON", "无效 JSON")},
        ) from None


def batch_items(body: object) -> tuple[str, list[str]]:
    """("domains" | "numbers", the items) of a batch request, checked: 1 to 1,000 strings."""
    if not isinstance(body, dict) or ("domains" in body) == ("numbers" in body):
        raise ValidationError(
            Text('send {"domains": [...]} or {"numbers": [...]}', '请提交 {"domains": [...]} 或 {"numbers": [...]}'),
            {"body": Text("give either domains or numbers", "请只提供域名列表或备案号列表之一")},
        )
    field = "domains" if "domains" in body else "numbers"
    items = body[field]
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
        raise ValidationError.for_field(
            field, f"give a list of 1 to {MAX_BATCH} items", f"应为 1 到 {MAX_BATCH} 项的列表"
        )
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise ValidationError.for_field(f"{field}.{i}", "each item is a string", "每一项都应为字符串")
    return field, items


def batch_result(item: BatchItem, lang: str) -> dict[str, object]:
    if item.error is not None:
        return {"query": item.query, "error": {"code": "invalid", "message": item.error.get(lang), "fields": {}}}
    return {"query": item.query, "records": [r.to_dict() for r in item.records]}

"""`openbeian gate serve`: a bare ASGI app (no framework: every request of every customer passes it) answering
the authorisation subrequests of nginx `auth_request`, Envoy `ext_authz` (HTTP service) and Traefik
`forwardAuth`, and serving the block page.

- Any path except those below: the original host is read from `X-Forwarded-Host` (Traefik), then
  `X-Original-Host` (set it in nginx: `proxy_set_header X-Original-Host $host;`), then `Host` (Envoy keeps the
  original :authority). `X-Server-Addr` (nginx: `$server_addr`) is the address the request arrived at, checked in
  strict mode (a request without it is blocked there). Answers 204 to allow, 403 to block; both carry
  `X-OpenBeian-Decision` and `X-OpenBeian-Reason`.
- `GET /_openbeian/blocked`: the bilingual block page for the same host headers (status 403), for nginx's
  `error_page 403` (see docs/gate.md): `location @blocked { proxy_pass http://gate/_openbeian/blocked;
  proxy_set_header X-Original-Host $host; proxy_set_header Accept-Language $http_accept_language; }`.
- `GET /_openbeian/health`: 200 with {seq, domains, overlay} once the index is loaded, 503 before.

The index is loaded at lifespan startup and kept current by a follower task (gate/follow.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from openbeian.gate.blockpage import render
from openbeian.gate.decision import Decision, Reason, Verdict
from openbeian.gate.follow import Follower

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

BLOCK_PATH = "/_openbeian/blocked"
HEALTH_PATH = "/_openbeian/health"
_EMPTY_BODY: Message = {"type": "http.response.body", "body": b""}


def _start(decision: Decision, reason: Reason) -> Message:
    headers = [(b"x-openbeian-decision", decision.value.encode()), (b"x-openbeian-reason", reason.value.encode())]
    if decision is not Decision.ALLOWED:
        headers.append((b"content-length", b"0"))  # else a 403 without a length goes out chunked
    return {"type": "http.response.start", "status": 204 if decision is Decision.ALLOWED else 403, "headers": headers}


_STARTS = {(d, r): _start(d, r) for d in Decision for r in Reason}


class GateApp:
    def __init__(
        self,
        follower: Follower,
        provider_id: int | None = None,
        strict: bool = False,
        filing_url: str = "https://beian.miit.gov.cn/",
        provider_name: str | None = None,
    ) -> None:
        """`provider_name` (name, English name or id) is resolved once the index is loaded, if given."""
        self.follower = follower
        self.provider_id = provider_id
        self.provider_name = provider_name
        self.strict = strict
        self.filing_url = filing_url
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            path = scope["path"]
            if path.startswith("/_openbeian/"):
                await self._special(path, scope, send)
                return
            verdict = self._decide(scope["headers"])
            await send(_STARTS[(verdict.decision, verdict.reason)])
            await send(_EMPTY_BODY)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    def _decide(self, headers: list[tuple[bytes, bytes]], with_language: bool = False) -> Verdict:
        forwarded = original = host = server_addr = None
        for key, value in headers:
            if key == b"host":
                host = value
            elif key == b"x-forwarded-host":
                forwarded = value
            elif key == b"x-original-host":
                original = value
            elif key == b"x-server-addr":
                server_addr = value
        name = forwarded or original or host
        if not name:
            return Verdict(Decision.UNKNOWN, Reason.BAD_HOST)
        text = name.decode("latin-1")
        if forwarded is not None and "," in text:
            text = text.split(",", 1)[0].strip()
        index = self.follower.index
        if self.strict:
            return index.decide(text, self.provider_id, server_addr.decode("latin-1") if server_addr else "", False)
        return index.decide(text, self.provider_id, None, False)

    async def _special(self, path: str, scope: Scope, send: Send) -> None:
        if path == HEALTH_PATH:
            ready = self.follower.ready.is_set()
            index = self.follower.index
            body = json.dumps({"ready": ready, "seq": index.seq, "domains": len(index), "overlay": index.overlay_size})
            await _respond(send, 200 if ready else 503, body.encode(), b"application/json")
            return
        if path == BLOCK_PATH:
            headers = scope["headers"]
            verdict = self._decide(headers)
            host = _host_header(headers)
            accept = next((v.decode("latin-1") for k, v in headers if k == b"accept-language"), None)
            lang, page = render(verdict, host, accept, self.filing_url)
            extra = [
                (b"content-language", lang.encode()),
                (b"x-openbeian-decision", verdict.decision.value.encode()),
                (b"x-openbeian-reason", verdict.reason.value.encode()),
            ]
            await _respond(send, 403, page, b"text/html; charset=utf-8", extra)
            return
        await _respond(send, 404, b"not found", b"text/plain")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.follower.start()
                except Exception as err:
                    await send({"type": "lifespan.startup.failed", "message": f"gate: loading the index failed: {err}"})
                    return
                if self.provider_name is not None:
                    self.provider_id = self.follower.index.provider_id(self.provider_name)
                    if self.provider_id is None:
                        why = f"gate: no provider named {self.provider_name!r}"
                        await send({"type": "lifespan.startup.failed", "message": why})
                        return
                gc.collect()
                gc.freeze()  # the loaded index's objects live as long as the process: keep them out of collections
                self._task = asyncio.create_task(self.follower.run())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._task is not None:
                    self._task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await self._task
                await send({"type": "lifespan.shutdown.complete"})
                return


def _host_header(headers: list[tuple[bytes, bytes]]) -> str:
    found = {k: v for k, v in headers if k in (b"x-forwarded-host", b"x-original-host", b"host")}
    value = found.get(b"x-forwarded-host") or found.get(b"x-original-host") or found.get(b"host") or b""
    return value.decode("latin-1").split(",", 1)[0].strip()


async def _respond(
    send: Send, status: int, body: bytes, content_type: bytes, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

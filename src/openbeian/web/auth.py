"""Who is calling: a bearer token (API) or the signed session cookie (pages)."""

from __future__ import annotations

from fastapi import Request

from openbeian.domain.orders import Actor
from openbeian.errors import AuthenticationFailed, Text
from openbeian.services.accounts import AccountService, actor_of
from openbeian.services.context import Context


def optional_actor(request: Request) -> Actor | None:
    ctx: Context = request.app.state.ctx
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationFailed(
                Text("use 'Authorization: Bearer <token>'", "请使用 Authorization: Bearer <令牌>")
            )
        return actor_of(AccountService(ctx).by_token(token.strip()))
    account_id = request.session.get("account_id") if "session" in request.scope else None
    if isinstance(account_id, int):
        account = AccountService(ctx).by_id(account_id)
        if account is not None:
            return actor_of(account)
    return None


def require_actor(request: Request) -> Actor:
    actor = optional_actor(request)
    if actor is None:
        raise AuthenticationFailed(Text("log in or send an API token", "请登录或提供 API 令牌"))
    return actor

"""Accounts, logins and API tokens. Passwords are argon2 hashes; tokens are stored as SHA-256 digests."""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from openbeian.domain.orders import Actor
from openbeian.domain.provinces import find as find_province
from openbeian.domain.workflow import Role
from openbeian.errors import AuthenticationFailed, Text, ValidationError
from openbeian.services.context import Context
from openbeian.store.accounts import Account, Provider

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{2,63}$")
_hasher = PasswordHasher()
TOKEN_PREFIX = "obk_"


def actor_of(account: Account) -> Actor:
    return Actor(account.id, account.role, account.display_name, account.provider_id, account.province_code)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AccountService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def create_user(
        self,
        username: str,
        password: str | None,
        role: Role,
        display_name: str = "",
        provider: str | None = None,
        province: str | None = None,
    ) -> Account:
        username = username.strip().lower()
        if not _USERNAME.match(username):
            raise ValidationError.for_field(
                "username",
                "3-64 characters: lower-case letters, digits, . _ -",
                "3 到 64 个字符：小写字母、数字、. _ -",
            )
        if password is not None and len(password) < 8:
            raise ValidationError.for_field("password", "must be at least 8 characters", "至少 8 个字符")
        province_code = None
        if role is Role.OFFICER:
            found = find_province(province or "")
            if found is None:
                raise ValidationError.for_field("province", "an officer needs a province", "管局审核员须指定省份")
            province_code = found.code
        with self.ctx.db.unit_of_work() as uow:
            provider_id = None
            if role is Role.REVIEWER:
                found_provider = uow.accounts.provider_by_name(provider or "")
                if found_provider is None:
                    raise ValidationError.for_field(
                        "provider", f"no provider named {provider!r}", f"没有名为 {provider!r} 的接入商"
                    )
                provider_id = found_provider.id
            account = uow.accounts.add(
                username,
                display_name.strip() or username,
                role,
                None if password is None else _hasher.hash(password),
                self.ctx.clock.now(),
                provider_id,
                province_code,
            )
            uow.commit()
        return account

    def set_password(self, username: str, password: str) -> None:
        if len(password) < 8:
            raise ValidationError.for_field("password", "must be at least 8 characters", "至少 8 个字符")
        with self.ctx.db.unit_of_work() as uow:
            if not uow.accounts.set_password_hash(username.strip().lower(), _hasher.hash(password)):
                raise ValidationError.for_field("username", f"no user {username!r}", f"没有用户 {username!r}")
            uow.commit()

    def authenticate(self, username: str, password: str) -> Account:
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            account = uow.accounts.by_username(username.strip().lower())
        failed = AuthenticationFailed(Text("wrong username or password", "用户名或密码错误"))
        if account is None or account.password_hash is None:
            raise failed
        try:
            _hasher.verify(account.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise failed from None
        return account

    def create_token(self, username: str, name: str = "cli") -> str:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.ctx.db.unit_of_work() as uow:
            account = uow.accounts.by_username(username.strip().lower())
            if account is None:
                raise ValidationError.for_field("username", f"no user {username!r}", f"没有用户 {username!r}")
            uow.accounts.add_token(account.id, name, token_digest(token), self.ctx.clock.now())
            uow.commit()
        return token

    def by_token(self, token: str) -> Account:
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            account = uow.accounts.by_token(token_digest(token))
        if account is None:
            raise AuthenticationFailed(Text("invalid API token", "API 令牌无效"))
        return account

    def providers(self) -> dict[int, Provider]:
        """The access providers by id (a short list: pages and reports name them)."""
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            return {p.id: p for p in uow.accounts.providers()}

    def by_id(self, account_id: int) -> Account | None:
        with self.ctx.db.unit_of_work(readonly=True) as uow:
            return uow.accounts.by_id(account_id)

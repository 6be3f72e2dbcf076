"""Accounts, API tokens and providers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.exc import IntegrityError

from openbeian.domain.workflow import Role
from openbeian.errors import Conflict, Text
from openbeian.store.schema import accounts, api_tokens, new_id, providers


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    username: str
    display_name: str
    role: Role
    provider_id: int | None
    province_code: str | None
    password_hash: str | None


@dataclass(frozen=True, slots=True)
class Provider:
    id: int
    name: str
    name_en: str


class AccountRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(
        self,
        username: str,
        display_name: str,
        role: Role,
        password_hash: str | None,
        at: datetime,
        provider_id: int | None = None,
        province_code: str | None = None,
    ) -> Account:
        try:
            with self.conn.begin_nested():
                account_id = new_id(
                    self.conn.execute(
                        accounts.insert(),
                        dict(
                            username=username,
                            display_name=display_name,
                            role=role.value,
                            password_hash=password_hash,
                            provider_id=provider_id,
                            province_code=province_code,
                            created_at=at,
                        ),
                    )
                )
        except IntegrityError:
            raise Conflict(
                Text(f"username {username!r} is taken", f"用户名 {username!r} 已被占用"),
                {"username": Text("is taken", "已被占用")},
            ) from None
        return Account(int(account_id), username, display_name, role, provider_id, province_code, password_hash)

    def by_username(self, username: str) -> Account | None:
        row = self.conn.execute(_ACCOUNT_BY_USERNAME, {"username": username}).first()
        return None if row is None else _account(row)

    def by_id(self, account_id: int) -> Account | None:
        row = self.conn.execute(_ACCOUNT_BY_ID, {"account_id": account_id}).first()
        return None if row is None else _account(row)

    def all(self, role: Role | None = None) -> list[Account]:
        query = select(accounts).order_by(accounts.c.id)
        if role is not None:
            query = query.where(accounts.c.role == role.value)
        return [_account(r) for r in self.conn.execute(query)]

    def set_password_hash(self, username: str, password_hash: str) -> bool:
        result = self.conn.execute(
            accounts.update().where(accounts.c.username == username).values(password_hash=password_hash)
        )
        return result.rowcount == 1

    def add_token(self, account_id: int, name: str, digest: str, at: datetime) -> None:
        self.conn.execute(
            api_tokens.insert(), dict(account_id=account_id, name=name, token_digest=digest, created_at=at)
        )

    def by_token(self, digest: str) -> Account | None:
        row = self.conn.execute(
            select(accounts)
            .join(api_tokens, api_tokens.c.account_id == accounts.c.id)
            .where(api_tokens.c.token_digest == digest)
        ).first()
        return None if row is None else _account(row)

    def add_provider(self, name: str, name_en: str, at: datetime) -> Provider:
        try:
            with self.conn.begin_nested():
                provider_id = new_id(
                    self.conn.execute(providers.insert(), dict(name=name, name_en=name_en, created_at=at))
                )
        except IntegrityError:
            raise Conflict(Text(f"provider {name!r} exists", f"接入商 {name!r} 已存在")) from None
        return Provider(int(provider_id), name, name_en)

    def provider_by_name(self, name: str) -> Provider | None:
        row = self.conn.execute(select(providers).where(providers.c.name == name)).first()
        return None if row is None else Provider(row.id, row.name, row.name_en)

    def providers(self) -> list[Provider]:
        return [
            Provider(r.id, r.name, r.name_en) for r in self.conn.execute(select(providers).order_by(providers.c.id))
        ]


def _account(row: object) -> Account:
    m = row._mapping  # type: ignore[attr-defined]
    return Account(
        m["id"],
        m["username"],
        m["display_name"],
        Role(m["role"]),
        m["provider_id"],
        m["province_code"],
        m["password_hash"],
    )


# Every request and order step looks its actor up: these statements are built once.
_ACCOUNT_BY_USERNAME = select(accounts).where(accounts.c.username == bindparam("username"))
_ACCOUNT_BY_ID = select(accounts).where(accounts.c.id == bindparam("account_id"))

"""Settings: environment OPENBEIAN_* > .env file in the working directory > defaults.

Each setting has help text; `openbeian --help` and docs/configuration in the README list them.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, fields
from pathlib import Path
from typing import ClassVar

from openbeian.errors import ConfigurationError, Text

DEFAULT_DATABASE_URL = "sqlite:///openbeian.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = ""
    dev_sms_outbox: bool = True
    default_language: str = "en"
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_sender: str = "openbeian@localhost"
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout: int = 10
    upload_dir: str = ""
    upload_max_bytes: int = 10 * 1024 * 1024
    backdrop_colour: str = "#0055aa"
    rate_limit_per_minute: int = 6000
    rate_limit_burst: int = 2000

    HELP: ClassVar[dict[str, str]] = {
        "database_url": "Database URL: sqlite:///FILE (default sqlite:///openbeian.db) or postgresql+psycopg://USER@HOST/DB",
        "secret_key": "Key that signs session cookies; random per process when unset (sessions end on restart)",
        "dev_sms_outbox": "Show the development SMS outbox to applicants (sandbox deployments); 0 to hide",
        "default_language": "Language of pages when the browser asks for none: en or zh-CN",
        "smtp_host": "SMTP server for e-mail notifications; empty (default) disables e-mail",
        "smtp_port": "SMTP server port (default 25; 587 with STARTTLS is usual)",
        "smtp_sender": "From address of notification e-mails",
        "smtp_starttls": "1 to upgrade the SMTP connection with STARTTLS (certificate verified) before sending",
        "smtp_username": "SMTP login user; empty sends without logging in",
        "smtp_password": "SMTP login password",
        "smtp_timeout": "Seconds to wait for the SMTP server before giving up (default 10)",
        "upload_dir": "Directory for uploaded photos and letters, outside the web root; default data/uploads "
        "next to the SQLite database file (or the working directory)",
        "upload_max_bytes": "Largest accepted upload in bytes (default 10485760 = 10 MB)",
        "backdrop_colour": "Colour of the provider's photo backdrop (幕布), #RRGGBB (default #0055aa, a typical blue)",
        "rate_limit_per_minute": "Public registry API: requests a minute each client (its API token's account, "
        "else its address) may make, per worker process; past it the API answers 429 with Retry-After. 0 turns the "
        "limit off (default 6000)",
        "rate_limit_burst": "Public registry API: requests a client may make at once before the per-minute rate "
        "applies (default 2000); a batch query counts one request per 10 items",
    }


def _read_dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def _convert(name: str, kind: object, raw: str) -> object:
    if kind in (bool, "bool"):
        return raw.lower() not in ("0", "false", "no", "off", "")
    if kind in (int, "int"):
        try:
            return int(raw)
        except ValueError:
            variable = f"OPENBEIAN_{name.upper()}"
            raise ConfigurationError(
                Text(f"{variable} must be a whole number, not {raw!r}", f"{variable} 必须是整数，而不是 {raw!r}")
            ) from None
    return raw


def load_settings(
    env: dict[str, str] | None = None, dotenv: Path | None = Path(".env"), **overrides: object
) -> Settings:
    source = {**(_read_dotenv(dotenv) if dotenv else {}), **(os.environ if env is None else env)}
    values: dict[str, object] = {}
    for f in fields(Settings):
        raw = source.get(f"OPENBEIAN_{f.name.upper()}")
        if raw is None:
            continue
        values[f.name] = _convert(f.name, f.type, raw)
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings(**values)  # type: ignore[arg-type]
    if not settings.secret_key:
        settings = Settings(**{**settings.__dict__, "secret_key": secrets.token_urlsafe(32)})
    return settings

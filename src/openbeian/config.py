"""Settings: environment OPENBEIAN_* > .env file in the working directory > defaults.

Each setting has help text; `openbeian --help` and docs/configuration in the README list them.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, fields
from pathlib import Path
from typing import ClassVar

DEFAULT_DATABASE_URL = "sqlite:///openbeian.db"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = ""
    dev_sms_outbox: bool = True
    default_language: str = "en"

    HELP: ClassVar[dict[str, str]] = {
        "database_url": "Database URL: sqlite:///FILE (default sqlite:///openbeian.db) or postgresql+psycopg://USER@HOST/DB",
        "secret_key": "Key that signs session cookies; random per process when unset (sessions end on restart)",
        "dev_sms_outbox": "Show the development SMS outbox to applicants (sandbox deployments); 0 to hide",
        "default_language": "Language of pages when the browser asks for none: en or zh-CN",
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


def load_settings(
    env: dict[str, str] | None = None, dotenv: Path | None = Path(".env"), **overrides: object
) -> Settings:
    source = {**(_read_dotenv(dotenv) if dotenv else {}), **(os.environ if env is None else env)}
    values: dict[str, object] = {}
    for f in fields(Settings):
        raw = source.get(f"OPENBEIAN_{f.name.upper()}")
        if raw is None:
            continue
        values[f.name] = raw.lower() not in ("0", "false", "no", "off", "") if f.type in (bool, "bool") else raw
    values.update({k: v for k, v in overrides.items() if v is not None})
    settings = Settings(**values)  # type: ignore[arg-type]
    if not settings.secret_key:
        settings = Settings(**{**settings.__dict__, "secret_key": secrets.token_urlsafe(32)})
    return settings

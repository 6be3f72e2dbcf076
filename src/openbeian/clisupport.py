"""What every `openbeian` subcommand shares: the language, the one-line error exit, JSON output, the state.

Command modules (cli.py and the cli_*.py beside it) import from here, so none of them imports another.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

import click
from rich.console import Console

from openbeian.config import Settings, load_settings
from openbeian.domain.calendar import CHINA_TZ
from openbeian.errors import OpenBeianError, ValidationError
from openbeian.services.context import Context, context_from_settings

F = TypeVar("F", bound=Callable[..., Any])
console = Console(width=None if sys.stdout.isatty() else 160)


def lang() -> str:
    value = os.environ.get("OPENBEIAN_LANG") or os.environ.get("LC_ALL") or os.environ.get("LANG") or ""
    return "zh-CN" if value.lower().startswith("zh") else "en"


def fail(message: str) -> None:
    click.echo(f"openbeian: error: {message}", err=True)
    sys.exit(2)


def handles_errors(func: F) -> F:
    """OpenBeianError -> one line on stderr and exit 2."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OpenBeianError as exc:
            message = exc.text.get(lang())
            if len(exc.fields) == 1 and next(iter(exc.fields)) not in message:
                message = f"{next(iter(exc.fields))}: {message}"
            fail(message)

    return wrapper  # type: ignore[return-value]


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, default=str))


class State:
    def __init__(self, database: str | None) -> None:
        self.settings: Settings = load_settings(database_url=database)
        self._ctx: Context | None = None

    @property
    def ctx(self) -> Context:
        if self._ctx is None:
            self._ctx = context_from_settings(self.settings)
        return self._ctx


def state() -> State:
    obj = click.get_current_context().obj
    assert isinstance(obj, State)
    return obj


def parse_instant(text: str, field: str) -> datetime:
    """An ISO date or date-time; without a zone it is Beijing time (the filing system's clock)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError.for_field(
            field,
            f"{text!r} is not an ISO date-time (2026-12-01T09:00)",
            f"{text!r} 不是 ISO 日期时间（如 2026-12-01T09:00）",
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=CHINA_TZ)

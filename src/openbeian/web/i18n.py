"""The pages' message catalog: English msgid -> Simplified Chinese, and the language of a request.

Pages write English in the source, `_("Orders")`; `gettext(lang)` gives the function that translates
into the request's language. A msgid may hold `{name}` placeholders, filled after translation:
`_("Order {id}", id=7)`. Domain labels are not here: they travel as `Text(en, zh)` with the objects
(Stage.label, Role.label ...), as do error messages. `N_()` marks a msgid kept in a table for later
translation; a test checks that every marked msgid has its Chinese.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from fastapi import Request

from openbeian.web.errors import language_of

LANGUAGES = {"en": "English", "zh-CN": "中文"}


class Translate(Protocol):
    def __call__(self, msgid: str, /, **values: object) -> str: ...


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a msgid for the catalog without translating it now."""
    return msgid


def normalise_language(code: str) -> str | None:
    """zh-CN or en for the spellings a user may put in a link (zh, zh-cn, en-GB ...); None otherwise."""
    lower = code.strip().lower()
    if lower.startswith("zh"):
        return "zh-CN"
    if lower.startswith("en"):
        return "en"
    return None


def request_language(request: Request) -> str:
    """The `lang` cookie, then Accept-Language, then the configured default."""
    default = getattr(request.app.state.settings, "default_language", "en")
    return language_of(request.headers.get("accept-language"), request.cookies.get("lang"), default)


def gettext(lang: str) -> Translate:
    """The translating function of a language: `_(msgid, **values)`."""
    chinese = lang.lower().startswith("zh")

    def translate(msgid: str, /, **values: object) -> str:
        text = CATALOG.get(msgid, msgid) if chinese else msgid
        return text.format(**values) if values else text

    return translate


def plain(msgid: str) -> Callable[..., str]:
    """An untranslated `_` (for texts built before the language is known)."""
    return gettext("en")


CATALOG: dict[str, str] = {}

"""The OpenBeian error tree. No HTTP here: the web layer maps classes to status codes in one place.

Every error carries a bilingual message (`Text`: English and Chinese) and, for bad input, the fields
it concerns (field path -> bilingual message), so each face can show the error beside the field.

    OpenBeianError                  code            meaning
    ├── ValidationError             invalid         input fails validation (fields says which)
    │   └── InvalidNumber           invalid_number  a filing / licence / police number does not parse
    ├── AuthenticationFailed        unauthenticated no or wrong credentials
    ├── PermissionDenied            forbidden       the actor may not do this (role or tenant)
    ├── NotFound                    not_found       no such object (or not visible to the actor)
    ├── Conflict                    conflict        the request clashes with the stored state
    │   ├── IllegalTransition       illegal_transition  the order's stage does not allow this move
    │   └── StaleObject             stale           someone else changed the object first
    └── ConfigurationError          configuration   settings are unusable (bad database URL ...)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    """A user-facing string in English and Simplified Chinese."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang.lower().startswith("zh") else self.en

    def __str__(self) -> str:
        return self.en


class OpenBeianError(Exception):
    code = "error"

    def __init__(self, text: Text | str, fields: Mapping[str, Text] | None = None) -> None:
        self.text = text if isinstance(text, Text) else Text(text, text)
        self.fields: dict[str, Text] = dict(fields or {})
        super().__init__(self.text.en)

    @property
    def message(self) -> str:
        return self.text.en

    def to_dict(self, lang: str = "en") -> dict[str, object]:
        """The one error shape of every face: {"code", "message", "fields"}."""
        return {
            "code": self.code,
            "message": self.text.get(lang),
            "fields": {name: text.get(lang) for name, text in self.fields.items()},
        }


class ValidationError(OpenBeianError):
    code = "invalid"

    @classmethod
    def for_field(cls, field: str, en: str, zh: str) -> ValidationError:
        text = Text(en, zh)
        return cls(Text(f"{field}: {en}", f"{field}：{zh}"), {field: text})


class InvalidNumber(ValidationError):
    code = "invalid_number"


class AuthenticationFailed(OpenBeianError):
    code = "unauthenticated"


class PermissionDenied(OpenBeianError):
    code = "forbidden"


class NotFound(OpenBeianError):
    code = "not_found"


class Conflict(OpenBeianError):
    code = "conflict"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class StaleObject(Conflict):
    code = "stale"


class ConfigurationError(OpenBeianError):
    code = "configuration"

"""Error classes to HTTP status, in one place, and the one JSON error shape."""

from __future__ import annotations

from openbeian import errors

STATUS: dict[type[errors.OpenBeianError], int] = {
    errors.ValidationError: 422,
    errors.InvalidNumber: 422,
    errors.AuthenticationFailed: 401,
    errors.PermissionDenied: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.IllegalTransition: 409,
    errors.StaleObject: 409,
    errors.ConfigurationError: 500,
}


def status_of(exc: errors.OpenBeianError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def language_of(accept_language: str | None, cookie: str | None = None, default: str = "en") -> str:
    """zh-CN or en: the `lang` cookie wins, then the first supported Accept-Language entry."""
    for candidate in [cookie or ""] + [p.split(";")[0].strip() for p in (accept_language or "").split(",")]:
        lower = candidate.lower()
        if lower.startswith("zh"):
            return "zh-CN"
        if lower.startswith("en"):
            return "en"
    return default

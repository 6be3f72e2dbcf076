"""Eligibility API: POST /api/v1/eligibility checks a facts document; GET /api/v1/schemas/facts.json describes it.

No login: anyone may ask whether, where and with what they could file. Bad input answers 422 in the one error
shape, one field message per problem, in the request's language (the app's OpenBeianError handler).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from openbeian.clock import CHINA_TZ
from openbeian.errors import Text, ValidationError
from openbeian.rules import eligibility, facts_json_schema, load_facts
from openbeian.rules.facts import SCHEMA

router = APIRouter(prefix="/api/v1", tags=["eligibility"])
MAX_BODY_BYTES = 256 * 1024

_FINDING = {
    "type": "object",
    "properties": {
        "rule": {"type": "string"},
        "severity": {"enum": ["block", "warn", "info"]},
        "path": {"type": "string"},
        "message": {"type": "object", "properties": {"en": {"type": "string"}, "zh": {"type": "string"}}},
        "source": {"type": "string"},
    },
}


@router.post(
    "/eligibility",
    summary="Check a facts document against the filing rules",
    description="ok is false exactly when a finding has severity block. recommendations lists the provinces "
    "where this subject could file and the documents to prepare.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": SCHEMA.schema()}},
        },
        "responses": {
            "200": {
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "ok": {"type": "boolean"},
                                "findings": {"type": "array", "items": _FINDING},
                                "recommendations": {"type": "object"},
                            },
                        }
                    }
                }
            }
        },
    },
)
async def check_eligibility(
    request: Request,
    at: Annotated[
        str | None, Query(description="check as on this day, YYYY-MM-DD (default: today, China time)")
    ] = None,
) -> dict[str, Any]:
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise ValidationError(
            Text(f"the facts document is larger than {MAX_BODY_BYTES // 1024} KiB", "事实文档超过 256 KiB")
        )
    day = _day(at) if at else request.app.state.ctx.clock.now().astimezone(CHINA_TZ).date()
    facts = load_facts(body)
    return eligibility(facts, day)


def _day(text: str) -> date:
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ValidationError.for_field("at", "must be a date written YYYY-MM-DD", "应为 YYYY-MM-DD 格式的日期")


@router.get("/schemas/facts.json", summary="JSON Schema of the facts document")
async def facts_schema() -> JSONResponse:
    return JSONResponse(facts_json_schema(), media_type="application/schema+json")

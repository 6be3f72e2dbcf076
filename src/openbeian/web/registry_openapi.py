"""The OpenAPI description of the registry routes that registry_api.py answers outside FastAPI's routing:
hand-written path items and schemas, merged into the app's generated document (`merge_into`, the one place
where the document is extended; it composes with any earlier override)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from openbeian.domain.ministry import MINISTRY_COLUMNS
from openbeian.services.registry import MAX_BATCH, MAX_PAGE

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Schema, description: str, headers: dict[str, Schema] | None = None) -> Schema:
    response: Schema = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


_STRING = {"type": "string"}
_ERRORS = {
    "422": _json(_ref("Error"), "Bad input (the one error shape, in the caller's language)"),
    "429": _json(
        _ref("Error"),
        "Rate limited (code rate_limited): wait Retry-After seconds. Never an empty result",
        {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}},
    ),
}
_CACHE_HEADERS = {
    "ETag": {"description": "strong validator over the body", "schema": _STRING},
    "Cache-Control": {"description": "public, max-age=60", "schema": _STRING},
}

SCHEMAS: dict[str, Schema] = {
    "PublicRecord": {
        "type": "object",
        "description": "One filed site with its subject (an individual's name is masked)",
        "properties": {
            "subject_name": _STRING,
            "subject_kind": {"type": "string", "description": "enterprise, individual, government ..."},
            "subject_number": {"type": "string", "example": "京ICP备2024012345号"},
            "site_number": {"type": "string", "example": "京ICP备2024012345号-1"},
            "site_name": _STRING,
            "site_type": {"type": "string", "enum": ["website", "app", "mini_program", "quick_app"]},
            "domains": {"type": "array", "items": _STRING, "description": "unicode form"},
            "province_code": _STRING,
            "approved_at": {"type": "string", "format": "date-time"},
            "status": {"type": "string", "enum": ["active", "cancelled", "revoked"]},
            "providers": {"type": "array", "items": {"type": "integer"}},
        },
    },
    "RegistryPage": {
        "type": "object",
        "required": ["query", "records", "next_cursor", "as_of"],
        "properties": {
            "query": {"type": "object", "additionalProperties": _STRING, "description": "the query answered"},
            "records": {"type": "array", "items": _ref("PublicRecord")},
            "next_cursor": {"type": ["string", "null"], "description": "pass as cursor for the next page; null: last"},
            "as_of": {"type": "string", "format": "date-time", "description": "newest registry change reflected"},
        },
    },
    "BatchRequest": {
        "type": "object",
        "description": f"Either domains or numbers, 1 to {MAX_BATCH} items",
        "properties": {
            "domains": {"type": "array", "items": _STRING, "minItems": 1, "maxItems": MAX_BATCH},
            "numbers": {"type": "array", "items": _STRING, "minItems": 1, "maxItems": MAX_BATCH},
        },
    },
    "BatchResult": {
        "type": "object",
        "required": ["query"],
        "description": "records when the item parsed (empty: not filed), else error",
        "properties": {
            "query": _STRING,
            "records": {"type": "array", "items": _ref("PublicRecord")},
            "error": _ref("ErrorBody"),
        },
    },
    "BatchAnswer": {
        "type": "object",
        "required": ["results", "as_of"],
        "properties": {
            "results": {"type": "array", "items": _ref("BatchResult"), "description": "one per item, input order"},
            "as_of": {"type": "string", "format": "date-time"},
        },
    },
    "ErrorBody": {
        "type": "object",
        "required": ["code", "message", "fields"],
        "properties": {
            "code": _STRING,
            "message": _STRING,
            "fields": {"type": "object", "additionalProperties": _STRING},
        },
    },
    "Error": {"type": "object", "required": ["error"], "properties": {"error": _ref("ErrorBody")}},
    "MinistryQuery": {
        "type": "object",
        "required": ["unitName"],
        "properties": {
            "unitName": {"type": "string", "description": "a domain, an ICP filing number or part of a name"},
            "serviceType": {
                "type": ["integer", "string"],
                "description": "1 website, 6 app, 7 mini program, 8 quick app",
            },
            "pageNum": {"type": ["integer", "string"], "description": 'from 1; "" for 1'},
            "pageSize": {"type": ["integer", "string"], "description": "rows a page (default 10, at most 1000)"},
        },
    },
    "MinistryRow": {
        "type": "object",
        "properties": {name: _STRING for name in MINISTRY_COLUMNS},
    },
    "MinistryAnswer": {
        "type": "object",
        "required": ["code", "msg", "success"],
        "properties": {
            "code": {"type": "integer", "example": 200},
            "msg": {"type": "string", "example": "操作成功"},
            "success": {"type": "boolean"},
            "params": {
                "type": "object",
                "description": "PageHelper's page: list, total, pageNum, pageSize, pages, hasNextPage ...",
                "properties": {
                    "list": {"type": "array", "items": _ref("MinistryRow")},
                    "total": {"type": "integer"},
                    "pageNum": {"type": "integer"},
                    "pageSize": {"type": "integer"},
                    "pages": {"type": "integer"},
                    "hasNextPage": {"type": "boolean"},
                },
            },
            "error": _ref("ErrorBody"),
        },
    },
}


def _param(name: str, description: str, schema: Schema | None = None) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema or _STRING}


PATHS: dict[str, Schema] = {
    "/api/v1/registry": {
        "get": {
            "tags": ["registry"],
            "summary": "Query the public registry",
            "description": "Give exactly one of domain, number or subject. A page of records at a time: pass "
            "next_cursor back as cursor for the next one. A domain or site number has at most one record; a subject "
            "number pages through its sites, a name through its matches. Answers carry a strong ETag "
            "(If-None-Match -> 304) and Cache-Control; each client is rate limited (429 with Retry-After).",
            "operationId": "registry_query",
            "parameters": [
                _param("domain", "a domain, either IDN form; subdomains match"),
                _param("number", "a filing number, any accepted spelling"),
                _param("subject", "part of the subject's name (at least 2 characters)"),
                _param("cursor", "next_cursor of the previous page"),
                _param("limit", f"records a page, 1 to {MAX_PAGE}", {"type": "integer", "default": 50}),
            ],
            "responses": {
                "200": _json(_ref("RegistryPage"), "One page of records", _CACHE_HEADERS),
                "304": {"description": "Not modified (If-None-Match held the ETag)"},
                **_ERRORS,
            },
        }
    },
    "/api/v1/registry/batch": {
        "post": {
            "tags": ["registry"],
            "summary": f"Query up to {MAX_BATCH} domains or numbers at once",
            "description": "One result per item, in input order: its records (empty: not filed) or, for an item "
            f"that does not parse, its error. More than {MAX_BATCH} items is a 422. Counts one request per 10 items "
            "against the client's rate limit.",
            "operationId": "registry_batch",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("BatchRequest")}}},
            "responses": {"200": _json(_ref("BatchAnswer"), "One result per item"), **_ERRORS},
        }
    },
    "/icpproject_query/api/icpAbbreviateInfo/queryByCondition": {
        "post": {
            "tags": ["registry"],
            "summary": "The registry in the ministry's public query shape (compatibility)",
            "description": "Mimics POST https://hlwicpfwc.miit.gov.cn/icpproject_query/api/icpAbbreviateInfo/"
            "queryByCondition (the beian.miit.gov.cn query), the endpoint that ICP_Query, ICP-Checker, ENScan_GO's "
            "beian module and similar tools call: point their base URL (…/icpproject_query/api/) here. Token, Sign "
            "and Uuid headers are accepted and ignored; POST …/icpproject_query/api/auth answers a token for tools "
            "that ask first; the captcha and detail endpoints are not provided. unitName holds a domain, an ICP "
            "filing number or part of a name; one list row per filed domain of an active filing.",
            "operationId": "registry_ministry_query",
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("MinistryQuery")}}},
            "responses": {
                "200": _json(
                    _ref("MinistryAnswer"), '{"code": 200, "msg": "操作成功", "params": {...}, "success": true}'
                ),
                **_ERRORS,
            },
        }
    },
    "/icpproject_query/api/auth": {
        "post": {
            "tags": ["registry"],
            "summary": "The ministry query's token step (compatibility)",
            "description": "Mimics POST https://hlwicpfwc.miit.gov.cn/icpproject_query/api/auth: answers "
            '{"params": {"bussiness": token, "expire": 300000}} for tools that get a token before they query. '
            "The token is not checked.",
            "operationId": "registry_ministry_auth",
            "responses": {"200": _json(_ref("MinistryAnswer"), "A token in the ministry's shape")},
        }
    },
}


def merge_into(app: FastAPI) -> None:
    """Extend the app's OpenAPI document (built once, on first use) with PATHS and SCHEMAS."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None and "/api/v1/registry/batch" in app.openapi_schema.get("paths", {}):
            return app.openapi_schema
        document = generate()
        document.setdefault("paths", {}).update(PATHS)
        document.setdefault("components", {}).setdefault("schemas", {}).update(SCHEMAS)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]

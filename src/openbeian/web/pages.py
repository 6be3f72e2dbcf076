"""Server-rendered pages (placeholder until the pages land)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from openbeian.errors import OpenBeianError

router = APIRouter()


def mount_static(app: FastAPI) -> None:
    return None


def error_page(request: Request, exc: OpenBeianError, status: int) -> Response:
    return JSONResponse({"error": exc.to_dict()}, status_code=status)

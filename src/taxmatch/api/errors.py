"""One JSON error shape for every failure, and no stack trace to any client.

{"error": {"type": "not_found", "message": "...", "where": "...", "fix": "..."}}
"""

from __future__ import annotations

import logging
import math
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from taxmatch import errors

log = logging.getLogger(__name__)
STATUS: list[tuple[type[errors.TaxmatchError], int]] = [
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.TooLarge, 413),
    (errors.RateLimited, 429),
    (errors.StoreError, 503),
    (errors.InputError, 422),
    (errors.LedgerError, 500),
]


class ErrorDetail(BaseModel):
    type: str = Field(description="The error's kind in snake case: input_error, access_denied, conflict, ...")
    message: str = Field(description="What was wrong.")
    where: str = Field(description="Where: file, line, column or field, when known; empty otherwise.")
    fix: str = Field(description="What to do about it.")


class ErrorOut(BaseModel):
    """Every failure's one shape."""

    error: ErrorDetail


def _documented(what: str) -> dict[str, Any]:
    return {"model": ErrorOut, "description": what}


# The answers every operation may give besides its own, in the one error shape (the OpenAPI document).
DOCUMENTED: dict[int | str, dict[str, Any]] = {
    400: _documented("A request the service cannot read (a truncated upload, say)."),
    401: _documented("No credentials, or ones that are invalid or revoked."),
    403: _documented("A role that may not do this; the fix names the role needed."),
    404: _documented("No such batch, row or entry, or none this client may see."),
    409: _documented("Not in a state that allows this (not processed, already released, ...)."),
    413: _documented("An upload or a batch bigger than the settings allow."),
    422: _documented("A value that cannot be used; `where` names the field."),
    429: _documented("Too many calls, batches or failed logins; see the Retry-After header."),
    503: _documented("The store is not ready (no master loaded)."),
}


def body(kind: str, message: str, where: str = "", fix: str = "") -> dict[str, dict[str, str]]:
    return {"error": {"type": kind, "message": message, "where": where, "fix": fix}}


def _kind(exc: Exception) -> str:
    return _kind_name(type(exc))


def status_of(kind: type[errors.TaxmatchError]) -> str:
    """The HTTP status an error class is answered with ('401 / 403' for AccessDenied)."""
    if issubclass(kind, errors.AccessDenied):
        return "401 / 403"
    return str(next((code for k, code in STATUS if issubclass(kind, k)), 400))


def _status(exc: errors.TaxmatchError) -> int:
    if isinstance(exc, errors.AccessDenied):
        return 403 if exc.authenticated else 401
    return next((code for kind, code in STATUS if isinstance(exc, kind)), 400)


def markdown() -> str:
    """The HTTP status each error is answered with, for docs/errors.md (generated; checked by tests)."""
    rows = ["| HTTP status | error | `type` in the body |", "|---|---|---|"]
    rows.append("| 401 | `AccessDenied`, no or bad credentials | `access_denied` |")
    rows.append("| 403 | `AccessDenied`, a role that may not do this | `access_denied` |")
    rows += [f"| {code} | `{kind.__name__}` | `{_kind_name(kind)}` |" for kind, code in STATUS]
    rows.append("| 400 | any other `TaxmatchError` | its class name in snake case |")
    rows.append("| 422 | a request the schema refuses (FastAPI's validation) | `invalid_request` |")
    rows.append("| 500 | anything unexpected (logged; no detail to the client) | `internal_error` |")
    return "\n".join(rows) + "\n"


def _kind_name(kind: type[Exception]) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", kind.__name__).lower()


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.TaxmatchError)
    async def _taxmatch(_: Request, exc: errors.TaxmatchError) -> JSONResponse:
        where = str(exc.where) if exc.where else ""
        headers = {"WWW-Authenticate": "Bearer"} if _status(exc) == 401 else {}
        if isinstance(exc, errors.RateLimited) and exc.retry_after is not None:
            headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return JSONResponse(
            body(_kind(exc), exc.what, where, exc.fix), status_code=_status(exc), headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"msg": "invalid request", "loc": ()}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse(
            body("invalid_request", str(first.get("msg")), where, "See /docs for the schema."),
            status_code=422,
        )

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse(
            body("http_error", str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(
            body(
                "internal_error",
                "the service failed; the error is logged",
                fix="Try again; if it persists, tell the disclosure office.",
            ),
            status_code=500,
        )

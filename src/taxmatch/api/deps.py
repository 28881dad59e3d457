"""Dependencies, defined once: the app's settings and context, and the authenticated client with its role."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from taxmatch.api.throttle import Throttle
from taxmatch.db import clients
from taxmatch.db.clients import Client, Role
from taxmatch.errors import AccessDenied, RateLimited
from taxmatch.pipeline.context import Context
from taxmatch.settings import Settings


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def context(request: Request) -> Context:
    value: Context = request.app.state.context
    return value


# Declares the bearer scheme in the OpenAPI document (the Authorize button); the check is ours, so that a
# missing credential gets the one error shape, not FastAPI's.
bearer = HTTPBearer(auto_error=False, description="CLIENT_ID.SECRET, as issued by the disclosure office.")


def client(
    request: Request, given: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None
) -> Client:
    scheme, credential = (given.scheme, given.credentials) if given else ("", "")
    if scheme.lower() != "bearer" or not credential.strip():
        raise AccessDenied(
            "no credentials",
            authenticated=False,
            fix="Send 'Authorization: Bearer CLIENT_ID.SECRET' as issued by the disclosure office.",
        )
    return _authenticated(request, credential.strip())


def _authenticated(request: Request, credential: str) -> Client:
    """The credential's client, unless its id or the caller's address has failed too often this minute."""
    failures: Throttle = request.app.state.failures
    keys = (
        f"id:{credential.partition('.')[0][:80]}",
        f"from:{request.client.host if request.client else '-'}",
    )
    now = time.monotonic()
    wait = max(failures.wait(key, now) for key in keys)
    if wait:
        raise RateLimited(
            "too many failed attempts with this client id or from this address",
            fix=f"Try again in {math.ceil(wait)} s with the credential as issued.",
            retry_after=wait,
        )
    key = settings(request).secret_key.get_secret_value().encode("utf-8")
    try:
        found: Client = clients.authenticate(context(request).engine, credential, key)
    except AccessDenied:
        for failed in keys:
            failures.record(failed, now)
        raise
    return found


def require(*roles: Role) -> Callable[[Client], Client]:
    """A dependency that admits only these roles."""

    def check(who: Annotated[Client, Depends(client)]) -> Client:
        if who.role not in roles:
            needed = " or ".join(r.value for r in roles)
            raise AccessDenied(
                f"the {who.role.value} role may not do this",
                fix=f"This needs a {needed} credential, issued by the disclosure office.",
            )
        return who

    return check


SettingsDep = Annotated[Settings, Depends(settings)]
ContextDep = Annotated[Context, Depends(context)]
Anyone = Annotated[Client, Depends(client)]
Requester = Annotated[Client, Depends(require(Role.REQUESTER))]
Officer = Annotated[Client, Depends(require(Role.DISCLOSURE_OFFICER))]
Insider = Annotated[Client, Depends(require(Role.DISCLOSURE_OFFICER, Role.AUDITOR, Role.ADMIN))]
Auditor = Annotated[Client, Depends(require(Role.AUDITOR, Role.DISCLOSURE_OFFICER, Role.ADMIN))]
Reader = Annotated[Client, Depends(require(Role.REVIEWER, Role.DISCLOSURE_OFFICER, Role.AUDITOR, Role.ADMIN))]
Reviewer = Annotated[Client, Depends(require(Role.REVIEWER, Role.DISCLOSURE_OFFICER))]

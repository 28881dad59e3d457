"""Dependencies: the settings and engine of this app, and the authenticated client with its role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from sqlalchemy import Engine

from taxmatch.agreement import Agreement
from taxmatch.db import clients
from taxmatch.db.clients import Client, Role
from taxmatch.errors import AccessDenied
from taxmatch.settings import Settings


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def engine(request: Request) -> Engine:
    value: Engine = request.app.state.engine
    return value


def agreement(request: Request) -> Agreement:
    value: Agreement = request.app.state.agreement
    return value


def client(request: Request, authorization: Annotated[str | None, Header()] = None) -> Client:
    scheme, _, credential = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise AccessDenied(
            "no credentials",
            authenticated=False,
            fix="Send 'Authorization: Bearer CLIENT_ID.SECRET' as issued by the disclosure office.",
        )
    found: Client = clients.authenticate(request.app.state.engine, credential.strip())
    return found


def require(*roles: Role) -> Callable[[Client], Client]:
    """A dependency that admits only these roles."""

    def check(who: Annotated[Client, Depends(client)]) -> Client:
        if who.role not in roles:
            raise AccessDenied(f"the {who.role.value} role may not do this")
        return who

    return check


SettingsDep = Annotated[Settings, Depends(settings)]
EngineDep = Annotated[Engine, Depends(engine)]
AgreementDep = Annotated[Agreement, Depends(agreement)]

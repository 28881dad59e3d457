"""Client credentials: argon2 hashes, revocation, and the verified-credential memory."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from taxmatch.db import clients
from taxmatch.db.clients import Role
from taxmatch.errors import AccessDenied

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every argon2 verification made, by stored hash."""
    made: list[str] = []
    real = clients._hasher

    class Counting:
        def hash(self, secret: str) -> str:
            return real.hash(secret)

        def verify(self, stored: str, secret: str) -> bool:
            made.append(stored)
            return real.verify(stored, secret)

    monkeypatch.setattr(clients, "_hasher", Counting())
    monkeypatch.setattr(clients, "_VERIFIED", type(clients._VERIFIED)())
    return made


def test_a_verified_credential_is_not_rehashed(engine: Engine, counted: list[str]) -> None:
    who, credential = clients.issue(engine, "DHS/ICE", Role.REQUESTER, NOW)
    assert [clients.authenticate(engine, credential) for _ in range(3)] == [who] * 3
    assert len(counted) == 1


def test_a_wrong_secret_is_checked_every_time(engine: Engine, counted: list[str]) -> None:
    _, credential = clients.issue(engine, "DHS/ICE", Role.REQUESTER, NOW)
    for _ in range(3):
        with pytest.raises(AccessDenied):
            clients.authenticate(engine, credential + "x")
    assert len(counted) == 3


def test_revocation_takes_effect_even_for_a_remembered_credential(engine: Engine, counted: list[str]) -> None:
    who, credential = clients.issue(engine, "DHS/ICE", Role.REQUESTER, NOW)
    clients.authenticate(engine, credential)
    clients.revoke(engine, who.client_id, NOW)
    with pytest.raises(AccessDenied, match="revoked"):
        clients.authenticate(engine, credential)


def test_the_memory_holds_digests_not_secrets(engine: Engine, counted: list[str]) -> None:
    _, credential = clients.issue(engine, "DHS/ICE", Role.AUDITOR, NOW)
    clients.authenticate(engine, credential)
    secret = credential.partition(".")[2]
    assert all(secret not in key for pair in clients._VERIFIED for key in pair)

"""Client credentials: a keyed hash of a random secret; argon2 hashes from before accepted; revocation."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import Engine, select, update

from taxmatch.db import clients
from taxmatch.db.clients import Role
from taxmatch.db.schema import clients as table
from taxmatch.errors import AccessDenied

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
KEY = b"a-key-from-the-vault"


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


def stored_hash(engine: Engine, client_id: str) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(select(table.c.secret_hash).where(table.c.client_id == client_id)).scalar_one()
        )


def test_a_credential_is_stored_as_a_keyed_hash_and_checked_under_the_key(engine: Engine) -> None:
    who, credential = clients.issue(engine, "DHS/ICE", Role.REQUESTER, NOW, KEY)
    secret = credential.partition(".")[2]
    assert len(secret) >= 43 and secret not in stored_hash(engine, who.client_id)
    assert stored_hash(engine, who.client_id) == clients.keyed_hash(secret, KEY)
    assert clients.authenticate(engine, credential, KEY) == who
    with pytest.raises(AccessDenied):
        clients.authenticate(engine, credential, b"another key")  # a new key invalidates old credentials


def test_a_wrong_secret_costs_no_slow_hash(engine: Engine, counted: list[str]) -> None:
    """Issue 10: wrong secrets cost 64 MiB of argon2 each; a keyed hash costs microseconds."""
    _, credential = clients.issue(engine, "DHS/ICE", Role.REQUESTER, NOW, KEY)
    started = time.perf_counter()
    for _ in range(200):
        with pytest.raises(AccessDenied):
            clients.authenticate(engine, credential + "x", KEY)
    assert counted == [] and time.perf_counter() - started < 2.0


def issued_before(engine: Engine) -> tuple[clients.Client, str]:
    """A credential as earlier versions issued it: an argon2 hash of the secret."""
    who, credential = clients.issue(engine, "DHS/ICE", Role.REQUESTER, NOW, KEY)
    with engine.begin() as conn:
        conn.execute(
            update(table)
            .where(table.c.client_id == who.client_id)
            .values(secret_hash=clients._hasher.hash(credential.partition(".")[2]))
        )
    return who, credential


def test_an_argon2_credential_from_before_is_accepted_and_verified_once(
    engine: Engine, counted: list[str]
) -> None:
    who, credential = issued_before(engine)
    assert [clients.authenticate(engine, credential, KEY) for _ in range(3)] == [who] * 3
    assert len(counted) == 1
    for _ in range(3):
        with pytest.raises(AccessDenied):
            clients.authenticate(engine, credential + "x", KEY)
    assert len(counted) == 4  # a failed check is never remembered


def test_revocation_takes_effect_even_for_a_remembered_credential(engine: Engine, counted: list[str]) -> None:
    who, credential = issued_before(engine)
    clients.authenticate(engine, credential, KEY)
    clients.revoke(engine, who.client_id, NOW)
    with pytest.raises(AccessDenied, match="revoked"):
        clients.authenticate(engine, credential, KEY)


def test_the_memory_holds_digests_not_secrets(engine: Engine, counted: list[str]) -> None:
    _, credential = issued_before(engine)
    clients.authenticate(engine, credential, KEY)
    secret = credential.partition(".")[2]
    assert clients._VERIFIED and all(secret not in key for pair in clients._VERIFIED for key in pair)

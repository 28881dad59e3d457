"""API clients: agencies and officers, each with one role, authenticated by a secret stored only as a hash.

A credential is `CLIENT_ID.SECRET`, shown once when issued. The store keeps an
argon2 hash of the secret; a revoked client is refused from then on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, select, update

from taxmatch.db.schema import clients
from taxmatch.errors import AccessDenied, NotFound

_hasher = PasswordHasher()
# Credentials already verified against a stored hash, as SHA-256 digests of the secret (never the
# secret). argon2 is slow on purpose (~0.1 s); paying it on every interactive call doubled the
# latency. A failed check is never remembered, and revocation is read from the store every time.
_VERIFIED: OrderedDict[tuple[str, str], None] = OrderedDict()
_VERIFIED_MAX = 4096
_lock = threading.Lock()


def _verify(stored_hash: str, secret: str) -> None:
    """Raise VerificationError unless `secret` matches `stored_hash`."""
    key = (stored_hash, hashlib.sha256(secret.encode("utf-8")).hexdigest())
    with _lock:
        if key in _VERIFIED:
            _VERIFIED.move_to_end(key)
            return
    _hasher.verify(stored_hash, secret)
    with _lock:
        _VERIFIED[key] = None
        while len(_VERIFIED) > _VERIFIED_MAX:
            _VERIFIED.popitem(last=False)


class Role(StrEnum):
    REQUESTER = "requester"
    DISCLOSURE_OFFICER = "disclosure_officer"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"
    ADMIN = "admin"


@dataclass(frozen=True)
class Client:
    client_id: str
    agency: str
    role: Role


def issue(engine: Engine, agency: str, role: Role, now: dt.datetime) -> tuple[Client, str]:
    """A new client and its credential (`CLIENT_ID.SECRET`), which is never stored or shown again."""
    client_id = "c_" + secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            clients.insert().values(
                client_id=client_id,
                agency=agency,
                role=role.value,
                secret_hash=_hasher.hash(secret),
                created_at=now,
            )
        )
    return Client(client_id, agency, role), f"{client_id}.{secret}"


def revoke(engine: Engine, client_id: str, now: dt.datetime) -> None:
    with engine.begin() as conn:
        done = conn.execute(
            update(clients)
            .where(clients.c.client_id == client_id, clients.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    if done.rowcount != 1:
        raise NotFound(f"no active client {client_id!r}", fix="List clients with `taxmatch clients list`.")


def authenticate(engine: Engine, credential: str) -> Client:
    """The client a credential belongs to; AccessDenied for anything else, with one message for all."""
    client_id, _, secret = credential.partition(".")
    with engine.connect() as conn:
        row = conn.execute(select(clients).where(clients.c.client_id == client_id)).mappings().first()
    refused = AccessDenied(
        "invalid or revoked credentials",
        authenticated=False,
        fix="Send 'Authorization: Bearer CLIENT_ID.SECRET' as issued by the disclosure office.",
    )
    if row is None or row["revoked_at"] is not None or not secret:
        raise refused
    try:
        _verify(row["secret_hash"], secret)
    except (VerificationError, InvalidHashError):
        raise refused from None
    return Client(row["client_id"], row["agency"], Role(row["role"]))


def listing(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        query = select(
            clients.c.client_id, clients.c.agency, clients.c.role, clients.c.created_at, clients.c.revoked_at
        ).order_by(clients.c.created_at)
        return [dict(r) for r in conn.execute(query).mappings()]

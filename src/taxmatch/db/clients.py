"""API clients: agencies and officers, each with one role, authenticated by a secret stored only as a hash.

A credential is `CLIENT_ID.SECRET`, shown once when issued; the secret is 256
random bits. The store keeps `hmac-sha256$HEX`, a keyed hash of the secret under
the service's secret key (TAXMATCH_SECRET_KEY): with a random secret of that
length a slow password hash buys nothing, and it made every wrong guess cost
64 MiB and 0.1 s of the server's (issue 10). Credentials issued before this
keep their argon2 hashes and are still accepted; the API limits failed
attempts per client id and per source address whichever the hash. A revoked
client is refused from then on. Changing the secret key invalidates every
credential issued under the old one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
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
from taxmatch.settings import DEVELOPMENT_SECRET

KEYED = "hmac-sha256$"
DEVELOPMENT_KEY = DEVELOPMENT_SECRET.encode("utf-8")

_hasher = PasswordHasher()
# Credentials already verified against a stored hash, as SHA-256 digests of the secret (never the
# secret). argon2 is slow on purpose (~0.1 s); paying it on every interactive call doubled the
# latency. A failed check is never remembered, and revocation is read from the store every time.
_VERIFIED: OrderedDict[tuple[str, str], None] = OrderedDict()
_VERIFIED_MAX = 4096
_lock = threading.Lock()


def keyed_hash(secret: str, key: bytes) -> str:
    return KEYED + hmac.new(key, secret.encode("utf-8"), hashlib.sha256).hexdigest()


def _verify(stored_hash: str, secret: str, key: bytes) -> None:
    """Raise VerificationError unless `secret` matches `stored_hash` (keyed, or argon2 from before)."""
    if stored_hash.startswith(KEYED):
        if not hmac.compare_digest(stored_hash, keyed_hash(secret, key)):
            raise VerificationError("the secret does not match")
        return
    remembered = (stored_hash, hashlib.sha256(secret.encode("utf-8")).hexdigest())
    with _lock:
        if remembered in _VERIFIED:
            _VERIFIED.move_to_end(remembered)
            return
    _hasher.verify(stored_hash, secret)
    with _lock:
        _VERIFIED[remembered] = None
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


def issue(
    engine: Engine, agency: str, role: Role, now: dt.datetime, key: bytes = DEVELOPMENT_KEY
) -> tuple[Client, str]:
    """A new client and its credential (`CLIENT_ID.SECRET`), which is never stored or shown again.

    `key`: the service's secret key (Settings.secret_key); the development key only in development.
    """
    client_id = "c_" + secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            clients.insert().values(
                client_id=client_id,
                agency=agency,
                role=role.value,
                secret_hash=keyed_hash(secret, key),
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


def authenticate(engine: Engine, credential: str, key: bytes = DEVELOPMENT_KEY) -> Client:
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
        _verify(row["secret_hash"], secret, key)
    except (VerificationError, InvalidHashError):
        raise refused from None
    return Client(row["client_id"], row["agency"], Role(row["role"]))


def listing(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        query = select(
            clients.c.client_id, clients.c.agency, clients.c.role, clients.c.created_at, clients.c.revoked_at
        ).order_by(clients.c.created_at)
        return [dict(r) for r in conn.execute(query).mappings()]


def every(engine: Engine) -> list[dict[str, object]]:
    """Every client row as stored (hashes included), to carry over into a store made anew."""
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(clients)).mappings()]


def restore(engine: Engine, rows: list[dict[str, object]]) -> None:
    if rows:
        with engine.begin() as conn:
            conn.execute(clients.insert(), rows)

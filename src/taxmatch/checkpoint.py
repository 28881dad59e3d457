"""Signed checkpoints of the disclosure log: C2SP tlog-checkpoint bodies in C2SP signed notes (Ed25519).

A checkpoint says "the log named ORIGIN holds SIZE entries whose Merkle tree
head is ROOT", and the disclosing agency signs it. Anyone holding the public
key checks the signature; anyone holding two checkpoints checks with a
consistency proof (merkle.py) that the later one extends the earlier. This
module needs only `cryptography`, never the store, so a recipient's or an
overseer's verifier can run anywhere.

The note is the checkpoint's text (origin, size and base64 root, one per
line), a blank line, and one line per signature: an em dash, the key's name,
and base64 of the key's 4-byte hash followed by the Ed25519 signature of the
text. The key hash is the first 4 bytes of SHA-256(name, newline, 0x01, the
32-byte public key); the published verifier key is NAME+HEX(hash)+BASE64(0x01,
key).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = b"\x01"
DASH = "\u2014 "


class CheckpointError(ValueError):
    """A checkpoint that is malformed, or whose signature does not verify."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    @property
    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_hash(name: str, key: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + ED25519 + _raw(key)).digest()[:4]


def verifier_key(name: str, key: Ed25519PublicKey) -> str:
    """The public key as the disclosing agency publishes it: NAME+HASH+KEY."""
    return f"{name}+{key_hash(name, key).hex()}+{base64.b64encode(ED25519 + _raw(key)).decode()}"


def read_verifier_key(text: str) -> tuple[str, Ed25519PublicKey]:
    name, hashed, encoded = text.strip().split("+", 2)  # base64 may hold '+'; a name and a hex hash do not
    raw = base64.b64decode(encoded)
    if raw[:1] != ED25519 or len(raw) != 33:
        raise CheckpointError("not an Ed25519 verifier key")
    key = Ed25519PublicKey.from_public_bytes(raw[1:])
    if key_hash(name, key).hex() != hashed:
        raise CheckpointError("the verifier key's hash does not match its key")
    return name, key


def sign(checkpoint: Checkpoint, name: str, key: Ed25519PrivateKey) -> str:
    """The signed note of a checkpoint."""
    signature = key_hash(name, key.public_key()) + key.sign(checkpoint.text.encode())
    return f"{checkpoint.text}\n{DASH}{name} {base64.b64encode(signature).decode()}\n"


def verify(note: str, name: str, key: Ed25519PublicKey) -> Checkpoint:
    """The checkpoint a signed note carries, once its signature by `name`'s key verifies."""
    text, sep, signatures = note.partition("\n\n")
    if not sep:
        raise CheckpointError("not a signed note: no blank line before the signatures")
    lines = (text + "\n").splitlines()
    if len(lines) < 3 or not lines[1].isdigit():
        raise CheckpointError("not a checkpoint: origin, size and root hash, one per line")
    expected = key_hash(name, key)
    for line in signatures.splitlines():
        if not line.startswith(DASH + name + " "):
            continue
        blob = base64.b64decode(line.rsplit(" ", 1)[1])
        if blob[:4] != expected:
            continue
        try:
            key.verify(blob[4:], (text + "\n").encode())
        except InvalidSignature:
            raise CheckpointError(f"the signature of {name!r} does not verify") from None
        return Checkpoint(lines[0], int(lines[1]), base64.b64decode(lines[2]))
    raise CheckpointError(f"no signature by {name!r} with this key")

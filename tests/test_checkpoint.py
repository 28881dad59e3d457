"""Signed checkpoints: C2SP tlog-checkpoint bodies in Ed25519 signed notes, and what a verifier refuses."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from taxmatch import checkpoint, merkle
from taxmatch.checkpoint import Checkpoint, CheckpointError

NAME = "disclosures.taxmatch.example"


@pytest.fixture(scope="module", params=[1, 2, 8])  # 8: a key whose published base64 holds a '+'
def key(request: pytest.FixtureRequest) -> Ed25519PrivateKey:
    """Fixed keys, so that every run tries the same ones."""
    return Ed25519PrivateKey.from_private_bytes(bytes([request.param]) * 32)


def head(n: int) -> Checkpoint:
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]
    return Checkpoint(NAME, n, merkle.root(leaves))


def test_a_signed_note_has_the_c2sp_shape_and_verifies(key: Ed25519PrivateKey) -> None:
    note = checkpoint.sign(head(8), NAME, key)
    body, signatures = note.split("\n\n")
    assert body.splitlines() == [NAME, "8", head(8).text.splitlines()[2]]
    assert signatures.startswith(f"\u2014 {NAME} ") and note.endswith("\n")
    assert checkpoint.verify(note, NAME, key.public_key()) == head(8)


def test_the_published_key_round_trips(key: Ed25519PrivateKey) -> None:
    published = checkpoint.verifier_key(NAME, key.public_key())
    name, public = checkpoint.read_verifier_key(published)
    assert name == NAME and checkpoint.verify(checkpoint.sign(head(3), NAME, key), name, public) == head(3)
    with pytest.raises(CheckpointError, match="hash"):
        checkpoint.read_verifier_key(published.replace(published.split("+")[1], "00000000"))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda note: note.replace("\n8\n", "\n9\n", 1),  # another size
        lambda note: note.replace(note.splitlines()[2], "A" * 43 + "=", 1),  # another root
        lambda note: note.replace("\n\n", "\n", 1),  # no signature block
        lambda note: note.split("\n\n")[0] + "\n\n",  # the signature removed
    ],
    ids=["size", "root", "shape", "unsigned"],
)
def test_a_changed_checkpoint_is_refused(key: Ed25519PrivateKey, tamper: object) -> None:
    note = checkpoint.sign(head(8), NAME, key)
    with pytest.raises(CheckpointError):
        checkpoint.verify(tamper(note), NAME, key.public_key())  # type: ignore[operator]


def test_another_key_s_signature_is_not_the_log_s(key: Ed25519PrivateKey) -> None:
    forged = checkpoint.sign(head(8), NAME, Ed25519PrivateKey.generate())
    with pytest.raises(CheckpointError, match="no signature"):
        checkpoint.verify(forged, NAME, key.public_key())

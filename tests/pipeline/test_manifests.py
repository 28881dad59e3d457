"""The manifest reader: a flat mapping of strings, and a hostile manifest refused before anything is built."""

from __future__ import annotations

import contextlib
import json
import resource
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taxmatch.errors import ManifestError
from taxmatch.pipeline import manifests

FIELDS = {
    "agreement_id": "IRS-DHS-2025-04",
    "requesting_agency": "DHS/ICE",
    "signer_name": "A. Signer",
    "signer_title": "Secretary of Homeland Security",
    "signed_on": "2026-11-02",
    "attestation": "Solely.",
    "request_file_sha256": "ab" * 32,
}
YAML = "\n".join(f"{k}: {v if k == 'signed_on' else json.dumps(v)}" for k, v in FIELDS.items()) + "\n"


def manifest_file(tmp_path: Path, **overrides: object) -> Path:
    fields = {**FIELDS, **overrides}
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps({k: v for k, v in fields.items() if v is not None}), encoding="utf-8")
    return path


def written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "manifest.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_json_and_a_yaml_manifest_read_the_same(tmp_path: Path) -> None:
    from_json = manifests.read(manifest_file(tmp_path))
    assert from_json.signed_on.isoformat() == "2026-11-02"
    assert manifests.read(written(tmp_path, YAML)) == from_json


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        ({"attestation": None}, "'attestation' is missing"),
        ({"attestation": "   "}, "'attestation' is missing"),
        ({"signed_on": "02/11/2026"}, "not a YYYY-MM-DD"),
        ({"extra": "x"}, "unknown field"),
        ({"attestation": ["a", "b"]}, "lists"),
        ({"attestation": {"a": "b"}}, "nested"),
        ({"attestation": 7}, "not text (int)"),
        ({"attestation": True}, "not text (bool)"),
        ({"signer_name": None, "attestation": None, "signed_on": None}, "missing"),
    ],
)
def test_manifest_problems_are_named(tmp_path: Path, overrides: dict[str, object], needle: str) -> None:
    with pytest.raises(ManifestError) as info:
        manifests.read(manifest_file(tmp_path, **overrides))
    assert needle in info.value.message and "manifest" in info.value.message


def alias_bomb(levels: int) -> str:
    """The 'billion laughs': each level an alias list of the one before (711 bytes at 9 levels)."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]")
    fields = "\n".join(f"{k}: {json.dumps(v)}" for k, v in FIELDS.items() if k != "attestation")
    return fields + "\n" + "\n".join(lines) + f"\nattestation: *a{levels}\n"


HOSTILE = {
    "alias bomb, 9 levels": alias_bomb(9),
    "alias bomb, 7 levels (was accepted, a list as the attestation)": alias_bomb(7),
    "a python object tag": YAML + "x: !!python/object/apply:os.system ['true']\n",
    "an explicit tag on a field": YAML.replace('attestation: "Solely."', 'attestation: !!binary "AAAA"'),
    "an anchor on a field": YAML.replace('attestation: "Solely."', 'attestation: &a "Solely."'),
    "a 10,000-digit number": json.dumps({**FIELDS, "attestation": 0}).replace(": 0", ": " + "9" * 10_000),
    "nested 50,000 deep": '{"attestation": ' + "[" * 50_000 + "]" * 50_000 + "}",
    "a key given twice": YAML + 'attestation: "Other."\n',
    "two documents": YAML + "---\n" + YAML,
    "a bare string": '"just text"\n',
    "a list": "[1, 2, 3]\n",
    "larger than the limit": YAML + "#" * manifests.MAX_BYTES + "\n",
    "not YAML at all": "{{{{ ::: ]]]\n",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_manifest_is_refused_quickly_and_in_little_memory(tmp_path: Path, text: str) -> None:
    path = written(tmp_path, text)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with pytest.raises(ManifestError) as info:
        manifests.read(path)
    assert time.perf_counter() - started < 2.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KiB: under 100 MB more
    assert str(path) in info.value.message and info.value.fix


@settings(max_examples=200)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=20,
    )
)
def test_any_json_document_is_a_manifest_or_a_manifest_error(value: object) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.json"
        path.write_text(json.dumps(value), encoding="utf-8")
        with contextlib.suppress(ManifestError):  # anything else escaping is the failure
            manifests.read(path)


YAML_BITS = st.sampled_from(
    ["a: b\n", "- x\n", "&a ", "*a", "!!str ", "{", "}", "[", "]", ": ", "---\n", "? ", "|\n  t\n", '"q"',
     "'q'", "#c\n", "  ", "\n", "k: [1, 2]\n", "k: {a: 1}\n", "k: null\n", "k: 2026-11-02\n", "\t", "\\",
     "%YAML 1.1\n"]
)  # fmt: skip


@settings(max_examples=300)
@given(st.lists(YAML_BITS | st.text(max_size=8), max_size=12).map("".join))
def test_any_yaml_text_is_flat_strings_or_a_manifest_error(text: str) -> None:
    """Issue 10: fuzzed YAML; anything but a flat mapping of strings is refused cleanly."""
    try:
        fields = manifests.flat_strings(text, "fuzzed")
    except ManifestError as exc:
        assert exc.where is not None and exc.where.file == "fuzzed" and exc.fix
        return
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items())

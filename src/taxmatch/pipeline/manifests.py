"""The batch manifest: a flat mapping of strings, read so that a hostile one costs nothing.

A manifest stands for a signed letter: seven short fields. YAML can say far
more (anchors and aliases that expand a 700-byte file into gigabytes, tags that
build objects, nesting, numbers with ten thousand digits), so the reader never
builds anything before the file has proved to be what a manifest is. It refuses,
in this order and before composing a single value:

- a file larger than MAX_BYTES;
- anything but one mapping of scalars (a list, a nested mapping, a second document);
- an anchor, an alias or an explicit tag;
- a plain value that YAML would read as a number, a boolean or null (quote it),
  except a date in signed_on;
- a key given twice.

JSON is YAML's flow style, so the same reader serves both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import yaml

from taxmatch.errors import Location, ManifestError
from taxmatch.interchange import MANIFEST_FIELDS, Manifest

MAX_BYTES = 64 * 1024
STR, TIMESTAMP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"
_RESOLVER = yaml.resolver.Resolver()


def _refuse(what: str, where: str, column: str | None = None) -> ManifestError:
    return ManifestError(
        what,
        where=Location(where, column=column),
        fix="A manifest is one flat mapping of its seven fields to text (spec/interchange.md section 0).",
    )


def _events(text: str, where: str) -> Iterator[yaml.Event]:
    try:
        yield from yaml.parse(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ManifestError(
            f"cannot read the manifest: {exc}",
            where=Location(where),
            fix="Send a UTF-8 YAML or JSON manifest.",
        ) from exc


def _text(event: yaml.ScalarEvent, where: str, key: str | None) -> str:
    """A scalar's text, refused unless it is a string (or, for signed_on, a date)."""
    if event.anchor is not None or event.tag not in (None, "!", STR):
        raise _refuse("lists, anchors, aliases and tags are not allowed in a manifest", where, key)
    tag = _RESOLVER.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
    if tag == STR or (key == "signed_on" and tag == TIMESTAMP):
        return str(event.value)
    raise _refuse(f"{key or 'a key'} is not text ({tag.rsplit(':', 1)[-1]}); quote it", where, key)


def flat_strings(text: str, where: str) -> dict[str, str]:
    """The manifest's fields, refusing anything that is not one flat mapping of strings."""
    fields: dict[str, str] = {}
    key: str | None = None
    depth = 0
    for event in _events(text, where):
        if isinstance(event, yaml.AliasEvent | yaml.SequenceStartEvent):
            raise _refuse("lists, anchors, aliases and tags are not allowed in a manifest", where, key)
        if isinstance(event, yaml.MappingStartEvent):
            depth += 1
            if depth > 1 or event.anchor is not None or event.tag not in (None, "tag:yaml.org,2002:map"):
                raise _refuse("a manifest is one flat mapping; nested values are not allowed", where, key)
        elif isinstance(event, yaml.DocumentStartEvent) and fields:
            raise _refuse("a manifest is one document", where)
        elif isinstance(event, yaml.ScalarEvent):
            if depth != 1:
                raise _refuse("a manifest is a mapping of fields, not a single value", where)
            if key is None:
                key = _text(event, where, None)
                if key in fields:
                    raise _refuse(f"field {key!r} is given twice", where, key)
            else:
                fields[key], key = _text(event, where, key), None
    if depth != 1:
        raise _refuse("the manifest is not a mapping of fields", where)
    return fields


def read(path: Path) -> Manifest:
    """Read the batch manifest (YAML or JSON), refusing a hostile one cheaply, and check it is complete."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ManifestError(
            f"cannot read the manifest: {exc.strerror}",
            where=Location(str(path)),
            fix="Check the path and that the file is readable.",
        ) from exc
    if len(data) > MAX_BYTES:
        raise _refuse(f"the manifest is larger than {MAX_BYTES:,} bytes", str(path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(
            "the manifest is not UTF-8", where=Location(str(path)), fix="Send a UTF-8 YAML or JSON manifest."
        ) from exc
    return checked(flat_strings(text, str(path)), str(path))


def checked(raw: dict[str, str], where: str) -> Manifest:
    """A manifest from its fields, checked complete; `where` names its source."""
    for name in MANIFEST_FIELDS:
        if not str(raw.get(name) or "").strip():
            raise ManifestError(
                f"required field {name!r} is missing or empty",
                where=Location(where, column=name),
                fix="Every manifest field of spec/interchange.md section 0 is required.",
            )
    extra = sorted(set(raw) - set(MANIFEST_FIELDS))
    if extra:
        raise ManifestError(
            f"unknown field(s): {', '.join(map(str, extra))}",
            where=Location(where),
            fix="Remove them: the manifest holds exactly the fields of spec/interchange.md section 0.",
        )
    signed = raw["signed_on"]
    try:
        signed_on = dt.date.fromisoformat(str(signed).strip())
    except ValueError as exc:
        raise ManifestError(
            f"signed_on {signed!r} is not a YYYY-MM-DD date",
            where=Location(where, column="signed_on"),
            fix="Write the date the request was signed as YYYY-MM-DD.",
        ) from exc
    return Manifest(**{k: str(raw[k]) for k in MANIFEST_FIELDS if k != "signed_on"}, signed_on=signed_on)

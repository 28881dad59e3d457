"""How the files the service sends are described in its OpenAPI document (one place for every route)."""

from __future__ import annotations

from typing import Any

Described = dict[int | str, dict[str, Any]]

CSV: Described = {
    200: {"content": {"text/csv": {}}, "description": "The file, as spec/interchange.md sets it out."}
}
TEXT: Described = {
    200: {"content": {"text/plain": {}}, "description": "A C2SP tlog-checkpoint in a signed note."}
}
HTML: Described = {200: {"content": {"text/html": {}}, "description": "A report, its charts inline (SVG)."}}
JSONL: Described = {
    200: {"content": {"application/jsonl": {}}, "description": "One receipt per line (JSON)."}
}

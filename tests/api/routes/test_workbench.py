"""Issue 11: the API behind the reviewers' workbench: the queue paged with its count, one held row with
the taxpayer data a verdict needs, and every such look recorded (IRC 7213A)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select

from taxmatch.db.schema import decisions
from tests.api.conftest import World, auth, fresh_batch, request_rows


def get(api: TestClient, world: World, role: str, path: str, **params: Any) -> Response:
    return api.get(path, params=params, headers=auth(world, role))


def held_in_store(world: World, batch: str) -> int:
    engine = world.engine()
    with engine.connect() as conn:
        found = conn.execute(
            select(func.count()).where(decisions.c.batch_id == batch, decisions.c.outcome == "REVIEW")
        ).scalar_one()
    engine.dispose()
    return int(found)


def test_the_queue_pages_through_every_held_row_and_counts_what_the_store_holds(
    api: TestClient, world: World
) -> None:
    batch = fresh_batch(api, world, request_rows(world))
    expected = held_in_store(world, batch)
    assert expected > 3
    seen: list[str] = []
    for offset in range(0, expected, 3):
        page = get(api, world, "reviewer", "/reviews/queue", batch=batch, limit=3, offset=offset).json()
        assert page["total"] == expected
        seen += [r["request_id"] for r in page["rows"]]
    assert len(seen) == len(set(seen)) == expected
    some = page["rows"][0]["reason_codes"].split(";")[0]
    narrowed = get(api, world, "reviewer", "/reviews/queue", batch=batch, reason=some).json()
    assert 0 < narrowed["total"] <= expected and all(some in r["reason_codes"] for r in narrowed["rows"])
    weakest = get(api, world, "reviewer", "/reviews/queue", batch=batch, sort="weakest", limit=200).json()
    probabilities = [r["match_probability"] for r in weakest["rows"] if r["match_probability"] is not None]
    assert probabilities == sorted(probabilities)
    assert get(api, world, "requester", "/reviews/queue").status_code == 403


def test_a_held_row_shows_the_request_beside_each_candidate_and_the_look_is_recorded(
    api: TestClient, world: World
) -> None:
    batch = fresh_batch(api, world, request_rows(world))
    rows = get(api, world, "reviewer", "/reviews/queue", batch=batch, limit=200).json()["rows"]
    target = next(r["request_id"] for r in rows if r["candidates"] > 0)
    before = get(api, world, "auditor", "/reviews/accesses", batch=batch).json()["total"]
    shown = get(api, world, "reviewer", "/reviews/row", batch=batch, request=target)
    assert shown.status_code == 200, shown.text
    told = shown.json()
    assert told["outcome"] == "REVIEW" and told["decided_by"] and told["asked"]["last_name"]
    assert told["asked_standardised"]["surname"] and told["recipient"] == "DHS/ICE"
    assert told["asked"]["tin"] == "" or told["asked"]["tin"].startswith("•••••")
    best = told["candidates"][0]
    assert best["tin"].startswith("•••••") and len(best["tin"]) == 9  # the last four digits only
    assert {"street_address", "address_as_of", "address_source"} <= set(best["on_file"][0])
    assert len(best["standardised"]) == len(best["on_file"]) and best["levels"]["last_name"]
    assert "<svg" in best["waterfall_svg"] and "match weight (bits)" in best["waterfall_svg"]
    after = get(api, world, "auditor", "/reviews/accesses", batch=batch).json()
    assert after["total"] == before + 1
    newest = after["rows"][0]
    assert (newest["request_id"], newest["via"], newest["role"]) == (target, "workbench", "reviewer")
    assert get(api, world, "requester", "/reviews/row", batch=batch, request=target).status_code == 403
    assert get(api, world, "reviewer", "/reviews/accesses").status_code == 403

"""The reviewers' page: one static HTML file that works the REVIEW queue through the API.

The page itself carries no data and needs no credential; everything it shows
comes from `GET /reviews` and goes to `POST /reviews` with the reviewer's
bearer credential, kept in the browser tab's session storage only.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["ui"])


@lru_cache(maxsize=1)
def _page() -> str:
    return (resources.files("taxmatch") / "api" / "static" / "reviews.html").read_text(encoding="utf-8")


@router.get("/ui/reviews", response_class=HTMLResponse, include_in_schema=False)
def reviews_page() -> HTMLResponse:
    return HTMLResponse(_page(), headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"})

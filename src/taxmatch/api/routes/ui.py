"""The reviewers' page: one static HTML file that works the REVIEW queue through the API.

The page itself carries no data and needs no credential; everything it shows
comes from `GET /reviews/queue` and `GET /reviews/row` and goes to `POST
/reviews` with the reviewer's bearer credential, kept in the browser tab's
session storage only.
"""

from __future__ import annotations

import html
from functools import lru_cache
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from taxmatch.reasons import DESCRIPTION, OUTCOME_OF, Outcome

router = APIRouter(tags=["ui"])


HELD_FOR = "<!-- REVIEW REASONS -->"


@lru_cache(maxsize=1)
def _page() -> str:
    """The page, its filter listing every reason a row can be held for (from the closed enum itself)."""
    page = (resources.files("taxmatch") / "api" / "static" / "reviews.html").read_text(encoding="utf-8")
    held_for = [r for r, outcome in OUTCOME_OF.items() if outcome is Outcome.REVIEW]
    options = "".join(
        f'<option value="{r.value}" title="{html.escape(DESCRIPTION[r])}">{r.value}</option>'
        for r in held_for
    )
    return page.replace(HELD_FOR, options)


@router.get("/ui/reviews", response_class=HTMLResponse, include_in_schema=False)
def reviews_page() -> HTMLResponse:
    return HTMLResponse(_page(), headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"})

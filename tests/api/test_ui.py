"""The reviewers' page in a real browser (Playwright driving Debian's chromium) against a live server."""

from __future__ import annotations

import csv
import datetime as dt
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from playwright.sync_api import Page, Route, expect, sync_playwright
from sqlalchemy import select

from taxmatch.api import create_app
from taxmatch.db import clients
from taxmatch.db.clients import Client, Role
from taxmatch.db.engine import connect
from taxmatch.db.schema import accesses, decisions, verdicts
from taxmatch.lab import synth
from taxmatch.layout import Layout
from taxmatch.matching import reference
from taxmatch.pipeline import jobs
from taxmatch.pipeline.context import Context
from taxmatch.settings import Settings
from tests.conftest import ARTIFACTS, chromium, covered, work_off

pytestmark = pytest.mark.slow
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"


@dataclass(frozen=True)
class Site:
    url: str
    batch: str
    held: list[str]
    tokens: dict[str, str]
    settings: Settings


def _batch(
    settings: Settings, requester: Client, rows: list[dict[str, str]], manifest: dict[str, str]
) -> str:
    signed, body = covered(rows, manifest)
    ctx = Context.open(settings, clock=lambda: NOW)
    batch, _ = jobs.submit(ctx, settings, requester, signed, body, "requests.csv")
    work_off(ctx)
    ctx.engine.dispose()
    return batch


def _held(settings: Settings, batch: str) -> list[str]:
    engine = connect(settings.store_path, settings.database_url)
    with engine.connect() as conn:
        query = select(decisions.c.request_id).where(
            decisions.c.batch_id == batch, decisions.c.outcome == "REVIEW"
        )
        found = sorted(conn.execute(query).scalars())
    engine.dispose()
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    chromium()  # or a skip (a failure in CI)
    root = tmp_path_factory.mktemp("ui")
    people = synth.write_master(root / "master.csv", 1500, seed=41)
    synth.write_requests(root / "requests.csv", root / "truth.csv", people, 700, seed=42)
    synth.write_manifest(root / "manifest.json", root / "requests.csv")
    reference.load(root / "master.csv", Layout(root / "store"), NOW)
    settings = Settings(store=root / "store", database_url=f"sqlite:///{root / 'store' / 'ui.db'}")
    app = create_app(settings)
    tokens = {}
    who = {}
    for role, agency in ((Role.REQUESTER, "DHS/ICE"), (Role.REVIEWER, "IRS")):
        who[role], tokens[role.value] = clients.issue(app.state.context.engine, agency, role, NOW)
    manifest = json.loads((root / "manifest.json").read_text())
    with (root / "requests.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    first = _batch(settings, who[Role.REQUESTER], rows, manifest)
    # The same rows again, one held row renamed to markup: the page must show it as text.
    renamed = _held(settings, first)[0]
    hostile = [{**r, "request_id": HOSTILE} if r["request_id"] == renamed else r for r in rows]
    batch = _batch(settings, who[Role.REQUESTER], hostile, manifest)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield Site(f"http://127.0.0.1:{port}", batch, _held(settings, batch), tokens, settings)
    server.should_exit = True
    thread.join(timeout=10)
    app.state.context.engine.dispose()


@pytest.fixture
def page(site: Site) -> Iterator[Page]:
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        tab = browser.new_page()
        tab.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
        yield tab
        browser.close()


def shot(page: Page, name: str) -> None:
    """A screenshot kept with the test run's output (listed at its end by tests/conftest.py)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _load(page: Page, site: Site, token: str, **filters: str) -> None:
    page.goto(f"{site.url}/ui/reviews")
    page.fill("#credential", token)
    page.click("#login button[type=submit]")
    page.fill("#batch", site.batch)
    for field, value in filters.items():
        page.select_option(f"#{field}", value)
    page.click("#filters button[type=submit]")
    expect(page.locator("#status")).to_contain_text("match")


def _open(page: Page, has_text: str) -> None:
    page.locator("#queue tbody tr").filter(has_text=has_text).first.click()
    page.wait_for_selector("#detail:not([hidden]) #compare tbody tr")


def _accesses(site: Site, request_id: str) -> list[dict[str, object]]:
    engine = connect(site.settings.store_path, site.settings.database_url)
    with engine.connect() as conn:
        found = conn.execute(select(accesses).where(accesses.c.request_id == request_id)).mappings().all()
    engine.dispose()
    return [dict(r) for r in found]


def test_the_queue_pages_through_every_held_row_and_shows_markup_only_as_text(page: Page, site: Site) -> None:
    _load(page, site, site.tokens["reviewer"], **{"page-size": "10"})
    assert len(site.held) > 10  # more than one page, or paging proved nothing
    expect(page.locator("#showing")).to_have_text(f"rows 1–10 of {len(site.held)}")
    shown: list[str] = []
    while True:
        shown += page.locator("#queue tbody td.request").all_text_contents()
        assert page.locator("#queue img").count() == 0  # the queue shows no taxpayer data
        if page.is_disabled("#next"):
            break
        before = page.text_content("#showing") or ""
        page.click("#next")
        expect(page.locator("#showing")).not_to_have_text(before)
    assert sorted(shown) == site.held and HOSTILE in shown
    last = len(site.held)
    assert page.text_content("#showing") == f"rows {(last - 1) // 10 * 10 + 1}–{last} of {last}"
    assert page.title() == "taxmatch: rows held for review"
    assert page.evaluate("document.title") != "pwned"


def test_a_namesake_row_shows_both_candidates_and_is_settled_in_two_steps(page: Page, site: Site) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    _load(page, site, site.tokens["reviewer"], reason="NAMESAKE_AT_ADDRESS")
    shot(page, "workbench-queue")
    namesakes = page.locator("#queue tbody td.request").all_text_contents()
    request_id = next(r for r in namesakes if r != HOSTILE)  # the hostile row is the next test's
    _open(page, request_id)
    headers = page.locator("#compare thead th").all_text_contents()
    assert headers[:2] == ["field", "the request"] and len(headers) == 4  # the request and both candidates
    assert all("TIN •••••" in h for h in headers[2:])
    assert "Rule 3" in (page.text_content("#decided-by") or "")
    assert page.locator("#addresses table").count() == 2
    assert page.locator("#charts img").count() == 2
    assert page.evaluate("[...document.querySelectorAll('#charts img')].every(i => i.naturalWidth > 0)")
    assert _accesses(site, request_id), "opening the row recorded no access"
    shot(page, "workbench-held-row")
    page.click("#confirm")  # no reason given: refused before anything is sent
    assert "at least 10 characters" in (page.text_content("#status") or "")
    assert page.is_hidden("#verdict-step")
    page.fill("#note", "Case file: the elder, born 1961, is the subject.")
    page.click("#confirm")
    question = page.text_content("#verdict-question") or ""
    assert "TIN •••••" in question and "DHS/ICE" in question  # names the taxpayer it would disclose
    shot(page, "workbench-second-step")
    page.click("#verdict-yes")
    page.wait_for_selector("#status.done")
    assert "VERIFIED MATCH_NAME_ADDRESS;REVIEWER_CONFIRMED" in (page.text_content("#status") or "")
    engine = connect(site.settings.store_path, site.settings.database_url)
    with engine.connect() as conn:
        stored = conn.execute(select(verdicts).where(verdicts.c.request_id == request_id)).mappings().one()
    engine.dispose()
    assert (stored["verdict"], stored["outcome"]) == ("confirm", "VERIFIED")


def test_a_reviewer_rejects_a_row_by_keyboard_with_a_reason_on_record(page: Page, site: Site) -> None:
    _load(page, site, site.tokens["reviewer"])
    rows = page.locator("#queue tbody td.request").all_text_contents()
    page.locator("#queue tbody tr").first.focus()
    for _ in range(rows.index(HOSTILE)):
        page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_selector("#detail:not([hidden]) #compare tbody tr")
    assert HOSTILE in (page.text_content("#detail-title") or "")
    page.fill("#note", "Case file shows a different date of birth.")
    page.click("#reject")
    page.keyboard.press("Escape")  # the second step can be stepped back from
    assert page.is_hidden("#verdict-step")
    page.click("#reject")
    page.click("#verdict-yes")
    page.wait_for_selector("#status.done")
    row = page.locator("#queue tbody tr").filter(has_text=HOSTILE)
    assert row.locator("td.verdict").text_content() == "NO_MATCH REVIEWER_REJECTED"
    engine = connect(site.settings.store_path, site.settings.database_url)
    with engine.connect() as conn:
        stored = conn.execute(select(verdicts).where(verdicts.c.request_id == HOSTILE)).mappings().one()
    engine.dispose()
    assert (stored["verdict"], stored["note"]) == ("reject", "Case file shows a different date of birth.")


def test_a_load_under_way_hides_the_last_answer_until_its_own_arrives(page: Page, site: Site) -> None:
    """CI, 2026-12-07: the login's answer was taken for the filters' one; the late one re-drew the queue."""
    _load(page, site, site.tokens["reviewer"])
    stopped: list[Route] = []

    def stop(route: Route) -> None:  # the next load's answer waits until it is let go
        stopped.append(route)

    page.route("**/reviews/queue?*", stop)
    page.click("#filters button[type=submit]")
    expect(page.locator("#status")).to_have_text("Loading the queue…")
    assert len(stopped) == 1
    stopped[0].continue_()
    expect(page.locator("#status")).to_contain_text("match")
    page.unroute("**/reviews/queue?*")


def test_a_requester_credential_gets_the_api_s_refusal(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/ui/reviews")
    page.fill("#credential", site.tokens["requester"])
    page.click("#login button[type=submit]")
    page.wait_for_selector("#status.error")
    assert "may not do this" in (page.text_content("#status") or "")
    assert page.locator("#queue").is_hidden()


@pytest.mark.parametrize("width", [1280, 1920])
def test_the_layout_holds_without_a_horizontal_scroll(page: Page, site: Site, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 1000})
    _load(page, site, site.tokens["reviewer"], state="all")
    _open(page, "")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow} px wider than the window at {width} px"
    shot(page, f"workbench-{width}")


def test_the_api_docs_render_with_the_network_off(page: Page, site: Site) -> None:
    """Issue 11: /docs was a blank page offline, because Swagger UI came from a CDN."""
    elsewhere: list[str] = []

    def only_this_server(route: Route) -> None:
        if route.request.url.startswith(site.url):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(f"{site.url}/docs")
    page.wait_for_selector(".opblock", timeout=15_000)
    assert page.locator(".opblock").count() >= 10
    assert page.locator(".btn.authorize").count() == 1  # the bearer scheme's Authorize button
    assert elsewhere == []

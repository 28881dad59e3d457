"""The reviewers' page in a real browser (Playwright driving Debian's chromium) against a live server."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from playwright.sync_api import Page, Route, sync_playwright
from sqlalchemy import select

from taxmatch.api import create_app
from taxmatch.db import clients
from taxmatch.db.clients import Client, Role
from taxmatch.db.engine import connect
from taxmatch.db.schema import decisions, verdicts
from taxmatch.lab import synth
from taxmatch.layout import Layout
from taxmatch.matching import reference
from taxmatch.pipeline import jobs
from taxmatch.pipeline.context import Context
from taxmatch.settings import Settings
from tests.conftest import covered, work_off

pytestmark = pytest.mark.slow
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


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
    if not os.path.exists(CHROMIUM):
        if os.environ.get("TAXMATCH_REQUIRE_BROWSER"):
            pytest.fail(f"no chromium at {CHROMIUM}; install Debian's chromium package")
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    root = tmp_path_factory.mktemp("ui")
    people = synth.write_master(root / "master.csv", 1500, seed=41)
    synth.write_requests(root / "requests.csv", root / "truth.csv", people, 150, seed=42)
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
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        tab = browser.new_page()
        tab.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
        yield tab
        browser.close()


def _load(page: Page, site: Site, token: str) -> None:
    page.goto(f"{site.url}/ui/reviews")
    page.fill("#credential", token)
    page.fill("#batch", site.batch)
    page.click("button[type=submit]")


def test_the_queue_shows_every_held_row_and_markup_only_as_text(page: Page, site: Site) -> None:
    _load(page, site, site.tokens["reviewer"])
    page.wait_for_selector("#queue tbody tr")
    shown = page.locator("#queue tbody td.request").all_text_contents()
    assert sorted(shown) == site.held
    assert HOSTILE in shown
    assert page.title() == "taxmatch: rows held for review"
    assert page.locator("#queue img").count() == 0


def test_a_reviewer_settles_a_row_and_a_verdict_without_reason_is_refused(page: Page, site: Site) -> None:
    _load(page, site, site.tokens["reviewer"])
    row = page.locator("#queue tbody tr").filter(has_text=HOSTILE)
    row.get_by_role("button", name="Reject").click()
    page.wait_for_selector("#status.error")
    assert "at least 10 characters" in page.text_content("#status")
    row.get_by_role("textbox").fill("Case file shows a different date of birth.")
    row.get_by_role("button", name="Reject").click()
    page.wait_for_selector("#status.done")
    assert row.locator("td.verdict").text_content() == "NO_MATCH REVIEWER_REJECTED"
    engine = connect(site.settings.store_path, site.settings.database_url)
    with engine.connect() as conn:
        stored = conn.execute(select(verdicts).where(verdicts.c.request_id == HOSTILE)).mappings().one()
    engine.dispose()
    assert (stored["verdict"], stored["note"]) == ("reject", "Case file shows a different date of birth.")


def test_a_requester_credential_gets_the_api_s_refusal(page: Page, site: Site) -> None:
    _load(page, site, site.tokens["requester"])
    page.wait_for_selector("#status.error")
    assert "may not do this" in page.text_content("#status")
    assert page.locator("#queue").is_hidden()


def test_a_confirmation_is_recorded_for_release(page: Page, site: Site) -> None:
    _load(page, site, site.tokens["reviewer"])
    row = page.locator("#queue tbody tr").filter(has_text="NAMESAKE_AT_ADDRESS").first
    row.get_by_role("textbox").fill("Case file: the elder, born 1961, is the subject.")
    row.get_by_role("button", name="Confirm").click()
    page.wait_for_selector("#status.done")
    verdict = row.locator("td.verdict").text_content() or ""
    assert verdict == "VERIFIED MATCH_NAME_ADDRESS;REVIEWER_CONFIRMED (disclosed when the batch is released)"


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

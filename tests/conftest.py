from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings
from sqlalchemy import Engine, MetaData, create_engine, event, make_url

from taxmatch import agreement
from taxmatch.db.engine import connect
from taxmatch.interchange import REQUEST_COLUMNS
from taxmatch.layout import Layout
from taxmatch.pipeline import batch, jobs
from taxmatch.pipeline.context import Context, utc_now
from taxmatch.pipeline.results import BatchReport
from taxmatch.rules.decide import Decision
from taxmatch.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 11, 25)
SIGNED = dt.date(2026, 11, 2)
# Street lines the 2025 TIN path let through, and other things that are not addresses.
NOT_ADDRESSES = (
    "UNKNOWN ADDRESS",
    "Failed to Provide 12345",
    "Failed to Provide",
    "Don't Care",
    "N/A",
    "See case file",
    "12345",
    "12345-6789",
    "",
    "  ",
    "none",
    "TBD",
    "PO Box 7",
)


def shell_block(doc: Path, after: str) -> str:
    """The one shell block between `after` and the next section of a document (docs run as written)."""
    section = doc.read_text(encoding="utf-8").split(after, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 1, f"{doc.name}: {len(blocks)} shell blocks after {after!r}"
    return str(blocks[0])


def run_as_written(script: str, cwd: Path, env: Mapping[str, str] | None = None, timeout: int = 600) -> str:
    """Run a documented shell block under bash's strict mode; its output, once it has succeeded."""
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=None if env is None else dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="session")
def terms() -> agreement.Agreement:
    return agreement.load()


def request_row(**overrides: str) -> dict[str, str]:
    """A lawful request row; tests change one thing at a time."""
    row = {
        "request_id": "R1",
        "case_number": "A123456789",
        "statute": "8 U.S.C. 1253(a)(1)",
        "taxable_periods": "2023;2024",
        "reason": "Final order of removal.",
        "official_name": "Officer 0001",
        "official_title": "Deportation Officer",
        "first_name": "Maria",
        "middle_name": "",
        "last_name": "Garcia Lopez",
        "suffix": "",
        "date_of_birth": "",
        "tin": "",
        "street_address": "45 W Main Street",
        "unit": "Apt 4B",
        "city": "Springfield",
        "state": "IL",
        "zip": "62701",
    }
    row.update(overrides)
    return row


# `make test` (and so CI, which may also just set CI) replays the same examples every run, so that
# main stays green on unrelated changes; a developer's `make test-fast` explores new ones (that found
# the regression examples in test_names.py and test_addresses.py, and the 64-bit overflow in
# GET /ledger). Either way a failure prints its example.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(
    os.environ.get("TAXMATCH_HYPOTHESIS") or ("repeatable" if os.environ.get("CI") else "explore")
)

PG_SERVER = os.environ.get("TAXMATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test session, dropped afterwards."""
    name = f"taxmatch_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def covered(rows: list[dict[str, str]], manifest: Mapping[str, object]) -> tuple[bytes, bytes]:
    """These rows as a request file, and `manifest` with the digest that covers them: (manifest, file)."""
    text = io.StringIO()
    writer = csv.DictWriter(text, list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    body = text.getvalue().encode("utf-8")
    signed = {**manifest, "request_file_sha256": hashlib.sha256(body).hexdigest()}
    return json.dumps(signed, default=str).encode("utf-8"), body


def work_off(ctx: Context) -> None:
    """Process every queued job, as a worker would."""
    while (claimed := jobs.claim(ctx, "test-worker")) is not None:
        jobs.run(ctx, claimed)


def context_for(
    store: Path,
    now: dt.datetime | None = None,
    terms: agreement.Agreement | None = None,
    url: str | None = None,
) -> Context:
    """A context on this store (its database from the settings unless `url` says), the clock at `now`."""
    engine = connect(store, url or Settings(store=store).database_url)
    clock = (lambda: now) if now is not None else utc_now
    return Context(engine, Layout(store), terms or agreement.load(), clock)


def process_files(ctx: Context, requests: Path, manifest: Path, out: Path) -> BatchReport:
    """What `taxmatch process` does: read and check the batch, then answer and account it."""
    return batch.process(ctx, batch.read_batch(requests, manifest, ctx.agreement), out, keep_answers=True)


def answer_one(root: Path, row: Mapping[str, str]) -> Decision:
    """One request row written under `root`, covered by a manifest, and answered against root/store."""
    path = root / "requests.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=REQUEST_COLUMNS)
        writer.writeheader()
        writer.writerow(row)
    from taxmatch.lab import synth  # the lab's manifest writer, for tests only

    synth.write_manifest(root / "manifest.json", path)
    report = process_files(
        context_for(root / "store", dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC), agreement.load()),
        path,
        root / "manifest.json",
        root / "out",
    )
    return report.answers[0].decision


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def chromium() -> str:
    """Debian's chromium, or a skip (a failure in CI, where .ci/run installs it)."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("TAXMATCH_REQUIRE_BROWSER"):
            pytest.fail(f"no chromium at {CHROMIUM}; install Debian's chromium package")
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    return CHROMIUM


@contextmanager
def offline_page(file: Path, width: int = 1280) -> Iterator[tuple[Any, list[str]]]:
    """A Chromium page showing a local file with every other request refused: (page, what it asked for)."""
    from playwright.sync_api import Route, sync_playwright

    asked: list[str] = []

    def only_files(route: Route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            asked.append(route.request.url)
            route.abort()

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.route("**/*", only_files)
        page.goto(file.as_uri())
        yield page, asked
        browser.close()


def empty_database(url: str) -> None:
    """Drop every table, so that the next test migrates from an empty database."""
    engine = create_engine(url)
    found = MetaData()
    found.reflect(engine)
    found.drop_all(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_dir(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store directory; for the PostgreSQL run its database is the session's, emptied first."""
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        empty_database(url)
        monkeypatch.setenv("TAXMATCH_DATABASE_URL", url)
    else:
        monkeypatch.delenv("TAXMATCH_DATABASE_URL", raising=False)
    return tmp_path


@pytest.fixture
def engine(store_dir: Path) -> Iterator[Engine]:
    """The store's engine, disposed after the test so no connection outlives it."""
    made = connect(store_dir, Settings(store=store_dir).database_url)
    yield made
    made.dispose()


def at(day: dt.date) -> dt.datetime:
    """Midnight UTC of a day: the instant a test that thinks in days works at."""
    return dt.datetime.combine(day, dt.time(), dt.UTC)


# Where the browser tests keep their screenshots (not in git); listed at the end of every run.
ARTIFACTS = Path(os.environ.get("TAXMATCH_ARTIFACTS", Path(__file__).resolve().parents[1] / "test-artifacts"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List the screenshots the browser tests took, so that they are part of the run's output."""
    shots = sorted(ARTIFACTS.glob("*.png")) if ARTIFACTS.exists() else []
    if shots:
        terminalreporter.write_line(f"screenshots ({ARTIFACTS}): " + ", ".join(p.name for p in shots))


def bench_script(name: str, *args: str, env: Mapping[str, str] | None = None) -> tuple[str, list[list[str]]]:
    """A script of scripts/ run as docs/benchmarks.md runs it: the first line it prints, and the cells
    of each row of the Markdown table that follows (after a blank line, its header and its rule)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / name), *args],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    return lines[0], [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[4:]]


@contextmanager
def inserts_sent(engine: Engine) -> Iterator[list[tuple[str, bool]]]:
    """Each INSERT the engine sends while inside, with whether it went as an executemany."""
    sent: list[tuple[str, bool]] = []

    def heard(_: object, __: object, statement: str, ___: object, ____: object, many: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            sent.append((statement, many))

    event.listen(engine, "before_cursor_execute", heard)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", heard)

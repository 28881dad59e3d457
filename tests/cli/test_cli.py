from __future__ import annotations

import csv
import json
from importlib.metadata import version
from pathlib import Path

import pytest
import typer
from typer.core import TyperCommand, TyperGroup
from typer.testing import CliRunner

from taxmatch.cli import app

runner = CliRunner()


def commands(group: TyperGroup, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], TyperCommand]]:
    found = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        if isinstance(command, TyperGroup):
            found += commands(command, path)
        else:
            found.append((path, command))
    return found


ALL = commands(typer.main.get_command(app))  # type: ignore[arg-type]


def test_the_contract_commands_exist() -> None:
    names = {" ".join(path) for path, _ in ALL}
    assert {
        "master load",
        "process",
        "synth master",
        "synth requests",
        "evaluate",
        "ledger verify",
        "demo",
    } <= names


@pytest.mark.parametrize(("path", "command"), ALL, ids=[" ".join(p) for p, _ in ALL])
def test_every_command_argument_and_option_is_documented(
    path: tuple[str, ...], command: TyperCommand
) -> None:
    assert command.help
    for param in command.params:
        assert getattr(param, "help", None), f"{' '.join(path)} {param.name} has no help"
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0


def test_process_without_a_loaded_master_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("x\n")
    (tmp_path / "m.json").write_text("{}")
    result = runner.invoke(
        app,
        [
            "process",
            str(tmp_path / "r.csv"),
            "--manifest",
            str(tmp_path / "m.json"),
            "--out",
            str(tmp_path / "out"),
            "--store",
            str(tmp_path / "store"),
        ],
    )
    assert result.exit_code == 2
    assert "agreement_id" in result.output
    assert not (tmp_path / "out").exists()


def test_store_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TAXMATCH_STORE", str(tmp_path / "envstore"))
    assert runner.invoke(app, ["clients", "issue", "--agency", "IRS", "--role", "auditor"]).exit_code == 0
    assert (tmp_path / "envstore" / "taxmatch.db").exists()
    result = runner.invoke(app, ["ledger", "verify"])
    assert result.exit_code == 0 and "0 entries" in result.output


@pytest.mark.parametrize(
    "command", [["ledger", "verify"], ["ledger", "key"], ["clients", "list"]], ids=" ".join
)
def test_a_mistyped_store_is_exit_3_not_an_empty_store_that_verifies(
    tmp_path: Path, command: list[str]
) -> None:
    """Issue 9: `ledger verify --store TYPO` made an empty store and said 'ledger verifies: 0 entries'."""
    result = runner.invoke(app, [*command, "--store", str(tmp_path / "typo")])
    assert result.exit_code == 3 and "there is no store" in result.output, result.output
    assert not (tmp_path / "typo").exists()


def test_version_comes_from_the_package_metadata() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"taxmatch {version('taxmatch')}"


@pytest.mark.parametrize(
    "command",
    [["clients", "list"], ["clients", "issue", "--agency", "IRS", "--role", "auditor"], ["worker", "--once"]],
    ids=" ".join,
)
def test_every_command_answers_a_store_problem_with_exit_3_and_no_traceback(
    tmp_path: Path, command: list[str]
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    result = runner.invoke(app, [*command, "--store", str(blocked / "store")])
    assert result.exit_code == 3, result.output
    assert "error:" in result.output
    assert "cannot create the store" in result.output or "there is no store" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not an exception escaping the command


@pytest.mark.slow
def test_the_whole_contract_from_the_command_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    def ok(*args: str) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    store = str(tmp_path / "store")
    ok("synth", "master", str(tmp_path / "master.csv"), "--taxpayers", "800")
    ok(
        "synth",
        "requests",
        str(tmp_path / "master.csv"),
        str(tmp_path / "requests.csv"),
        "--truth",
        str(tmp_path / "truth.csv"),
        "--manifest",
        str(tmp_path / "manifest.json"),
        "--rows",
        "200",
    )
    assert "800 taxpayers" in ok("master", "load", str(tmp_path / "master.csv"), "--store", store)
    ok(
        "-v",
        "process",
        str(tmp_path / "requests.csv"),
        "--manifest",
        str(tmp_path / "manifest.json"),
        "--out",
        str(tmp_path / "out"),
        "--store",
        store,
    )
    report = ok(
        "evaluate",
        str(tmp_path / "out"),
        "--truth",
        str(tmp_path / "truth.csv"),
        "--requests",
        str(tmp_path / "requests.csv"),
        "--store",
        store,
    )
    assert "2025-style" in report
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")  # the batch's report (issue 9)
    assert "taxmatch oversight report: batch IRS-DHS" in page and "<svg" in page
    logged = [r.getMessage() for r in caplog.records if r.name == "taxmatch.pipeline.batch"]
    assert any("200 rows from" in m for m in logged) and any("answered 200 rows in" in m for m in logged)
    with (tmp_path / "out" / "decisions.csv").open(encoding="utf-8") as handle:
        verified = next(row for row in csv.DictReader(handle) if row["outcome"] == "VERIFIED")
    story = ok("explain", "IRS-DHS", verified["request_id"], "--store", store)
    assert (
        "VERIFIED" in story and "prior" in story and "running total" in story and "threshold 0.999" in story
    )
    assert verified["matched_tin"] not in story and verified["matched_tin"][-4:] in story  # last four only
    told = json.loads(ok("explain", "IRS-DHS", verified["request_id"], "--json", "--store", store))
    assert told["outcome"] == "VERIFIED" and told["asked"]["request_id"] == verified["request_id"]
    assert told["candidates"][0]["on_file"] and "threshold" in told["decided_by"]
    assert "ledger verifies" in ok("ledger", "verify", "--store", store)


def test_a_hostile_manifest_is_refused_by_the_command_line_with_exit_2(tmp_path: Path) -> None:
    from tests.pipeline.test_manifests import alias_bomb

    (tmp_path / "r.csv").write_text("x\n")
    (tmp_path / "m.yaml").write_text(alias_bomb(9))
    args = [
        "process",
        str(tmp_path / "r.csv"),
        "--manifest",
        str(tmp_path / "m.yaml"),
        "--out",
        str(tmp_path / "out"),
    ]
    result = runner.invoke(app, [*args, "--store", str(tmp_path / "store")])
    assert result.exit_code == 2 and "aliases" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_purge_says_what_it_would_delete_and_what_it_keeps(tmp_path: Path) -> None:
    result = runner.invoke(app, ["purge", "--dry-run", "--store", str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    assert "would delete (dry run)" in result.output and "90 days after release" in result.output
    assert "accounting" in result.output and "is kept" in result.output


def test_clients_list_json_gives_whole_ids_that_revoke_takes(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    issued = runner.invoke(
        app, ["clients", "issue", "--agency", "IRS", "--role", "auditor", "--store", store]
    )
    assert issued.exit_code == 0, issued.output
    listed = runner.invoke(app, ["clients", "list", "--json", "--store", store])
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert len(rows) == 1 and rows[0]["role"] == "auditor" and "secret" not in listed.output
    revoked = runner.invoke(app, ["clients", "revoke", rows[0]["client_id"], "--store", store])
    assert revoked.exit_code == 0 and rows[0]["client_id"] in revoked.output


def test_serve_takes_its_store_from_the_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    served: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda application, **_: served.append(application))
    result = runner.invoke(app, ["serve", "--store", str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    assert "no master file is loaded yet" in result.output
    assert served[0].state.context.layout.root == tmp_path / "store"  # type: ignore[attr-defined]
    served[0].state.context.engine.dispose()  # type: ignore[attr-defined]


@pytest.mark.slow
def test_running_the_demo_again_keeps_the_credentials_issued_for_its_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11: re-running `make demo` deleted the credentials a newcomer had just issued."""
    monkeypatch.delenv("TAXMATCH_DATABASE_URL", raising=False)
    out, store = tmp_path / "demo", str(tmp_path / "demo" / "store")
    small = ["demo", "--out", str(out), "--taxpayers", "300", "--rows", "60"]
    assert runner.invoke(app, small).exit_code == 0
    issued = runner.invoke(
        app, ["clients", "issue", "--agency", "IRS", "--role", "auditor", "--store", store]
    )
    assert issued.exit_code == 0
    again = runner.invoke(app, small)
    assert again.exit_code == 0, again.output
    listed = runner.invoke(app, ["clients", "list", "--json", "--store", store]).output
    assert [json.loads(line)["role"] for line in listed.splitlines()] == ["auditor"]


def test_store_init_makes_a_store_that_reading_commands_accept(tmp_path: Path) -> None:
    store = str(tmp_path / "new")
    assert runner.invoke(app, ["ledger", "verify", "--store", store]).exit_code == 3
    made = runner.invoke(app, ["store", "init", "--store", store])
    assert made.exit_code == 0 and "verifier key, to publish:\ntaxmatch-ledger/" in made.output
    key = runner.invoke(app, ["ledger", "key", "--store", store])
    assert key.exit_code == 0 and key.output.strip() in made.output
    assert runner.invoke(app, ["ledger", "verify", "--store", store]).exit_code == 0

"""Docs generated from the code are in step with it: a stale page fails `make test`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cogapp import Cog

DOCS = Path(__file__).resolve().parents[1] / "docs"
GENERATED = sorted(p for p in DOCS.glob("*.md") if "[[[cog" in p.read_text(encoding="utf-8"))


def test_the_generated_pages_are_the_ones_expected() -> None:
    assert {p.name for p in GENERATED} >= {"cli.md", "errors.md"}


@pytest.mark.parametrize("page", GENERATED, ids=lambda p: p.name)
def test_a_generated_page_is_in_step_with_the_code(page: Path) -> None:
    assert Cog().main(["cog", "--check", str(page)]) == 0, f"run: .venv/bin/cog -r docs/{page.name}"


def test_every_command_is_in_the_cli_reference() -> None:
    from taxmatch.cli import docs

    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for command in ("master load", "process", "explain", "ledger verify", "serve", "worker", "clients issue"):
        assert f"### `taxmatch {command}`" in text
    assert docs.reference() in text


def test_docs_point_only_at_modules_that_exist() -> None:
    """A doc that names `taxmatch.x.y` names a module (or a name in one) that is really there."""
    from taxmatch.cli import PLUGINS  # the lab's entry-point group: a name, not a module

    src = DOCS.parent / "src"
    for page in DOCS.glob("*.md"):
        for dotted in set(re.findall(r"`(taxmatch(?:\.\w+)+)`", page.read_text(encoding="utf-8"))) - {
            PLUGINS
        }:
            parts = dotted.split(".")
            found = any(
                (src / Path(*parts[:n])).with_suffix(".py").exists() or (src / Path(*parts[:n])).is_dir()
                for n in range(len(parts), 1, -1)
            )
            assert found, f"{page.name} names {dotted}, which does not exist"

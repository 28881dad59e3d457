"""Reference pages generated from the code: every command's help, and the exit codes.

docs/cli.md and docs/errors.md hold these between cog markers; `make test`
regenerates them in memory and fails if a page on disk has gone stale
(tests/test_docs.py), so the pages cannot drift from the code.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from typing import Any

import typer.main

from taxmatch import errors
from taxmatch.api.errors import status_of
from taxmatch.cli import app, common


def _commands(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
    children = getattr(command, "commands", None)
    if children is None:
        yield path, command
        return
    for name in sorted(children):
        yield from _commands(children[name], [*path, name])


def _usage(path: list[str], params: list[Any]) -> str:
    words = [*path]
    for p in params:
        if p.param_type_name == "argument":
            words.append((p.metavar or p.name).upper())
        elif p.required:
            words.append(f"{p.opts[0]} {p.name.upper()}")
    return " ".join(words) + (" [OPTIONS]" if any(not p.required for p in params) else "")


def _default(param: Any) -> str:
    if param.required or param.param_type_name == "argument":
        return "required"
    if param.default in (None, False) or getattr(param, "is_flag", False):
        return ""
    return f"`{param.default}`"


def reference() -> str:
    """Markdown: one section per command, with its usage and every argument and option."""
    out: list[str] = []
    for path, command in _commands(typer.main.get_command(app), ["taxmatch"]):
        params = [p for p in command.params if p.name not in {"install_completion", "show_completion"}]
        out += [
            f"### `{' '.join(path)}`",
            "",
            (command.help or "").strip(),
            "",
            f"    {_usage(path, params)}",
            "",
        ]
        if params:
            out += ["| argument or option | default | meaning |", "|---|---|---|"]
            for p in params:
                name = (p.metavar or p.name).upper() if p.param_type_name == "argument" else ", ".join(p.opts)
                kind = getattr(getattr(p, "type_descriptor", None), "annotation", None)
                choices = [m.value for m in kind] if isinstance(kind, type) and issubclass(kind, Enum) else []
                also = f" One of: {', '.join(f'`{c}`' for c in choices)}." if choices else ""
                out.append(f"| `{name}` | {_default(p)} | {getattr(p, 'help', '') or ''}{also} |")
            out.append("")
    return "\n".join(out)


def exit_codes() -> str:
    """Markdown: what each exit code of the command line means, and which errors give it."""
    rows = [
        "| exit code | meaning | raised as |",
        "|---|---|---|",
        f"| {common.EXIT_OK[0]} | {common.EXIT_OK[1]} | |",
    ]
    rows += [f"| {code} | {meaning} | `{kind.__name__}` |" for kind, code, meaning in common.EXIT_CODES]
    return "\n".join(rows) + "\n"


def _tree(kind: type[errors.TaxmatchError], prefix: str, last: bool, depth: int) -> Iterator[str]:
    doc = (kind.__doc__ or "").strip().splitlines()[0].rstrip(".")
    branch = "" if depth == 0 else prefix + ("└── " if last else "├── ")
    name = f"{branch}{kind.__name__}"
    yield f"{name:<26}{common.exit_code_of(kind):>4}   {status_of(kind):<11}{doc}"
    children = sorted(kind.__subclasses__(), key=lambda k: (ORDER + [k.__name__]).index(k.__name__))
    inner = "" if depth == 0 else prefix + ("    " if last else "│   ")
    for i, child in enumerate(children):
        yield from _tree(child, inner, i == len(children) - 1, depth + 1)


ORDER = [
    "InputError",
    "ManifestError",
    "AgreementError",
    "StoreError",
    "NoMasterLoaded",
    "LedgerError",
    "AccessDenied",
    "NotFound",
    "Conflict",
    "LimitExceeded",
    "TooLarge",
    "RateLimited",
]


def error_tree() -> str:
    """The exception hierarchy, each class with its exit code and HTTP status, as a text block."""
    head = f"{'class':<26}{'exit':>4}   {'HTTP':<11}what it means"
    return "```\n" + "\n".join([head, *_tree(errors.TaxmatchError, "", True, 0)]) + "\n```\n"

"""The one exception hierarchy of taxmatch.

Every error a user can meet derives from :class:`TaxmatchError`. The core
raises these; the edges (CLI, API) map them to exit codes and HTTP statuses.
No error here knows about HTTP. The hierarchy, with each class's exit code
and status, is generated into docs/errors.md from these classes and the
edges' maps (cli/common.py EXIT_CODES, api/errors.py STATUS).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where in a file a problem is: 1-based line and column, either may be unknown."""

    file: str
    line: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        return ", ".join(parts)


class TaxmatchError(Exception):
    """Base of every taxmatch error: says what was wrong, where, and what to do."""

    def __init__(self, what: str, *, where: Location | None = None, fix: str = "") -> None:
        self.what = what
        self.where = where
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = f"{self.where}: {self.what}" if self.where else self.what
        return f"{text}. {self.fix}" if self.fix else text


class InputError(TaxmatchError):
    """A file or value that a user supplied cannot be used as it is."""


class ManifestError(InputError):
    """The batch manifest is incomplete, unauthorised, or does not cover the file."""


class AgreementError(InputError):
    """The agreement file is missing fields or holds unsafe values."""


class StoreError(TaxmatchError):
    """The store directory is missing, unreadable or inconsistent."""


class NoMasterLoaded(StoreError):
    """A batch was submitted before any master file was loaded."""


class EngineError(StoreError):
    """The matching engine (Spark, a second process) failed or could not be reached; nothing was written."""


class LogContended(StoreError):
    """Other writers kept extending the disclosure log while a batch's answers were written; nothing of
    the batch was accounted or written, and it may be run again."""


class LedgerError(TaxmatchError):
    """The accounting ledger's hash chain does not verify."""


class AccessDenied(TaxmatchError):
    """No valid credentials, a revoked client, or a role that may not do this."""

    def __init__(self, what: str, *, fix: str = "", authenticated: bool = True) -> None:
        super().__init__(what, fix=fix)
        self.authenticated = authenticated


class NotFound(TaxmatchError):
    """No such batch, or none this client may see (the two are not told apart)."""


class Conflict(TaxmatchError):
    """The batch is not in a state that allows this (not processed, not released, already approved)."""


class LimitExceeded(TaxmatchError):
    """A size or rate limit was reached."""


class TooLarge(LimitExceeded):
    """An upload or a batch is bigger than the settings allow."""


class RateLimited(LimitExceeded):
    """Too many batches, calls or failed attempts in the period."""

    def __init__(self, what: str, *, fix: str = "", retry_after: float | None = None) -> None:
        super().__init__(what, fix=fix)
        self.retry_after = retry_after  # seconds; the API sends it as Retry-After

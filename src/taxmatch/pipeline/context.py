"""What every step of the pipeline needs, passed as one value: the store, the agreement, the clock.

The command line builds one per command and the service one at start-up;
tests build one with a fixed clock. Nothing below this reads the time or the
environment on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from taxmatch import agreement as agreement_mod
from taxmatch.agreement import Agreement
from taxmatch.db.engine import connect
from taxmatch.layout import Layout
from taxmatch.matching.duck import UNLIMITED, Budget
from taxmatch.settings import Settings

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The clock of a running system: now, in UTC, with its offset."""
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Context:
    """The store's database and layout, the agreement in force, and the clock."""

    engine: Engine
    layout: Layout
    agreement: Agreement
    clock: Clock = field(default=utc_now)
    budget: Budget = UNLIMITED  # what matching may hold in memory, and where it spills

    def now(self) -> dt.datetime:
        return self.clock()

    @classmethod
    def open(
        cls, settings: Settings, agreement: Path | Agreement | None = None, clock: Clock = utc_now
    ) -> Context:
        """Connect to the store the settings name (migrating it), under an agreement (default: packaged)."""
        terms = agreement if isinstance(agreement, Agreement) else agreement_mod.load(agreement)
        engine = connect(settings.store_path, settings.database_url)
        budget = Budget(settings.memory_bytes, settings.layout.spill)
        return cls(engine, settings.layout, terms, clock, budget)

    def at(self, moment: dt.datetime) -> Context:
        """The same context with the clock stopped at `moment` (a batch is decided as of one instant)."""
        return Context(self.engine, self.layout, self.agreement, lambda: moment, self.budget)

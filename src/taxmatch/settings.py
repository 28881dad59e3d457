"""Where things live: the store directory, from the flag, the environment, or a per-user default."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir


def store_dir(flag: Path | None) -> Path:
    if flag is not None:
        return flag
    env = os.environ.get("TAXMATCH_STORE")
    return Path(env) if env else Path(user_data_dir("taxmatch", appauthor=False))

"""Write the hostile-input corpus (taxmatch.lab.hostile) to a folder: one sub-folder per case.

    python scripts/hostile_corpus.py OUT_DIR

Each case folder holds the request file (under the name it is sent with) and
manifest.json; OUT_DIR/index.json lists the cases and the answer each must get.
tests/test_hostile.py runs every case through the command line and the service.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from taxmatch.lab.hostile import corpus


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    index = []
    for n, case in enumerate(corpus()):
        folder = out / f"{n:02d}-{re.sub(r'[^a-z0-9]+', '-', case.name.lower()).strip('-')}"
        folder.mkdir(exist_ok=True)
        (folder / Path(case.filename).name).write_bytes(case.requests)
        (folder / "manifest.json").write_bytes(case.manifest_bytes())
        index.append(
            {
                "case": case.name,
                "folder": folder.name,
                "sent_as": case.filename,
                "answer": "accepted" if case.accepted else f"refused: exit 2 / HTTP {case.api_status}",
            }
        )
    (out / "index.json").write_text(json.dumps(index, indent=2), encoding="utf-8")
    print(f"wrote {len(index)} cases to {out}")


if __name__ == "__main__":
    main()

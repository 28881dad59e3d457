"""taxmatch: the disclosing agency's side of an interagency data-sharing agreement.

It checks each request against the law and the agreement, matches it against
the agency's taxpayer records, and discloses a last known address only when
the request is lawful and the match is verified and unique.

The public surface is small and declared in ``__all__`` (tests/test_public.py
holds it): the vocabulary (outcomes, reasons, levels, errors), the agreement
and settings, and the version. Everything else is reached through the
command line, the HTTP API, or the stage packages themselves.
"""

from importlib.metadata import PackageNotFoundError, version

from taxmatch.agreement import Agreement
from taxmatch.errors import TaxmatchError
from taxmatch.reasons import Outcome, Reason
from taxmatch.settings import Settings

try:
    __version__ = version("taxmatch")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["Agreement", "Outcome", "Reason", "Settings", "TaxmatchError", "__version__"]

"""taxmatch: the disclosing agency's side of an interagency data-sharing agreement.

It checks each request against the law and the agreement, matches it against
the agency's taxpayer records, and discloses a last known address only when
the request is lawful and the match is verified and unique.
"""

__version__ = "0.1.0"

"""The HTTP service: the requesting agency, the disclosure office and the overseers, over one API."""

from taxmatch.api.app import create_app

__all__ = ["create_app"]

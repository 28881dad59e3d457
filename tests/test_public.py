"""The package's declared public surface (as httpx declares its own): exactly what __all__ says."""

from __future__ import annotations

from importlib.metadata import version

import taxmatch


def test_the_public_surface_is_declared_and_importable() -> None:
    assert taxmatch.__all__ == ["Agreement", "Outcome", "Reason", "Settings", "TaxmatchError", "__version__"]
    for name in taxmatch.__all__:
        assert getattr(taxmatch, name) is not None


def test_the_version_has_one_source_the_package_metadata() -> None:
    assert taxmatch.__version__ == version("taxmatch")

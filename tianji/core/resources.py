"""Data shipped inside the packages (ontology YAML, tag hierarchy, mappings, indicators, zones, the SDL),
found through ``importlib.resources`` so an installed wheel finds them wherever it is installed."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def package_path(package: str, *parts: str) -> Path:
    """The file or folder ``parts`` inside the importable ``package`` (a regular package, installed as
    files on disk as pip installs wheels)."""
    found = files(package).joinpath(*parts)
    if not isinstance(found, Path):
        raise RuntimeError(f"package {package!r} is not installed as files on disk; reinstall it with pip")
    return found

"""Entity resolution: one subject behind every spelling (``resolve`` works on any table)."""

from ingest.resolution.resolve import Resolution, pairwise, resolve

__all__ = ["Resolution", "pairwise", "resolve"]

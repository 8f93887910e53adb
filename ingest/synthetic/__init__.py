"""The synthetic customs world: reproducible files with planted gangs, drift, risk and name variants."""

from ingest.synthetic.world import SCALES, generate_world

__all__ = ["SCALES", "generate_world"]

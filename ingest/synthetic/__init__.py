"""The synthetic customs world: reproducible files with planted gangs, drift, risk and name variants."""

from ingest.synthetic.difficulty import DEFAULT_DIFFICULTY, DIFFICULTIES, PROFILES, Difficulty
from ingest.synthetic.world import SCALES, generate_world

__all__ = ["DEFAULT_DIFFICULTY", "DIFFICULTIES", "PROFILES", "SCALES", "Difficulty", "generate_world"]

"""Entity resolution: one subject behind every record.

``resolve`` clusters names (overseas parties' spellings); ``link`` weighs every field with a
Fellegi–Sunter model trained on the data (people, enterprises, any table), configured by one
``LinkageConfig``.
"""

from ingest.resolution.config import BlockKey, FieldKind, FieldSpec, LinkageConfig, keys
from ingest.resolution.linkage import link
from ingest.resolution.pairs import Pair, Resolution, pairwise
from ingest.resolution.prepare import InputError
from ingest.resolution.resolve import resolve

__all__ = [
    "BlockKey",
    "FieldKind",
    "FieldSpec",
    "InputError",
    "LinkageConfig",
    "Pair",
    "Resolution",
    "keys",
    "link",
    "pairwise",
    "resolve",
]

"""How often two different subjects agree on a value, counted over subjects rather than records.

Counting values over records mistakes a subject's own duplicates for commonness: an enterprise's registered
name that the registry, the tax office and the customs file each hold appears three times, so a plain term
frequency calls it three times as common as it is and weakens exactly the agreements that should link
those records. Where the configuration names a strong key (USCC, VIN, IMO, identity number), the records
that hold one say which records are one subject and which are different subjects, without labels:

- a *subject* is a strong key value; only records holding the key are counted, each subject once;
- the u of an exact agreement is the share of pairs of different subjects that agree on the field;
- a value's term frequency is leave-one-out: how many *other* subjects hold it, over all subjects, never
  below the field's average u. A name no other subject holds falls back to the field's average; the
  address of a business park with twenty tenants counts as nineteen in the number of subjects.

Where too few records hold a strong key (``LinkageConfig.subject_min``), or there is none (Febrl), the
counts are over records as before: no subject is known.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ingest.resolution.config import LinkageConfig
from ingest.resolution.prepare import Prepared


@dataclass(frozen=True)
class SubjectCounts:
    """One field's values counted over distinct subjects."""

    holders: pd.Series  # value -> the number of subjects holding it
    subjects: int  # subjects holding any value of the field

    @property
    def agreeing_pairs(self) -> int:
        return int((self.holders * (self.holders - 1) // 2).sum())

    @property
    def pairs(self) -> int:
        return self.subjects * (self.subjects - 1) // 2


def counted_by_subject(prepared: Prepared, config: LinkageConfig) -> bool:
    """Whether frequencies are counted over subjects: a strong key held by enough records' subjects (and
    one file, not a two-file linkage, whose sides are counted apart)."""
    key = config.strong_key
    if not config.subject_frequencies or not key or config.source_field or key not in prepared.table:
        return False
    return int(prepared.table[key].nunique()) >= config.subject_min


def subject_counts(prepared: Prepared, config: LinkageConfig, column: str) -> SubjectCounts:
    """``column``'s values over the subjects of the strong key (``counted_by_subject`` must hold)."""
    assert config.strong_key is not None
    held = prepared.table[[config.strong_key, column]].dropna().drop_duplicates()
    return SubjectCounts(
        holders=held[column].astype("string").value_counts(),
        subjects=int(held[config.strong_key].nunique()),
    )


def exact_u(counts: SubjectCounts) -> float | None:
    """The share of pairs of different subjects agreeing on the field (None when none agree or there are
    fewer than two subjects)."""
    if counts.pairs == 0 or counts.agreeing_pairs == 0:
        return None
    return counts.agreeing_pairs / counts.pairs


def term_frequencies(prepared: Prepared, config: LinkageConfig, column: str, floor: float) -> pd.DataFrame:
    """Splink's term-frequency lookup for ``column`` (``column``, ``tf_column``): the share of subjects
    other than a value's own that hold it, never below ``floor`` (the field's average u). Values that only
    records without the strong key hold get the floor."""
    counts = subject_counts(prepared, config, column)
    values = prepared.table[column].dropna().astype("string").unique()
    others = (counts.holders.reindex(values).fillna(1) - 1).clip(lower=0)
    tf = (others / max(counts.subjects - 1, 1)).clip(lower=floor)
    return pd.DataFrame({column: values, f"tf_{column}": tf.to_numpy(dtype=float)})

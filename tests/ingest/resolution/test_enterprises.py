"""Domestic enterprises across agencies' records: a registry (every record with its USCC) and tax and
market-regulation records (some without the USCC, the name spelt another way), tenants of business parks
sharing one address. Only the name and the address compare: the counts over subjects (the USCC) and the m
from the pairs sharing a USCC are what let the unkeyed records find their enterprise."""

from __future__ import annotations

import random
from collections import Counter

import pandas as pd
import pytest

from ingest.resolution import link, normalize, pairwise
from ingest.resolution.config import enterprise_config
from ingest.resolution.frequencies import counted_by_subject, exact_u, subject_counts, term_frequencies
from ingest.resolution.prepare import InputError, prepare
from ingest.resolution.training import key_pairs
from ingest.synthetic import names
from ingest.synthetic.records import agency_contact

CITIES = names.CITIES[:4]


def register(
    n: int,
    seed: int,
    park_share: float,
    tenants: tuple[int, int],
    recorded: float,
    keyed: float,
    contact: bool = False,
) -> tuple[list[dict[str, str]], dict[str, str]]:
    """``n`` registered enterprises (a share of them tenants of business parks of ``tenants`` each) and
    agencies' records of a ``recorded`` share of them, ``keyed`` of those with the USCC (with ``contact``,
    every record also holds a phone and a legal representative, as agencies do: often missing, the phone
    sometimes another); the truth maps every record to its enterprise's USCC."""
    rng = random.Random(seed)
    records: list[dict[str, str]] = []
    truth: dict[str, str] = {}
    taken: set[str] = set()
    parks: list[tuple[str, int]] = []  # (address, tenants left)
    for i in range(n):
        city = rng.choice(CITIES)
        name = names.enterprise_name(rng, city)
        while normalize.chinese_enterprise(name) in taken:  # registered names are unique
            name = names.enterprise_name(rng, city)
        taken.add(normalize.chinese_enterprise(name))
        uscc = f"91440000MA{i:07d}X"
        if rng.random() < park_share:
            if not parks or parks[-1][1] == 0:
                parks.append((f"{city}市科技园区{rng.randint(1, 99)}号", rng.randint(*tenants)))
            address, left = parks[-1]
            parks[-1] = (address, left - 1)
        else:
            address = (
                f"{city}市{rng.choice('东南西北')}区{rng.choice(['港湾', '兴业'])}路{rng.randint(1, 999)}号"
            )
        phone, rep = f"138{i:08d}", names.person_name(rng)
        registered = {"record_id": uscc, "uscc": uscc, "name": name, "address": address}
        records.append(registered | ({"phone": phone, "legal_rep": rep} if contact else {}))
        truth[uscc] = uscc
        if rng.random() < recorded:
            rid = f"ER{i:05d}"
            records.append(
                {
                    "record_id": rid,
                    "uscc": uscc if rng.random() < keyed else "",
                    "name": names.chinese_variant(rng, name, city),
                    "address": address,
                }
                | (
                    dict(zip(("phone", "legal_rep"), agency_contact(rng, phone, rep), strict=True))
                    if contact
                    else {}
                )
            )
            truth[rid] = uscc
    return records, truth


@pytest.mark.parametrize(
    ("seed", "park_share", "tenants", "contact"),
    [
        (1, 0.0, (1, 1), False),
        (2, 0.15, (12, 40), False),
        (3, 0.3, (20, 80), False),
        (6, 0.15, (12, 40), True),
        (7, 0.3, (20, 80), True),
    ],
    ids=["no parks", "some parks", "many large parks", "some parks, phones", "many parks, phones"],
)
def test_enterprises_reach_the_precision_and_recall_floor(
    seed: int, park_share: float, tenants: tuple[int, int], contact: bool
) -> None:
    records, truth = register(600, seed, park_share, tenants, recorded=0.4, keyed=0.6, contact=contact)
    result = link(records, enterprise_config())
    scores = pairwise(result.clusters, truth)
    assert scores["precision"] >= 0.98 and scores["recall"] >= 0.95
    assert ("fields_without_values" in result.notes) is not contact  # phone, legal_rep: optional


def test_a_required_column_absent_is_an_input_error_an_optional_one_is_not() -> None:
    records, _ = register(50, 8, 0.0, (1, 1), recorded=0.5, keyed=0.5)
    result = link(records, enterprise_config())
    assert result.notes["fields_without_values"] == ["legal_rep", "phone"]
    with pytest.raises(InputError, match="'address'"):
        link([{k: v for k, v in r.items() if k != "address"} for r in records], enterprise_config())


def test_an_unkeyed_record_in_a_business_park_joins_its_enterprise_by_its_name() -> None:
    records, truth = register(600, 4, 0.3, (10, 16), recorded=0.4, keyed=0.6)  # parks not yet generic
    result = link(records, enterprise_config())
    by_id = {r["record_id"]: r for r in records}
    shared = Counter(r["address"] for r in records if r["record_id"] == r["uscc"])  # tenants per address
    parked = [
        p
        for p in result.pairs
        if not (by_id[p.a]["uscc"] and by_id[p.b]["uscc"])
        and truth[p.a] == truth[p.b]
        and shared[by_id[p.a]["address"]] >= 10
    ]
    assert parked and all(p.decision == "accept" for p in parked)
    steps = {s["field"]: s for s in parked[0].explanation}
    assert steps["address"]["rarity"] < 0  # the park's address counts less than a street address
    assert steps["name"]["weight"] > steps["address"]["weight"]


def test_frequencies_are_counted_over_subjects_not_records() -> None:
    records, _ = register(200, 5, 0.5, (20, 20), recorded=1.0, keyed=1.0)
    config = enterprise_config().model_copy(update={"generic_min": 100})  # the parks' addresses counted
    prepared = prepare(records, config)
    assert counted_by_subject(prepared, config)
    counts = subject_counts(prepared, config, "name")
    assert counts.subjects == 200 and int(counts.holders.max()) == 1  # each name once, whatever its copies
    assert exact_u(counts) is None  # no two enterprises share a name
    floor = 1e-6
    tf = term_frequencies(prepared, config, "address", floor).set_index("address")["tf_address"]
    park = pd.Series([r["address"] for r in records if r["record_id"] == r["uscc"]]).value_counts().index[0]
    assert tf[park] == pytest.approx(19 / 199)  # nineteen other tenants among the other subjects
    assert tf.min() == floor  # a street address no other enterprise holds
    assert not counted_by_subject(prepared, config.model_copy(update={"subject_frequencies": False}))


def test_a_placeholder_key_on_many_records_teaches_nothing() -> None:
    records, _ = register(300, 10, 0.0, (1, 1), recorded=0.5, keyed=1.0)
    for number, record in enumerate(records[:250]):
        record["uscc"] = "000000000000000000"  # a source's placeholder
        record["record_id"] = f"P{number}"
    config = enterprise_config().model_copy(update={"max_block": 100})
    prepared = prepare(records, config)
    keyed = [r for r in records[250:] if r["uscc"]]
    expected = sum(n * (n - 1) // 2 for n in Counter(r["uscc"] for r in keyed).values())
    assert key_pairs(prepared, config) == expected  # not 250 * 249 / 2 more


def test_a_placeholder_key_merges_no_records_and_is_named() -> None:
    records, truth = register(300, 10, 0.0, (1, 1), recorded=0.5, keyed=1.0)
    for record in records[:250]:
        record["uscc"] = "000000000000000000"  # a source's placeholder on 250 different enterprises
    result = link(records, enterprise_config())
    assert result.notes["placeholder_keys"] == {"000000000000000000": 250}
    sizes = Counter(result.clusters[r["record_id"]] for r in records[:250])
    assert max(sizes.values()) < 5  # not one subject of 250 (nor clusters up to the size limit)
    held = {r["record_id"] for r in records[:250]}
    assert not [p for p in result.pairs if p.method == "strong_key" and {p.a, p.b} <= held]
    kept = link(records, enterprise_config().model_copy(update={"placeholder_above": 300}))
    assert not kept.notes["placeholder_keys"]  # an administration whose subjects hold that many records
    assert len({kept.clusters[r] for r in held}) == 1

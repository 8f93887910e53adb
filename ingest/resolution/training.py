"""Training the Fellegi–Sunter model without labels, on Splink's DuckDB or Spark backend.

Where a strong key names enough subjects (``ingest.resolution.frequencies``), its records are free labels:
- the prior is the share of pairs sharing the key among the records holding it;
- the u of an exact agreement is the share of pairs of different subjects agreeing (term frequencies are
  counted over subjects too, ``register_frequencies``);
- m is first estimated from the pairs sharing the key, shrunk towards the starting m.

Otherwise (and for what the key cannot tell):
- the prior (two random records are the same subject) from the pairs that agree exactly on two fields at
  once, divided by all pairs and by the assumed recall of that rule.
- u (how often non-matches fall in each level) by random sampling; for an exact agreement, computed outright
  from the value frequencies (a rare value's u is tiny, a sample would never see it); a level the sample
  never saw gets one over the sample size.
- m (how often true matches fall in each level) by expectation maximisation over each training rule; a
  field is estimated in the passes that do not block on it. A pass needs two fields outside its rule and
  enough pairs; where no pass can estimate a field, its m from the key's pairs, else its starting m
  (``comparisons._starting_m``), stands.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import pandas as pd
from splink import Linker, SettingsCreator, block_on

from ingest.resolution import frequencies
from ingest.resolution.backends import Backend, database_api
from ingest.resolution.comparisons import comparison
from ingest.resolution.config import BlockKey, FieldKind, LinkageConfig
from ingest.resolution.prepare import KEY_PAIRS, Prepared, block_column

MIN_TRAINING_PAIRS = 50


def splink_rule(rule: tuple[BlockKey, ...], names: set[str]) -> Any:
    parts = []
    for key in rule:
        column = f"{key.column}__sorted" if key.column in names else key.column
        parts.append(f"substr({column}, 1, {key.prefix})" if key.prefix else column)
    return block_on(*parts)


def open_linker(
    prepared: Prepared,
    config: LinkageConfig,
    model: dict[str, Any] | None,
    prior: float,
    backend: Backend = "duckdb",
    spark: Any = None,
) -> Linker:
    """A linker over the prepared table (one frame per source for a two-file linkage), on ``backend``."""
    api = database_api(backend, spark)
    table = prepared.table
    if config.source_field:
        frames = [
            api.register(table[table["source_dataset"] == s].reset_index(drop=True)) for s in prepared.sources
        ]
    else:
        frames = [api.register(table)]
    if model is not None:
        return Linker(frames, model)
    rules = [c for c in table.columns if c.startswith("_bk") and table[c].notna().any()]
    settings = SettingsCreator(
        link_type="link_only" if config.source_field else "dedupe_only",
        comparisons=[comparison(spec, backend) for spec in config.fields],
        blocking_rules_to_generate_predictions=[block_on(column) for column in rules],
        probability_two_random_records_match=prior,
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
        max_iterations=config.em_iterations,
    )
    return Linker(frames, settings)


def _pairs_agreeing(table: pd.DataFrame, key: pd.Series, two_files: bool) -> tuple[int, int]:
    """Pairs agreeing on ``key`` (missing never agrees) and all pairs."""
    if two_files:
        counts = pd.crosstab(key, table["source_dataset"])
        sides = table["source_dataset"].value_counts()
        agreeing = int(counts.prod(axis=1).sum()) if counts.shape[1] == 2 else 0
        return agreeing, int(sides.prod()) if len(sides) == 2 else 1
    sizes = key.value_counts()
    n = len(table)
    return int((sizes * (sizes - 1) // 2).sum()), max(n * (n - 1) // 2, 1)


def estimate_prior(prepared: Prepared, config: LinkageConfig) -> float:
    """The prior from the pairs sharing the strong key among the records holding it, where the key names
    enough subjects and pairs (those pairs are matches by the key's definition: no recall to assume);
    else from the rule (two fields agreeing exactly) that finds most pairs, over its assumed recall."""
    table, two = prepared.table, bool(config.source_field)
    if frequencies.counted_by_subject(prepared, config) and key_pairs(prepared, config) >= MIN_TRAINING_PAIRS:
        keyed = int(table[KEY_PAIRS].notna().sum())
        return min(key_pairs(prepared, config) / (keyed * (keyed - 1) // 2), 0.5)
    columns = [f.column for f in config.fields][:5]
    found, total = 0, 1
    for group in combinations(columns, 2) if len(columns) > 1 else [(columns[0],)]:
        key = table[group[0]].astype("string")
        for column in group[1:]:
            key = key + "\x1f" + table[column].astype("string")
        agreeing, total = _pairs_agreeing(table, key, two)
        found = max(found, agreeing)
    return min(max(found / config.prior_recall / total, 1 / total), 0.5)


def exact_u(prepared: Prepared, config: LinkageConfig, column: str) -> float | None:
    """How often two random records with the field known agree on it exactly, from the value counts."""
    table = prepared.table[prepared.table[column].notna()]
    if config.source_field:
        agreeing, total = _pairs_agreeing(table, table[column].astype("string"), True)
    else:
        agreeing, total = _pairs_agreeing(table, table[column].astype("string"), False)
    return agreeing / total if agreeing else None


def _patch_u(model: dict[str, Any], prepared: Prepared, config: LinkageConfig) -> dict[str, Any]:
    """The u of each exact agreement from the value counts (over subjects where the strong key names them:
    ``ingest.resolution.frequencies``); a level no sampled pair fell in gets one over the sample."""
    floor = 1 / config.u_max_pairs
    by_subject = frequencies.counted_by_subject(prepared, config)
    for spec, entry in zip(config.fields, model["comparisons"], strict=True):
        ordinary = [lv for lv in entry["comparison_levels"] if not lv.get("is_null_level")]
        if spec.kind is not FieldKind.numeric:
            if by_subject:
                counts = frequencies.subject_counts(prepared, config, spec.column)
                u = frequencies.exact_u(counts)
                # no two subjects agree: fewer than one pair in all the pairs of subjects counted
                least = 1 / counts.pairs if counts.pairs else floor / 10
            else:
                u, least = exact_u(prepared, config, spec.column), floor / 10
            ordinary[0]["u_probability"] = max(u, least) if u else least
        for level in ordinary[1:]:
            if not level.get("u_probability"):
                level["u_probability"] = floor
    return model


def key_pairs(prepared: Prepared, config: LinkageConfig) -> int:
    """Pairs of records sharing the strong key (true matches by the key's definition)."""
    if KEY_PAIRS not in prepared.table:
        return 0
    sizes = prepared.table[KEY_PAIRS].value_counts()
    return int((sizes * (sizes - 1) // 2).sum())


def _m_from_key_pairs(
    linker: Linker, model: dict[str, Any], prepared: Prepared, config: LinkageConfig
) -> dict[str, Any]:
    """m estimated from the pairs sharing the strong key, each level's share shrunk towards its starting m
    by ``key_pairs_pseudo`` pairs (a level none of them fell in keeps a little weight, never minus
    infinity), renormalised per field."""
    assert config.strong_key is not None
    n = key_pairs(prepared, config)
    linker.training.estimate_m_from_label_column(KEY_PAIRS)
    k = config.key_pairs_pseudo
    for compared, entry in zip(linker._settings_obj.comparisons, model["comparisons"], strict=True):
        levels = compared._comparison_levels_excluding_null
        ordinary = [lv for lv in entry["comparison_levels"] if not lv.get("is_null_level")]
        blended = []
        for level, start in zip(levels, ordinary, strict=True):
            shares = [
                r["probability"]
                for r in level._trained_m_probabilities
                if r["description"] == "estimate m from label column"
            ]
            share = float(shares[-1]) if shares and isinstance(shares[-1], int | float) else 0.0
            blended.append((n * share + k * float(start.get("m_probability") or 0.0)) / (n + k))
        total = sum(blended) or 1.0
        for start, m in zip(ordinary, blended, strict=True):
            start["m_probability"] = m / total
    return model


def untrainable(
    rule: tuple[BlockKey, ...], config: LinkageConfig, prepared: Prepared, names: set[str]
) -> str:
    """Why an EM pass over this rule would teach nothing ('' when it would): fewer than two fields outside
    the rule (one field alone cannot tell matches from non-matches), or too few pairs agree on it."""
    used = {k.column for k in rule}
    if sum(f.column not in used for f in config.fields) < 2:
        return "fewer than two compared fields are left to learn from"
    sizes = block_column(prepared.table, rule, names).value_counts()
    if int((sizes * (sizes - 1) // 2).sum()) < MIN_TRAINING_PAIRS:
        return f"fewer than {MIN_TRAINING_PAIRS} pairs agree on it"
    return ""


def train(
    prepared: Prepared, config: LinkageConfig, backend: Backend = "duckdb", spark: Any = None
) -> tuple[dict[str, Any], list[str]]:
    """The trained model (Splink's JSON) and the training rules skipped, with the reason."""
    names = {f.column for f in config.fields if f.kind is FieldKind.name}
    prior = config.prior or estimate_prior(prepared, config)
    linker = open_linker(prepared, config, None, prior, backend, spark)
    linker.training.estimate_u_using_random_sampling(
        max_pairs=config.u_max_pairs, seed=config.seed, min_count_per_level=None, num_chunks=1
    )
    model = _patch_u(linker.misc.save_model_to_json(), prepared, config)
    linker = open_linker(prepared, config, model, prior, backend, spark)
    skipped = []
    if config.key_pairs_m and frequencies.counted_by_subject(prepared, config):
        if key_pairs(prepared, config) >= MIN_TRAINING_PAIRS:
            model = _m_from_key_pairs(linker, model, prepared, config)
            linker = open_linker(prepared, config, model, prior, backend, spark)
        else:
            skipped.append(f"{config.strong_key} pairs: fewer than {MIN_TRAINING_PAIRS} share a strong key")
    for rule in config.training or config.blocking:
        reason = untrainable(rule, config, prepared, names)
        if reason:
            skipped.append(f"{'+'.join(k.column for k in rule)}: {reason}")
            continue
        before = linker.misc.save_model_to_json()
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                splink_rule(rule, names), estimate_without_term_frequencies=True, max_pairs=2_000_000
            )
        except ValueError as exc:  # an m probability underflowed (a level nearly empty in a small input):
            # the pass is dropped and the model stays as it was before it
            skipped.append(f"{'+'.join(k.column for k in rule)}: expectation maximisation failed ({exc})")
            linker = open_linker(prepared, config, before, prior, backend, spark)
    return linker.misc.save_model_to_json(), skipped


def register_frequencies(linker: Linker, prepared: Prepared, config: LinkageConfig) -> None:
    """Term-frequency lookups counted over subjects (``ingest.resolution.frequencies``) for the fields
    that adjust for rarity, where the strong key names subjects; else Splink counts records itself."""
    if not frequencies.counted_by_subject(prepared, config):
        return
    model = linker.misc.save_model_to_json()
    for spec, entry in zip(config.fields, model["comparisons"], strict=True):
        if not spec.uses_tf:
            continue
        ordinary = [lv for lv in entry["comparison_levels"] if not lv.get("is_null_level")]
        floor = float(ordinary[0].get("u_probability") or 1 / config.u_max_pairs)
        lookup = frequencies.term_frequencies(prepared, config, spec.column, floor)
        frame = linker._db_api.register(lookup)
        linker.table_management.register_term_frequency_lookup(frame, spec.column)

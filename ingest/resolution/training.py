"""Training the Fellegi–Sunter model without labels, on Splink's DuckDB or Spark backend.

- The prior (two random records are the same subject) from the pairs that agree exactly on two fields at
  once, divided by all pairs and by the assumed recall of that rule.
- u (how often non-matches fall in each level) by random sampling; for an exact agreement, computed
  outright from the value frequencies (a rare value's u is tiny, a sample would never see it); a level the
  sample never saw gets one over the sample size.
- m (how often true matches fall in each level) by expectation maximisation over each training rule; a
  field is estimated in the passes that do not block on it. A pass needs two fields outside its rule and
  enough pairs; where no pass can estimate a field, its starting m stands (``comparisons._starting_m``).
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import pandas as pd
from splink import Linker, SettingsCreator, block_on

from ingest.resolution.backends import Backend, database_api
from ingest.resolution.comparisons import comparison
from ingest.resolution.config import BlockKey, FieldKind, LinkageConfig
from ingest.resolution.prepare import Prepared, block_column

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
    """The prior from the rule (two fields agreeing exactly) that finds most pairs."""
    table, two = prepared.table, bool(config.source_field)
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
    floor = 1 / config.u_max_pairs
    for spec, entry in zip(config.fields, model["comparisons"], strict=True):
        ordinary = [lv for lv in entry["comparison_levels"] if not lv.get("is_null_level")]
        if spec.kind is not FieldKind.numeric:
            u = exact_u(prepared, config, spec.column)
            ordinary[0]["u_probability"] = max(u, floor / 10) if u else floor / 10
        for level in ordinary[1:]:
            if not level.get("u_probability"):
                level["u_probability"] = floor
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

"""Which features a source can feed: a feature whose inputs no declaration carries, or that takes one value
on every training declaration, is left out of the model with its reason (the training report lists them),
never computed as a column of constants or crashed on."""

from __future__ import annotations

import pandas as pd

from scoring import features as F
from scoring import mapped

#: the declaration fields (or links) each feature is computed from
INPUTS: dict[str, list[str]] = {
    **{f"hs{d}": ["hs_code"] for d in (2, 4, 6, 8)},
    "origin": ["origin"],
    "port": ["port"],
    "trade_mode": ["trade_mode"],
    "transport": ["transport"],
    "agent": ["agent"],
    "consignee_id": ["consignee"],
    "log_value": ["value_usd"],
    "log_weight": ["weight_kg"],
    "log_quantity": ["quantity"],
    "duty_rate": ["duty_rate"],
    "unit_price_dev": ["value_usd", "quantity", "hs_code"],
    "kg_per_unit_dev": ["weight_kg", "quantity", "hs_code"],
    "duty_at_stake": ["value_usd", "quantity", "duty_rate"],
    **{name: ["consignee"] for name in F.HISTORY if name != "agent_prior_hit_rate"},
    "enterprise_age_days": ["consignee", "registered_on"],
    "agent_prior_hit_rate": ["agent"],
    **{name: [name] for name in mapped.CODES},
    **{name: [prop] for name, prop in mapped.AMOUNTS.items()},
    "tax_to_value": ["taxes", "customs_value"],
    "gross_to_net": ["gross_weight_kg", "weight_kg"],
}
LINKS = {"consignee": "CONSIGNEE", "agent": "DECLARING_AGENT"}


def _absent(frame: pd.DataFrame, column: str) -> bool:
    return column not in frame or frame[column].isna().all()


def omitted(frame: pd.DataFrame, X: pd.DataFrame, rows: pd.Series, names: list[str]) -> dict[str, str]:
    """Feature → why it is left out, for the features of ``names`` that ``frame`` cannot feed (judged on
    the training ``rows``)."""
    out: dict[str, str] = {}
    fit = X.loc[rows.to_numpy()]
    for name in names:
        missing = [c for c in INPUTS.get(name, []) if _absent(frame, c)]
        if missing:
            said = [f"no {LINKS[c]} links" if c in LINKS else f"no {c}" for c in missing]
            out[name] = f"this source has {' and '.join(said)}"
            continue
        if name not in fit:
            out[name] = "not computed for this source"
            continue
        column = fit[name]
        if column.isna().all():
            out[name] = "no training declaration has a value"
        elif column.nunique(dropna=False) <= 1:
            first = column.iloc[0]
            shown = first.item() if hasattr(first, "item") else first
            out[name] = f"the same value ({shown!r}) on every training declaration"
    return out

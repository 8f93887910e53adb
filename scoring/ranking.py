"""Two ways to spend inspection capacity: by risk (probability of a hit) or by expected recovered duty
(probability × duty at stake). Both are reported at the same inspection rates, so an administration can
see what each buys: hits found (precision, recall) and duty recovered (share of all recovered duty)."""

from __future__ import annotations

import numpy as np

RATES = (0.01, 0.05, 0.10)


def duty_at_stake(value_usd: np.ndarray, duty_rate: np.ndarray) -> np.ndarray:
    """The duty a declaration would owe on its declared value: what an undervaluation puts at risk."""
    return np.nan_to_num(value_usd.astype(float)) * np.nan_to_num(duty_rate.astype(float))


def report(
    scores: np.ndarray,
    labels: np.ndarray,
    recovered: np.ndarray,
    stake: np.ndarray,
    rates: tuple[float, ...] = RATES,
) -> dict[str, dict[str, float]]:
    """Precision, recall and recovered-duty share at each rate, ranking by risk and by expected recovery."""
    labels = labels.astype(float)
    recovered = np.nan_to_num(recovered.astype(float))
    out: dict[str, dict[str, float]] = {}
    for name, key in (("by_risk", scores), ("by_expected_duty", scores * stake)):
        figures: dict[str, float] = {}
        order = np.argsort(-key, kind="stable")
        for rate in rates:
            top = order[: max(1, int(round(len(order) * rate)))]
            pct = f"{rate * 100:g}%"
            figures[f"precision@{pct}"] = round(float(labels[top].mean()), 4)
            figures[f"recall@{pct}"] = round(float(labels[top].sum() / max(labels.sum(), 1)), 4)
            figures[f"revenue@{pct}"] = round(float(recovered[top].sum() / max(recovered.sum(), 1e-9)), 4)
        out[name] = figures
    return out

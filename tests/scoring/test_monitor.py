"""The population stability index behind the score-distribution monitor."""

from __future__ import annotations

import numpy as np

from scoring.monitor import DRIFTED, psi


def test_psi_is_small_for_the_same_population_and_large_for_a_shifted_one() -> None:
    rng = np.random.default_rng(5)
    edges = np.quantile(rng.random(50_000), np.linspace(0, 1, 11))
    assert psi(edges, rng.random(5_000)) < 0.02
    assert psi(edges, rng.random(5_000) ** 3) > DRIFTED


def test_tied_deciles_merge_their_shares() -> None:
    # half the training period scored exactly 0: the first five deciles are one bin holding half
    edges = np.array([0, 0, 0, 0, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 1.0])
    rng = np.random.default_rng(1)
    upper = [rng.uniform(lo, hi, 100) for lo, hi in zip(edges[5:-1], edges[6:], strict=True)]
    alike = np.concatenate([np.zeros(500), *upper])
    assert len(alike) == 1_000 and psi(edges, alike) < 0.02
    assert psi(edges, np.zeros(1_000)) > DRIFTED  # everything at 0: the upper half emptied
    assert psi(np.zeros(11), alike) == 0.0  # a model scoring everything alike: nothing to compare

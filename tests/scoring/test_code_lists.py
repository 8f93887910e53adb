"""Indicators take their vocabulary from code lists, which an administration replaces with its own."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from scoring.indicators import IndicatorError, evaluate, load

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "date_layout" / "indicators" / "code_lists.yaml"


def test_the_shipped_lists_expand_into_the_rules() -> None:
    rules = {i.code: i.expression for i in load()}
    assert rules["IND-022"] == "trade_mode in ('bonded logistics',)"
    assert rules["IND-006"].startswith("duty_rate >= 0.1 ")


def test_an_administrations_lists_change_what_fires() -> None:
    ours = {i.code: i for i in load()}
    theirs = {i.code: i for i in load(code_lists=EXAMPLE)}
    frame = pd.DataFrame(
        {"trade_mode": ["IM7", "bonded logistics"], "duty_rate": [0.15, 0.15], "unit_price_dev": [-1, -1]}
    )
    assert evaluate([ours["IND-022"]], frame)["IND-022"].tolist() == [0, 1]
    assert evaluate([theirs["IND-022"]], frame)["IND-022"].tolist() == [1, 0]
    assert evaluate([theirs["IND-006"]], frame)["IND-006"].tolist() == [0, 0]  # their high duty is 20 %


def test_a_bad_code_list_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "lists.yaml"
    path.write_text("lists:\n  road_modes: {a: 1}\n", encoding="utf-8")
    with pytest.raises(IndicatorError, match="road_modes must be a list of codes"):
        load(code_lists=path)

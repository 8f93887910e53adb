"""What `make run` prints while it prepares the demo: each step numbered with its time, a line every
few seconds while a long one runs, and a step that completed is not run again."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tianji import bootstrap
from tianji.core.settings import Settings

RAN: list[str] = []


def quick_step(store: Any, settings: Settings, world: Path) -> None:
    RAN.append("quick")


def slow_step(store: Any, settings: Settings, world: Path) -> None:
    RAN.append("slow")
    time.sleep(0.5)


def test_steps_are_numbered_timed_and_a_long_one_says_it_is_still_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    steps = [f"{__name__}:quick_step", f"{__name__}:slow_step"]
    monkeypatch.setattr(bootstrap, "STEPS", steps)
    monkeypatch.setattr(bootstrap.console, "file", None)  # rich prints to the captured stdout
    real = bootstrap.heartbeat
    monkeypatch.setattr(bootstrap, "heartbeat", lambda what: real(what, every_s=0.1))
    settings = Settings(data_dir=tmp_path)
    RAN.clear()
    timings = bootstrap.run_steps(None, settings, tmp_path / "world")  # type: ignore[arg-type]
    out = capsys.readouterr().out
    assert RAN == ["quick", "slow"] and set(timings) == set(steps) and timings[steps[1]] >= 0.5
    assert f"step 1/2 {steps[0]}" in out and f"step 2/2 {steps[1]}" in out and out.count("done in") == 2
    assert f"… {steps[1]} still running" in out and f"… {steps[0]} still running" not in out
    again = bootstrap.run_steps(None, settings, tmp_path / "world")  # type: ignore[arg-type]
    assert again == {} and RAN == ["quick", "slow"]  # completed steps are not run again

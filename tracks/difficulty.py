"""How hard the synthetic tracks are: GPS/AIS noise, missing points, and the confounders investigators meet.

Each step adds what real tracks hold: noisier positions and outliers, dropped points and reception gaps,
trucks parked together at a depot that never travel together, trucks that share a road for a few minutes,
vessels waiting together at an anchorage, vessels sailing in company at speed, brief slow meetings,
trawlers working at a few knots, AIS switched off inside a port, and gaps that end a day before a meeting.
The world generator passes its difficulty as a plain string; the default is ``medium``.
"""

from __future__ import annotations

from dataclasses import dataclass

DIFFICULTIES = ("easy", "medium", "hard")
DEFAULT = "medium"


@dataclass(frozen=True)
class Profile:
    name: str
    noise_m: float  # standard deviation of a position, metres
    outliers: float  # share of points thrown 300-1,500 m off
    dropped: float  # share of points missing at random
    signal_gaps: float  # truck reception gaps (10-60 min) per vehicle
    parked_groups: int  # groups of trucks parked together for hours, never travelling together
    brief_pairs: int  # pairs of trucks on the same road for 10-20 minutes only
    anchorage_groups: int  # groups of vessels waiting together at an anchorage
    company_pairs: int  # pairs of vessels sailing in company 200-400 m apart, at speed
    brief_meetings: int  # pairs of vessels slow together for under 1.3 hours
    trawlers: int  # vessels working at 2.6-4 knots for hours
    short_gaps: float  # reception gaps of 1-9 hours, per vessel
    port_blackouts: int  # vessels whose AIS is off for 13-20 hours while in port
    early_gaps: int  # encounter vessels whose 12-hour gap ended a day or more before the meeting
    edge: float  # 0-1: how near planted events and confounders come to the detectors' thresholds


PROFILES = {
    "easy": Profile("easy", 5.0, 0.0, 0.0, 0.0, 0, 0, 0, 0, 0, 0, 0.0, 0, 0, 0.0),
    "medium": Profile("medium", 15.0, 0.002, 0.05, 0.1, 6, 6, 2, 2, 2, 2, 0.3, 1, 1, 0.5),
    "hard": Profile("hard", 40.0, 0.02, 0.12, 0.35, 20, 20, 5, 6, 6, 6, 0.8, 3, 3, 1.0),
}


def profile(difficulty: str | None) -> Profile:
    """The profile of ``difficulty`` (easy, medium or hard; None means medium)."""
    name = (difficulty or DEFAULT).strip().lower()
    if name not in PROFILES:
        raise ValueError(f"unknown difficulty {difficulty!r}: choose one of {', '.join(DIFFICULTIES)}")
    return PROFILES[name]

"""Trajectories through GraphQL: a track, latest positions, fence events, multi-zone runs, companions."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.errors import LimitExceeded
from api.graphql.entities import need
from tracks import analysis
from tracks.store import TrackStore


@strawberry.type(description="A point of a track.")
class TrackPoint:
    ts: str
    lat: float
    lon: float


def _store(ctx) -> TrackStore:  # type: ignore[no-untyped-def]
    return TrackStore(ctx.settings)


@strawberry.type
class Query:
    @strawberry.field(description="One vehicle's or vessel's track in a time window, simplified for display.")
    async def track(
        self, info: Info, target: str, start: str, end: str, tolerance_m: float = 30.0
    ) -> list[TrackPoint]:
        ctx = need(info, "read")
        frame = await ctx.run(analysis.track, _store(ctx), target, start, end, tolerance_m=tolerance_m)
        if len(frame) > 20_000:
            raise LimitExceeded("more than 20,000 points: narrow the window or raise toleranceM")
        return [TrackPoint(ts=str(r.ts), lat=float(r.lat), lon=float(r.lon)) for r in frame.itertuples()]

    @strawberry.field(description="Batch monitoring: the latest position of each target.")
    async def latest_positions(self, info: Info, targets: list[str]) -> list[JSON]:
        ctx = need(info, "read")
        frame = await ctx.run(analysis.latest, _store(ctx), targets[:500])
        return [{"target": r.target, "ts": str(r.ts), "lat": r.lat, "lon": r.lon} for r in frame.itertuples()]

    @strawberry.field(description="Stays inside monitoring fences (zones), optionally for one day.")
    async def fence_events(
        self, info: Info, zones: list[str] | None = None, day: str | None = None
    ) -> list[JSON]:
        ctx = need(info, "read")
        frame = await ctx.run(analysis.fence_events, _store(ctx), zones, day)
        return [
            {
                "target": r.target,
                "zone": r.zone,
                "kind": r.kind,
                "entered": str(r.entered),
                "left": str(r.left),
            }
            for r in frame.itertuples()
        ]

    @strawberry.field(description="Multi-zone joint control: targets that visited the zones in this order.")
    async def multi_zone(self, info: Info, zones: list[str], within_hours: float = 24.0) -> list[JSON]:
        ctx = need(info, "read")
        frame = await ctx.run(analysis.multi_zone, _store(ctx), zones, within_hours)
        return [{"target": r.target, "start": str(r.start), "end": str(r.end)} for r in frame.itertuples()]

    @strawberry.field(description="Companion vehicles: groups within distanceM for at least minutes.")
    async def companion_groups(
        self, info: Info, distance_m: float = 200.0, minutes: float = 30.0, day: str | None = None
    ) -> list[list[str]]:
        ctx = need(info, "read")
        pairs = await ctx.run(
            analysis.companions, _store(ctx), analysis.CompanionConfig(distance_m, minutes), day
        )
        return analysis.groups(pairs)

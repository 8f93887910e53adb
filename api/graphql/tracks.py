"""Trajectories through GraphQL: a track, latest positions, fence events, multi-zone runs, companions,
track matching, stops, trips, port calls and the accompanying-gang view."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.errors import LimitExceeded
from api.graphql.entities import need
from api.scalars import as_json
from tracks import accompanying, analysis
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
        return [
            as_json({"target": r.target, "ts": str(r.ts), "lat": r.lat, "lon": r.lon})
            for r in frame.itertuples()
        ]

    @strawberry.field(description="Stays inside monitoring fences (zones), optionally for one day.")
    async def fence_events(
        self, info: Info, zones: list[str] | None = None, day: str | None = None
    ) -> list[JSON]:
        ctx = need(info, "read")
        frame = await ctx.run(analysis.fence_events, _store(ctx), zones, day)
        return [
            as_json(
                {
                    "target": r.target,
                    "zone": r.zone,
                    "kind": r.kind,
                    "entered": str(r.entered),
                    "left": str(r.left),
                }
            )
            for r in frame.itertuples()
        ]

    @strawberry.field(description="Multi-zone joint control: targets that visited the zones in this order.")
    async def multi_zone(self, info: Info, zones: list[str], within_hours: float = 24.0) -> list[JSON]:
        ctx = need(info, "read")
        frame = await ctx.run(analysis.multi_zone, _store(ctx), zones, within_hours)
        return [
            as_json({"target": r.target, "start": str(r.start), "end": str(r.end)})
            for r in frame.itertuples()
        ]

    @strawberry.field(description="Companion vehicles: groups within distanceM for at least minutes.")
    async def companion_groups(
        self, info: Info, distance_m: float = 200.0, minutes: float = 30.0, day: str | None = None
    ) -> list[list[str]]:
        ctx = need(info, "read")
        pairs = await ctx.run(
            analysis.companions, _store(ctx), analysis.CompanionConfig(distance_m, minutes), day
        )
        return analysis.groups(pairs)

    @strawberry.field(description="Vehicles whose tracks match the target's track in the window, best first.")
    async def matching_tracks(
        self, info: Info, target: str, start: str, end: str, distance_m: float = 200.0
    ) -> list[JSON]:
        ctx = need(info, "read")
        frame = await ctx.run(
            analysis.match_track, _store(ctx), target, start, end, analysis.CompanionConfig(distance_m)
        )
        return [
            as_json({"vehicle": r.vehicle, "minutesTogether": int(r.buckets) * 2}) for r in frame.itertuples()
        ]

    @strawberry.field(
        description="Stops of a vehicle or vessel (from the graph), with the zone, port or premises."
    )
    async def stops(self, info: Info, target: str, first: int = 100) -> list[JSON]:
        ctx = need(info, "read")
        rows = await ctx.run(
            ctx.store.query,
            "MATCH (s:Stop {target: $t}) RETURN s ORDER BY s.started LIMIT $n",
            {"t": target, "n": min(first, 1000)},
            read_only=True,
        )
        return [r["s"]["properties"] for r in rows]

    @strawberry.field(description="Trips of a vehicle or vessel between its stops.")
    async def trips(self, info: Info, target: str, first: int = 100) -> list[JSON]:
        ctx = need(info, "read")
        rows = await ctx.run(
            ctx.store.query,
            "MATCH (t:Trip {target: $t}) RETURN t ORDER BY t.started LIMIT $n",
            {"t": target, "n": min(first, 1000)},
            read_only=True,
        )
        return [r["t"]["properties"] for r in rows]

    @strawberry.field(description="Vessels' port calls, newest first; filter by vessel (IMO) or port code.")
    async def port_calls(
        self, info: Info, vessel: str | None = None, port: str | None = None, first: int = 100
    ) -> list[JSON]:
        ctx = need(info, "read")
        rows = await ctx.run(
            ctx.store.query,
            "MATCH (c:PortCall)-[:CALL_OF]->(v:Vessel) WHERE ($vessel IS NULL OR v.id = $vessel) "
            "AND ($port IS NULL OR c.port = $port) RETURN c, v.id AS vessel, v.name AS name "
            "ORDER BY c.arrived DESC LIMIT $n",
            {"vessel": vessel, "port": port, "n": min(first, 1000)},
            read_only=True,
        )
        return [
            as_json({**r["c"]["properties"], "vessel": r["vessel"], "vesselName": r["name"]}) for r in rows
        ]

    @strawberry.field(
        description="Accompanying gangs: convoys of companion vehicles joined with who uses them, their gangs, "
        "tag levels and the premises and ports they stopped at; convoys touching a gang first."
    )
    async def accompanying_gangs(self, info: Info, min_minutes: float = 30.0, first: int = 50) -> list[JSON]:
        ctx = need(info, "read")
        found = await ctx.run(accompanying.convoys, ctx.store, min_minutes=min_minutes, first=min(first, 500))
        ctx.result_size += len(found)
        return [c.as_dict() for c in found]

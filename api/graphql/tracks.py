"""Trajectories through GraphQL: a track, latest positions, fence events, multi-zone runs, companions,
track matching, stops, trips, port calls, the accompanying-gang view, convoys and events at sea
(encounters and dark rendezvous, loitering, AIS gaps)."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.errors import LimitExceeded
from api.graphql.entities import need
from api.scalars import as_json
from graph.store import GraphStore
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
class TrackQuery:
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


SEA_EVENTS = {  # GraphQL field -> (label, relationship type to the vessel)
    "encounters": ("Encounter", "ENCOUNTER_OF"),
    "loitering": ("Loitering", "LOITERING_OF"),
    "aisGaps": ("AisGap", "GAP_OF"),
}


def sea_events(
    store: GraphStore,
    kind: str,
    vessel: str | None,
    start: str | None,
    end: str | None,
    dark: bool | None,
    first: int,
) -> list[JSON]:
    """Events at sea from the graph, newest first, each with its vessels (id, name) and their operators."""
    label, rtype = SEA_EVENTS[kind]
    rows = store.query(
        f"MATCH (x:{store.label(label)})-[:{store.rtype(rtype)}]->(v:Vessel) WITH x, collect(v) AS vessels "
        "WHERE ($vessel IS NULL OR any(v IN vessels WHERE v.id = $vessel OR v.mmsi = $vessel)) "
        "AND ($start IS NULL OR x.ended >= $start) AND ($end IS NULL OR x.started <= $end) "
        "AND ($dark IS NULL OR coalesce(x.dark, false) = $dark) "
        "OPTIONAL MATCH (x)-[o:EVENT_OPERATOR]->(e:Enterprise) "
        "RETURN x, [v IN vessels | {id: v.id, name: v.name, mmsi: v.mmsi}] AS vessels, "
        "collect(DISTINCT {id: e.id, name: e.name, vessel: o.vessel}) AS operators "
        "ORDER BY x.started DESC LIMIT $n",
        {"vessel": vessel, "start": start, "end": end, "dark": dark, "n": min(first, 1000)},
        read_only=True,
    )
    return [
        as_json(
            {
                **r["x"]["properties"],
                "vesselNodes": r["vessels"],
                "operators": [o for o in r["operators"] if o["id"] is not None],
            }
        )
        for r in rows
    ]


@strawberry.type
class SeaQuery:
    @strawberry.field(
        description="Encounters at sea (two vessels within 500 m for 2 hours or more at under 2 knots, away "
        "from anchorages), newest first, with lat/lon, started/ended, the vessels and their operators; "
        "dark: true keeps the dark rendezvous (a vessel's AIS off just before or after)."
    )
    async def encounters(
        self,
        info: Info,
        vessel: str | None = None,
        start: str | None = None,
        end: str | None = None,
        dark: bool | None = None,
        first: int = 100,
    ) -> list[JSON]:
        ctx = need(info, "read")
        return await ctx.run(sea_events, ctx.store, "encounters", vessel, start, end, dark, first)

    @strawberry.field(description="Vessels slow alone offshore for hours (lat/lon, started/ended, knots).")
    async def loitering(
        self,
        info: Info,
        vessel: str | None = None,
        start: str | None = None,
        end: str | None = None,
        first: int = 100,
    ) -> list[JSON]:
        ctx = need(info, "read")
        return await ctx.run(sea_events, ctx.store, "loitering", vessel, start, end, None, first)

    @strawberry.field(
        description="AIS gaps of 12 hours or more at sea: where the vessel fell silent (lat/lon) and "
        "reappeared (end_lat/end_lon), hours and km between."
    )
    async def ais_gaps(
        self,
        info: Info,
        vessel: str | None = None,
        start: str | None = None,
        end: str | None = None,
        first: int = 100,
    ) -> list[JSON]:
        ctx = need(info, "read")
        return await ctx.run(sea_events, ctx.store, "aisGaps", vessel, start, end, None, first)

    @strawberry.field(
        description="Convoys: three or more vehicles moving together for half an hour or more (members, "
        "started/ended, windows), newest first; filter by a member vehicle."
    )
    async def convoys(
        self,
        info: Info,
        vehicle: str | None = None,
        start: str | None = None,
        end: str | None = None,
        first: int = 100,
    ) -> list[JSON]:
        ctx = need(info, "read")
        rows = await ctx.run(
            ctx.store.query,
            "MATCH (c:Convoy) WHERE ($vehicle IS NULL OR $vehicle IN c.members) "
            "AND ($start IS NULL OR c.ended >= $start) AND ($end IS NULL OR c.started <= $end) "
            "RETURN c ORDER BY c.started DESC LIMIT $n",
            {"vehicle": vehicle, "start": start, "end": end, "n": min(first, 1000)},
            read_only=True,
        )
        ctx.result_size += len(rows)
        return [as_json(r["c"]["properties"]) for r in rows]


@strawberry.type
class Query(TrackQuery, SeaQuery):
    """Tracks, convoys and events at sea."""

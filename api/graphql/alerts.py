"""Watches and alerts: put a subject or gang under watch, read (filtered, counted by status), acknowledge,
assign, comment on and close alerts, and subscribe to alerts as they are raised."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from alerts import comments, patterns, raising, watches
from alerts.live import Feed
from alerts.outbox import inapp_since
from api import auth
from api.errors import Forbidden, InvalidInput, NotFound
from api.graphql.entities import need
from api.scalars import as_json
from api.types import NODE_TYPES, to_node

if TYPE_CHECKING:  # the node types are built from the ontology at import; statically they are Nodes
    from api.nodes import Node as Alert
    from api.nodes import Node as Comment
    from api.nodes import Node as Watch
else:
    Alert = NODE_TYPES["Alert"]
    Comment = NODE_TYPES["Comment"]
    Watch = NODE_TYPES["Watch"]


@strawberry.type(description="How many alerts have one status, under the filters asked for.")
class AlertCount:
    status: str
    count: int
    open: bool = strawberry.field(description="whether alerts of this status are still to be handled")


@strawberry.type(description="An officer alerts may be assigned to.")
class Officer:
    name: str
    role: str
    unit: str


def _watch(props: dict[str, Any]) -> Any:
    return to_node({"id": props["id"], "labels": ["Watch"], "properties": props})


@strawberry.input(description="New declarations meeting every criterion given (lists mean any of).")
class DeclarationPatternInput:
    hs_prefixes: list[str] | None = None
    origins: list[str] | None = None
    ports: list[str] | None = None
    trade_modes: list[str] | None = None
    direction: str | None = None
    consignee_tags: list[str] | None = None
    min_risk_level: int | None = None
    consignee_registered_within_days: int | None = None
    min_value_usd: float | None = None


@strawberry.input(description="A drawn ring: newly detected gangs built like it match.")
class RingPatternInput:
    enterprises: int
    shared: JSON = strawberry.field(description="node kind -> how many all members share, e.g. {Person: 1}")
    trade_loop: bool = False
    min_similarity: float = 0.9


@strawberry.input(description="A pattern to watch instead of a subject: declarations, a ring, or both.")
class PatternInput:
    declarations: DeclarationPatternInput | None = None
    ring: RingPatternInput | None = None


def _pattern(pattern: PatternInput | None) -> patterns.WatchPattern | None:
    if pattern is None:
        return None
    declarations = None
    if pattern.declarations is not None:
        given = {k: v for k, v in vars(pattern.declarations).items() if v is not None}
        declarations = patterns.DeclarationPattern(**given)
    ring = patterns.RingPattern(**vars(pattern.ring)) if pattern.ring is not None else None
    return patterns.WatchPattern(declarations=declarations, ring=ring)


@strawberry.input
class WatchInput:
    target_label: str = strawberry.field(
        description="Enterprise, Person, Vehicle, Vessel, OverseasParty, Gang or Pattern"
    )
    target_id: str = ""
    pattern: PatternInput | None = None
    conditions: list[str] | None = None
    channels: list[str] | None = None
    email: str | None = None
    phone: str | None = None
    min_severity: int = 1
    title: str | None = None


async def _visible(ctx: Any, label: str, node_id: str) -> dict[str, Any]:
    """The watch or alert's properties if the user's unit may see it; NOT_FOUND alike if it is another
    unit's or does not exist."""
    return (await ctx.visible_node(label, node_id))["properties"]


def _filters(
    ctx: Any, mine: bool, assignee: str | None, unassigned: bool, min_severity: int | None
) -> dict[str, Any]:
    """The alert filters of a request, the unit always the user's (headquarters: every unit)."""
    return {
        "unit": None if ctx.user.unit == "*" else ctx.user.unit,
        "owner": ctx.user.name if mine else None,
        "assignee": assignee or None,
        "unassigned": unassigned,
        "min_severity": min_severity,
    }


async def _alerts(ctx: Any, rows: list[dict[str, Any]]) -> list[Any]:
    """Alerts as GraphQL nodes: those the user may see, their evidence cut to what the user may see."""
    nodes = ctx.viewer.keep({"id": r["id"], "labels": ["Alert"], "properties": r} for r in rows)
    return [to_node(n) for n in await ctx.redact(nodes)]


@strawberry.type
class Query:
    @strawberry.field(
        description="Alerts of your unit, newest first; filter by status, by officer (mine: the watch's "
        "owner or the assignee is you; assignee; unassigned) and by least severity."
    )
    async def alerts(
        self,
        info: Info,
        status: list[str] | None = None,
        mine: bool = False,
        assignee: str | None = None,
        unassigned: bool = False,
        min_severity: int | None = None,
        first: int = 50,
    ) -> list[Alert]:
        ctx = need(info, "alert")
        rows = await ctx.run(
            raising.list_alerts,
            ctx.store,
            **_filters(ctx, mine, assignee, unassigned, min_severity),
            status=status,
            limit=min(first, 500),
        )
        ctx.result_size += len(rows)
        return await _alerts(ctx, rows)

    @strawberry.field(
        description="How many of your unit's alerts have each status (every status, in triage order), "
        "under the same filters as alerts."
    )
    async def alert_counts(
        self,
        info: Info,
        mine: bool = False,
        assignee: str | None = None,
        unassigned: bool = False,
        min_severity: int | None = None,
    ) -> list[AlertCount]:
        ctx = need(info, "alert")
        counted = await ctx.run(
            raising.count_by_status, ctx.store, **_filters(ctx, mine, assignee, unassigned, min_severity)
        )
        return [AlertCount(status=s, count=n, open=s in raising.OPEN) for s, n in counted.items()]

    @strawberry.field(
        description="The active officers your unit's alerts may be assigned to: of your unit or of "
        "headquarters (every unit's, for headquarters)."
    )
    async def officers(self, info: Info) -> list[Officer]:
        ctx = need(info, "alert")
        found = await ctx.run(auth.officers, ctx.services.users, ctx.user.unit, "alert")
        return [Officer(name=u.name, role=u.role, unit=u.unit) for u in found]

    @strawberry.field(description="Your unit's active watches.")
    async def watches(self, info: Info) -> list[Watch]:
        ctx = need(info, "watch")
        unit = None if ctx.user.unit == "*" else ctx.user.unit
        listed = await ctx.run(watches.list_watches, ctx.store, unit=unit)
        return [_watch(w) for w in listed if ctx.viewer.sees_properties("Watch", w)]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Put a subject, a gang or a pattern under watch for yourself and your unit."
    )
    async def create_watch(self, info: Info, watch: WatchInput) -> Watch:
        ctx = need(info, "watch")
        if watch.target_label in ctx.store.ontology.nodes and watch.target_id:
            await ctx.visible_node(watch.target_label, watch.target_id)
        spec = watches.WatchSpec(
            owner=ctx.user.name,
            unit=ctx.user.unit,
            target_label=watch.target_label,
            target_id=watch.target_id,
            pattern=_pattern(watch.pattern),
            conditions=watch.conditions or None,
            channels=watch.channels or ["inapp"],
            email=watch.email or "",
            phone=watch.phone or "",
            min_severity=watch.min_severity,
            title=watch.title or "",
        )
        try:
            return _watch(await ctx.run(watches.create_watch, ctx.store, spec))
        except watches.WatchError as exc:
            raise NotFound(str(exc)) if "does not exist" in str(exc) else ValueError(str(exc)) from None

    @strawberry.mutation(
        description="Mute, snooze, change the severity floor or conditions of, or retire a watch."
    )
    async def tune_watch(
        self,
        info: Info,
        id: strawberry.ID,
        muted: bool | None = None,
        snoozed_until: str | None = None,
        min_severity: int | None = None,
        conditions: list[str] | None = None,
        retire: bool = False,
    ) -> Watch:
        ctx = need(info, "watch")
        current = await _visible(ctx, "Watch", str(id))
        if current["owner"] != ctx.user.name and ctx.user.role != "admin":
            raise Forbidden("only the watch's owner or an administrator may change it")
        return _watch(
            await ctx.run(
                watches.tune_watch,
                ctx.store,
                str(id),
                muted=muted,
                snoozed_until=snoozed_until,
                min_severity=min_severity,
                conditions=conditions,
                retire=retire,
            )
        )

    @strawberry.mutation(description="Acknowledge an alert.")
    async def acknowledge_alert(self, info: Info, id: strawberry.ID) -> Alert:
        ctx = need(info, "alert")
        await _visible(ctx, "Alert", str(id))
        return (await _alerts(ctx, [await ctx.run(raising.acknowledge, ctx.store, str(id), ctx.user.name)]))[
            0
        ]

    @strawberry.mutation(
        description="Assign an alert to an active officer of its unit (or of headquarters) who may act on "
        "alerts."
    )
    async def assign_alert(self, info: Info, id: strawberry.ID, assignee: str) -> Alert:
        ctx = need(info, "alert")
        alert = await _visible(ctx, "Alert", str(id))
        allowed = await ctx.run(auth.officers, ctx.services.users, str(alert.get("unit") or "*"), "alert")
        if assignee not in {u.name for u in allowed}:
            raise InvalidInput(
                f"{assignee!r} is no active officer of unit {alert.get('unit')} who may act on alerts; "
                "the officers query lists those who are"
            )
        return (await _alerts(ctx, [await ctx.run(raising.assign, ctx.store, str(id), assignee)]))[0]

    @strawberry.mutation(
        description="Comment on an alert, as you, now (the comment is seen by the alert's unit; it cannot "
        "be edited, a correction is another comment)."
    )
    async def comment_alert(self, info: Info, id: strawberry.ID, text: str) -> Comment:
        ctx = need(info, "alert")
        await _visible(ctx, "Alert", str(id))
        written = await ctx.run(comments.add_comment, ctx.store, str(id), ctx.user.name, text)
        return to_node(written)

    @strawberry.mutation(description="Close an alert with a reason.")
    async def close_alert(self, info: Info, id: strawberry.ID, reason: str) -> Alert:
        ctx = need(info, "alert")
        await _visible(ctx, "Alert", str(id))
        return (await _alerts(ctx, [await ctx.run(raising.close, ctx.store, str(id), reason)]))[0]


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Alerts delivered in-app to you (administrators: to anyone), as they are delivered; "
        "only alerts your unit may see."
    )
    async def alerts(self, info: Info, since_event: int | None = None) -> AsyncGenerator[JSON, None]:
        ctx = need(info, "alert")
        viewer = ctx.viewer
        engine = ctx.services.outbox

        def mine(event: dict[str, Any]) -> bool:
            return bool(event["recipient"] == ctx.user.name or ctx.user.role == "admin")

        async def shown(event: dict[str, Any]) -> Any:
            """The event as this subscriber may see it, or None."""
            if not mine(event):
                return None
            payload = dict(event["payload"])
            alert = payload.get("alert")
            if isinstance(alert, dict):
                if not viewer.sees_properties("Alert", alert):
                    return None
                evidence = alert.get("evidence")
                if isinstance(evidence, list):
                    kept = await asyncio.to_thread(viewer.evidence, ctx.store, evidence)
                    payload["alert"] = {**alert, "evidence": kept}
            return as_json({"event": event["id"], "at": event["at"], **payload})

        # listening before the replay: an event committed meanwhile comes from the queue, never lost
        feed = ctx.services.feeds.get("alerts") or ctx.services.feeds.setdefault(
            "alerts", Feed(ctx.settings, engine, "alerts")
        )
        async with feed.listen() as queue:
            last = 0
            if since_event is not None:
                for event in await asyncio.to_thread(inapp_since, engine, since_event, "alerts"):
                    last = event["id"]
                    if (item := await shown(event)) is not None:
                        yield item
            while True:
                event = await queue.get()
                if event["id"] > last and (item := await shown(event)) is not None:
                    yield item

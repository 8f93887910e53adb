"""Risk scores through GraphQL: a declaration's scores with reasons, and scoring one declaration on demand."""

from __future__ import annotations

from typing import Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.errors import Forbidden, InvalidInput, NotFound, Unavailable
from api.graphql.entities import need
from scoring.instructions import record_result
from scoring.model import ModelError, load
from scoring.monitor import score_drift
from scoring.rules import RULE_REASON
from scoring.service import score_one

SCORES_PER_DECLARATION = 100  # the most scores (one per model version) listed for one declaration


@strawberry.type(description="A risk score of a declaration, its level and the reasons an officer reads.")
class RiskScoreView:
    score: float
    level: int
    model_version: str
    computed_at: str | None
    reasons: list[str]
    rules: list[str] = strawberry.field(
        description="The reasons that are expert rules (each also in reasons): a fired rule lifts the score "
        "to at least its level."
    )


@strawberry.input(description="Declared fields of one declaration; history and graph figures may be added.")
class DeclarationInput:
    hs_code: str | None = None
    origin: str | None = None
    port: str | None = None
    trade_mode: str | None = None
    transport: str | None = None
    agent: str | None = None
    value_usd: float | None = None
    weight_kg: float | None = None
    quantity: float | None = None
    duty_rate: float | None = None
    extra: JSON | None = strawberry.field(default=None, description="history or graph features by name")


@strawberry.type
class ScoreResult:
    score: float
    level: int
    model_version: str
    reasons: list[str]
    missing: list[str] = strawberry.field(description="inputs that were missing and scored as unknown")


@strawberry.type(
    description="An instruction to inspect a declaration, with its reason and, once done, outcome."
)
class Instruction:
    entry_no: str
    kind: str
    reason: str
    rank_by: str | None
    score: float
    level: int
    port: str | None
    day: str | None
    status: str
    outcome: str | None


@strawberry.type(
    description="The promoted model's recent scores against its training period: population stability "
    "index over the training deciles; above 0.2 the distribution drifted."
)
class ScoreDriftView:
    model_version: str
    psi: float | None
    drifted: bool
    recent: int = strawberry.field(description="scores of declarations in the window")
    window_from: str | None
    window_to: str | None


@strawberry.type
class Query:
    @strawberry.field(description="Score-distribution drift of the promoted model over the last `days` days.")
    async def score_drift(self, info: Info, days: int = 30) -> ScoreDriftView:
        ctx = need(info, "read")
        if not 1 <= days <= 3660:
            raise InvalidInput("days is between 1 and 3660")
        try:
            trained = await ctx.run(load, ctx.settings)
            report = await ctx.run(score_drift, ctx.store, trained, days=days)
        except (ModelError, ValueError) as exc:
            raise Unavailable(str(exc)) from None
        return ScoreDriftView(**report.as_dict())

    @strawberry.field(description="The risk scores of a declaration, newest model first.")
    async def risk_scores(self, info: Info, entry_no: strawberry.ID) -> list[RiskScoreView]:
        ctx = need(info, "read")
        rows = await ctx.run(
            ctx.store.query,
            "MATCH (r:RiskScore)-[:SCORED]->(:Declaration {id: $id}) RETURN r ORDER BY r.computed_at DESC LIMIT $n",
            {"id": str(entry_no), "n": SCORES_PER_DECLARATION},
            read_only=True,
        )
        return [
            RiskScoreView(
                score=p["score"],
                level=p["level"],
                model_version=p["model_version"],
                computed_at=p.get("computed_at"),
                reasons=list(p.get("features") or []),
                rules=[r for r in p.get("features") or [] if str(r).startswith(RULE_REASON)],
            )
            for p in (r["r"]["properties"] for r in rows)
        ]

    @strawberry.field(description="Inspection instructions, riskiest first; filter by port, day and status.")
    async def inspection_instructions(
        self,
        info: Info,
        port: str | None = None,
        day: str | None = None,
        status: str | None = "open",
        first: int = 100,
    ) -> list[Instruction]:
        ctx = need(info, "read")
        rows = await ctx.run(
            ctx.store.query,
            "MATCH (i:InspectionInstruction)-[:INSTRUCTS]->(d:Declaration) WHERE ($port IS NULL OR i.port = $port) "
            "AND ($day IS NULL OR i.day = $day) AND ($status IS NULL OR i.status = $status) "
            "RETURN i, d.id AS entry ORDER BY i.score DESC LIMIT $n",
            {"port": port, "day": day, "status": status, "n": min(first, 1000)},
            read_only=True,
        )
        return [
            Instruction(
                entry_no=r["entry"],
                **{
                    k: r["i"]["properties"].get(k)
                    for k in (
                        "kind",
                        "reason",
                        "rank_by",
                        "score",
                        "level",
                        "port",
                        "day",
                        "status",
                        "outcome",
                    )
                },
            )
            for r in rows
        ]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Enter an inspection result (hit or clear): it closes the declaration's instruction and is a "
        "label for the next training (`tianji score retrain`)."
    )
    async def record_inspection(
        self, info: Info, entry_no: str, outcome: str, recovered_duty: float = 0.0, finding: str = ""
    ) -> JSON:
        ctx = need(info, "read")
        if ctx.user.role not in ("investigator", "analyst", "admin"):
            raise Forbidden(f"role {ctx.user.role!r} may not enter inspection results")
        try:
            return await ctx.run(
                record_result,
                ctx.store,
                entry_no,
                outcome,
                officer=ctx.user.name,
                recovered_duty=recovered_duty,
                finding=finding,
            )
        except KeyError as exc:
            raise NotFound(str(exc.args[0])) from None

    @strawberry.mutation(description="Score one declaration now with the promoted model (nothing is stored).")
    async def score_declaration(self, info: Info, declaration: DeclarationInput) -> ScoreResult:
        ctx = need(info, "score")
        try:
            trained = await ctx.run(load, ctx.settings)
        except ModelError as exc:
            raise Unavailable(str(exc)) from None
        fields = {k: v for k, v in vars(declaration).items() if k != "extra" and v is not None}
        fields.update(cast(dict[str, Any], declaration.extra or {}))
        result = await ctx.run(score_one, trained, fields)
        return ScoreResult(**result)

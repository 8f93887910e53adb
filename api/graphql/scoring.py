"""Risk scores through GraphQL: a declaration's scores with reasons, and scoring one declaration on demand."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.errors import Unavailable
from api.graphql.entities import need
from scoring.model import ModelError, load
from scoring.service import score_one


@strawberry.type(description="A risk score of a declaration, its level and the reasons an officer reads.")
class RiskScoreView:
    score: float
    level: int
    model_version: str
    computed_at: str | None
    reasons: list[str]


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


@strawberry.type
class Query:
    @strawberry.field(description="The risk scores of a declaration, newest model first.")
    async def risk_scores(self, info: Info, entry_no: strawberry.ID) -> list[RiskScoreView]:
        ctx = need(info, "read")
        rows = await ctx.run(
            ctx.store.query,
            "MATCH (r:RiskScore)-[:SCORED]->(:Declaration {id: $id}) RETURN r ORDER BY r.computed_at DESC",
            {"id": str(entry_no)},
            read_only=True,
        )
        return [
            RiskScoreView(
                score=p["score"],
                level=p["level"],
                model_version=p["model_version"],
                computed_at=p.get("computed_at"),
                reasons=list(p.get("features") or []),
            )
            for p in (r["r"]["properties"] for r in rows)
        ]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Score one declaration now with the promoted model (nothing is stored).")
    async def score_declaration(self, info: Info, declaration: DeclarationInput) -> ScoreResult:
        ctx = need(info, "score")
        try:
            trained = await ctx.run(load, ctx.settings)
        except ModelError as exc:
            raise Unavailable(str(exc)) from None
        fields = {k: v for k, v in vars(declaration).items() if k != "extra" and v is not None}
        fields.update(declaration.extra or {})
        result = await ctx.run(score_one, trained, fields)
        return ScoreResult(**result)

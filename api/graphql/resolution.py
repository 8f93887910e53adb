"""Entity resolution's review queue: list uncertain matches, confirm or reject them (decisions persist)."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.errors import NotFound
from api.graphql.entities import need
from ingest.resolution.review import decide, items, open_review


@strawberry.type(description="A pair of records that may be the same subject, waiting for a decision.")
class ReviewItem:
    id: int
    kind: str
    a: str
    b: str
    score: float
    features: JSON
    status: str
    decided_by: str | None


def _item(row: dict) -> ReviewItem:  # type: ignore[type-arg]
    return ReviewItem(
        id=row["id"],
        kind=row["kind"],
        a=row["a"],
        b=row["b"],
        score=row["score"],
        features=row["features"],
        status=row["status"],
        decided_by=row.get("decided_by"),
    )


@strawberry.type
class Query:
    @strawberry.field(description="Uncertain matches waiting for review, most likely first.")
    async def review_queue(
        self, info: Info, kind: str | None = None, status: str = "open", first: int = 50
    ) -> list[ReviewItem]:
        ctx = need(info, "read")
        rows = await ctx.run(items, open_review(ctx.settings), kind, status, min(first, 500))
        return [_item(r) for r in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Confirm (same subject), reject (different subjects) or reopen a match. "
        "Later resolution runs respect it; the opposite decision reverses it."
    )
    async def decide_match(self, info: Info, id: int, decision: str) -> ReviewItem:
        ctx = need(info, "tag_edit")
        import json

        try:
            row = await ctx.run(decide, open_review(ctx.settings), id, decision, ctx.user.name)
        except KeyError as exc:
            raise NotFound(str(exc.args[0])) from None
        return _item({**row, "features": json.loads(row["features"])})

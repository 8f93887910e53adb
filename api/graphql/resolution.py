"""Entity resolution's review queue: list uncertain matches, confirm or reject them (decisions persist);
merge two subjects, split mentions off one, revert either (logged, reversible)."""

from __future__ import annotations

import json
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.errors import NotFound
from api.graphql.entities import need
from ingest.resolution import overseas
from ingest.resolution.review import decide, items, list_actions, open_review


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
    explanation: JSON = strawberry.field(
        description="WHY: the waterfall of match weights (prior, then each field's level and weight in bits, "
        "with notes on generic values and refused merges); empty for name-only matches"
    )
    flag: str | None = strawberry.field(
        default=None,
        description="contradiction: a warning the resolver raised, not a pair it scored: a new strong match, "
        "or a reviewer's must-link, says a and b, which a reviewer decided differ, are one subject (they were "
        "not merged)",
    )
    contradiction: JSON | None = strawberry.field(
        default=None,
        description="for a flagged item: the reviewer's decision (item, status, decided_by, decided_at; null "
        "where the queue holds no such decision), the "
        "record that matches both sides and its matches into each (score, method), or, with "
        "must_link_refused, the must-links this decision blocks (must_links); confirming the item joins a "
        "and b after all, rejecting it keeps the decision. A must-link refused for another reason (reason: "
        "the clusters hold different strong keys) sits on the must-link itself: deciding it changes nothing",
    )


def _item(row: dict) -> ReviewItem:
    features: Any = dict(row["features"])
    explanation = features.pop("explanation", [])
    contradiction = features.pop("contradiction", None)
    return ReviewItem(
        id=row["id"],
        kind=row["kind"],
        a=row["a"],
        b=row["b"],
        score=row["score"],
        features=features,
        explanation=explanation,
        status=row["status"],
        decided_by=row.get("decided_by"),
        flag=row.get("flag"),
        contradiction=contradiction,
    )


@strawberry.type(description="A reviewer's merge or split, with what it changed (to revert it).")
class ResolutionAction:
    id: int
    kind: str
    action: str
    subject: str
    payload: JSON
    user: str
    at: str
    reverted_by: str | None
    reverted_at: str | None


def _action(row: dict) -> ResolutionAction:
    return ResolutionAction(**{k: row[k] for k in ResolutionAction.__annotations__})


@strawberry.type
class Query:
    @strawberry.field(description="Merges and splits, newest first.")
    async def resolution_actions(self, info: Info, first: int = 50) -> list[ResolutionAction]:
        ctx = need(info, "read")
        return [
            _action(r) for r in await ctx.run(list_actions, open_review(ctx.settings), None, min(first, 500))
        ]

    @strawberry.field(
        description='Uncertain matches waiting for review, most likely first; `flag: "contradiction"` '
        "lists only the warnings of new matches that contradict a reviewer's decision."
    )
    async def review_queue(
        self,
        info: Info,
        kind: str | None = None,
        status: str = "open",
        first: int = 50,
        flag: str | None = None,
    ) -> list[ReviewItem]:
        ctx = need(info, "read")
        rows = await ctx.run(items, open_review(ctx.settings), kind, status, min(first, 500), flag)
        return [_item(r) for r in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Confirm (same subject), reject (different subjects) or reopen a match. "
        "Later resolution runs respect it; the opposite decision reverses it."
    )
    async def decide_match(self, info: Info, id: int, decision: str) -> ReviewItem:
        ctx = need(info, "tag_edit")
        try:
            row = await ctx.run(decide, open_review(ctx.settings), id, decision, ctx.user.name)
        except KeyError as exc:
            raise NotFound(str(exc.args[0])) from None
        return _item({**row, "features": json.loads(row["features"])})

    @strawberry.mutation(
        description="Merge overseas party `other` into `keep`; later runs keep them together."
    )
    async def merge_subjects(self, info: Info, keep: str, other: str) -> ResolutionAction:
        ctx = need(info, "tag_edit")
        row = await ctx.run(overseas.merge_parties, ctx.store, ctx.settings, keep, other, ctx.user.name)
        return _action(row)

    @strawberry.mutation(description="Split `mentions` off overseas party `subject` into a new subject.")
    async def split_subject(self, info: Info, subject: str, mentions: list[str]) -> ResolutionAction:
        ctx = need(info, "tag_edit")
        row = await ctx.run(overseas.split_party, ctx.store, ctx.settings, subject, mentions, ctx.user.name)
        return _action(row)

    @strawberry.mutation(
        description="Revert a merge or split: mentions go back and its constraints are withdrawn."
    )
    async def revert_resolution(self, info: Info, action: int) -> ResolutionAction:
        ctx = need(info, "tag_edit")
        return _action(await ctx.run(overseas.revert, ctx.store, ctx.settings, action, ctx.user.name))

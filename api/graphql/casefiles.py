"""An investigator's own workspace through GraphQL: case files (saved views of the canvas) and custom tags
(personal labels on subjects)."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api import casefiles, customtags
from api.errors import NotFound
from api.graphql.entities import need


@strawberry.type(description="A saved view of the graph: its elements, a name and a note.")
class CaseFile:
    id: int
    name: str
    note: str
    owner: str
    unit: str
    updated_at: str
    view: JSON | None = None


def _file(row: dict[str, Any]) -> CaseFile:
    return CaseFile(
        id=row["id"],
        name=row["name"],
        note=row.get("note") or "",
        owner=row["owner"],
        unit=row["unit"],
        updated_at=row["updated_at"],
        view=row.get("view"),
    )


@strawberry.type(
    description="An investigator's own label on a subject (not part of the analysts' label system)."
)
class CustomTag:
    id: int
    label: str
    node_id: str
    tag: str
    note: str
    created_at: str


def _tag(row: dict) -> CustomTag:
    return CustomTag(**{k: row[k] for k in ("id", "label", "node_id", "tag", "note", "created_at")})


@strawberry.type
class Query:
    @strawberry.field(description="Your custom tags, newest first; or those on one subject.")
    async def custom_tags(
        self, info: Info, label: str | None = None, id: str | None = None
    ) -> list[CustomTag]:
        ctx = need(info, "case_file")
        rows = await ctx.run(
            customtags.listing,
            customtags.open_custom_tags(ctx.settings),
            owner=ctx.user.name,
            label=label,
            node_id=id,
        )
        return [_tag(r) for r in rows]

    @strawberry.field(description="Your unit's case files, most recently saved first (without their views).")
    async def case_files(self, info: Info, mine: bool = False, first: int = 50) -> list[CaseFile]:
        ctx = need(info, "case_file")
        rows = await ctx.run(
            casefiles.listing,
            casefiles.open_case_files(ctx.settings),
            unit=ctx.user.unit,
            owner=ctx.user.name if mine else None,
            limit=min(first, 500),
        )
        return [_file(r) for r in rows]

    @strawberry.field(description="One case file with its view, to reopen it on the canvas.")
    async def case_file(self, info: Info, id: int) -> CaseFile:
        ctx = need(info, "case_file")
        try:
            return _file(
                await ctx.run(casefiles.get, casefiles.open_case_files(ctx.settings), id, unit=ctx.user.unit)
            )
        except KeyError as exc:
            raise NotFound(str(exc.args[0])) from None


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Save the canvas (its elements) as a case file; with `id`, update yours."
    )
    async def save_case_file(
        self, info: Info, name: str, view: JSON, note: str = "", id: int | None = None
    ) -> CaseFile:
        ctx = need(info, "case_file")
        try:
            row = await ctx.run(
                casefiles.save,
                casefiles.open_case_files(ctx.settings),
                owner=ctx.user.name,
                unit=ctx.user.unit,
                name=name,
                view=view,
                note=note,
                id=id,
            )
        except KeyError as exc:
            raise NotFound(str(exc.args[0])) from None
        return _file(row)

    @strawberry.mutation(description="Put your own tag on a subject (only you see it).")
    async def add_custom_tag(self, info: Info, label: str, id: str, tag: str, note: str = "") -> CustomTag:
        ctx = need(info, "case_file")
        label = ctx.store.ontology.check_label(label)
        if await ctx.run(ctx.store.node, label, id) is None:
            raise NotFound(f"no {label} {id!r}")
        return _tag(
            await ctx.run(
                customtags.add,
                customtags.open_custom_tags(ctx.settings),
                owner=ctx.user.name,
                unit=ctx.user.unit,
                label=label,
                node_id=id,
                tag=tag,
                note=note,
            )
        )

    @strawberry.mutation(description="Remove one of your custom tags.")
    async def remove_custom_tag(self, info: Info, tag_id: int) -> bool:
        ctx = need(info, "case_file")
        if not await ctx.run(
            customtags.remove, customtags.open_custom_tags(ctx.settings), tag_id, owner=ctx.user.name
        ):
            raise NotFound(f"no custom tag {tag_id} of yours")
        return True

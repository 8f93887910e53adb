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


async def _visible_view(ctx: Any, view: Any) -> Any:
    """A saved canvas without the nodes the user's unit may not see now (a case restricted or moved to
    another unit since), nor the edges that touch them. Nodes are elements whose data name their ``kind``
    (label) and ``nid`` (key), as the canvas writes them."""
    elements = view.get("elements") if isinstance(view, dict) else view
    if not isinstance(elements, list):
        return view
    nodes = {
        e["data"]["id"]: (str(e["data"]["kind"]), str(e["data"]["nid"]))
        for e in elements
        if isinstance(e, dict)
        and isinstance(e.get("data"), dict)
        and {"id", "kind", "nid"} <= e["data"].keys()
    }
    hidden_refs = await ctx.run(ctx.viewer.hidden, ctx.store, list(nodes.values()))
    hidden = {key for key, ref in nodes.items() if ref in hidden_refs}
    if not hidden:
        return view

    def shown(element: Any) -> bool:
        data = element.get("data", {}) if isinstance(element, dict) else {}
        return not {data.get("id"), data.get("source"), data.get("target")} & hidden

    kept = [e for e in elements if shown(e)]
    return {**view, "elements": kept} if isinstance(view, dict) else kept


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
        hidden = await ctx.run(ctx.viewer.hidden, ctx.store, [(r["label"], r["node_id"]) for r in rows])
        return [_tag(r) for r in rows if (r["label"], r["node_id"]) not in hidden]

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

    @strawberry.field(
        description="One case file with its view, to reopen it on the canvas (without what your unit may "
        "no longer see)."
    )
    async def case_file(self, info: Info, id: int) -> CaseFile:
        ctx = need(info, "case_file")
        try:
            row = await ctx.run(
                casefiles.get, casefiles.open_case_files(ctx.settings), id, unit=ctx.user.unit
            )
        except KeyError as exc:
            raise NotFound(str(exc.args[0])) from None
        return _file({**row, "view": await _visible_view(ctx, row.get("view"))})


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
        await ctx.visible_node(label, id)
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

"""The label system through GraphQL: tag definitions, a subject's tags with evidence, and the analysts'
loop (propose = dry run, save = version and apply, retire), with the change log."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.entities import need
from api.scalars import as_json
from tagging import service
from tagging.rules import RuleError


@strawberry.type(description="A tag definition: category → risk level → layer, with its rule.")
class TagDefinition:
    code: str
    category: str
    level: int
    layer: str
    name_zh: str
    name_en: str
    description: str
    owner: str
    version: int
    retired: bool
    rule: JSON


@strawberry.type(description="What a tag change adds and removes (a dry run, or what an apply did).")
class TagChange:
    tag: str
    add: list[str]
    remove: list[str]
    keep: int


@strawberry.type(description="A tag held by a subject, with the rule and evidence that gave it.")
class SubjectTag:
    code: str
    name: str | None
    category: str | None
    level: int | None
    layer: str | None
    rule: str | None
    rule_version: int | None
    evidence: list[str]
    tagged_at: str | None
    held_from: str | None = strawberry.field(
        description="the date the tag's evidence dates from (its facts' own dates)"
    )
    ended_at: str | None


def _definition(tag: Any) -> TagDefinition:
    data = tag.model_dump(mode="json")
    return TagDefinition(
        **{
            k: data[k]
            for k in (
                "code",
                "category",
                "level",
                "layer",
                "name_zh",
                "name_en",
                "description",
                "owner",
                "version",
                "retired",
            )
        },
        rule=data["rule"],
    )


async def _change(ctx: Any, change: Any, subject: str | None = None) -> TagChange:
    """The change as the user may see it: subjects (of ``subject``'s label, by default the saved tag's)
    the user's unit may not see are not named."""
    subject = subject or service.current_hierarchy(ctx.settings).tag(change.tag).rule.subject
    named = [(subject, i) for i in [*change.add, *change.remove]]
    hidden = {i for _, i in await ctx.run(ctx.viewer.hidden, ctx.store, named)}
    return TagChange(
        tag=change.tag,
        add=[i for i in change.add if i not in hidden],
        remove=[i for i in change.remove if i not in hidden],
        keep=change.keep,
    )


@strawberry.type
class Query:
    @strawberry.field(description="The tag hierarchy in force (categories → levels → layers), with rules.")
    async def tag_definitions(self, info: Info, include_retired: bool = False) -> list[TagDefinition]:
        ctx = need(info, "read")
        hierarchy = service.current_hierarchy(ctx.settings)
        return [_definition(t) for t in hierarchy.tags if include_retired or not t.retired]

    @strawberry.field(
        description="A subject's tags with rule, version and evidence (ended ones on request); evidence "
        "naming what your unit may not see is left out."
    )
    async def subject_tags(
        self, info: Info, label: str, id: strawberry.ID, include_ended: bool = False
    ) -> list[SubjectTag]:
        ctx = need(info, "read")
        await ctx.visible_node(label, str(id))
        rows = await ctx.run(service.subject_tags, ctx.store, label, str(id), include_ended=include_ended)
        rows = [r["properties"] for r in await ctx.redact([{"properties": r} for r in rows])]
        return [
            SubjectTag(
                code=r["code"],
                name=r.get("name"),
                category=r.get("category"),
                level=r.get("level"),
                layer=r.get("layer"),
                rule=r.get("rule"),
                rule_version=r.get("rule_version"),
                evidence=list(r.get("evidence") or []),
                tagged_at=r.get("tagged_at"),
                held_from=r.get("held_from"),
                ended_at=r.get("ended_at"),
            )
            for r in rows
        ]

    @strawberry.field(description="Who changed which tag, when, and what the change did.")
    async def tag_changes(self, info: Info, first: int = 50) -> list[JSON]:
        ctx = need(info, "read")
        return [as_json(c) for c in service.changes(ctx.settings, min(first, 500))]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Dry run: validate a tag definition (YAML) and list whom it would tag and untag."
    )
    async def propose_tag(self, info: Info, definition: str) -> TagChange:
        ctx = need(info, "tag_edit")
        try:
            tag, change = await ctx.run(service.propose, ctx.store, ctx.settings, definition)
        except RuleError as exc:
            raise ValueError(str(exc)) from None
        return await _change(ctx, change, tag.rule.subject)

    @strawberry.mutation(description="Save a new or edited tag (a new version) and apply it to the graph.")
    async def save_tag(self, info: Info, definition: str) -> TagChange:
        ctx = need(info, "tag_edit")
        try:
            change = await ctx.run(service.save_and_apply, ctx.store, ctx.settings, definition, ctx.user.name)
        except RuleError as exc:
            raise ValueError(str(exc)) from None
        return await _change(ctx, change)

    @strawberry.mutation(description="Retire a tag: its open tags are closed with an end time, not deleted.")
    async def retire_tag(self, info: Info, code: str) -> TagChange:
        ctx = need(info, "tag_edit")
        try:
            change = await ctx.run(service.retire, ctx.store, ctx.settings, code, ctx.user.name)
        except RuleError as exc:
            raise ValueError(str(exc)) from None
        return await _change(ctx, change)

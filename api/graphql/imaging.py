"""Imaging through GraphQL: a declaration's certificates, trade documents and scan verdicts; the review
queue of low-confidence readings, confirmed or corrected by an officer."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from api.errors import NotFound
from api.graphql.entities import need
from api.types import NODE_TYPES, to_node
from tianji.core.clock import graph_now

Certificate = NODE_TYPES["Certificate"]
Document = NODE_TYPES["Document"]
ImageVerdict = NODE_TYPES["ImageVerdict"]
Image = NODE_TYPES["Image"]

#: the most certificates, documents, verdicts or images listed for one declaration
PER_DECLARATION = 200


def _nodes(rows: list[dict[str, Any]], key: str = "n") -> list[Any]:
    return [to_node(r[key]) for r in rows]


@strawberry.type(description="A certificate or document reading waiting for an officer.")
class Reading:
    id: str
    label: str
    kind: str | None
    declaration: str | None
    confidence: float | None
    mismatches: list[str]
    fields: list[str]


@strawberry.type
class Query:
    @strawberry.field(
        description="Certificates read for a declaration, with fields, confidences and mismatches."
    )
    async def certificates(self, info: Info, entry_no: str) -> list[Certificate]:  # type: ignore[valid-type]
        ctx = need(info, "read")
        rows = await ctx.run(
            ctx.store.query,
            "MATCH (n:Certificate)-[:CERTIFIES]->(:Declaration {id: $d}) RETURN n ORDER BY n.read_at LIMIT $n",
            {"d": entry_no, "n": PER_DECLARATION},
            read_only=True,
        )
        return _nodes(rows)

    @strawberry.field(description="Trade documents (invoices, packing lists, contracts) of a declaration.")
    async def documents(self, info: Info, entry_no: str) -> list[Document]:  # type: ignore[valid-type]
        ctx = need(info, "read")
        rows = await ctx.run(
            ctx.store.query,
            "MATCH (n:Document)-[:DOCUMENT_OF]->(:Declaration {id: $d}) RETURN n ORDER BY n.read_at LIMIT $n",
            {"d": entry_no, "n": PER_DECLARATION},
            read_only=True,
        )
        return _nodes(rows)

    @strawberry.field(
        description="Scan verdicts of a declaration: concealment, empty container, cargo, controlled goods."
    )
    async def image_verdicts(self, info: Info, entry_no: str) -> list[ImageVerdict]:  # type: ignore[valid-type]
        ctx = need(info, "read")
        rows = await ctx.run(
            ctx.store.query,
            "MATCH (n:ImageVerdict)-[:VERDICT_ON]->(:Declaration {id: $d}) RETURN n ORDER BY n.task LIMIT $n",
            {"d": entry_no, "n": PER_DECLARATION},
            read_only=True,
        )
        return _nodes(rows)

    @strawberry.field(
        description="Images of a declaration (certificate and document pages, scans); GET /images/{id} "
        "returns one as PNG."
    )
    async def images(self, info: Info, entry_no: str) -> list[Image]:  # type: ignore[valid-type]
        ctx = need(info, "read")
        rows = await ctx.run(
            ctx.store.query,
            "MATCH (n:Image)-[:IMAGE_OF]->(:Declaration {id: $d}) RETURN n ORDER BY n.kind, n.id LIMIT $n",
            {"d": entry_no, "n": PER_DECLARATION},
            read_only=True,
        )
        return _nodes(rows)

    @strawberry.field(
        description="Certificates with mismatches or low confidence, and documents with flags or "
        "unresolved parties, not yet reviewed: newest first."
    )
    async def imaging_review_queue(self, info: Info, first: int = 50) -> list[Reading]:
        ctx = need(info, "read")
        rows = await ctx.run(
            ctx.store.query,
            "CALL { MATCH (n:Certificate)-[:CERTIFIES]->(d:Declaration) WHERE n.reviewed_at IS NULL "
            "AND (n.review OR size(coalesce(n.mismatches, [])) > 0) "
            "RETURN n, 'Certificate' AS label, d.id AS d, n.read_at AS at "
            "UNION MATCH (n:Document)-[:DOCUMENT_OF]->(d:Declaration) WHERE n.reviewed_at IS NULL "
            "AND (n.review OR size(coalesce(n.flags, [])) > 0) "
            "RETURN n, 'Document' AS label, d.id AS d, n.read_at AS at } "
            "RETURN n, label, d, at ORDER BY coalesce(at, '') DESC, n.id DESC LIMIT $n",
            {"n": min(first, 500)},
            read_only=True,
        )
        return [
            Reading(
                id=r["n"]["id"],
                label=r["label"],
                kind=r["n"]["properties"].get("cert_type") or r["n"]["properties"].get("kind"),
                declaration=r["d"],
                confidence=r["n"]["properties"].get("confidence"),
                mismatches=list(
                    r["n"]["properties"].get("mismatches") or r["n"]["properties"].get("flags") or []
                ),
                fields=list(r["n"]["properties"].get("fields") or []),
            )
            for r in rows
        ]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Confirm a certificate or document reading, correcting fields (key=value) "
        "where the OCR was wrong; it leaves the review queue."
    )
    async def review_reading(self, info: Info, id: str, corrected: list[str] | None = None) -> Reading:
        ctx = need(info, "tag_edit")
        label = "Certificate" if id.startswith("cert_") else "Document" if id.startswith("doc_") else None
        node = await ctx.run(ctx.store.node, label, id) if label else None
        if node is None or label is None:
            raise NotFound(f"no certificate or document {id!r}")
        fields = dict(f.split("=", 1) for f in node["properties"].get("fields") or [] if "=" in f)
        for item in corrected or []:
            if "=" not in item:
                raise ValueError(f"a correction is key=value, not {item!r}")
            key, value = item.split("=", 1)
            fields[key.strip()] = value.strip()
        now = graph_now()
        update = {
            "id": id,
            "fields": [f"{k}={v}" for k, v in sorted(fields.items())],
            "review": False,
            "reviewed_by": ctx.user.name,
            "reviewed_at": now,
        }
        await ctx.run(ctx.store.merge_nodes, label, [update])
        props = {**node["properties"], **update}
        return Reading(
            id=id,
            label=label,
            kind=props.get("cert_type") or props.get("kind"),
            declaration=None,
            confidence=props.get("confidence"),
            mismatches=list(props.get("mismatches") or props.get("flags") or []),
            fields=update["fields"],
        )

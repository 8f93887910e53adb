"""Who am I, and the audit log (administrators only)."""

from __future__ import annotations

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.audit import entries
from api.auth import PERMISSIONS
from api.errors import Unauthenticated
from api.graphql.entities import need


@strawberry.type
class Me:
    name: str
    role: str
    unit: str
    permissions: list[str]


@strawberry.type(description="One audited request.")
class AuditEntry:
    id: int
    at: str
    user: str
    role: str
    unit: str
    operation_type: str
    operation_name: str | None
    document: str
    variables: JSON
    result_size: int
    outcome: str
    error_codes: str | None
    duration_ms: float


@strawberry.type
class Query:
    @strawberry.field(description="The user behind the token, and what the role allows.")
    def me(self, info: Info) -> Me:
        user = info.context.user
        if user.role not in PERMISSIONS:
            raise Unauthenticated("not signed in: sign in at /login, or send 'Authorization: Bearer <token>'")
        return Me(name=user.name, role=user.role, unit=user.unit, permissions=sorted(PERMISSIONS[user.role]))

    @strawberry.field(description="The audit log, oldest first after the given id (administrators only).")
    async def audit_log(
        self, info: Info, user: str | None = None, after_id: int = 0, first: int = 50
    ) -> list[AuditEntry]:
        import json

        ctx = need(info, "audit_read")
        rows = await ctx.run(entries, ctx.services.audit, user=user, after_id=after_id, limit=min(first, 500))
        shown = AuditEntry.__annotations__
        return [
            AuditEntry(
                **{k: v for k, v in r.items() if k in shown and k != "variables"},
                variables=json.loads(r["variables"]),
            )
            for r in rows
        ]

"""Bounded work, checked before any resolver runs: an upper bound on every list and size argument, and an
estimated cost over the whole document (named and inline fragments expanded, variables and argument
defaults resolved).

The cost of a field is one for every time it will be resolved: a field under a list of ``first: 50``
costs fifty. Sizes come from the ``first`` and ``maxNodes`` arguments as they will be at execution
(from a variable, or from the argument's default when it is left out); a size given on a field that
returns an object (a subgraph, a connection) applies to the lists inside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    value_from_ast_untyped,
)
from graphql.pyutils import Undefined
from strawberry.extensions import SchemaExtension

from tianji.core.settings import Settings

#: the largest value of a number argument, by its GraphQL name (anywhere, also inside input objects)
NUMBER_BOUNDS: dict[str, float] = {
    "first": 500,
    "depth": 4,
    "enterprises": 30,
    "days": 366,
    "afterId": 2**53,
    "minutes": 24 * 60,
    "minMinutes": 24 * 60,
    "withinHours": 24 * 31,
    "distanceM": 5000,
    "toleranceM": 1000,
    "maxLength": 6,
}
#: number arguments that must be above zero (a distance or a span of time that divides)
POSITIVE = frozenset({"distanceM", "toleranceM", "minutes", "minMinutes", "withinHours"})
#: a tighter bound where one field is multiplied by many parents
FIELD_BOUNDS: dict[tuple[str, str], float] = {
    ("relations", "first"): 200,
    ("search", "first"): 100,
    ("paths", "first"): 10,
}
#: the most items of a list argument
LIST_BOUNDS: dict[str, int] = {
    "ids": 200,
    "nodes": 2000,
    "targets": 200,
    "zones": 50,
    "mentions": 500,
    "types": 100,
    "labels": 100,
    "tags": 100,
    "status": 20,
    "conditions": 50,
    "channels": 10,
    "corrected": 100,
    "hsPrefixes": 100,
    "origins": 300,
    "ports": 100,
    "tradeModes": 50,
    "consigneeTags": 100,
}
#: the most nodes of one kind a drawn ring may share (``ringSearch``, ring watches)
SHARED_MAX = 10
SIZE_ARGUMENTS = ("first", "maxNodes")


def limit_error(message: str, **details: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "LIMIT_EXCEEDED", **details})


class Walk:
    """One pass over a document: the bound errors found and the estimated cost."""

    def __init__(self, schema: GraphQLSchema, document: Any, variables: dict[str, Any], settings: Settings):
        self.schema = schema
        self.settings = settings
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        self.variables = variables
        self.errors: list[GraphQLError] = []
        self.cost = 0

    def run(self) -> None:
        for op in self.operations:
            root = self.schema.get_root_type(op.operation)
            if root is None:
                continue
            variables = dict(self.variables)
            for definition in op.variable_definitions or []:
                name = definition.variable.name.value
                if name not in variables and definition.default_value is not None:
                    variables[name] = value_from_ast_untyped(definition.default_value, {})
            self.cost += self._selections(op.selection_set, root, 1, 1, variables, frozenset())

    def _selections(
        self,
        selection_set: SelectionSetNode | None,
        parent: Any,
        multiplier: int,
        pending: int,
        variables: dict[str, Any],
        seen: frozenset[str],
    ) -> int:
        """The cost of a selection set resolved ``multiplier`` times; ``pending`` is a size asked for above
        that the next list down will have."""
        if selection_set is None:
            return 0
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                total += self._field(sel, parent, multiplier, pending, variables, seen)
            elif isinstance(sel, InlineFragmentNode):
                inner = self.schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                total += self._selections(
                    sel.selection_set, inner or parent, multiplier, pending, variables, seen
                )
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:  # unknown or cyclic: validation reports it
                    continue
                inner = self.schema.get_type(fragment.type_condition.name.value) or parent
                total += self._selections(
                    fragment.selection_set, inner, multiplier, pending, variables, seen | {name}
                )
        return total

    def _field(
        self,
        node: FieldNode,
        parent: Any,
        multiplier: int,
        pending: int,
        variables: dict[str, Any],
        seen: frozenset[str],
    ) -> int:
        name = node.name.value
        fields = getattr(parent, "fields", None) or {}
        definition = fields.get(name)
        if definition is None:
            return multiplier  # __typename, or unknown (validation reports it)
        given = {a.name.value: value_from_ast_untyped(a.value, variables) for a in node.arguments or []}
        size = 0
        for arg_name, arg in definition.args.items():
            value = given.get(arg_name, Undefined)
            if value is Undefined or value is None:
                value = arg.default_value
            if value is Undefined or value is None:
                continue
            self._check(name, arg_name, value)
            if arg_name in SIZE_ARGUMENTS and isinstance(value, int | float):
                size = max(size, min(int(value), 10_000))
        child = get_named_type(definition.type)
        inner = child if isinstance(child, GraphQLObjectType) or hasattr(child, "fields") else None
        if is_list_type(get_nullable_type(definition.type)):
            below, pending = multiplier * max(size or pending, 1), 1
        else:
            below, pending = multiplier, size or pending
        return multiplier + self._selections(node.selection_set, inner, below, pending, variables, seen)

    def _check(self, field: str, name: str, value: Any) -> None:
        if _has_nul(value):  # no stored text holds one, and the graph refuses it in a query
            self.errors.append(
                GraphQLError(
                    f"argument {name} of {field} contains a NUL character",
                    extensions={"code": "INVALID_INPUT", "argument": name},
                )
            )
            return
        if name == "maxNodes":
            bound: float | None = self.settings.api_max_nodes
        else:
            bound = FIELD_BOUNDS.get((field, name), NUMBER_BOUNDS.get(name))
        if bound is not None and isinstance(value, int | float) and not isinstance(value, bool):
            if value < 0 or (value == 0 and name in POSITIVE):  # sizes, counts, distances, spans
                self.errors.append(
                    GraphQLError(
                        f"argument {name} of {field} is {value}; it must be "
                        + ("above zero" if name in POSITIVE else "zero or more"),
                        extensions={"code": "INVALID_INPUT", "argument": name},
                    )
                )
            elif value > bound:
                self.errors.append(
                    limit_error(
                        f"argument {name} of {field} is {value}; it may be at most {bound:g}",
                        argument=name,
                        bound=bound,
                    )
                )
            return
        if isinstance(value, list):
            most = LIST_BOUNDS.get(name)
            if most is not None and len(value) > most:
                self.errors.append(
                    limit_error(
                        f"argument {name} of {field} has {len(value)} items; it may have at most {most}",
                        argument=name,
                        bound=most,
                    )
                )
            return
        if isinstance(value, dict):
            if name == "shared":
                for kind, count in value.items():
                    if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= SHARED_MAX:
                        self.errors.append(
                            limit_error(
                                f"argument shared of {field}: {kind} is {count!r}; each kind may be shared "
                                f"at most {SHARED_MAX} times",
                                argument="shared",
                                bound=SHARED_MAX,
                            )
                        )
                return
            for key, inner in value.items():
                self._check(field, key, inner)


class WorkLimiter(SchemaExtension):
    """Refuse, before any resolver runs, a document with a size argument over its bound or an estimated
    cost over ``api_max_complexity``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is not None and not ctx.pre_execution_errors:
            walk = Walk(ctx.schema._schema, document, dict(ctx.variables or {}), self.settings)
            walk.run()
            limit = self.settings.api_max_complexity
            if not walk.errors and walk.cost > limit:
                walk.errors.append(
                    limit_error(
                        f"query too complex: estimated cost {walk.cost} exceeds the limit {limit}; ask for "
                        "fewer fields or smaller pages",
                        cost=walk.cost,
                        bound=limit,
                    )
                )
            if walk.errors:
                ctx.pre_execution_errors = walk.errors
        yield


class UserConcurrency(SchemaExtension):
    """At most ``api_max_concurrent_per_user`` queries and mutations of one user run at once; one more is
    refused with ``LIMIT_EXCEEDED`` before it runs, so that one user cannot starve the others."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.holder: str | None = None

    def on_validate(self) -> Iterator[None]:
        self._enter()  # before the validation hook ends: errors set after it are not seen
        yield

    def _enter(self) -> None:
        ctx = self.execution_context
        context = ctx.context
        if ctx.pre_execution_errors or not hasattr(context, "services"):
            return
        try:
            kind = ctx.operation_type.value
        except (RuntimeError, AttributeError):
            return
        if kind == "subscription":
            return
        running = context.services.running
        user = context.user.name
        most = self.settings.api_max_concurrent_per_user
        if running[user] >= most:
            ctx.pre_execution_errors = [
                limit_error(
                    f"{user} already has {running[user]} operations running (at most {most} at once); "
                    "wait for one to finish",
                    bound=most,
                    status=429,
                )
            ]
            return
        running[user] += 1
        self.holder = user

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        finally:
            if self.holder is not None:
                running = self.execution_context.context.services.running
                running[self.holder] -= 1
                if running[self.holder] <= 0:
                    del running[self.holder]
                self.holder = None


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False

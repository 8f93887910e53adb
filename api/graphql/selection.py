"""What a request selects beneath a field, read from the resolver's ``info`` (fragments and inline
fragments included), so that a resolver reads no more than the client asked for."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import SelectedField


def _merged(selections: Iterable[Any], name: str) -> list[Any]:
    """The selections beneath every field ``name`` among ``selections``, fragments looked into."""
    found: list[Any] = []
    for sel in selections:
        if isinstance(sel, SelectedField):
            if sel.name == name:
                found.extend(sel.selections)
        else:  # a fragment spread or an inline fragment
            found.extend(_merged(sel.selections, name))
    return found


def _names(selections: Iterable[Any]) -> set[str]:
    names: set[str] = set()
    for sel in selections:
        if isinstance(sel, SelectedField):
            names.add(sel.name)
        else:
            names |= _names(sel.selections)
    return names


def selected(info: Info, *path: str) -> set[str]:
    """The names of the fields selected at ``path`` beneath the resolver's own field (``selected(info,
    "nodes")``: what the client asks of each node), in GraphQL's spelling."""
    selections: list[Any] = [s for field in info.selected_fields for s in field.selections]
    for name in path:
        selections = _merged(selections, name)
    return _names(selections)

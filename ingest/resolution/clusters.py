"""Clustering that protects itself: a union-find that refuses to grow a cluster past a size, to join two
clusters a reviewer said differ (checked across whole clusters), or two clusters holding different strong
keys (two registration numbers are two subjects)."""

from __future__ import annotations

from collections.abc import Iterable


class Clusters:
    def __init__(
        self,
        ids: Iterable[str],
        cannot: dict[str, set[str]] | None = None,
        keys: dict[str, str] | None = None,
    ) -> None:
        self.parent = {i: i for i in ids}
        self.members = {i: [i] for i in self.parent}
        self.cannot = cannot or {}
        self.keys: dict[str, set[str]] = {i: {k} for i, k in (keys or {}).items() if i in self.parent}

    def find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def forbidden(self, ra: str, rb: str) -> bool:
        """Whether a reviewer said some record of one cluster differs from some record of the other."""
        small, other = (ra, rb) if len(self.members[ra]) <= len(self.members[rb]) else (rb, ra)
        return any(
            y in self.parent and self.find(y) == other
            for x in self.members[small]
            for y in self.cannot.get(x, ())
        )

    def why_not(self, a: str, b: str, max_size: int) -> str | None:
        """The reason the clusters of ``a`` and ``b`` may not join, or None."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return None
        if len(self.members[ra]) + len(self.members[rb]) > max_size:
            return f"the cluster would pass {max_size} records"
        ka, kb = self.keys.get(ra, set()), self.keys.get(rb, set())
        if ka and kb and ka != kb:
            return "the clusters hold different strong keys"
        if self.forbidden(ra, rb):
            return "a reviewer said records of these clusters differ"
        return None

    def union(self, a: str, b: str, max_size: int) -> bool:
        if self.why_not(a, b, max_size) is not None:
            return False
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra] += self.members.pop(rb)
        if rb in self.keys:
            self.keys[ra] = self.keys.get(ra, set()) | self.keys.pop(rb)
        return True


def constraints(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Cannot-links as a lookup from each record to the records it must stay apart from."""
    out: dict[str, set[str]] = {}
    for a, b in pairs:
        out.setdefault(a, set()).add(b)
        out.setdefault(b, set()).add(a)
    return out

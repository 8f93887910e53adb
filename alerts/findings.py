"""What a watch condition, a pattern watch or a prompt rule found: the one type every alert source returns."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Finding:
    """A cause (the same cause updates one alert), a severity, a title an officer reads, and the evidence
    (node ids by label)."""

    condition: str
    cause: str
    severity: int
    title: str
    evidence: dict[str, set[str]] = field(default_factory=dict)

    def add(self, label: str, node_id: str) -> None:
        self.evidence.setdefault(label, set()).add(node_id)

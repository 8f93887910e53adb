"""What ties subjects together, read from the ontology's ``tie`` semantics: the relationship types each
analysis follows, named once.

Every function takes the ontology (usually ``store.ontology``) and returns checked type names, or an
``A|B`` alternation ready for a Cypher pattern such as ``[:A|B]``.
"""

from __future__ import annotations

from ontology import Ontology

SUBJECT = "Enterprise"  # the subject analyses revolve around: gangs, rings and projections are of enterprises
PERSON = "Person"
DECLARATION = "Declaration"


def alternation(types: list[str]) -> str:
    """``A|B|C`` for a relationship pattern; refuses an empty list (``[:]`` matches nothing useful)."""
    if not types:
        raise ValueError("no relationship types to follow")
    return "|".join(types)


def office(ontology: Ontology) -> str:
    """A person in office in an enterprise (legal representative, manager, shareholder)."""
    return alternation(ontology.ties("office", start=PERSON, end=SUBJECT))


def linking(ontology: Ontology) -> str:
    """What joins a subject to what it shares with others: people in office, addresses, phones,
    accounts, vehicles (a pattern ``(a)-[:linking]-(x)-[:linking]-(b)`` ties ``a`` to ``b``)."""
    return alternation(ontology.ties("office", "shared"))


def lodged(ontology: Ontology) -> str:
    """A declaration and the enterprise it was lodged by or for (consignee, declaring agent)."""
    return alternation(ontology.ties("activity", start=DECLARATION, end=SUBJECT))


def shared_ties(ontology: Ontology) -> dict[str, list[str]]:
    """Each label whose nodes tie the enterprises that share it, with the office or shared ties
    (either direction) that join an enterprise to it: Person -> LEGAL_REP_OF, MANAGER_OF, …"""
    out: dict[str, list[str]] = {}
    for label in sorted(ontology.shared_labels()):
        types = ontology.ties("office", "shared", start=label, end=SUBJECT)
        types += ontology.ties("office", "shared", start=SUBJECT, end=label)
        if types:
            out[label] = sorted(set(types))
    return out


def main_tie(ontology: Ontology, label: str) -> str:
    """The strongest tie joining an enterprise to a shared ``label`` (ties broken by name)."""
    types = shared_ties(ontology).get(label)
    if not types:
        raise ValueError(f"cannot share {label!r}; shareable: {', '.join(shared_ties(ontology))}")
    return sorted(types, key=lambda t: (-ontology.tie_weight(t), t))[0]


def direct_ties(ontology: Ontology) -> list[str]:
    """Ties from one enterprise straight to another (trade, shareholding)."""
    return ontology.ties(start=SUBJECT, end=SUBJECT)


def holding(ontology: Ontology) -> str:
    """One enterprise holding shares in another (followed upwards to find who controls a ring)."""
    return alternation(ontology.ties("office", start=SUBJECT, end=SUBJECT))


def trade(ontology: Ontology) -> str:
    """The tie of one enterprise trading with another."""
    return ontology.ties("trade", start=SUBJECT, end=SUBJECT)[0]


def identifiers(ontology: Ontology) -> list[str]:
    """Shared labels an enterprise reaches through a ``shared`` tie (an address, a phone, an account, a
    vehicle): what independent firms rarely have in common, unlike people in office (families and
    corporate groups share those)."""
    kinds = shared_ties(ontology)
    shared = set(ontology.ties("shared"))
    return [label for label, types in kinds.items() if shared & set(types)]


def flows(ontology: Ontology) -> dict[str, list[str]]:
    """Ties from a shared label to the same label (money between accounts, vehicles travelling together):
    through them two enterprises deal with each other although neither is tied to the other directly."""
    out: dict[str, list[str]] = {}
    for label in shared_ties(ontology):
        types = ontology.ties(start=label, end=label)
        if types:
            out[label] = types
    return out

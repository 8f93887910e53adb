"""Parties read from a document, resolved against the graph.

Each party (seller, buyer) is first compared with the declaration's own parties (its consignee and the
overseas party behind its spelling), then looked up across the graph: names through the search keys every
searchable node carries, phones by number, addresses by their text. A name counts as the same when the
normalised names are at least ``SAME_NAME`` alike (rapidfuzz). What is found becomes a MENTIONS link with
the role, the text as read, the score and the method; what is not is kept as unresolved; what disagrees
with the declaration is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from graph.store import GraphStore
from imaging.documents import DocumentRead, phone_digits
from imaging.errors import UnknownDeclaration
from ingest.resolution import normalize
from ontology.text import search_key

SAME_NAME = 0.9


@dataclass
class Mention:
    label: str
    id: str
    role: str
    as_read: str
    score: float
    method: str


@dataclass
class Linked:
    mentions: list[Mention] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def declaration_parties(store: GraphStore, entry_no: str) -> dict[str, Any]:
    rows = store.query(
        "MATCH (d:Declaration {id: $id}) OPTIONAL MATCH (d)-[:CONSIGNEE]->(e:Enterprise) "
        "OPTIONAL MATCH (e)-[:LOCATED_AT]->(a:Address) OPTIONAL MATCH (e)-[:HAS_PHONE]->(p:Phone) "
        "OPTIONAL MATCH (d)-[:OVERSEAS_PARTY]->(m:PartyMention) OPTIONAL MATCH (m)-[:SAME_AS]->(o:OverseasParty) "
        "RETURN d.date AS date, d.goods AS goods, d.quantity AS quantity, d.value_usd AS value_usd, "
        "e.id AS consignee_id, e.name AS consignee, a.id AS address_id, a.text AS consignee_address, "
        "p.number AS consignee_phone, m.name AS exporter, o.id AS exporter_id, o.name AS exporter_party LIMIT 1",
        {"id": entry_no},
        read_only=True,
    )
    if not rows:
        raise UnknownDeclaration(f"no declaration {entry_no!r}")
    return rows[0]


def _alike(a: str | None, b: str | None, normalise: Any) -> float:
    """How alike two names are: normalised, or with spaces and punctuation dropped (OCR often loses spaces,
    and a legal form run into the name is no longer recognised as one)."""
    if not a or not b:
        return 0.0
    return max(fuzz.ratio(normalise(a), normalise(b)), fuzz.ratio(search_key(a), search_key(b))) / 100


def _by_name(store: GraphStore, label: str, name: str, normalise: Any) -> tuple[str, float] | None:
    key = search_key(name)
    if not key:
        return None
    rows = store.query(
        f"MATCH (n:{store.label(label)}) WHERE n.search_text CONTAINS $key RETURN n.id AS id, n.name AS name LIMIT 20",
        {"key": key},
        read_only=True,
    )
    scored = sorted(((_alike(name, r["name"], normalise), r["id"]) for r in rows), reverse=True)
    return (scored[0][1], scored[0][0]) if scored and scored[0][0] >= SAME_NAME else None


def link(store: GraphStore, read: DocumentRead, facts: dict[str, Any]) -> Linked:
    out = Linked()
    buyer, seller = read.party("buyer"), read.party("seller")
    # buyer: the domestic enterprise
    if name := buyer.get("name"):
        score = _alike(name, facts.get("consignee"), normalize.chinese_enterprise)
        if score >= SAME_NAME and facts.get("consignee_id"):
            out.mentions.append(
                Mention("Enterprise", facts["consignee_id"], "buyer name", name, score, "declaration")
            )
        elif found := _by_name(store, "Enterprise", name, normalize.chinese_enterprise):
            out.mentions.append(Mention("Enterprise", found[0], "buyer name", name, found[1], "name"))
            out.flags.append(f"buyer {name} is not the declared consignee {facts.get('consignee')}")
        else:
            out.unresolved.append(f"buyer name: {name}")
    # seller: the overseas party
    if name := seller.get("name"):
        score = max(
            _alike(name, facts.get("exporter"), normalize.overseas),
            _alike(name, facts.get("exporter_party"), normalize.overseas),
        )
        if score >= SAME_NAME and facts.get("exporter_id"):
            out.mentions.append(
                Mention("OverseasParty", facts["exporter_id"], "seller name", name, score, "declaration")
            )
        elif found := _by_name(store, "OverseasParty", name, normalize.overseas):
            out.mentions.append(Mention("OverseasParty", found[0], "seller name", name, found[1], "name"))
            out.flags.append(f"seller {name} is not the declared overseas party {facts.get('exporter')}")
        else:
            out.unresolved.append(f"seller name: {name}")
    # phones: by number; a phone registered to another enterprise than the buyer is worth a look
    for role, party in (("buyer", buyer), ("seller", seller)):
        if not (phone := party.get("phone")):
            continue
        digits = phone_digits(phone)
        rows = store.query(
            "MATCH (p:Phone) WHERE p.number = $n OR p.id = $n OPTIONAL MATCH (e:Enterprise)-[:HAS_PHONE]->(p) "
            "RETURN p.id AS id, collect(e.id) AS holders LIMIT 1",
            {"n": digits},
            read_only=True,
        )
        if rows:
            out.mentions.append(Mention("Phone", rows[0]["id"], f"{role} phone", phone, 1.0, "phone"))
            holders = set(rows[0]["holders"])
            if role == "buyer" and holders and facts.get("consignee_id") not in holders:
                out.flags.append(f"buyer phone {phone} is registered to {', '.join(sorted(holders))}")
        else:
            out.unresolved.append(f"{role} phone: {phone}")
    # the buyer's address
    if address := buyer.get("address"):
        score = _alike(address, facts.get("consignee_address"), search_key)
        if score >= SAME_NAME and facts.get("address_id"):
            out.mentions.append(
                Mention("Address", facts["address_id"], "buyer address", address, score, "declaration")
            )
        else:
            key = search_key(address)
            rows = (
                store.query(
                    "MATCH (a:Address) WHERE a.search_text CONTAINS $key RETURN a.id AS id LIMIT 1",
                    {"key": key},
                    read_only=True,
                )
                if key
                else []
            )
            if rows:
                out.mentions.append(
                    Mention("Address", rows[0]["id"], "buyer address", address, 0.9, "address")
                )
                out.flags.append(f"buyer address {address} is not the consignee's registered address")
            else:
                out.unresolved.append(f"buyer address: {address}")
    return out

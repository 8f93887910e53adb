"""The dashboards talk to the platform only through its GraphQL API, as any client would."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import httpx

BUSY_PAUSE_S = 0.05  # first wait before asking again when the officer has too many operations running


class ApiError(RuntimeError):
    pass


class GraphQLClient:
    def __init__(self, url: str, token: str, timeout: float = 30.0) -> None:
        self.url = url
        self.token = token
        self.timeout = timeout

    def image(self, image_id: str) -> str:
        """An image of the graph as a data URI (the browser cannot send the bearer token for an <img>)."""
        response = httpx.get(
            self.url.rsplit("/graphql", 1)[0] + f"/images/{image_id}",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=self.timeout,
        )
        if response.status_code != 200:
            raise ApiError(f"image {image_id}: HTTP {response.status_code}")
        return "data:image/png;base64," + base64.b64encode(response.content).decode()

    def __call__(self, query: str, **variables: Any) -> dict[str, Any]:
        data, errors = self.partial(query, **variables)
        if errors:
            raise ApiError("; ".join(errors))
        return data

    def partial(self, query: str, **variables: Any) -> tuple[dict[str, Any], list[str]]:
        """The fields the officer may see, and the messages of those refused (a role without a permission
        still sees the rest of a panel). A page fires several callbacks at once as the same officer: an
        answer that the officer has too many operations running (429) is asked again once one finishes,
        backing off, within the client's timeout."""
        until, pause = time.monotonic() + self.timeout, BUSY_PAUSE_S
        while True:
            response = httpx.post(
                self.url,
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=self.timeout,
            )
            body = response.json()
            errors = body.get("errors") or []
            busy = errors and all((e.get("extensions") or {}).get("status") == 429 for e in errors)
            if not busy or time.monotonic() + pause > until:
                return body.get("data") or {}, [e["message"] for e in errors]
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


#: how a view reaches the API: ``api()`` is a client acting as the signed-in officer
Api = Callable[[], GraphQLClient]

SEARCH = """query($t: String!) { search(text: $t, first: 12) { edges { node { id label caption } } } }"""
HOOD = """query($l: String!, $id: ID!, $d: Int!, $types: [String!]) {
  neighbourhood(label: $l, id: $id, depth: $d, types: $types, maxNodes: 300) {
    nodes { id label caption } edges { id type source sourceLabel target targetLabel } truncated notice } }"""
PROFILE = """query($l: String!, $id: ID!) { profile(label: $l, id: $id) { declarationCount totalValueUsd
  originCountries ports inspectionCount hitCount hitRate relationCounts keyPeople node { properties } } }"""
NODE = """query($l: String!, $id: ID!) { node(label: $l, id: $id) { id label caption properties } }"""
TAGS = """query($l: String!, $id: ID!) { subjectTags(label: $l, id: $id) { code name level layer category evidence
  taggedAt heldFrom } }"""
SCORES = """query($id: ID!) { riskScores(entryNo: $id) { score level modelVersion reasons rules } }"""
GANGS = """{ gangs(first: 100) { id size risk tradeLoops members { node { id label caption } role pagerank } } }"""
GANG = """query($id: ID!) { gang(id: $id) { id size risk screenedAt algorithm version tradeLoops ownershipLoops
  riskReasons { code nameZh nameEn value weight contribution detailZh detailEn }
  members { node { id label caption } role pagerank betweenness } driftEvents } }"""
PATHS = """query($fl: String!, $fi: ID!, $tl: String!, $ti: ID!) { paths(fromLabel: $fl, fromId: $fi,
  toLabel: $tl, toId: $ti, first: 5) { types nodes { id label caption }
  edges { id type source sourceLabel target targetLabel } } }"""
FACTS = """query($n: [String!]!) { nodesByKey(nodes: $n) { id label properties } }"""
CASE_FILES = """{ caseFiles(first: 20) { id name owner updatedAt } }"""
RESCREEN = """mutation($id: ID!) { rescreenGang(id: $id) { previousRisk gang { id risk } } }"""
ALERTS = """{ alerts(first: 100) { id title severity status cause raisedAt assignee } }"""
ACK = """mutation($id: ID!) { acknowledgeAlert(id: $id) { id status } }"""
TRIAGE = """query($status: [String!], $mine: Boolean!, $assignee: String, $unassigned: Boolean!, $sev: Int) {
  alerts(status: $status, mine: $mine, assignee: $assignee, unassigned: $unassigned, minSeverity: $sev, first: 200) {
    id title severity status cause raisedAt assignee owner comments { id } }
  alertCounts(mine: $mine, assignee: $assignee, unassigned: $unassigned, minSeverity: $sev) { status count open }
  officers { name role unit } }"""
STATUSES = """{ alertCounts { status open } }"""
ALERT = """query($id: ID!) { node(label: "Alert", id: $id) { ... on Alert { id title severity status cause kind
  raisedAt lastSeenAt assignee owner acknowledgedBy closedReason evidence occurrences
  comments { id author text commentedAt } } } }"""
COMMENT = (
    """mutation($id: ID!, $text: String!) { commentAlert(id: $id, text: $text) { id author commentedAt } }"""
)
CLOSE = """mutation($id: ID!, $reason: String!) { closeAlert(id: $id, reason: $reason) { id status } }"""
TAG_DEFS = """{ tagDefinitions { code category level layer nameZh nameEn version rule } }"""
PROPOSE = """mutation($d: String!) { proposeTag(definition: $d) { tag add remove keep } }"""
SAVE = """mutation($d: String!) { saveTag(definition: $d) { tag add remove keep } }"""
STRENGTH = """query($fl: String!, $fi: ID!, $tl: String!, $ti: ID!) { relationStrength(fromLabel: $fl, fromId: $fi,
  toLabel: $tl, toId: $ti) { score explanation paths { types nodes { id label caption } } } }"""
DECLARATION_PAPERS = """query($e: String!) {
  certificates(entryNo: $e) { id properties relations(types: ["READ_FROM"], first: 1) { nodes { id label } } }
  documents(entryNo: $e) { id properties relations(types: ["READ_FROM"], first: 1) { nodes { id label } } }
  imageVerdicts(entryNo: $e) { id properties relations(types: ["VERDICT_ON"], first: 2) { nodes { id label } } }
  images(entryNo: $e) { id properties } }"""
WORKBENCH = """{ mine: alerts(mine: true, status: ["open", "acknowledged", "assigned"], first: 20) { id title severity status }
  watches { id title targetLabel targetId owner } customTags { id label nodeId tag note }
  driftEvents(first: 8) }"""
REVIEW_FIRST = 100
REVIEW = f"""query($k: String, $s: String!, $f: String) {{
  reviewQueue(kind: $k, status: $s, flag: $f, first: {REVIEW_FIRST}) {{
    id kind a b score status decidedBy explanation flag contradiction }} }}"""
DECIDE = """mutation($id: Int!, $d: String!) { decideMatch(id: $id, decision: $d) { id status decidedBy } }"""
ASSIGN = (
    """mutation($id: ID!, $who: String!) { assignAlert(id: $id, assignee: $who) { id status assignee } }"""
)
ADD_TAG = """mutation($l: String!, $id: String!, $t: String!) { addCustomTag(label: $l, id: $id, tag: $t) { id tag } }"""
MARKS = """query($n: [String!]!) { riskMarks(nodes: $n) }"""
WATCH = """mutation($w: WatchInput!) { createWatch(watch: $w) { id title } }"""

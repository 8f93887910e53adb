"""Events at sea and convoys through GraphQL: what the trajectory map draws."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import ApiServer
from tests.ingest.builders import uscc

SHIPS = ["9074729", "9300013", "9300025"]


def _plant(api: ApiServer) -> None:
    store = api.store
    store.merge_nodes("Vessel", [{"id": v, "imo": v, "name": f"SHIP {v}"} for v in SHIPS])
    store.merge_nodes("Enterprise", [{"id": "E-SEA-OP", "uscc": uscc(77), "name": "远洋船务"}])
    store.merge_relationships("OPERATES", "Enterprise", "Vessel", [{"start": "E-SEA-OP", "end": SHIPS[0]}])
    store.merge_nodes(
        "Encounter",
        [
            {
                "id": "enc-dark",
                "vessels": SHIPS[:2],
                "started": "2025-10-14T03:00:00",
                "ended": "2025-10-14T06:00:00",
                "lat": 21.5,
                "lon": 113.6,
                "hours": 3.0,
                "dark": True,
                "dark_vessels": [SHIPS[1]],
            },
            {
                "id": "enc-plain",
                "vessels": SHIPS[1:],
                "started": "2025-10-15T03:00:00",
                "ended": "2025-10-15T05:30:00",
                "lat": 21.7,
                "lon": 113.9,
                "hours": 2.5,
                "dark": False,
                "dark_vessels": [],
            },
        ],
    )
    store.merge_relationships(
        "ENCOUNTER_OF",
        "Encounter",
        "Vessel",
        [
            {"start": "enc-dark", "end": SHIPS[0]},
            {"start": "enc-dark", "end": SHIPS[1]},
            {"start": "enc-plain", "end": SHIPS[1]},
            {"start": "enc-plain", "end": SHIPS[2]},
        ],
    )
    store.merge_relationships(
        "EVENT_OPERATOR",
        "Encounter",
        "Enterprise",
        [{"start": "enc-dark", "end": "E-SEA-OP", "vessel": SHIPS[0]}],
    )
    store.merge_nodes(
        "AisGap",
        [
            {
                "id": "gap-1",
                "target": SHIPS[1],
                "started": "2025-10-13T08:00:00",
                "ended": "2025-10-13T23:00:00",
                "hours": 15.0,
                "lat": 21.4,
                "lon": 113.5,
                "end_lat": 21.5,
                "end_lon": 113.6,
                "km": 15.2,
            }
        ],
    )
    store.merge_relationships("GAP_OF", "AisGap", "Vessel", [{"start": "gap-1", "end": SHIPS[1]}])
    store.merge_nodes(
        "Loitering",
        [
            {
                "id": "loi-1",
                "target": SHIPS[2],
                "started": "2025-10-16T01:00:00",
                "ended": "2025-10-16T07:00:00",
                "hours": 6.0,
                "lat": 21.6,
                "lon": 113.3,
                "knots": 0.4,
            }
        ],
    )
    store.merge_relationships("LOITERING_OF", "Loitering", "Vessel", [{"start": "loi-1", "end": SHIPS[2]}])
    store.merge_nodes(
        "Convoy",
        [
            {
                "id": "cv-1",
                "members": ["粤B00001", "粤B00002", "粤B00003"],
                "size": 3,
                "started": "2025-10-15T09:00:00",
                "ended": "2025-10-15T10:10:00",
                "windows": 35,
            }
        ],
    )


def test_sea_events_and_convoys_for_the_map(api: ApiServer, gql: Any) -> None:
    _plant(api)
    token = api.tokens["inv_gz"]
    status, body = gql(
        token,
        '{ encounters(dark: true) everything: encounters(first: 10) mine: encounters(vessel: "9300025") }',
    )
    assert status == 200 and "errors" not in body, body
    dark = body["data"]["encounters"]
    assert [e["id"] for e in dark] == ["enc-dark"] and dark[0]["dark_vessels"] == [SHIPS[1]]
    assert {v["id"] for v in dark[0]["vesselNodes"]} == set(SHIPS[:2]) and dark[0]["lat"] == 21.5
    assert dark[0]["operators"] == [{"id": "E-SEA-OP", "name": "远洋船务", "vessel": SHIPS[0]}]
    assert [e["id"] for e in body["data"]["everything"]] == ["enc-plain", "enc-dark"]  # newest first
    assert [e["id"] for e in body["data"]["mine"]] == ["enc-plain"]
    status, body = gql(
        token,
        '{ aisGaps(vessel: "9300013") loitering(start: "2025-10-16", end: "2025-10-17") '
        'none: loitering(end: "2025-10-15") convoys(vehicle: "粤B00002") }',
    )
    assert status == 200 and "errors" not in body, body
    gap = body["data"]["aisGaps"]
    assert [g["id"] for g in gap] == ["gap-1"] and gap[0]["end_lat"] == 21.5 and gap[0]["hours"] == 15.0
    assert [x["id"] for x in body["data"]["loitering"]] == ["loi-1"] and body["data"]["none"] == []
    assert [c["members"] for c in body["data"]["convoys"]] == [["粤B00001", "粤B00002", "粤B00003"]]

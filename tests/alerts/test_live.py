"""In-app events reach every process's feed: announced over Redis on the graph server, polled without it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from alerts.channels import InAppChannel
from alerts.live import Feed, redis_url
from alerts.outbox import inapp_last_id, open_outbox, publish_inapp
from tianji.core.settings import Settings


async def _receive(feed: Feed, send: Any, count: int) -> list[dict[str, Any]]:
    async with feed.listen() as queue:
        await asyncio.to_thread(send)
        return [await asyncio.wait_for(queue.get(), timeout=30) for _ in range(count)]


def test_an_announced_event_wakes_the_feed_without_polling(settings: Settings) -> None:
    engine = open_outbox(settings)
    publish_inapp(engine, "alerts", "inv", {"alert": {"id": "old"}})  # before listening: not delivered
    assert redis_url(settings) is not None  # the embedded FalkorDB is a redis-server
    channel = InAppChannel(engine, settings)

    def send() -> None:
        for n in (1, 2):
            channel.send("inv", "t", json.dumps({"alert": {"id": f"a{n}"}}), f"k{n}")

    feed = Feed(settings, engine, "alerts", poll_s=3600)  # only an announcement can wake it in time
    events = asyncio.run(_receive(feed, send, 2))
    assert [e["payload"]["alert"]["id"] for e in events] == ["a1", "a2"]
    assert events[-1]["id"] == inapp_last_id(engine, "alerts")


def test_without_redis_the_feed_polls_the_outbox(settings: Settings) -> None:
    no_redis = settings.model_copy(update={"graph_uri": "neo4j://127.0.0.1:1"})
    assert redis_url(no_redis) is None
    engine = open_outbox(settings)
    channel = InAppChannel(engine, no_redis)
    feed = Feed(no_redis, engine, "alerts", poll_s=0.2)
    events = asyncio.run(
        _receive(feed, lambda: channel.send("inv", "t", json.dumps({"alert": {"id": "p"}}), "k"), 1)
    )
    assert events[0]["payload"]["alert"]["id"] == "p"

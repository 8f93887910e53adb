"""In-app events as they happen, in every process: the outbox keeps them (durable, ordered, replayable),
and a Redis channel on the graph server announces each new one, so that whichever API worker holds a
subscriber's socket reads it at once.

The publisher (the in-app channel, in the scheduler or any other process) writes the event to the outbox,
then announces its id (``Announcer``). Each API worker has one ``Feed`` per topic (kept in its
``Services``): one Redis subscription and one outbox reader shared by all of that worker's subscribers. The feed also reads the
outbox every ``poll_s`` seconds, so an announcement lost (Redis restarting, a graph without Redis such as
Neo4j) delays an event but never loses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import redis
import redis.asyncio
from sqlalchemy import Engine

from alerts.outbox import inapp_last_id, inapp_since
from graph.embedded import EmbeddedServer
from tianji.core.settings import Settings

log = logging.getLogger(__name__)

POLL_S = 5.0
QUEUE_SIZE = 1000


def redis_url(settings: Settings) -> str | None:
    """The Redis server the graph lives on (the embedded FalkorDB is a redis-server), or None."""
    uri = settings.graph_uri
    if uri.startswith(("redis://", "rediss://")):
        return uri
    if uri.startswith("embedded://"):
        server = EmbeddedServer.for_uri(uri, settings)
        return f"redis://127.0.0.1:{server.port}" if server.running() else None
    return None


def channel(settings: Settings, topic: str) -> str:
    return f"tianji:{settings.graph_name}:inapp:{topic}"


class Announcer:
    """Tells every process's feed that an event is in the outbox (best effort: the feeds poll too)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.client: redis.Redis | None = None

    def __call__(self, topic: str, event_id: int) -> None:
        try:
            if self.client is None:
                url = redis_url(self.settings)
                if url is None:
                    return
                self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            self.client.publish(channel(self.settings, topic), str(event_id))
        except redis.RedisError as exc:
            log.warning("in-app event %s not announced (subscribers will poll it): %s", event_id, exc)


class Feed:
    """One process's reader of one outbox topic, fanning each new event out to local subscribers."""

    def __init__(self, settings: Settings, engine: Engine, topic: str, *, poll_s: float = POLL_S) -> None:
        self.settings, self.engine, self.topic, self.poll_s = settings, engine, topic, poll_s
        self.queues: set[asyncio.Queue[dict[str, Any]]] = set()
        self.last: int | None = None
        self.task: asyncio.Task[None] | None = None

    @contextlib.asynccontextmanager
    async def listen(self) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """A queue receiving every event committed from now on, until the block exits."""
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        if self.task is None:  # nobody was listening: start after the newest event
            last = await asyncio.to_thread(inapp_last_id, self.engine, self.topic)
            if self.task is None:
                self.last = last
                self.task = asyncio.create_task(self._run())
        self.queues.add(queue)
        try:
            yield queue
        finally:
            self.queues.discard(queue)

    async def _run(self) -> None:
        url = redis_url(self.settings)
        client = redis.asyncio.Redis.from_url(url) if url else None
        pubsub = None
        try:
            while True:
                if pubsub is None and client is not None:
                    pubsub = await self._subscribe(client)
                pubsub = await self._wait(pubsub)
                if not self.queues:
                    self.task = None  # before any await: a subscriber arriving now starts a new task
                    return
                await self._read()
        finally:
            for closing in (pubsub, client):
                if closing is not None:
                    with contextlib.suppress(redis.RedisError, OSError):
                        await closing.aclose()

    async def _subscribe(self, client: redis.asyncio.Redis) -> Any:
        try:
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            await pubsub.subscribe(channel(self.settings, self.topic))
            return pubsub
        except (redis.RedisError, OSError) as exc:
            log.warning("no in-app announcements (polling every %ss): %s", self.poll_s, exc)
            return None

    async def _wait(self, pubsub: Any) -> Any:
        """Until an announcement arrives (then every queued one is taken) or ``poll_s`` has passed; the
        subscription back, or None when it broke (it is made again)."""
        if pubsub is None:
            await asyncio.sleep(self.poll_s)
            return None
        try:
            if await pubsub.get_message(timeout=self.poll_s) is not None:
                while await pubsub.get_message(timeout=0) is not None:
                    pass
            return pubsub
        except (redis.RedisError, OSError) as exc:
            log.warning("in-app announcements interrupted: %s", exc)
            with contextlib.suppress(redis.RedisError, OSError):
                await pubsub.aclose()
            return None

    async def _read(self) -> None:
        """Hand the events after ``last`` to every subscriber."""
        try:
            events = await asyncio.to_thread(inapp_since, self.engine, self.last or 0, self.topic)
        except Exception as exc:  # noqa: BLE001 - a locked or missing outbox must not end the feed
            log.warning("in-app events not read: %s", exc)
            return
        for event in events:
            self.last = event["id"]
            for queue in list(self.queues):
                with contextlib.suppress(asyncio.QueueFull):  # a stalled subscriber misses, others go on
                    queue.put_nowait(event)

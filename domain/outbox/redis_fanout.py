"""Events across processes through Redis pub/sub.

The relay (one leader at a time, by a lock with a time-to-live) publishes each batch with a
script that, in one step, records the batch's last id under `<prefix>:events:last` and
publishes the batch on `<prefix>:events`. Every process listens on the channel and feeds its own
broadcaster. Because the last id is recorded before anyone can see the message, a listener
that (re)connects reads it once subscribed and knows that everything up to it is in the table
and everything after it will come on the channel.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Sequence

import redis.asyncio as aioredis

from domain.outbox.broadcaster import Broadcaster
from domain.services.event_feed import FeedEvent

log = logging.getLogger("suixing.outbox")

# Record the highest id published and publish, atomically; an older id (a stale leader) only
# publishes, which listeners ignore since they already have it.
_PUBLISH = """
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > last then redis.call('SET', KEYS[1], ARGV[1]) end
return redis.call('PUBLISH', KEYS[2], ARGV[2])
"""
_RESET = """
redis.call('SET', KEYS[1], ARGV[1])
return redis.call('PUBLISH', KEYS[2], ARGV[2])
"""
# Keep the lock only while it is still ours.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class RedisFanout:
    def __init__(self, url: str, broadcaster: Broadcaster, *, prefix: str = "suixing",
                 lock_ttl: float = 5.0) -> None:
        self.url = url
        self.broadcaster = broadcaster
        self.channel = f"{prefix}:events"
        self.last_key = f"{prefix}:events:last"
        self.lock_key = f"{prefix}:events:relay-lock"
        self.lock_ttl_ms = int(lock_ttl * 1000)
        self.owner = secrets.token_hex(8)
        self.redis = aioredis.from_url(url, decode_responses=True, socket_connect_timeout=5, health_check_interval=30)
        self._listener: asyncio.Task | None = None
        self._subscribed = asyncio.Event()

    # The relay's side (EventSink).

    async def position(self, table_top: int) -> int:
        last = await self.redis.get(self.last_key)
        if last is None:
            # Nothing was ever published: start at the table's end, and tell the listeners.
            await self.reset(table_top)
            return table_top
        return int(last)

    async def lead(self) -> bool:
        if await self.redis.set(self.lock_key, self.owner, nx=True, px=self.lock_ttl_ms):
            return True
        return bool(await self.redis.eval(_RENEW, 1, self.lock_key, self.owner, self.lock_ttl_ms))

    async def publish(self, events: Sequence[FeedEvent]) -> None:
        if not events:
            return
        body = json.dumps({"events": [e.to_wire() for e in events]}, separators=(",", ":"))
        await self.redis.eval(_PUBLISH, 2, self.last_key, self.channel, events[-1].id, body)

    async def reset(self, watermark: int) -> None:
        await self.redis.eval(_RESET, 2, self.last_key, self.channel, watermark,
                              json.dumps({"reset": watermark}))

    # Every process's side: the listener.

    async def start(self, wait: float = 5.0) -> None:
        """Start listening. If Redis does not answer in time, carry on: the listener keeps
        trying, and subscribers get events from the table meanwhile."""
        self._listener = asyncio.create_task(self._listen(), name="redis-event-listener")
        try:
            await asyncio.wait_for(asyncio.shield(self._subscribed.wait()), timeout=wait)
        except TimeoutError:
            log.error("redis did not answer; live events wait until it does")

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            try:
                await self._listener
            except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down either way
                pass
        await self.redis.aclose()

    async def ping(self) -> bool:
        return bool(await self.redis.ping())

    async def _listen(self) -> None:
        backoff = 0.1
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.channel)
                # Subscribed first, then read the position: no message can fall between the two.
                last = await self.redis.get(self.last_key)
                self.broadcaster.reset(int(last) if last is not None else self.broadcaster.watermark)
                self._subscribed.set()
                backoff = 0.1
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._handle(message["data"])
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - reconnect after any Redis failure
                log.exception("redis event listener failed; reconnecting")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            finally:
                try:
                    await pubsub.aclose()
                except Exception:  # noqa: BLE001 - the connection may already be gone
                    pass

    def _handle(self, raw: str) -> None:
        try:
            body = json.loads(raw)
        except ValueError:
            log.warning("ignoring a malformed event message")
            return
        if "reset" in body:
            self.broadcaster.reset(int(body["reset"]))
        else:
            self.broadcaster.dispatch([FeedEvent.from_wire(e) for e in body.get("events", [])])

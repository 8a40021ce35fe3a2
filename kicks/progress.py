"""Generation progress on the channel layer: who may hear it, how it is sent, how it is heard.

Events (gpu_worker.protocol.ProgressEvent) travel through the Channels layer (Redis in
production) to a group named after the owner and the request id, so a subscription on one
server process hears a generation running on another, and nobody else's subscription can join
that group.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from channels.layers import BaseChannelLayer, get_channel_layer

from gpu_worker.protocol import ProgressEvent

MESSAGE_TYPE = "kick.progress"

logger = logging.getLogger(__name__)

ProgressSink = Callable[[ProgressEvent], None]


def progress_group(user_id: int, request_id: str) -> str:
    # Group names allow only a short ASCII alphabet; request ids are client-chosen, so hash them.
    digest = hashlib.sha256(request_id.encode()).hexdigest()[:40]
    return f"kicks.progress.{user_id}.{digest}"


def layer_message(event: ProgressEvent) -> dict[str, Any]:
    # sent_at lets the benchmark measure delivery delay across processes.
    return {"type": MESSAGE_TYPE, "event": event.to_wire(), "sent_at": time.time()}


def event_of(message: dict[str, Any]) -> ProgressEvent:
    return ProgressEvent.from_wire(message["event"])


async def publish(user_id: int, request_id: str, event: ProgressEvent) -> None:
    """Send one event to the generation's group; an outage is logged, never raised."""
    group = progress_group(user_id, request_id)
    try:
        await get_channel_layer().group_send(group, layer_message(event))
    except Exception:
        # Progress is a courtesy: a channel layer outage must not fail the generation.
        logger.exception("Could not send kick progress to %s", group)


# Senders whose request may be gone: asyncio keeps only weak references to tasks.
_senders: set[asyncio.Task[None]] = set()


class ChannelLayerRelay:
    """A ProgressSink, callable from any thread, that sends events to the owner's group.

    Events are sent one after another by a single task on the server's event loop, so they
    arrive in the order they happened and share the loop's Redis connections. The relay ends
    when `close()` is called by the thread that published last, so that everything it
    published is sent first — even when the request that started it has been cancelled
    (a client that disconnects mid-generation), the subscriber still sees the outcome.
    `also` (tests, benchmarks) sees every event too, as it is published.
    """

    def __init__(self, user_id: int, request_id: str, also: ProgressSink | None = None) -> None:
        self._user_id = user_id
        self._request_id = request_id
        self._also = also
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[ProgressEvent | None] = asyncio.Queue()
        self._sender = self._loop.create_task(self._send_all())
        _senders.add(self._sender)
        self._sender.add_done_callback(_senders.discard)

    def __call__(self, event: ProgressEvent) -> None:
        if self._also is not None:
            self._also(event)
        self._loop.call_soon_threadsafe(self._queue.put_nowait, event)

    def close(self) -> None:
        """No more events; callable from any thread, after that thread's last event."""
        self._loop.call_soon_threadsafe(self._queue.put_nowait, None)

    async def sent(self) -> None:
        """Wait until the relay is closed and every event has been sent."""
        await asyncio.shield(self._sender)

    async def _send_all(self) -> None:
        while (event := await self._queue.get()) is not None:
            await publish(self._user_id, self._request_id, event)


class ProgressListener:
    """The events of one generation's group, as they arrive, each wait with a deadline."""

    def __init__(self, layer: BaseChannelLayer, channel: str) -> None:
        self._layer = layer
        self._channel = channel

    async def next(self, timeout_s: float) -> ProgressEvent | None:
        """The next event, or None when `timeout_s` passes without one."""
        try:
            message = await asyncio.wait_for(self._layer.receive(self._channel), timeout_s)
        except TimeoutError:
            return None
        return event_of(message)


@asynccontextmanager
async def listening(user_id: int, request_id: str) -> AsyncIterator[ProgressListener]:
    """Join the generation's group for the duration; join before reading its state, so that
    nothing published in between is missed."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    group = progress_group(user_id, request_id)
    await layer.group_add(group, channel)
    try:
        yield ProgressListener(layer, channel)
    finally:
        await layer.group_discard(group, channel)

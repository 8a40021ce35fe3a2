"""Generation progress events and their delivery to the owner's subscriptions.

Events travel through the Channels layer (Redis in production) to a group named after the
owner and the request id, so a subscription on one server process sees a generation running
on another, and nobody else's subscription can join that group.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from channels.layers import BaseChannelLayer

MESSAGE_TYPE = "kick.progress"

logger = logging.getLogger(__name__)


class Stage(StrEnum):
    QUEUED = "QUEUED"
    LOADING_MODEL = "LOADING_MODEL"
    SAMPLING = "SAMPLING"
    DECODING = "DECODING"
    VOCODING = "VOCODING"
    UPLOADING = "UPLOADING"
    DONE = "DONE"
    FAILED = "FAILED"


TERMINAL_STAGES = frozenset({Stage.DONE, Stage.FAILED})

# Where each stage starts on the overall progress bar; sampling fills the span up to DECODING.
_STAGE_START = {
    Stage.QUEUED: 0.0,
    Stage.LOADING_MODEL: 0.02,
    Stage.SAMPLING: 0.1,
    Stage.DECODING: 0.85,
    Stage.VOCODING: 0.9,
    Stage.UPLOADING: 0.96,
    Stage.DONE: 1.0,
    Stage.FAILED: 1.0,
}


@dataclass(frozen=True)
class ProgressEvent:
    request_id: str
    stage: Stage
    step: int = 0
    total_steps: int = 0
    message: str = ""

    @property
    def fraction(self) -> float:
        """Overall progress of the generation, 0..1."""
        start = _STAGE_START[self.stage]
        if self.stage is Stage.SAMPLING and self.total_steps > 0:
            span = _STAGE_START[Stage.DECODING] - start
            return round(start + span * min(self.step, self.total_steps) / self.total_steps, 4)
        return start

    def to_message(self) -> dict[str, Any]:
        # sent_at lets the benchmark measure delivery delay across processes.
        return {"type": MESSAGE_TYPE, **asdict(self), "sent_at": time.time()}

    @classmethod
    def from_message(cls, message: dict[str, Any]) -> ProgressEvent:
        return cls(
            request_id=message["request_id"],
            stage=Stage(message["stage"]),
            step=message["step"],
            total_steps=message["total_steps"],
            message=message["message"],
        )


ProgressSink = Callable[[ProgressEvent], None]


def progress_group(user_id: int, request_id: str) -> str:
    # Group names allow only a short ASCII alphabet; request ids are client-chosen, so hash them.
    digest = hashlib.sha256(request_id.encode()).hexdigest()[:40]
    return f"kicks.progress.{user_id}.{digest}"


# Senders whose request may be gone: asyncio keeps only weak references to tasks.
_senders: set[asyncio.Task[None]] = set()


class ChannelLayerRelay:
    """A ProgressSink, callable from any thread, that sends events to the owner's group.

    Events are sent one after another by a single task on the server's event loop, so they
    arrive in the order they happened and share the loop's Redis connections. The relay ends
    when `close()` is called by the thread that published last, so that everything it
    published is sent first — even when the request that started it has been cancelled
    (a client that disconnects mid-generation), the subscriber still sees the outcome.
    """

    def __init__(self, layer: BaseChannelLayer, user_id: int, request_id: str) -> None:
        self._layer = layer
        self._group = progress_group(user_id, request_id)
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[ProgressEvent | None] = asyncio.Queue()
        self._sender = self._loop.create_task(self._send_all())
        _senders.add(self._sender)
        self._sender.add_done_callback(_senders.discard)

    def __call__(self, event: ProgressEvent) -> None:
        self._loop.call_soon_threadsafe(self._queue.put_nowait, event)

    def close(self) -> None:
        """No more events; callable from any thread, after that thread's last event."""
        self._loop.call_soon_threadsafe(self._queue.put_nowait, None)

    async def sent(self) -> None:
        """Wait until the relay is closed and every event has been sent."""
        await asyncio.shield(self._sender)

    async def _send_all(self) -> None:
        while (event := await self._queue.get()) is not None:
            try:
                await self._layer.group_send(self._group, event.to_message())
            except Exception:
                # Progress is a courtesy: a channel layer outage must not fail the generation.
                logger.exception("Could not send kick progress to %s", self._group)

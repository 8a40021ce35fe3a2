"""Reading what another thread produces, with a deadline. Torch-free.

Serves both ends of the Modal stream: the Modal app (the pipeline's progress callbacks turned
into the messages its streaming method yields) and the web app's Modal client (a remote stream
read so that a silent connection cannot hold the caller past its deadline).
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

Item = TypeVar("Item")
Emit = Callable[[Item], None]


class StreamAbandoned(Exception):
    """Raised inside the producer by `emit` once the reader has stopped reading."""


class _End:
    pass


class _Raised(Generic[Item]):
    def __init__(self, error: BaseException) -> None:
        self.error = error


def read_with_deadline(
    produce: Callable[[Emit[Item]], None],
    *,
    first_by: float | None = None,
    idle_s: float | None = None,
    on_slow_start: tuple[float, Callable[[], None]] | None = None,
    name: str = "stream",
) -> Iterator[Item]:
    """Run ``produce(emit)`` on a daemon thread and yield, here and in order, what it emits.

    Ends when ``produce`` returns; an exception it raises is re-raised here after the items it
    emitted before. Two deadlines, each a TimeoutError when it passes with nothing to read:
    ``first_by`` (a ``time.monotonic()`` value) for the first item, ``idle_s`` for each wait
    after one has arrived. ``on_slow_start = (seconds, callback)`` calls ``callback`` once, on
    this thread, when no item has arrived that long after the start. When the reader stops early
    (a deadline, an error, closing the iterator), the producer's next ``emit`` raises
    StreamAbandoned.
    """
    items: queue.Queue[Item | _End | _Raised[Item]] = queue.Queue()
    abandoned = threading.Event()

    def emit(item: Item) -> None:
        if abandoned.is_set():
            raise StreamAbandoned
        items.put(item)

    def run() -> None:
        try:
            produce(emit)
        except StreamAbandoned:
            return
        except BaseException as error:  # handed to the reader, which re-raises it
            items.put(_Raised(error))
        else:
            items.put(_End())

    thread = threading.Thread(target=run, name=name, daemon=True)
    started = time.monotonic()
    thread.start()
    slow_start = on_slow_start
    received = False
    try:
        while True:
            if received:
                deadline = None if idle_s is None else time.monotonic() + idle_s
                which = "between two messages"
            else:
                deadline = first_by
                which = "before its first message"
            wake = deadline
            if slow_start is not None:
                wake = min(started + slow_start[0], wake if wake is not None else math.inf)
            try:
                timeout = None if wake is None else max(0.0, wake - time.monotonic())
                item = items.get(timeout=timeout)
            except queue.Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise TimeoutError(f"the stream sent nothing {which} in time") from None
                if slow_start is not None and time.monotonic() >= started + slow_start[0]:
                    slow_start[1]()
                    slow_start = None
                continue
            if isinstance(item, _End):
                return
            if isinstance(item, _Raised):
                raise item.error
            received = True
            slow_start = None
            yield item
    finally:
        abandoned.set()

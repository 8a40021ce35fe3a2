"""Reading what another thread produces, with a deadline. Torch-free.

Serves both ends of the Modal stream: the Modal app (the pipeline's progress callbacks turned
into the messages its streaming method yields) and the web app's Modal client (a remote stream
read so that a silent connection cannot hold the caller past its deadline).
"""

from __future__ import annotations

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
    produce: Callable[[Emit[Item]], None], *, deadline: float | None = None, name: str = "stream"
) -> Iterator[Item]:
    """Run ``produce(emit)`` on a daemon thread and yield, here and in order, what it emits.

    Ends when ``produce`` returns; an exception it raises is re-raised here after the items it
    emitted before. ``deadline`` (a ``time.monotonic()`` value) bounds the whole read: once it
    passes with nothing to read, TimeoutError. When the reader stops early (deadline, error,
    or closing the iterator), the producer's next ``emit`` raises StreamAbandoned.
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
    thread.start()
    try:
        while True:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                item = items.get(timeout=timeout)
            except queue.Empty:
                raise TimeoutError("the stream sent nothing before its deadline") from None
            if isinstance(item, _End):
                return
            if isinstance(item, _Raised):
                raise item.error
            yield item
    finally:
        abandoned.set()

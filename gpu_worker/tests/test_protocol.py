"""The torch-free protocol: its wire form, its one table of stage fractions, the stream helper
both ends of the Modal stream use, and that none of it imports torch."""

from __future__ import annotations

import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gpu_worker.protocol import (
    PREVIEW_FRAMES,
    PREVIEW_MELS,
    STAGE_START,
    TERMINAL_STAGES,
    BadRequest,
    CallStarted,
    GeneratorUnavailable,
    KickResult,
    Preview,
    ProgressEvent,
    Stage,
    TransientFailure,
    WorkerFailure,
    from_wire,
)
from gpu_worker.streams import StreamAbandoned, read_with_deadline

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "modules",
    [
        "gpu_worker",
        "gpu_worker.protocol",
        "gpu_worker.streams",
        "gpu_worker.synth",
        "gpu_worker.config",
    ],
)
def test_torch_free_modules_do_not_import_torch(modules: str) -> None:
    code = f"import sys, {modules}; assert 'torch' not in sys.modules, 'torch was imported'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_the_stage_table_covers_every_stage_in_order() -> None:
    order = list(Stage)
    assert set(STAGE_START) == set(order)
    starts = [STAGE_START[stage] for stage in order]
    assert starts == sorted(starts) and starts[0] == 0.0 and starts[-1] == 1.0
    assert TERMINAL_STAGES == {Stage.DONE, Stage.FAILED}


def test_sampling_fills_its_span_step_by_step() -> None:
    fractions = [ProgressEvent(Stage.SAMPLING, step, 4).fraction for step in range(5)]
    assert fractions[0] == STAGE_START[Stage.SAMPLING]
    assert fractions[-1] == STAGE_START[Stage.DECODING]
    assert fractions == sorted(fractions) and len(set(fractions)) == 5


def test_events_and_results_round_trip_their_wire_form() -> None:
    preview = Preview(bytes(range(256)) * (PREVIEW_MELS * PREVIEW_FRAMES // 256) + bytes(128))
    event = ProgressEvent(Stage.SAMPLING, 3, 25, "Denoising step 3/25", preview)
    result = KickResult(b"RIFF....", 7, ["punchy"], ["banana"])

    assert from_wire(event.to_wire()) == event
    assert from_wire(result.to_wire()) == result
    assert from_wire(ProgressEvent(Stage.DONE).to_wire()).preview is None
    assert from_wire(CallStarted("fc-01H").to_wire()) == CallStarted("fc-01H")
    assert from_wire(CallStarted(None).to_wire()) == CallStarted(None)


@pytest.mark.parametrize("failure", [GeneratorUnavailable, BadRequest, TransientFailure])
def test_failures_cross_a_pickle_as_their_own_type(failure: type[WorkerFailure]) -> None:
    # How Modal hands an exception raised in the container to the caller.
    received = pickle.loads(pickle.dumps(failure("the model did not load")))
    assert type(received) is failure and str(received) == "the model did not load"


def test_a_preview_must_have_its_size() -> None:
    with pytest.raises(ValueError, match="1408 bytes"):
        Preview(bytes(10))


def test_unknown_messages_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown message type"):
        from_wire({"type": "gossip"})


def test_a_stream_yields_in_order_then_ends() -> None:
    def produce(emit) -> None:
        for number in range(5):
            emit(number)

    assert list(read_with_deadline(produce)) == [0, 1, 2, 3, 4]


def test_an_error_is_raised_after_what_came_before_it() -> None:
    def produce(emit) -> None:
        emit("first")
        raise KeyError("broken")

    stream = read_with_deadline(produce)
    assert next(stream) == "first"
    with pytest.raises(KeyError, match="broken"):
        next(stream)


def test_a_silent_producer_times_out_and_is_told_to_stop() -> None:
    released, stopped = threading.Event(), threading.Event()

    def produce(emit) -> None:
        emit("hello")
        released.wait(10)
        try:
            emit("too late")
        except StreamAbandoned:
            stopped.set()
            raise

    started = time.monotonic()
    stream = read_with_deadline(produce, idle_s=0.3)
    assert next(stream) == "hello"
    with pytest.raises(TimeoutError, match="between two messages"):
        next(stream)
    assert 0.25 <= time.monotonic() - started < 5
    released.set()
    assert stopped.wait(5)


def test_the_first_message_has_its_own_deadline() -> None:
    released = threading.Event()

    def produce(emit) -> None:
        released.wait(10)
        emit("late")

    started = time.monotonic()
    # A long idle allowance does not extend the wait for the first message.
    stream = read_with_deadline(produce, first_by=started + 0.3, idle_s=60)
    with pytest.raises(TimeoutError, match="before its first message"):
        next(stream)
    assert 0.25 <= time.monotonic() - started < 5
    released.set()


def test_the_idle_deadline_restarts_with_every_message() -> None:
    def produce(emit) -> None:
        for number in range(4):
            time.sleep(0.2)
            emit(number)

    started = time.monotonic()
    # 0.8 s in all, never more than 0.2 s of silence: a 0.5 s idle allowance lets it finish.
    stream = read_with_deadline(produce, first_by=started + 0.5, idle_s=0.5)
    assert list(stream) == [0, 1, 2, 3]


def test_a_slow_start_is_reported_once_before_the_first_message() -> None:
    released = threading.Event()
    seen: list[str] = []

    def produce(emit) -> None:
        released.wait(10)
        emit("first")
        emit("second")

    def slow() -> None:
        seen.append("slow")
        released.set()

    stream = read_with_deadline(produce, first_by=time.monotonic() + 10, on_slow_start=(0.2, slow))
    for item in stream:
        seen.append(item)
    assert seen == ["slow", "first", "second"]


def test_a_quick_start_is_not_reported_as_slow() -> None:
    seen: list[str] = []

    def produce(emit) -> None:
        emit("first")
        time.sleep(0.4)  # a pause after the first message is not a slow start
        emit("second")

    stream = read_with_deadline(produce, on_slow_start=(0.2, lambda: seen.append("slow")))
    assert list(stream) == ["first", "second"] and seen == []

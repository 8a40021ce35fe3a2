"""ModalWorker against the deployed class's own code.

Only the Modal SDK is replaced, at its boundary: `modal.Cls.from_name` returns a stand-in for the
deployment whose `generate_stream.remote_gen` runs each call like a container would, on its own
thread, through gpu_worker.modal_app.KickGeneratorService (the body of the deployed
KickGenerator, started in its two phases) on a real tiny pipeline; `modal.FunctionCall.from_id(
...).cancel()` stops the call it names, as Modal raises an input cancellation in its container.
Faults are the SDK's own exceptions, or the container's.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import modal
import modal.exception
import pytest

from gpu_worker.modal_app import KickGeneratorService
from gpu_worker.protocol import STARTING_GPU, KickRequest, TransientFailure
from kicks import services
from kicks.failures import GenerationFailed, GenerationUnavailable
from kicks.models import GeneratedKick, KickGeneration
from kicks.workers import ModalWorker, configured_worker
from tests.kicks.conftest import generate as generate_kick

STALL_LIMIT_S = 60  # a worker that never gives up fails its test instead of hanging it


class Call:
    """One remote call: the container side runs on a thread and sends its messages over."""

    def __init__(self, deployment: DeployedKickGenerator, call_id: str, args: tuple) -> None:
        self.id = call_id
        self.args = args
        self.outbox: queue.Queue[Any] = queue.Queue()
        self.cancelled = threading.Event()
        self.finished = threading.Event()
        self.completed = False  # the container produced its kick
        self._deployment = deployment
        threading.Thread(target=self._run, name=call_id, daemon=True).start()

    def _run(self) -> None:
        deployment = self._deployment
        try:
            if deployment.cold_start_s and self.cancelled.wait(deployment.cold_start_s):
                raise modal.exception.InputCancellation("cancelled while queued")
            service = deployment.container()
            *arguments, start_by = self.args
            stream = service.generate_stream(*arguments, call_id=self.id, start_by=start_by)
            fault = deployment.container_faults.pop(0) if deployment.container_faults else None
            with_fault = fault(self, stream) if fault is not None else stream
            try:
                for message in with_fault:
                    if self.cancelled.is_set():
                        raise modal.exception.InputCancellation("cancelled")
                    self.outbox.put(message)
                    if message["type"] == "result":
                        self.completed = True
            finally:
                stream.close()  # what Modal's cancellation does to the container's generator
        except BaseException as error:  # what the client is told instead of a result
            self.outbox.put(error)
        else:
            self.outbox.put(None)
        finally:
            self.finished.set()

    def receive(self) -> Iterator[dict[str, Any]]:
        while True:
            item = self.outbox.get()
            if item is None:
                return
            if isinstance(item, modal.exception.InputCancellation):
                raise modal.exception.RemoteError("the input was cancelled")
            if isinstance(item, BaseException):
                raise item  # Modal re-raises the container's exception as it is
            yield item


class DeployedKickGenerator:
    """What modal.Cls.from_name("kick-generator-app", "KickGenerator") stands for."""

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir
        self.calls: list[Call] = []
        self.cancels: list[str] = []
        # Each remote call consumes one: an SDK exception raised when the call is placed.
        self.faults: list[BaseException] = []
        # Each call's container consumes one: a wrapper of the service's stream.
        self.container_faults: list[Callable[[Call, Iterator[dict]], Iterator[dict]]] = []
        self.cold_start_s = 0.0
        self.looked_up: list[tuple[str, str]] = []
        self.released = threading.Event()  # lets stalled containers finish after the test
        self._service: KickGeneratorService | None = None

    def container(self) -> KickGeneratorService:
        """A container's two start phases, once (the memory snapshot, then the GPU: here the
        CPU); a failed start fails every call."""
        if self._service is None:
            service = KickGeneratorService.load(str(self.model_dir), cache_dir=None, timeout_s=60)
            service.start("cpu")
            self._service = service
        return self._service

    # modal.Cls.from_name(...)() and its method
    def from_name(self, app_name: str, class_name: str) -> DeployedKickGenerator:
        self.looked_up.append((app_name, class_name))
        return self

    def __call__(self) -> DeployedKickGenerator:
        return self

    @property
    def generate_stream(self) -> DeployedKickGenerator:
        return self

    @property
    def describe(self) -> Any:
        deployment = self

        class Remote:
            def remote(self) -> dict[str, Any]:
                return deployment.container().describe()

        return Remote()

    def remote_gen(self, *args: Any) -> Iterator[dict[str, Any]]:
        if self.faults:
            raise self.faults.pop(0)
        call = Call(self, f"fc-{len(self.calls) + 1}", args)
        self.calls.append(call)
        return call.receive()

    # modal.FunctionCall.from_id(call_id).cancel()
    def function_call(self, call_id: str) -> Any:
        deployment = self

        class Handle:
            def cancel(self, terminate_containers: bool = False) -> None:
                deployment.cancels.append(call_id)
                next(c for c in deployment.calls if c.id == call_id).cancelled.set()

        return Handle()

    def stalled(self, call: Call, stream: Iterator[dict]) -> Iterator[dict]:
        yield next(stream)  # CallStarted
        yield next(stream)  # the first sampling step, then silence
        while not (call.cancelled.is_set() or self.released.is_set()):
            time.sleep(0.01)
        yield from stream


@pytest.fixture
def deployment(monkeypatch, tiny_model_dir, settings) -> Iterator[DeployedKickGenerator]:
    deployed = DeployedKickGenerator(tiny_model_dir)
    monkeypatch.setattr(modal.Cls, "from_name", deployed.from_name)
    monkeypatch.setattr(modal.FunctionCall, "from_id", deployed.function_call)
    settings.KICKS_WORKER = "modal"
    settings.KICKS_WORKER_RETRIES = 2
    settings.KICKS_WORKER_BACKOFF_S = 0.01
    settings.KICKS_WORKER_START_TIMEOUT_S = 30
    settings.KICKS_WORKER_IDLE_TIMEOUT_S = 30
    yield deployed
    deployed.released.set()
    for call in deployed.calls:
        call.cancelled.set()
        assert call.finished.wait(STALL_LIMIT_S)


def truncated(call: Call, stream: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for message in stream:
        if message["type"] == "result":
            return
        yield message


def generate(worker, progress=None):
    request = KickRequest("punchy 909", 1234)
    return worker.generate(request, (progress if progress is not None else []).append)


def test_the_stream_relays_progress_and_returns_the_kick(deployment):
    progress = []
    placed = time.time()

    result = generate(configured_worker(), progress)

    assert deployment.looked_up == [("kick-generator-app", "KickGenerator")]
    [call] = deployment.calls
    *arguments, start_by = call.args
    assert arguments == ["punchy 909", 1234, 4, None]
    # The start deadline, less a quarter of it for the CallStarted to come back.
    assert placed + 30 - 7.5 <= start_by <= time.time() + 30 - 7.5
    assert result.wav[:4] == b"RIFF" and result.seed == 1234
    assert result.keywords == ["punchy", "909"]
    stages = [event.stage for event in progress]
    assert [e.step for e in progress if e.stage == "SAMPLING"] == [1, 2, 3, 4]
    assert stages[-2:] == ["DECODING", "VOCODING"]  # the worker's DONE is not relayed
    assert "LOADING_MODEL" not in stages  # a warm container answers at once
    assert deployment.cancels == []


def test_a_cold_start_is_reported_while_the_container_starts(deployment):
    deployment.cold_start_s = 1.5
    progress = []

    generate(configured_worker(), progress)

    assert (progress[0].stage, progress[0].message) == ("LOADING_MODEL", STARTING_GPU)
    assert progress[1].stage == "SAMPLING" and progress[1].step == 1
    assert [e.fraction for e in progress] == sorted(e.fraction for e in progress)


def test_the_same_seed_gives_the_same_kick_as_the_local_worker(deployment, settings):
    remote = generate(configured_worker())
    settings.KICKS_WORKER = "local"

    assert generate(configured_worker()).wav == remote.wav


@pytest.mark.parametrize(
    "error",
    [modal.exception.NotFoundError("App not found"), modal.exception.AuthError("Token missing")],
)
def test_an_undeployed_or_unauthorised_app_is_unavailable_at_once(deployment, error):
    deployment.faults = [error]

    with pytest.raises(GenerationUnavailable):
        generate(configured_worker())
    assert deployment.calls == []


def test_lost_connections_are_retried_with_backoff(deployment, settings):
    settings.KICKS_WORKER_BACKOFF_S = 0.2
    deployment.faults = [modal.exception.ConnectionError("reset")] * 2
    started = time.monotonic()

    result = generate(configured_worker())

    assert result.wav[:4] == b"RIFF"
    assert len(deployment.calls) == 1
    assert time.monotonic() - started >= 0.2 + 0.4


def test_an_unreachable_modal_is_unavailable_after_the_retries(deployment):
    deployment.faults = [modal.exception.ConnectionError("unreachable")] * 3

    with pytest.raises(GenerationUnavailable):
        generate(configured_worker())
    assert deployment.calls == []


def test_a_generator_that_cannot_start_is_unavailable_without_retries(deployment, tmp_path: Path):
    # Its container's first phase raises: the model folder is gone.
    deployment.model_dir = tmp_path / "deleted-model"

    with pytest.raises(GenerationUnavailable, match="unavailable"):
        generate(configured_worker())
    assert len(deployment.calls) == 1


def test_a_bad_request_is_not_retried(deployment, settings):
    settings.KICKS_SAMPLING_STEPS = 0  # the service raises BadRequest in the container

    with pytest.raises(GenerationFailed) as raised:
        generate(configured_worker())
    assert not raised.value.retryable
    assert len(deployment.calls) == 1


def test_a_transient_failure_is_retried(deployment):
    def out_of_memory(call: Call, stream: Iterator[dict]) -> Iterator[dict]:
        yield next(stream)
        raise TransientFailure("OutOfMemoryError: CUDA out of memory")

    deployment.container_faults = [out_of_memory]

    result = generate(configured_worker())

    assert result.wav[:4] == b"RIFF"
    assert len(deployment.calls) == 2 and deployment.cancels == []


@pytest.mark.parametrize(
    "fault",
    [
        modal.exception.FunctionTimeoutError("timed out"),
        modal.exception.InternalFailure("preempted"),
    ],
)
def test_modal_side_failures_are_retried_then_fail_retryably(deployment, fault):
    deployment.faults = [fault] * 3

    with pytest.raises(GenerationFailed) as raised:
        generate(configured_worker())
    assert raised.value.retryable


def test_streams_ending_without_a_kick_are_retried_then_fail_retryably(deployment):
    deployment.container_faults = [truncated] * 3

    with pytest.raises(GenerationFailed) as raised:
        generate(configured_worker())
    assert raised.value.retryable
    assert len(deployment.calls) == 3


def test_a_stream_that_falls_silent_is_cancelled_before_the_retry(deployment, settings):
    # Long enough for a healthy attempt on a loaded machine; the stalled one never ends in time.
    settings.KICKS_WORKER_IDLE_TIMEOUT_S = 3
    deployment.container_faults = [deployment.stalled]

    result = generate(configured_worker())

    stalled, retry = deployment.calls
    assert result.wav[:4] == b"RIFF"
    assert deployment.cancels == [stalled.id]
    assert stalled.finished.wait(STALL_LIMIT_S)
    assert not stalled.completed and retry.completed  # one kick's worth of GPU work


def test_a_call_no_container_takes_in_time_never_runs_beside_its_retry(deployment, settings):
    settings.KICKS_WORKER_START_TIMEOUT_S = 1.0
    deployment.cold_start_s = 1.5  # the first call waits for a container past its deadline
    placed = time.monotonic()

    with pytest.raises(GenerationFailed) as raised:
        generate(configured_worker())

    # Every attempt timed out waiting, and each container that took one later refused it.
    assert raised.value.retryable and time.monotonic() - placed >= 3.0
    assert len(deployment.calls) == 3 and deployment.cancels == []
    for call in deployment.calls:
        assert call.finished.wait(STALL_LIMIT_S)
        assert not call.completed


def test_a_late_call_refuses_to_start_once_its_caller_has_moved_on(deployment, settings):
    settings.KICKS_WORKER_START_TIMEOUT_S = 2.0
    deployment.cold_start_s = 1.8  # past start_by (2.0 - 0.5 margin), before the caller gives up

    with pytest.raises(GenerationFailed) as raised:
        generate(configured_worker())

    assert raised.value.retryable
    assert len(deployment.calls) == 3
    assert not any(call.completed for call in deployment.calls)


@pytest.mark.django_db(transaction=True)
def test_generate_kick_over_graphql_with_the_modal_worker(deployment, client, make_user):
    client.force_login(make_user("techno"))
    query = "mutation { generateKick { __typename ... on GenerateKickSuccess { kick { name } } } }"

    result = client.post("/graphql/", {"query": query}, content_type="application/json").json()

    assert result["data"]["generateKick"]["__typename"] == "GenerateKickSuccess"
    assert GeneratedKick.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("down", ["connection", "start"])
def test_an_unavailable_generator_uses_no_quota(deployment, make_user, events, tmp_path, down):
    if down == "connection":
        deployment.faults = [modal.exception.ConnectionError("down")] * 3
    else:
        deployment.model_dir = tmp_path / "deleted-model"
    user = make_user("techno")

    with pytest.raises(GenerationUnavailable):
        generate_kick(user, "hit house", None, events)

    generation = KickGeneration.objects.get()
    assert generation.status == KickGeneration.Status.FAILED
    assert generation.failure == KickGeneration.Failure.UNAVAILABLE
    assert services.allowance(user.pk).remaining_today == 10
    assert isinstance(configured_worker(), ModalWorker)

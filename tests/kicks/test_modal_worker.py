"""ModalWorker against the deployed class's own code.

Only the Modal SDK's lookup is replaced: `modal.Cls.from_name` returns a stand-in whose
`generate_stream.remote_gen` runs gpu_worker.modal_app.KickGeneratorService — the body of the
deployed KickGenerator — on a real (tiny) pipeline, or raises the SDK's own exceptions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import modal
import modal.exception
import pytest

from gpu_worker.modal_app import KickGeneratorService
from gpu_worker.pipeline import KickPipeline
from gpu_worker.protocol import KickRequest
from kicks import services
from kicks.failures import GenerationFailed, GenerationUnavailable
from kicks.models import GeneratedKick, KickGeneration
from kicks.workers import ModalWorker, configured_worker
from tests.kicks.conftest import generate as generate_kick


class RemoteMethod:
    def __init__(self, deployment: DeployedKickGenerator) -> None:
        self.deployment = deployment

    def remote_gen(self, *args: Any) -> Iterator[dict[str, Any]]:
        self.deployment.calls.append(args)
        if self.deployment.faults:
            fault = self.deployment.faults.pop(0)
            if isinstance(fault, BaseException):
                raise fault
            return fault(self.deployment.service.generate_stream(*args))
        return self.deployment.service.generate_stream(*args)


class DeployedKickGenerator:
    """What modal.Cls.from_name("kick-generator-app", "KickGenerator") stands for."""

    STALL_LIMIT_S = 60  # a worker that never times out fails its test instead of hanging it

    def __init__(self, model_dir: Path) -> None:
        pipeline = KickPipeline.from_pretrained(model_dir, device="cpu", lazy=True)
        self.service = KickGeneratorService(pipeline)
        self.calls: list[tuple[Any, ...]] = []
        # Each remote call consumes one: an exception to raise, or a wrapper of the real stream.
        self.faults: list[Any] = []
        self.looked_up: list[tuple[str, str]] = []
        # Lets a stalled stream finish once its test is over, so no thread outlives the test.
        self.released = threading.Event()

    def from_name(self, app_name: str, class_name: str) -> DeployedKickGenerator:
        self.looked_up.append((app_name, class_name))
        return self

    def __call__(self) -> DeployedKickGenerator:
        return self

    @property
    def generate_stream(self) -> RemoteMethod:
        return RemoteMethod(self)

    def stalled(self, stream: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        yield next(stream)
        self.released.wait(self.STALL_LIMIT_S)
        yield from stream


@pytest.fixture
def deployment(monkeypatch, tiny_model_dir, settings) -> Iterator[DeployedKickGenerator]:
    deployed = DeployedKickGenerator(tiny_model_dir)
    monkeypatch.setattr(modal.Cls, "from_name", deployed.from_name)
    settings.KICKS_WORKER = "modal"
    settings.KICKS_WORKER_RETRIES = 2
    settings.KICKS_WORKER_BACKOFF_S = 0.01
    settings.KICKS_WORKER_TIMEOUT_S = 30
    yield deployed
    deployed.released.set()


def truncated(stream: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for message in stream:
        if message["type"] == "result":
            return
        yield message


def generate(worker, progress=None):
    request = KickRequest("punchy 909", 1234)
    return worker.generate(request, (progress if progress is not None else []).append)


def test_the_stream_relays_progress_and_returns_the_kick(deployment):
    progress = []

    result = generate(configured_worker(), progress)

    assert deployment.looked_up == [("kick-generator-app", "KickGenerator")]
    assert deployment.calls == [("punchy 909", 1234, 4, None)]
    assert result.wav[:4] == b"RIFF" and result.seed == 1234
    assert result.keywords == ["punchy", "909"]
    stages = [event.stage for event in progress]
    assert stages[0] == "LOADING_MODEL"
    assert [e.step for e in progress if e.stage == "SAMPLING"] == [1, 2, 3, 4]
    assert stages[-2:] == ["DECODING", "VOCODING"]  # the worker's DONE is not relayed


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
    assert len(deployment.calls) == 1


def test_lost_connections_are_retried_with_backoff(deployment, settings):
    settings.KICKS_WORKER_BACKOFF_S = 0.2
    deployment.faults = [modal.exception.ConnectionError("reset")] * 2
    started = time.monotonic()

    result = generate(configured_worker())

    assert result.wav[:4] == b"RIFF"
    assert len(deployment.calls) == 3
    assert time.monotonic() - started >= 0.2 + 0.4


def test_an_unreachable_modal_is_unavailable_after_the_retries(deployment):
    deployment.faults = [modal.exception.ConnectionError("unreachable")] * 3

    with pytest.raises(GenerationUnavailable):
        generate(configured_worker())
    assert len(deployment.calls) == 3


@pytest.mark.parametrize(
    "fault",
    [
        modal.exception.FunctionTimeoutError("timed out"),
        modal.exception.InternalFailure("preempted"),
        truncated,
    ],
)
def test_failing_attempts_are_retried_then_fail_retryably(deployment, fault):
    deployment.faults = [fault] * 3

    with pytest.raises(GenerationFailed) as raised:
        generate(configured_worker())
    assert raised.value.retryable
    assert len(deployment.calls) == 3


def test_a_silent_stream_times_out_and_is_retried(deployment, settings):
    # Long enough for a healthy attempt on a loaded machine; the stalled one never ends in time.
    settings.KICKS_WORKER_TIMEOUT_S = 3
    deployment.faults = [deployment.stalled]

    result = generate(configured_worker())

    assert result.wav[:4] == b"RIFF"
    assert len(deployment.calls) == 2


def test_an_error_in_the_generator_code_is_not_retried(deployment, settings):
    settings.KICKS_SAMPLING_STEPS = 0  # KickPipeline.generate raises ValueError remotely

    with pytest.raises(GenerationFailed) as raised:
        generate(configured_worker())
    assert not raised.value.retryable
    assert len(deployment.calls) == 1


@pytest.mark.django_db(transaction=True)
def test_generate_kick_over_graphql_with_the_modal_worker(deployment, client, make_user):
    client.force_login(make_user("techno"))
    query = "mutation { generateKick { __typename ... on GenerateKickSuccess { kick { name } } } }"

    result = client.post("/graphql/", {"query": query}, content_type="application/json").json()

    assert result["data"]["generateKick"]["__typename"] == "GenerateKickSuccess"
    assert GeneratedKick.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_modal_being_down_uses_no_quota(deployment, make_user, events):
    deployment.faults = [modal.exception.ConnectionError("down")] * 3
    user = make_user("techno")

    with pytest.raises(GenerationUnavailable):
        generate_kick(user, "hit house", None, events)

    assert KickGeneration.objects.get().status == KickGeneration.Status.FAILED
    assert services.allowance(user.pk).remaining_today == 10
    assert isinstance(configured_worker(), ModalWorker)

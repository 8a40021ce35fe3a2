"""The one interface through which the backend asks for a kick, and its two implementations.

`KickWorker.generate` blocks until the WAV is ready, relaying progress on the way; callers run
it on `worker_executor()`, a bounded thread pool, so the server's event loop stays free.
`KickWorker.describe` says which model the worker runs and the words it understands.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from functools import cache, cached_property
from typing import Any

import modal
import modal.exception
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from gpu_worker.protocol import (
    WORKER_STAGES,
    KickRequest,
    KickResult,
    ModelDescription,
    ProgressEvent,
    from_wire,
)
from gpu_worker.streams import Emit, read_with_deadline
from kicks.failures import GenerationFailed, GenerationUnavailable

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[ProgressEvent], None]
# How long the Modal worker trusts its last description of the deployed model: a redeploy with
# another model reaches the keyword chips within this long.
DESCRIPTION_TTL_S = 300.0


class KickWorker(ABC):
    @abstractmethod
    def generate(self, request: KickRequest, on_progress: ProgressCallback) -> KickResult:
        """Generate one kick, relaying the worker's stages (WORKER_STAGES) to `on_progress`.

        Raises GenerationUnavailable (nothing could run) or GenerationFailed.
        """

    @abstractmethod
    def describe(self) -> ModelDescription:
        """The model this worker generates with: its name, version and vocabulary.

        Raises GenerationUnavailable.
        """


class _DeadlinePassed(Exception):
    pass


class LocalWorker(KickWorker):
    """The gpu_worker pipeline in this process; its weights load once, on first use (the
    pipeline's own lazy load, which reports LOADING_MODEL)."""

    def __init__(
        self,
        model: str | None,
        *,
        cache_dir: str | None,
        device: str | None,
        steps: int | None,
        guidance: float | None,
        timeout_s: float,
        torch_threads: int = 0,
    ) -> None:
        # Imported here: torch is heavy and only the process that generates needs it. The
        # worker is built on a worker thread (kicks.generation), never on the event loop.
        import torch

        from gpu_worker import worker
        from gpu_worker.pipeline import KickPipeline

        if torch_threads:
            # Process-wide: torch's intra-op threads serve every generation at once.
            torch.set_num_threads(torch_threads)
        self._model = model
        self._steps = steps
        self._guidance = guidance
        self._timeout_s = timeout_s
        self._worker = worker
        self._pipeline = KickPipeline.from_pretrained(
            model, device=device, cache_dir=cache_dir, lazy=True
        )

    def describe(self) -> ModelDescription:
        try:
            self._pipeline.load()
        except Exception as error:
            logger.exception("Could not load the kick model %r", self._model)
            raise GenerationUnavailable("The kick model could not be loaded.") from error
        return self._worker.describe(self._pipeline)

    def generate(self, request: KickRequest, on_progress: ProgressCallback) -> KickResult:
        deadline = time.monotonic() + self._timeout_s

        def relay(event: ProgressEvent) -> None:
            # A thread cannot be stopped from outside; the pipeline's own callback can.
            if time.monotonic() > deadline:
                raise _DeadlinePassed
            if event.stage in WORKER_STAGES:
                on_progress(event)

        try:
            self._pipeline.load(relay)
        except _DeadlinePassed as error:
            raise GenerationFailed("The generator took too long.", retryable=True) from error
        except Exception as error:
            logger.exception("Could not load the kick model %r", self._model)
            raise GenerationUnavailable("The kick model could not be loaded.") from error
        request = dataclasses.replace(
            request,
            steps=self._steps if request.steps is None else request.steps,
            guidance=self._guidance if request.guidance is None else request.guidance,
        )
        try:
            result = self._worker.generate(self._pipeline, request, relay)
        except _DeadlinePassed as error:
            raise GenerationFailed("The generator took too long.", retryable=True) from error
        except Exception as error:
            logger.exception("The local kick pipeline failed")
            raise GenerationFailed("The generator failed.", retryable=True) from error
        return result


class _RetryableAttemptError(Exception):
    def __init__(self, message: str, *, unavailable: bool = False) -> None:
        super().__init__(message)
        self.unavailable = unavailable


class ModalWorker(KickWorker):
    """The deployed Modal class, called through its streaming method.

    Each attempt has a deadline; timeouts, lost connections and Modal-side failures are
    retried a bounded number of times with exponential backoff.
    """

    def __init__(
        self,
        app_name: str,
        class_name: str,
        *,
        steps: int | None,
        guidance: float | None,
        timeout_s: float,
        retries: int,
        backoff_s: float,
    ) -> None:
        self._app_name = app_name
        self._class_name = class_name
        self._steps = steps
        self._guidance = guidance
        self._timeout_s = timeout_s
        self._retries = retries
        self._backoff_s = backoff_s
        self._description: tuple[ModelDescription, float] | None = None
        self._describing = threading.Lock()

    def describe(self) -> ModelDescription:
        """The deployed class's own description of its model (one small remote call), kept for
        DESCRIPTION_TTL_S."""
        with self._describing:
            if self._description is not None and time.monotonic() < self._description[1]:
                return self._description[0]

            def read(emit: Emit[dict[str, Any]]) -> None:
                emit(self._generator.describe.remote())

            replies = read_with_deadline(
                read, deadline=time.monotonic() + self._timeout_s, name="modal-describe"
            )
            try:
                with closing(replies):
                    description = ModelDescription.from_wire(next(replies))
            except Exception as error:
                logger.warning("Could not describe the Modal kick generator: %r", error)
                raise GenerationUnavailable("The kick generator cannot be reached.") from error
            self._description = (description, time.monotonic() + DESCRIPTION_TTL_S)
            return description

    def generate(self, request: KickRequest, on_progress: ProgressCallback) -> KickResult:
        attempt = 0
        while True:
            try:
                return self._attempt(request, on_progress)
            except _RetryableAttemptError as error:
                logger.warning("Modal attempt %d failed: %s", attempt + 1, error)
                if attempt == self._retries:
                    if error.unavailable:
                        raise GenerationUnavailable(
                            "The kick generator cannot be reached."
                        ) from error
                    raise GenerationFailed("The generator failed.", retryable=True) from error
                time.sleep(self._backoff_s * 2**attempt)
                attempt += 1

    @cached_property
    def _generator(self) -> Any:
        # A lazy reference: Modal resolves the deployed class when it is first called.
        return modal.Cls.from_name(self._app_name, self._class_name)()

    def _stream(self, request: KickRequest) -> Iterator[dict[str, Any]]:
        arguments: tuple[Any, ...] = (
            request.prompt,
            request.seed,
            self._steps if request.steps is None else request.steps,
            self._guidance if request.guidance is None else request.guidance,
        )
        if request.variation is not None:
            # Only variations send it, so a deployment that predates them still makes kicks.
            arguments += (request.variation.to_wire(),)
        return self._generator.generate_stream.remote_gen(*arguments)

    def _attempt(self, request: KickRequest, on_progress: ProgressCallback) -> KickResult:
        def read(emit: Emit[dict[str, Any]]) -> None:
            with closing(self._stream(request)) as stream:
                for message in stream:
                    emit(message)

        # Read on a helper thread, so that a silent connection cannot hold this one past the
        # attempt's deadline.
        messages = read_with_deadline(
            read, deadline=time.monotonic() + self._timeout_s, name="modal-stream"
        )
        try:
            with closing(messages):
                for message in messages:
                    received = from_wire(message)
                    if isinstance(received, KickResult):
                        return received
                    if received.stage in WORKER_STAGES:
                        on_progress(received)
        except TimeoutError as error:
            raise _RetryableAttemptError("timed out") from error
        except (GenerationFailed, GenerationUnavailable):
            raise
        except Exception as error:
            raise self._classify(error) from error
        raise _RetryableAttemptError("the stream ended without a result")

    @staticmethod
    def _classify(error: BaseException) -> Exception:
        if isinstance(error, modal.exception.NotFoundError | modal.exception.AuthError):
            # Not deployed, or no valid token: retrying will not help.
            return GenerationUnavailable("The kick generator is not available.")
        if isinstance(error, modal.exception.ConnectionError):
            return _RetryableAttemptError(str(error), unavailable=True)
        if isinstance(error, modal.exception.Error):
            # Timeouts, preempted containers, internal failures: worth another attempt.
            return _RetryableAttemptError(f"{type(error).__name__}: {error}")
        # An exception raised by the generator's own code is re-raised here by Modal;
        # the same input would fail the same way.
        logger.error("The Modal kick generator raised %r", error)
        return GenerationFailed("The generator failed on this request.", retryable=False)


def _build_worker() -> KickWorker:
    if settings.KICKS_WORKER == "modal":
        return ModalWorker(
            settings.MODAL_APP_NAME,
            settings.MODAL_CLASS_NAME,
            steps=settings.KICKS_SAMPLING_STEPS,
            guidance=settings.KICKS_GUIDANCE,
            timeout_s=settings.KICKS_WORKER_TIMEOUT_S,
            retries=settings.KICKS_WORKER_RETRIES,
            backoff_s=settings.KICKS_WORKER_BACKOFF_S,
        )
    return LocalWorker(
        settings.KICK_MODEL,
        cache_dir=settings.KICK_MODEL_CACHE_DIR,
        device=settings.KICK_MODEL_DEVICE,
        steps=settings.KICKS_SAMPLING_STEPS,
        guidance=settings.KICKS_GUIDANCE,
        timeout_s=settings.KICKS_WORKER_TIMEOUT_S,
        torch_threads=settings.KICKS_TORCH_THREADS,
    )


_configured: KickWorker | None = None
_configuring = threading.Lock()


def configured_worker() -> KickWorker:
    """The process-wide worker chosen by settings (one, so weights load once).

    Building the local worker imports torch: call it on a worker thread, not the event loop.
    """
    global _configured
    with _configuring:
        if _configured is None:
            _configured = _build_worker()
        return _configured


@cache
def worker_executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=settings.KICKS_WORKER_THREADS, thread_name_prefix="kick-worker"
    )


@receiver(setting_changed)
def _forget_configured_worker(setting: str, **kwargs: Any) -> None:
    if setting.startswith(("KICK", "MODAL_")):
        global _configured
        with _configuring:
            _configured = None
        if worker_executor.cache_info().currsize:
            worker_executor().shutdown(wait=False)
        worker_executor.cache_clear()

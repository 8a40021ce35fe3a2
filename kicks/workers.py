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
from collections.abc import Callable
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
    STARTING_GPU,
    WORKER_STAGES,
    BadRequest,
    CallStarted,
    GeneratorUnavailable,
    KickRequest,
    KickResult,
    ModelDescription,
    ProgressEvent,
    Stage,
    WorkerFailure,
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
        self._cache_dir = cache_dir
        self._description: ModelDescription | None = None
        self._describing = threading.Lock()
        self._pipeline = KickPipeline.from_pretrained(
            model, device=device, cache_dir=cache_dir, lazy=True
        )

    def describe(self) -> ModelDescription:
        # From the model folder's config and vocabulary: its weights load with the first kick.
        if self._pipeline.is_loaded:
            return self._worker.describe(self._pipeline)
        with self._describing:
            if self._description is None:
                try:
                    self._description = self._worker.describe_folder(self._model, self._cache_dir)
                except Exception as error:
                    logger.exception("Could not read the kick model %r", self._model)
                    raise GenerationUnavailable("The kick model could not be loaded.") from error
            return self._description

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


# A call not answered this long after it was placed waits for a container: say so (LOADING_MODEL).
SLOW_START_S = 1.0
# A container must take a call this much before its caller stops waiting (at most; a quarter of
# the start deadline when that is shorter), so that the CallStarted it sends is heard in time
# and a call the caller gave up on can always be cancelled or refuses to start.
START_MARGIN_S = 10.0


class ModalWorker(KickWorker):
    """The deployed Modal class, called through its streaming method.

    An attempt has two deadlines: `start_timeout_s` for a container to take the call (queueing
    and a cold start) and `idle_timeout_s` between two of its messages after that. A call that
    misses one is cancelled by the id its container sent first; one that no container took yet
    carries its `start_by` and refuses to start after it. So no retry runs beside the attempt it
    replaces. Failures by type: the generator unavailable (its start failed) or not reachable
    -> GenerationUnavailable; a bad request -> not retryable; anything transient is retried a
    bounded number of times with exponential backoff, then fails retryably.
    """

    def __init__(
        self,
        app_name: str,
        class_name: str,
        *,
        steps: int | None,
        guidance: float | None,
        start_timeout_s: float,
        idle_timeout_s: float,
        retries: int,
        backoff_s: float,
    ) -> None:
        self._app_name = app_name
        self._class_name = class_name
        self._steps = steps
        self._guidance = guidance
        self._start_timeout_s = start_timeout_s
        self._idle_timeout_s = idle_timeout_s
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

            # A cold container may have to start first.
            replies = read_with_deadline(
                read, first_by=time.monotonic() + self._start_timeout_s, name="modal-describe"
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

    def _attempt(self, request: KickRequest, on_progress: ProgressCallback) -> KickResult:
        margin = min(START_MARGIN_S, self._start_timeout_s / 4)
        start_by = time.time() + self._start_timeout_s - margin  # the container's clock

        # Only variations send one, so a deployment that predates them still makes kicks.
        variation = {} if request.variation is None else {"variation": request.variation.to_wire()}

        def read(emit: Emit[dict[str, Any]]) -> None:
            stream = self._generator.generate_stream.remote_gen(
                request.prompt,
                request.seed,
                self._steps if request.steps is None else request.steps,
                self._guidance if request.guidance is None else request.guidance,
                start_by,
                **variation,
            )
            with closing(stream):
                for message in stream:
                    emit(message)

        def starting() -> None:
            on_progress(ProgressEvent(Stage.LOADING_MODEL, 0, 1, STARTING_GPU))

        # Read on a helper thread, so that a silent connection cannot hold this one past a
        # deadline.
        messages = read_with_deadline(
            read,
            first_by=time.monotonic() + self._start_timeout_s,
            idle_s=self._idle_timeout_s,
            on_slow_start=(SLOW_START_S, starting),
            name="modal-stream",
        )
        call_id: str | None = None
        try:
            with closing(messages):
                for message in messages:
                    received = from_wire(message)
                    if isinstance(received, CallStarted):
                        call_id = received.call_id
                    elif isinstance(received, KickResult):
                        return received
                    elif received.stage in WORKER_STAGES:
                        on_progress(received)
        except WorkerFailure as failure:
            # Raised by the generator itself: its call is over.
            raise self._failure(failure) from failure
        except TimeoutError as error:
            self._cancel(call_id)
            raise _RetryableAttemptError(str(error)) from error
        except modal.exception.Error as error:
            # Between here and Modal: the call may still be running.
            self._cancel(call_id)
            raise self._classify(error) from error
        except (GenerationFailed, GenerationUnavailable):
            raise
        except Exception as error:
            self._cancel(call_id)
            logger.error("The Modal kick generator answered %r", error)
            raise GenerationFailed("The generator failed.", retryable=False) from error
        raise _RetryableAttemptError("the stream ended without a result")

    @staticmethod
    def _cancel(call_id: str | None) -> None:
        """Stops a call this worker gives up on, so that it does not run beside the retry."""
        if call_id is None:
            return
        try:
            modal.FunctionCall.from_id(call_id).cancel()
        except Exception:
            # Modal's own timeout ends the call at the latest.
            logger.warning("Could not cancel the Modal call %s", call_id, exc_info=True)

    @staticmethod
    def _failure(failure: WorkerFailure) -> Exception:
        if isinstance(failure, GeneratorUnavailable):
            # Its containers cannot start (model, GPU): the next attempts would fail the same.
            logger.error("The Modal kick generator cannot start: %s", failure)
            return GenerationUnavailable("The kick generator is unavailable. Please try later.")
        if isinstance(failure, BadRequest):
            logger.error("The Modal kick generator refused the request: %s", failure)
            return GenerationFailed("The generator failed on this request.", retryable=False)
        return _RetryableAttemptError(f"{type(failure).__name__}: {failure}")

    @staticmethod
    def _classify(error: modal.exception.Error) -> Exception:
        if isinstance(error, modal.exception.NotFoundError | modal.exception.AuthError):
            # Not deployed, or no valid token: retrying will not help.
            return GenerationUnavailable("The kick generator is not available.")
        if isinstance(error, modal.exception.ConnectionError):
            return _RetryableAttemptError(str(error), unavailable=True)
        # Timeouts, preempted containers, internal failures: worth another attempt.
        return _RetryableAttemptError(f"{type(error).__name__}: {error}")


def _build_worker() -> KickWorker:
    if settings.KICKS_WORKER == "modal":
        return ModalWorker(
            settings.MODAL_APP_NAME,
            settings.MODAL_CLASS_NAME,
            steps=settings.KICKS_SAMPLING_STEPS,
            guidance=settings.KICKS_GUIDANCE,
            start_timeout_s=settings.KICKS_WORKER_START_TIMEOUT_S,
            idle_timeout_s=settings.KICKS_WORKER_IDLE_TIMEOUT_S,
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

"""The one interface through which the backend asks for a kick, and its two implementations.

`KickWorker.generate` blocks until the WAV is ready, relaying progress on the way; callers run
it on `worker_executor()`, a bounded thread pool, so the server's event loop stays free.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import modal
import modal.exception
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

logger = logging.getLogger(__name__)

# Stages a worker reports, in order; the pipeline's own DONE is not relayed because the kick
# is only done once it is stored.
WORKER_STAGES = ("LOADING_MODEL", "SAMPLING", "DECODING", "VOCODING")


@dataclass(frozen=True)
class WorkerProgress:
    stage: str
    step: int
    total_steps: int
    message: str


@dataclass(frozen=True)
class WorkerResult:
    wav: bytes
    seed: int
    keywords: list[str]
    ignored_words: list[str]


ProgressCallback = Callable[[WorkerProgress], None]


class WorkerUnavailable(Exception):
    """The generator cannot be reached or is not deployed; nothing was generated."""


class WorkerFailed(Exception):
    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class KickWorker(ABC):
    @abstractmethod
    def generate(self, prompt: str, seed: int, on_progress: ProgressCallback) -> WorkerResult:
        """Generate one kick for `prompt` from `seed`; raises WorkerUnavailable or WorkerFailed."""


class _DeadlinePassed(Exception):
    pass


class LocalWorker(KickWorker):
    """The gpu_worker pipeline in this process; its weights load once, on first use."""

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
        self._model = model
        self._cache_dir = cache_dir
        self._device = device
        self._torch_threads = torch_threads
        self._steps = steps
        self._guidance = guidance
        self._timeout_s = timeout_s
        self._pipeline: Any = None
        self._load_lock = threading.Lock()

    def _loaded_pipeline(self, relay: Callable[[Any], None]) -> Any:
        with self._load_lock:
            if self._pipeline is None:
                # Imported here: torch is heavy and only the process that generates needs it.
                import torch

                from gpu_worker import KickPipeline

                if self._torch_threads:
                    # Process-wide: torch's intra-op threads serve every generation at once.
                    torch.set_num_threads(self._torch_threads)
                self._pipeline = KickPipeline.from_pretrained(
                    self._model, device=self._device, cache_dir=self._cache_dir, lazy=True
                )
        try:
            # Reads the weights on first use only, reporting LOADING_MODEL while it does.
            self._pipeline.load(relay)
        except _DeadlinePassed:
            raise
        except Exception as error:
            logger.exception("Could not load the kick model %r", self._model)
            raise WorkerUnavailable("The kick model could not be loaded.") from error
        return self._pipeline

    def generate(self, prompt: str, seed: int, on_progress: ProgressCallback) -> WorkerResult:
        deadline = time.monotonic() + self._timeout_s

        def relay(event: Any) -> None:
            # A thread cannot be stopped from outside; the pipeline's own callback can.
            if time.monotonic() > deadline:
                raise _DeadlinePassed
            stage = str(event.stage)
            if stage in WORKER_STAGES:
                on_progress(WorkerProgress(stage, event.step, event.total_steps, event.message))

        try:
            (result,) = self._loaded_pipeline(relay).generate(
                prompt,
                seed=seed,
                num_kicks=1,
                steps=self._steps,
                guidance=self._guidance,
                on_progress=relay,
            )
        except _DeadlinePassed as error:
            raise WorkerFailed("The generator took too long.", retryable=True) from error
        except WorkerUnavailable:
            raise
        except Exception as error:
            logger.exception("The local kick pipeline failed")
            raise WorkerFailed("The generator failed.", retryable=True) from error
        return WorkerResult(
            result.wav, result.seed, list(result.keywords), list(result.ignored_words)
        )


class _RetryableAttemptError(Exception):
    def __init__(self, message: str, *, unavailable: bool = False) -> None:
        super().__init__(message)
        self.unavailable = unavailable


_STREAM_END = object()


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

    def generate(self, prompt: str, seed: int, on_progress: ProgressCallback) -> WorkerResult:
        attempt = 0
        while True:
            try:
                return self._attempt(prompt, seed, on_progress)
            except _RetryableAttemptError as error:
                logger.warning("Modal attempt %d failed: %s", attempt + 1, error)
                if attempt == self._retries:
                    if error.unavailable:
                        raise WorkerUnavailable("The kick generator cannot be reached.") from error
                    raise WorkerFailed("The generator failed.", retryable=True) from error
                time.sleep(self._backoff_s * 2**attempt)
                attempt += 1

    @cached_property
    def _generator(self) -> Any:
        # A lazy reference: Modal resolves the deployed class when it is first called.
        return modal.Cls.from_name(self._app_name, self._class_name)()

    def _stream(self, prompt: str, seed: int) -> Iterator[dict[str, Any]]:
        return self._generator.generate_stream.remote_gen(
            prompt, seed, self._steps, self._guidance
        )

    def _attempt(self, prompt: str, seed: int, on_progress: ProgressCallback) -> WorkerResult:
        # The stream is read on a helper thread so that a silent connection cannot hold this
        # one past the deadline.
        events: queue.Queue[Any] = queue.Queue()
        abandoned = threading.Event()

        def read() -> None:
            try:
                stream = self._stream(prompt, seed)
                for message in stream:
                    if abandoned.is_set():
                        stream.close()
                        return
                    events.put(message)
                events.put(_STREAM_END)
            except BaseException as error:  # handed to the waiting thread, which decides
                events.put(error)

        threading.Thread(target=read, name="modal-stream", daemon=True).start()
        deadline = time.monotonic() + self._timeout_s
        try:
            while True:
                try:
                    message = events.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty as error:
                    raise _RetryableAttemptError("timed out") from error
                if message is _STREAM_END:
                    raise _RetryableAttemptError("the stream ended without a result")
                if isinstance(message, BaseException):
                    raise self._classify(message) from message
                if message.get("type") == "result":
                    return WorkerResult(
                        wav=message["wav"],
                        seed=int(message["seed"]),
                        keywords=list(message.get("keywords", [])),
                        ignored_words=list(message.get("ignored_words", [])),
                    )
                if message.get("type") == "progress" and message.get("stage") in WORKER_STAGES:
                    on_progress(
                        WorkerProgress(
                            message["stage"],
                            int(message.get("step", 0)),
                            int(message.get("total_steps", 0)),
                            str(message.get("message", "")),
                        )
                    )
        finally:
            abandoned.set()

    @staticmethod
    def _classify(error: BaseException) -> Exception:
        if isinstance(error, modal.exception.NotFoundError | modal.exception.AuthError):
            # Not deployed, or no valid token: retrying will not help.
            return WorkerUnavailable("The kick generator is not available.")
        if isinstance(error, modal.exception.ConnectionError):
            return _RetryableAttemptError(str(error), unavailable=True)
        if isinstance(error, modal.exception.Error):
            # Timeouts, preempted containers, internal failures: worth another attempt.
            return _RetryableAttemptError(f"{type(error).__name__}: {error}")
        # An exception raised by the generator's own code is re-raised here by Modal;
        # the same input would fail the same way.
        logger.error("The Modal kick generator raised %r", error)
        return WorkerFailed("The generator failed on this request.", retryable=False)


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


@cache
def configured_worker() -> KickWorker:
    """The process-wide worker chosen by settings (one, so weights load once)."""
    return _build_worker()


@cache
def worker_executor() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(
        max_workers=settings.KICKS_WORKER_THREADS, thread_name_prefix="kick-worker"
    )


@receiver(setting_changed)
def _forget_configured_worker(setting: str, **kwargs: Any) -> None:
    if setting.startswith(("KICK", "MODAL_")):
        configured_worker.cache_clear()
        if worker_executor.cache_info().currsize:
            worker_executor().shutdown(wait=False)
        worker_executor.cache_clear()

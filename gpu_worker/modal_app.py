"""Modal deployment of the kick generator: ``modal deploy gpu_worker/modal_app.py``; a first
deployment step by step is in docs/deploy.md.

Settings, read when the app is deployed (and passed on to the containers):
  KICKGEN_GPU             GPU type of the worker (default "L4"; "H100" for the fastest kicks)
  KICKGEN_MODEL           model folder or Hugging Face Hub repo id (default: the weights shipped in
                          gpu_worker/pretrained/kick-gen-v11). A folder travels in the image; a Hub
                          id is pinned to the commit its revision points to at deploy time.
  KICKGEN_CACHE_VOLUME    Modal Volume that caches Hub downloads across containers
  KICKGEN_HF_SECRET       a Modal Secret holding HF_TOKEN, for a private Hub repo (default: none)
  KICKGEN_MAX_CONTAINERS  most containers running at once (default 4), a bound on the GPU bill
  KICKGEN_LOAD_TIMEOUT_S  a container that has not loaded its model by then gives up (default 120)

A container starts in two phases with a memory snapshot between them: the weights are loaded on
the CPU (`@modal.enter(snap=True)`, captured in the snapshot once per deployment), then, in every
container restored from it, moved to the GPU (`@modal.enter(snap=False)`); no GPU, no start.
Whatever stops a container from starting reaches the caller as protocol.GeneratorUnavailable.

The methods' bodies live in KickGeneratorService, a plain class the tests run locally against a
real pipeline; this module only adds the Modal wiring.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import modal
import torch

from gpu_worker import DEFAULT_MODEL_PATH, worker
from gpu_worker.pipeline import KickPipeline
from gpu_worker.protocol import (
    BadRequest,
    CallStarted,
    GeneratorUnavailable,
    KickRequest,
    KickResult,
    ProgressEvent,
    TransientFailure,
    Variation,
    WorkerFailure,
    from_wire,
)
from gpu_worker.streams import Emit, read_with_deadline
from gpu_worker.weights import (
    WeightsError,
    is_hub_id,
    locate_model,
    pin_hub_revision,
    resolve_model_folder,
)

logger = logging.getLogger(__name__)

APP_NAME = "kick-generator-app"
CLASS_NAME = "KickGenerator"
GPU = os.environ.get("KICKGEN_GPU") or "L4"
DEVICE = "cuda"  # never the CPU: a container whose GPU torch cannot use does not start
CACHE_VOLUME = os.environ.get("KICKGEN_CACHE_VOLUME") or "kick-generator-hub-cache"
HF_SECRET = os.environ.get("KICKGEN_HF_SECRET") or None
CACHE_MOUNT = "/cache"
HUB_CACHE_DIR = f"{CACHE_MOUNT}/huggingface"
REMOTE_PACKAGE = "/root/gpu_worker"
MODELS_MOUNT = "/models"  # where a model folder named by KICKGEN_MODEL lands in the container
MAX_CONTAINERS = int(os.environ.get("KICKGEN_MAX_CONTAINERS") or 4)
LOAD_TIMEOUT_S = float(os.environ.get("KICKGEN_LOAD_TIMEOUT_S") or 120)
# Modal's own limit on a container's start (both enter phases); ours comes first, with a message.
STARTUP_TIMEOUT_S = int(LOAD_TIMEOUT_S) + 60
# Modal's GPU hosts run NVIDIA driver 575 with the CUDA 12.8 driver API (modal.com/docs/guide/cuda);
# PyPI's torch 2.11.0 is a CUDA 13 build, which needs driver 580 or newer. PyTorch's own index
# has the same release built for CUDA 12.8.
TORCH_INDEX = "https://download.pytorch.org/whl/cu128"


def base_image() -> modal.Image:
    return (
        modal.Image.debian_slim(python_version="3.11")
        .pip_install("torch==2.11.0", "torchaudio==2.11.0", index_url=TORCH_INDEX)
        .pip_install(
            "numpy==2.4.6",
            "scipy==1.17.1",  # gpu_worker.synth: the styles and word pairs the model describes
            "soundfile==0.14.0",
            "soxr==1.1.0",
            "safetensors==0.8.0",
            "huggingface_hub==2.4.0",
        )
        .env({"HF_HUB_DISABLE_TELEMETRY": "1"})
    )


@dataclass(frozen=True)
class Deployment:
    image: modal.Image
    model: str  # KICKGEN_MODEL inside the container; "" selects the shipped weights


def deployment(model_setting: str) -> Deployment:
    """The image and the container's model setting for a KICKGEN_MODEL value."""
    image = base_image().add_local_python_source("gpu_worker")
    if DEFAULT_MODEL_PATH.is_dir():
        image = image.add_local_dir(
            DEFAULT_MODEL_PATH,
            remote_path=f"{REMOTE_PACKAGE}/{DEFAULT_MODEL_PATH.relative_to(DEFAULT_MODEL_PATH.parents[1])}",
        )
    if not model_setting:
        return Deployment(image, "")
    folder = Path(model_setting).expanduser()
    if folder.exists():
        folder = resolve_model_folder(folder)  # a complete model folder, or WeightsError here
        remote = f"{MODELS_MOUNT}/{folder.resolve().name}"
        return Deployment(image.add_local_dir(folder, remote_path=remote), remote)
    if not is_hub_id(model_setting):
        raise WeightsError(f"KICKGEN_MODEL={model_setting!r} is neither a folder nor a Hub repo id")
    # Pinned where it is deployed; inside the container the setting is the pinned id already.
    return Deployment(image, pin_hub_revision(model_setting) if modal.is_local() else model_setting)


DEPLOYMENT = deployment(os.environ.get("KICKGEN_MODEL", ""))
image = DEPLOYMENT.image
app = modal.App(APP_NAME)
hub_cache = modal.Volume.from_name(CACHE_VOLUME, create_if_missing=True)
secrets = [] if HF_SECRET is None else [modal.Secret.from_name(HF_SECRET)]

Result = TypeVar("Result")


def _within(timeout_s: float, work: Callable[[], Result], what: str) -> Result:
    """``work()``, unless it takes longer than ``timeout_s`` (it is then left behind on a daemon
    thread, which dies with the container that gives up)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the caller
            outcome["error"] = error

    thread = threading.Thread(target=run, name=what, daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise TimeoutError(f"{what} took longer than {timeout_s:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def worker_failure(error: Exception) -> WorkerFailure:
    """What a failed generation tells its caller: the protocol's failure for ``error``."""
    if isinstance(error, WorkerFailure):
        return error
    if isinstance(error, ValueError):  # arguments out of range, audio post-processing refused
        return BadRequest(str(error))
    # Out of memory, a CUDA error, anything unforeseen: another attempt may go through.
    logger.exception("Kick generation failed")
    return TransientFailure(f"{type(error).__name__}: {error}")


class KickGeneratorService:
    """What a KickGenerator container does, without Modal."""

    def __init__(self, pipeline: KickPipeline) -> None:
        self.pipeline = pipeline

    @classmethod
    def load(
        cls,
        source: str | None,
        *,
        cache_dir: str | Path | None,
        timeout_s: float,
        persist: Callable[[], None] | None = None,
    ) -> KickGeneratorService:
        """Phase one: the weights of ``source`` (a folder, a Hub id or None: the shipped
        weights) on the CPU within ``timeout_s``. After a download from the Hub, ``persist``
        (the Volume's commit) keeps the cache for the next containers; its failure is logged,
        never fatal. Any failure is GeneratorUnavailable."""

        def load() -> tuple[KickPipeline, bool]:
            located = locate_model(source, cache_dir)
            return KickPipeline.from_pretrained(located.folder, device="cpu"), located.downloaded

        name = source or "the shipped model"
        try:
            pipeline, downloaded = _within(timeout_s, load, "loading the kick model")
        except Exception as error:
            logger.exception("Could not load %s", name)
            raise GeneratorUnavailable(f"{name} could not be loaded: {error}") from error
        if downloaded and persist is not None:
            try:
                persist()
            except Exception:
                # Modal commits the Volume in the background and on exit as well.
                logger.exception("Could not commit the Hub cache after downloading %s", name)
        return cls(pipeline)

    def start(self, device: str) -> None:
        """Phase two: the loaded weights onto ``device``; GeneratorUnavailable where torch cannot
        use it (there is no falling back to the CPU)."""
        try:
            self.pipeline.to(device)
        except ValueError as error:
            build = f"torch {torch.__version__}, built for CUDA {torch.version.cuda}"
            raise GeneratorUnavailable(
                f"{error} ({build}: is the NVIDIA driver older than that CUDA needs?)"
            ) from error

    def generate_stream(
        self,
        prompt: str | None = None,
        seed: int | None = None,
        steps: int | None = None,
        guidance: float | None = None,
        *,
        call_id: str | None = None,
        start_by: float | None = None,
        variation: dict[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yields CallStarted (naming the remote call), progress messages while the kick is
        generated (ProgressEvent.to_wire), then one result message (KickResult.to_wire).
        ``variation`` (Variation.to_wire) makes it a variation of a kick's latent or of a
        reference sample.

        A call that starts after ``start_by`` (the caller's ``time.time()`` deadline for a
        container to take it) generates nothing: its caller has moved on. Generation runs in a
        thread so that progress leaves the container as it happens; a failure is raised as the
        protocol's WorkerFailure, after the progress sent before it.
        """
        if start_by is not None and time.time() > start_by:
            raise TransientFailure("the call reached a container after its caller gave up on it")
        request = KickRequest(
            prompt,
            seed,
            steps,
            guidance,
            None if variation is None else Variation.from_wire(variation),
        )
        yield CallStarted(call_id).to_wire()

        def run(emit: Emit[dict[str, Any]]) -> None:
            def on_progress(event: ProgressEvent) -> None:
                emit(event.to_wire())

            emit(worker.generate(self.pipeline, request, on_progress).to_wire())

        try:
            yield from read_with_deadline(run, name="kick-generation")
        except Exception as error:
            raise worker_failure(error) from error

    def generate_batch(
        self,
        prompt: str | None = None,
        seeds: Sequence[int] = (),
        steps: int | None = None,
        guidance: float | None = None,
    ) -> list[dict[str, Any]]:
        """One result message per seed, generated as one batch."""
        try:
            kicks = self.pipeline.generate(
                prompt, seeds=list(seeds), steps=steps, guidance=guidance
            )
        except Exception as error:
            raise worker_failure(error) from error
        return [kick.to_wire() for kick in kicks]

    def describe(self) -> dict[str, Any]:
        """The model this container runs (ModelDescription.to_wire): the keyword chips' words."""
        try:
            return worker.describe(self.pipeline).to_wire()
        except Exception as error:
            raise worker_failure(error) from error


@app.cls(
    image=image,
    gpu=GPU,
    volumes={CACHE_MOUNT: hub_cache},
    env={"KICKGEN_MODEL": DEPLOYMENT.model},
    secrets=secrets,
    enable_memory_snapshot=True,
    max_containers=MAX_CONTAINERS,
    scaledown_window=300,
    timeout=600,
    startup_timeout=STARTUP_TIMEOUT_S,
)
class KickGenerator:
    @modal.enter(snap=True)
    def load(self) -> None:
        # No GPU is attached while the snapshot is taken: load on the CPU, touch no CUDA.
        self.service = KickGeneratorService.load(
            os.environ.get("KICKGEN_MODEL") or None,
            cache_dir=HUB_CACHE_DIR,
            timeout_s=LOAD_TIMEOUT_S,
            persist=hub_cache.commit,
        )

    @modal.enter(snap=False)
    def start(self) -> None:
        self.service.start(DEVICE)

    @modal.method()
    def generate_stream(
        self,
        prompt: str | None = None,
        seed: int | None = None,
        steps: int | None = None,
        guidance: float | None = None,
        start_by: float | None = None,
        variation: dict[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        yield from self.service.generate_stream(
            prompt,
            seed,
            steps,
            guidance,
            call_id=modal.current_function_call_id(),
            start_by=start_by,
            variation=variation,
        )

    @modal.method()
    def generate_batch(
        self,
        prompt: str | None = None,
        seeds: Sequence[int] = (),
        steps: int | None = None,
        guidance: float | None = None,
    ) -> list[dict[str, Any]]:
        return self.service.generate_batch(prompt, seeds, steps, guidance)

    @modal.method()
    def describe(self) -> dict[str, Any]:
        return self.service.describe()


@app.local_entrypoint()
def smoke(prompt: str = "", seed: int = 7, out: str = "modal-smoke.wav") -> None:
    """`modal run gpu_worker/modal_app.py`: streams one kick from the deployed class's code (no
    prompt: the model's default)."""
    generator = KickGenerator()
    for message in generator.generate_stream.remote_gen(prompt or None, seed):
        received = from_wire(message)
        if isinstance(received, ProgressEvent):
            print(
                f"{received.stage:<14} {received.step:>3}/{received.total_steps:<3} "
                f"{received.message}"
            )
        elif isinstance(received, KickResult):
            Path(out).write_bytes(received.wav)
            print(f"seed {received.seed} keywords {received.keywords} -> {out}")

"""Modal deployment of the kick generator: ``modal deploy gpu_worker/modal_app.py``.

Settings, read when the app is deployed (and passed on to the containers):
  KICKGEN_GPU           GPU type of the worker (default "L4"; "H100" for the fastest kicks)
  KICKGEN_MODEL         model folder or Hugging Face Hub repo id (default: the weights shipped in
                        gpu_worker/pretrained/kick-gen-v3, baked into the image)
  KICKGEN_CACHE_VOLUME  Modal Volume that caches Hub downloads across containers

The methods' bodies live in KickGeneratorService, a plain class the tests run locally against a
real pipeline; this module only adds the Modal wiring.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import modal

from gpu_worker import DEFAULT_MODEL_PATH, worker
from gpu_worker.pipeline import KickPipeline
from gpu_worker.protocol import DEFAULT_PROMPT, KickRequest, ProgressEvent, Variation, from_wire
from gpu_worker.streams import Emit, read_with_deadline

APP_NAME = "kick-generator-app"
CLASS_NAME = "KickGenerator"
GPU = os.environ.get("KICKGEN_GPU") or "L4"
MODEL = os.environ.get("KICKGEN_MODEL", "")
CACHE_VOLUME = os.environ.get("KICKGEN_CACHE_VOLUME") or "kick-generator-hub-cache"
CACHE_MOUNT = "/cache"
HUB_CACHE_DIR = f"{CACHE_MOUNT}/huggingface"
REMOTE_PACKAGE = "/root/gpu_worker"

image = (
    modal.Image.debian_slim(python_version="3.11")
    .pip_install(
        "torch==2.11.0",
        "torchaudio==2.11.0",
        "numpy==2.4.6",
        "scipy==1.17.1",  # gpu_worker.synth: the styles and word pairs the model describes
        "soundfile==0.14.0",
        "soxr==1.1.0",
        "safetensors==0.8.0",
        "huggingface_hub==2.4.0",
    )
    .env({"HF_HUB_DISABLE_TELEMETRY": "1"})
    .add_local_python_source("gpu_worker")
)
if DEFAULT_MODEL_PATH.is_dir():
    image = image.add_local_dir(
        DEFAULT_MODEL_PATH,
        remote_path=f"{REMOTE_PACKAGE}/{DEFAULT_MODEL_PATH.relative_to(DEFAULT_MODEL_PATH.parents[1])}",
    )

app = modal.App(APP_NAME)
hub_cache = modal.Volume.from_name(CACHE_VOLUME, create_if_missing=True)


class KickGeneratorService:
    """What a KickGenerator container does, without Modal."""

    def __init__(self, pipeline: KickPipeline) -> None:
        self.pipeline = pipeline

    def generate_stream(
        self,
        prompt: str | None = None,
        seed: int | None = None,
        steps: int | None = None,
        guidance: float | None = None,
        variation: dict[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yields progress messages (ProgressEvent.to_wire) while the kick is generated, then
        one result message (KickResult.to_wire). ``variation`` (Variation.to_wire) makes it a
        variation of a kick's latent or of a reference sample.

        Generation runs in a thread so that progress leaves the container as it happens; an
        exception in generation is re-raised here, after the progress sent before it.
        """
        request = KickRequest(
            prompt,
            seed,
            steps,
            guidance,
            None if variation is None else Variation.from_wire(variation),
        )

        def run(emit: Emit[dict[str, Any]]) -> None:
            def on_progress(event: ProgressEvent) -> None:
                emit(event.to_wire())

            emit(worker.generate(self.pipeline, request, on_progress).to_wire())

        yield from read_with_deadline(run, name="kick-generation")

    def generate_batch(
        self,
        prompt: str | None = None,
        seeds: Sequence[int] = (),
        steps: int | None = None,
        guidance: float | None = None,
    ) -> list[dict[str, Any]]:
        """One result message per seed, generated as one batch."""
        kicks = self.pipeline.generate(prompt, seeds=list(seeds), steps=steps, guidance=guidance)
        return [kick.to_wire() for kick in kicks]

    def describe(self) -> dict[str, Any]:
        """The model this container runs (ModelDescription.to_wire): the keyword chips' words."""
        return worker.describe(self.pipeline).to_wire()


@app.cls(
    image=image,
    gpu=GPU,
    volumes={CACHE_MOUNT: hub_cache},
    env={"KICKGEN_MODEL": MODEL},
    scaledown_window=300,
    timeout=600,
)
class KickGenerator:
    @modal.enter()
    def load(self) -> None:
        source = os.environ.get("KICKGEN_MODEL") or None
        pipeline = KickPipeline.from_pretrained(source, cache_dir=HUB_CACHE_DIR)
        if source is not None and not Path(source).exists():
            hub_cache.commit()  # keep the downloaded snapshot for the next containers
        self.service = KickGeneratorService(pipeline)

    @modal.method()
    def generate_stream(
        self,
        prompt: str | None = None,
        seed: int | None = None,
        steps: int | None = None,
        guidance: float | None = None,
        variation: dict[str, Any] | None = None,
    ) -> Iterator[dict[str, Any]]:
        yield from self.service.generate_stream(prompt, seed, steps, guidance, variation)

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
def smoke(prompt: str = DEFAULT_PROMPT, seed: int = 7, out: str = "modal-smoke.wav") -> None:
    """`modal run gpu_worker/modal_app.py`: streams one kick from the deployed class's code."""
    generator = KickGenerator()
    for message in generator.generate_stream.remote_gen(prompt, seed):
        received = from_wire(message)
        if isinstance(received, ProgressEvent):
            print(
                f"{received.stage:<14} {received.step:>3}/{received.total_steps:<3} "
                f"{received.message}"
            )
        else:
            Path(out).write_bytes(received.wav)
            print(f"seed {received.seed} keywords {received.keywords} -> {out}")

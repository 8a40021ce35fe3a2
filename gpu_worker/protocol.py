"""What a kick generation says about itself, and its wire form. Imports nothing heavy (no torch).

The one description of a generation, shared by the pipeline, the Modal app, the web app's worker
client, its channel layer and (through one GraphQL enum) the browser: the request, the progress
events with their stages and the one table of stage fractions, the result, and the failures a
worker reports. On the wire (Modal's stream, the channel layer) each message is a plain dict with
a "type" key; a failure crosses Modal as the exception itself.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Literal

# The live preview: the current estimate of the clean kick as a log-mel picture, rows from the
# lowest mel band up, 8-bit, row-major.
PREVIEW_MELS = 32
PREVIEW_FRAMES = 44
# The pipeline draws a preview at least this often during sampling (and at its last step).
PREVIEW_EVERY_STEPS = 4

# "More like this" (SDEdit): how much of the noise schedule a variation re-draws. Near 0 a
# variation is its source; at 1 it is a new kick. The one range every layer checks and the API
# serves.
MIN_VARIATION_STRENGTH = 0.1
MAX_VARIATION_STRENGTH = 0.9
DEFAULT_VARIATION_STRENGTH = 0.4
# A reference sample (gpu_worker.reference): the largest upload, and the longest hit once the
# silence around it is trimmed.
MAX_REFERENCE_BYTES = 5 * 1024 * 1024
MAX_REFERENCE_SECONDS = 10.0
# Said by the server's refusal and by the app, which checks the size before it uploads.
REFERENCE_TOO_BIG_MESSAGE = f"The sample is larger than {MAX_REFERENCE_BYTES // 2**20} MB."


class Stage(enum.StrEnum):
    QUEUED = "QUEUED"
    LOADING_MODEL = "LOADING_MODEL"
    SAMPLING = "SAMPLING"
    DECODING = "DECODING"
    VOCODING = "VOCODING"
    UPLOADING = "UPLOADING"
    DONE = "DONE"
    FAILED = "FAILED"


# Share of the whole generation that is complete when each stage starts; sampling fills the span
# up to DECODING step by step, so events in emission order never move the fraction backwards.
STAGE_START = {
    Stage.QUEUED: 0.0,
    Stage.LOADING_MODEL: 0.02,
    Stage.SAMPLING: 0.1,
    Stage.DECODING: 0.85,
    Stage.VOCODING: 0.9,
    Stage.UPLOADING: 0.96,
    Stage.DONE: 1.0,
    Stage.FAILED: 1.0,
}
TERMINAL_STAGES = frozenset({Stage.DONE, Stage.FAILED})
# What a worker reports; the rest belong to the service that stores the kick (a kick is DONE
# once it is stored, not when the pipeline returns).
WORKER_STAGES = frozenset({Stage.LOADING_MODEL, Stage.SAMPLING, Stage.DECODING, Stage.VOCODING})
# LOADING_MODEL's message while a remote worker has not answered yet (a container starting).
STARTING_GPU = "Starting the GPU"


@dataclass(frozen=True)
class Preview:
    """A PREVIEW_MELS x PREVIEW_FRAMES 8-bit log-mel picture (0 = silence floor, 255 = loudest)."""

    pixels: bytes
    mels: int = PREVIEW_MELS
    frames: int = PREVIEW_FRAMES

    def __post_init__(self) -> None:
        if len(self.pixels) != self.mels * self.frames:
            raise ValueError(
                f"a {self.mels}x{self.frames} preview needs {self.mels * self.frames} bytes"
            )


@dataclass(frozen=True)
class ProgressEvent:
    stage: Stage
    step: int = 0
    total_steps: int = 0
    message: str = ""
    preview: Preview | None = None

    @property
    def fraction(self) -> float:
        """Overall progress of the generation in [0, 1]."""
        start = STAGE_START[self.stage]
        if self.stage is Stage.SAMPLING and self.total_steps > 0:
            span = STAGE_START[Stage.DECODING] - start
            return round(start + span * min(self.step, self.total_steps) / self.total_steps, 4)
        return start

    @property
    def is_terminal(self) -> bool:
        return self.stage in TERMINAL_STAGES

    def to_wire(self) -> dict[str, Any]:
        return {
            "type": "progress",
            "stage": self.stage.value,
            "step": self.step,
            "total_steps": self.total_steps,
            "message": self.message,
            "preview": None if self.preview is None else self.preview.pixels,
        }

    @classmethod
    def from_wire(cls, message: dict[str, Any]) -> ProgressEvent:
        pixels = message.get("preview")
        return cls(
            stage=Stage(message["stage"]),
            step=int(message.get("step", 0)),
            total_steps=int(message.get("total_steps", 0)),
            message=str(message.get("message", "")),
            preview=None if pixels is None else Preview(bytes(pixels)),
        )


@dataclass(frozen=True)
class ModelIdentity:
    """Which model made a kick: its name (folder or Hub repo) and a digest of its files."""

    name: str
    version: str

    def to_wire(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version}

    @classmethod
    def from_wire(cls, message: dict[str, Any]) -> ModelIdentity:
        return cls(name=str(message["name"]), version=str(message["version"]))


@dataclass(frozen=True)
class Variation:
    """Where a variation starts: a kick's final latent (float32, made by the model version
    `latent_version`) or a reference sample prepared like training data (a WAV at the model's
    rate and length); noised to `strength`, then denoised with the request's seed."""

    strength: float
    latent: bytes | None = None
    latent_version: str = ""
    reference_wav: bytes | None = None

    def __post_init__(self) -> None:
        if (self.latent is None) == (self.reference_wav is None):
            raise ValueError("a variation starts from a latent or from a reference, not both")

    def to_wire(self) -> dict[str, Any]:
        return {
            "strength": self.strength,
            "latent": self.latent,
            "latent_version": self.latent_version,
            "reference_wav": self.reference_wav,
        }

    @classmethod
    def from_wire(cls, message: dict[str, Any]) -> Variation:
        latent, reference = message.get("latent"), message.get("reference_wav")
        return cls(
            strength=float(message["strength"]),
            latent=None if latent is None else bytes(latent),
            latent_version=str(message.get("latent_version", "")),
            reference_wav=None if reference is None else bytes(reference),
        )


@dataclass(frozen=True)
class KickRequest:
    """One kick: the prompt (None: the model's default) and seed; None steps/guidance: the
    model's defaults; a variation starts from a kick or a reference sample instead of noise."""

    prompt: str | None
    seed: int
    steps: int | None = None
    guidance: float | None = None
    variation: Variation | None = None


UNKNOWN_MODEL = ModelIdentity("", "")


@dataclass(frozen=True)
class KickResult:
    """A kick and its recipe: the words the model understood and ignored, the sampling settings
    it used (the sampler: "distilled" or "ddim", its steps and guidance), the model, and its
    final latent (float32 bytes, what a variation starts from)."""

    wav: bytes
    seed: int
    keywords: list[str] = field(default_factory=list)
    ignored_words: list[str] = field(default_factory=list)
    steps: int = 0
    guidance: float = 0.0
    model: ModelIdentity = UNKNOWN_MODEL
    latent: bytes = b""
    sampler: str = ""

    def to_wire(self) -> dict[str, Any]:
        return {
            "type": "result",
            "wav": self.wav,
            "seed": self.seed,
            "keywords": list(self.keywords),
            "ignored_words": list(self.ignored_words),
            "steps": self.steps,
            "guidance": self.guidance,
            "model": self.model.to_wire(),
            "latent": self.latent,
            "sampler": self.sampler,
        }

    @classmethod
    def from_wire(cls, message: dict[str, Any]) -> KickResult:
        model = message.get("model")
        return cls(
            wav=bytes(message["wav"]),
            seed=int(message["seed"]),
            keywords=list(message.get("keywords", [])),
            ignored_words=list(message.get("ignored_words", [])),
            steps=int(message.get("steps", 0)),
            guidance=float(message.get("guidance", 0.0)),
            model=UNKNOWN_MODEL if model is None else ModelIdentity.from_wire(model),
            latent=bytes(message.get("latent", b"")),
            sampler=str(message.get("sampler", "")),
        )


@dataclass(frozen=True)
class ModelDescription:
    """What the deployed model understands, for the keyword chips: every word of its vocabulary,
    grouped into styles, opposite pairs of character words and the rest, and the words of its
    default prompt."""

    model: ModelIdentity
    words: list[str]
    styles: list[str]
    pairs: list[tuple[str, str]]
    other_words: list[str]
    default_prompt: str
    default_words: list[str]  # the default prompt's words the model understands

    def to_wire(self) -> dict[str, Any]:
        return {
            "model": self.model.to_wire(),
            "words": list(self.words),
            "styles": list(self.styles),
            "pairs": [list(pair) for pair in self.pairs],
            "other_words": list(self.other_words),
            "default_prompt": self.default_prompt,
            "default_words": list(self.default_words),
        }

    @classmethod
    def from_wire(cls, message: dict[str, Any]) -> ModelDescription:
        return cls(
            model=ModelIdentity.from_wire(message["model"]),
            words=[str(word) for word in message["words"]],
            styles=[str(word) for word in message["styles"]],
            pairs=[(str(low), str(high)) for low, high in message["pairs"]],
            other_words=[str(word) for word in message["other_words"]],
            default_prompt=str(message["default_prompt"]),
            default_words=[str(word) for word in message["default_words"]],
        )


@dataclass(frozen=True)
class CallStarted:
    """A remote worker's first message: its input has reached a running container. ``call_id``
    names the remote call (Modal's function-call id), so that a caller that gives up on it can
    cancel it instead of leaving it to run beside a retry."""

    call_id: str | None

    def to_wire(self) -> dict[str, Any]:
        return {"type": "started", "call_id": self.call_id}

    @classmethod
    def from_wire(cls, message: dict[str, Any]) -> CallStarted:
        call_id = message.get("call_id")
        return cls(None if call_id is None else str(call_id))


WireType = Literal["progress", "result", "started"]


def from_wire(message: dict[str, Any]) -> ProgressEvent | KickResult | CallStarted:
    """A progress event, a result or a call's start from its wire form."""
    kind: WireType = message["type"]
    if kind == "progress":
        return ProgressEvent.from_wire(message)
    if kind == "result":
        return KickResult.from_wire(message)
    if kind == "started":
        return CallStarted.from_wire(message)
    raise ValueError(f"unknown message type {kind!r}")


# --- Failures ----------------------------------------------------------------------------------
# What a worker raises when it produces no kick, one class per way the caller should react. The
# Modal class raises them (from its startup hooks too) and Modal re-raises the same type in the
# web app, which maps each to its own failure (kicks.workers). Plain exceptions with one message
# argument, so that they pickle across.


class WorkerFailure(Exception):
    """A generation the worker could not run."""


class GeneratorUnavailable(WorkerFailure):
    """The generator cannot start: its model is missing, broken or did not load in time, or its
    GPU is unusable. Later requests may find it repaired; this one ran nothing."""


class BadRequest(WorkerFailure):
    """This request cannot produce a kick (arguments out of range, or a prompt and seed whose
    audio the post-processing refuses): the same request fails the same way every time."""


class TransientFailure(WorkerFailure):
    """This attempt failed where another may not (the GPU ran out of memory, the container was
    interrupted, the call started after its caller had given up on it)."""

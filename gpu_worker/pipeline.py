"""KickPipeline: prompt -> keyword embedding -> DDIM in the VAE latent -> VAE decoder -> vocoder ->
post-processing -> 16-bit WAV.

The DDIM steps run either the U-Net with classifier-free guidance (conditional and unconditional
pass as one batched forward) or, where the model folder has one, the student distilled from it
(config.distilled: a few steps of one pass each, the guidance baked in). A variation ("more like
this", SDEdit) starts the guided DDIM part-way instead: from a kick's final latent, or a reference
sample's (``encode_audio``), noised to the schedule's ``strength``."""

from __future__ import annotations

import math
import secrets
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from gpu_worker.audio import LogMelSpectrogram, deliver
from gpu_worker.config import ModelConfig, Sampler
from gpu_worker.models import KickModels, Vocabulary, build_models
from gpu_worker.preview import PreviewDecoder, picture_of
from gpu_worker.protocol import (
    PREVIEW_EVERY_STEPS,
    KickResult,
    ModelIdentity,
    Preview,
    ProgressEvent,
    Stage,
)
from gpu_worker.sampler import DDIMSampler
from gpu_worker.weights import (
    load_model_folder,
    model_identity,
    resolve_model_folder,
    save_model_folder,
)

MAX_SEED = 2**63 - 1  # seeds are stored in signed 64-bit database columns
MAX_KICKS_PER_CALL = 256
MAX_GUIDANCE = 30.0
MAX_PROMPT_LENGTH = 500
# The kicks the preview readout is fitted to (gpu_worker.preview): 8 prompts x 2 seeds.
PREVIEW_FIT_PROMPTS = 8
PREVIEW_FIT_KICKS_PER_PROMPT = 2
PREVIEW_FIT_SEED = 0
# Decoder and vocoder activations grow with the batch; latents do not, so only those two are
# run in chunks on a CPU (a GPU has the memory for a whole call, and chunks cost it launches).
DECODE_CHUNK = 16


ProgressCallback = Callable[[ProgressEvent], None]
# A pipeline built in memory (tests, the start of training) has no files to name it by.
UNSAVED_MODEL = ModelIdentity("unsaved", "")


@dataclass(frozen=True)
class Sampling:
    """How one generation samples: the distilled student, or the guided DDIM of the U-Net."""

    sampler: Sampler
    steps: int
    guidance: float


def _ignore_progress(event: ProgressEvent) -> None:
    del event


class KickPipeline:
    def __init__(
        self,
        config: ModelConfig,
        vocabulary: Vocabulary,
        models: KickModels,
        device: str | torch.device | None = None,
    ) -> None:
        self._device = _resolve_device(device)
        self._source: tuple[str | Path | None, str | Path | None] | None = None
        self._load_lock = threading.Lock()
        self._identity = UNSAVED_MODEL
        self._install(config, vocabulary, models)

    def _install(self, config: ModelConfig, vocabulary: Vocabulary, models: KickModels) -> None:
        self._config = config
        self._vocabulary = vocabulary
        self._sampler = DDIMSampler(config.diffusion)
        models = models.to(self._device).for_inference()
        self._preview: PreviewDecoder | None = None  # fitted at the first preview
        # Assigned last: its presence is what marks the pipeline as loaded.
        self._models = models

    # Construction ------------------------------------------------------------------------------

    @classmethod
    def from_config(
        cls,
        config: ModelConfig,
        vocab: Sequence[str] | Vocabulary,
        seed: int = 0,
        device: str | torch.device | None = None,
    ) -> KickPipeline:
        """Randomly initialised pipeline (tests, benchmarks, the start of training)."""
        vocabulary = vocab if isinstance(vocab, Vocabulary) else Vocabulary(vocab)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            models = build_models(config, len(vocabulary))
        return cls(config, vocabulary, models, device)

    @classmethod
    def from_pretrained(
        cls,
        path_or_hub_id: str | Path | None = None,
        device: str | torch.device | None = None,
        cache_dir: str | Path | None = None,
        *,
        lazy: bool = False,
    ) -> KickPipeline:
        """Loads a model folder or Hub repo id (None: the weights shipped in the repository).

        With ``lazy=True`` nothing is read until ``load()`` or the first ``generate()``, which then
        reports the LOADING_MODEL stage through its progress callback.
        """
        pipeline = cls.__new__(cls)
        pipeline._device = _resolve_device(device)
        pipeline._source = (path_or_hub_id, cache_dir)
        pipeline._load_lock = threading.Lock()
        if not lazy:
            pipeline.load()
        return pipeline

    def load(self, on_progress: ProgressCallback | None = None) -> None:
        """Loads the weights of a lazy pipeline once; a no-op when they are loaded."""
        with self._load_lock:
            if self.is_loaded:
                return
            assert self._source is not None
            path_or_hub_id, cache_dir = self._source
            (on_progress or _ignore_progress)(
                ProgressEvent(Stage.LOADING_MODEL, 0, 1, loading_message(self._device))
            )
            folder = resolve_model_folder(path_or_hub_id, cache_dir)
            self._identity = model_identity(path_or_hub_id, folder)
            self._install(*load_model_folder(folder))

    def to(self, device: str | torch.device) -> KickPipeline:
        """Moves the pipeline to ``device`` (refused when it is not there), e.g. weights loaded
        on the CPU into a memory snapshot, moved to the GPU once it is restored."""
        resolved = _resolve_device(device)
        with self._load_lock:
            self._device = resolved
            if self.is_loaded:
                self._install(self._config, self._vocabulary, self._models)
        return self

    def save_pretrained(self, path: str | Path) -> None:
        save_model_folder(Path(path), self.config, self.vocabulary, self.models)

    # State -------------------------------------------------------------------------------------

    @property
    def is_loaded(self) -> bool:
        return hasattr(self, "_models")

    @property
    def sampler(self) -> DDIMSampler:
        """The noise schedule and DDIM update (the same object training uses)."""
        self.load()
        return self._sampler

    @property
    def device(self) -> torch.device:
        return self._device

    @property
    def config(self) -> ModelConfig:
        self.load()
        return self._config

    @property
    def vocabulary(self) -> Vocabulary:
        self.load()
        return self._vocabulary

    @property
    def models(self) -> KickModels:
        self.load()
        return self._models

    @property
    def identity(self) -> ModelIdentity:
        """The model's name and version (a digest of its files), recorded in every recipe."""
        self.load()
        return self._identity

    # Generation --------------------------------------------------------------------------------

    def generate(
        self,
        prompt: str | None = None,
        *,
        seed: int | None = None,
        num_kicks: int = 1,
        seeds: Sequence[int] | None = None,
        steps: int | None = None,
        guidance: float | None = None,
        on_progress: ProgressCallback | None = None,
        previews: bool = False,
        start_latent: torch.Tensor | None = None,
        strength: float = 1.0,
    ) -> list[KickResult]:
        """Generates kicks for ``prompt`` (None: the model's default prompt).

        Kick i uses ``seed + i`` (a random seed when None); ``seeds`` instead gives every kick's
        seed explicitly. Without ``steps`` and ``guidance`` the model's default sampler runs
        (see ``sampling``). A kick depends only on (prompt, seed, sampling), not on the rest of
        the batch. With ``previews``, the first kick's progress events carry a picture of it as
        it forms (see ``sample_latents``), then the decoded spectrogram (VOCODING).
        With ``start_latent`` (one scaled latent, ``latent_shape``), every kick is a variation
        of it at ``strength``: always the guided DDIM (see ``variation_sampling``).
        """
        emit = on_progress or _ignore_progress
        self.load(emit)
        prompt = self._config.default_prompt if prompt is None else prompt
        kick_seeds = _resolve_seeds(seed, num_kicks, seeds)
        sampling = (
            self.sampling(steps, guidance)
            if start_latent is None
            else self.variation_sampling(steps, guidance)
        )
        _validate(prompt, sampling.steps, sampling.guidance, self._sampler.num_train_timesteps)
        if start_latent is not None:
            _validate_variation(start_latent, strength, self._models.vae.latent_shape)
        tokens = self._vocabulary.tokenize(prompt)

        with torch.inference_mode():
            latents = self.sample_latents(
                tokens.ids, kick_seeds, sampling, emit, previews, start_latent, strength
            )
            emit(ProgressEvent(Stage.DECODING, 0, 0, "Decoding the spectrogram"))
            chunk_size = DECODE_CHUNK if self._device.type == "cpu" else MAX_KICKS_PER_CALL
            mel = torch.cat([self.decode(chunk) for chunk in latents.split(chunk_size)])
            final = picture_of(mel[0]) if previews else None
            emit(ProgressEvent(Stage.VOCODING, 0, 0, "Rendering audio", final))
            audio = torch.cat([self.vocode(chunk) for chunk in mel.split(chunk_size)])
            wavs = deliver(audio, self._config.audio)

        results = [
            KickResult(
                wav,
                kick_seed,
                list(tokens.keywords),
                list(tokens.ignored_words),
                sampler=sampling.sampler,
                steps=sampling.steps,
                guidance=sampling.guidance,
                model=self._identity,
                latent=latent_to_bytes(latent),
            )
            for wav, kick_seed, latent in zip(wavs, kick_seeds, latents, strict=True)
        ]
        emit(ProgressEvent(Stage.DONE, 0, 0, f"Generated {len(results)} kick(s)"))
        return results

    def sampling(self, steps: int | None = None, guidance: float | None = None) -> Sampling:
        """The model's default sampler when neither ``steps`` nor ``guidance`` is given; the
        guided DDIM of the U-Net (the distillation's teacher) with them, the missing one at the
        model's default."""
        return sampling_of(self.config, steps, guidance)

    def variation_sampling(
        self, steps: int | None = None, guidance: float | None = None
    ) -> Sampling:
        """A variation's sampler: always the guided DDIM (the distilled student only knows its
        own few steps from pure noise), at the model's default steps unless given."""
        return self.sampling(self.config.default_steps if steps is None else steps, guidance)

    def initial_noise(self, seeds: Sequence[int]) -> torch.Tensor:
        """Per-seed starting latents, drawn on the CPU so that a seed means the same kick on
        every device and in every batch."""
        shape = self._models.vae.latent_shape
        noise = [
            torch.randn(shape, generator=torch.Generator().manual_seed(seed)) for seed in seeds
        ]
        return torch.stack(noise).to(self._device)

    def keyword_embedding(self, ids: Sequence[int]) -> torch.Tensor:
        """(1, dim) embedding of the given keyword ids; no ids gives the null embedding."""
        weights = self._vocabulary.multi_hot([ids]).to(self._device)
        return self._models.keywords(weights)

    def guided_prediction(
        self,
        unet: torch.nn.Module,
        latents: torch.Tensor,
        timestep: int,
        conditional: torch.Tensor,
        unconditional: torch.Tensor | None,
        guidance: float,
    ) -> torch.Tensor:
        """U-Net output with classifier-free guidance; the conditional and unconditional passes
        run as one batched forward. ``unconditional=None`` runs the conditional pass only."""
        batch = latents.shape[0]
        if unconditional is None:
            timesteps = torch.full((batch,), timestep, device=self._device)
            return unet(latents, timesteps, conditional.expand(batch, -1))
        timesteps = torch.full((2 * batch,), timestep, device=self._device)
        embeddings = torch.cat([conditional.expand(batch, -1), unconditional.expand(batch, -1)])
        both = unet(torch.cat([latents, latents]), timesteps, embeddings)
        cond, uncond = both.chunk(2)
        return uncond + guidance * (cond - uncond)

    def sample_latents(
        self,
        keyword_ids: Sequence[int],
        seeds: Sequence[int],
        sampling: Sampling,
        on_progress: ProgressCallback = _ignore_progress,
        previews: bool = False,
        start_latent: torch.Tensor | None = None,
        strength: float = 1.0,
    ) -> torch.Tensor:
        """DDIM from per-seed noise to scaled latents (batch, *latent_shape); with ``previews``,
        the first kick's current clean estimate rides on the SAMPLING event as a picture every
        PREVIEW_EVERY_STEPS steps (every half of a shorter run), the last step excepted.

        With ``start_latent`` (SDEdit), sampling runs only the steps of the ``steps``-step DDIM
        grid that lie below ``strength`` of the schedule (``variation_timesteps``), from
        ``start_latent`` noised to the first of them with each seed's noise: strength 0 returns
        it as it is, strength 1 forgets it (the grid starts at pure noise).
        """
        latents = self.initial_noise(seeds)
        conditional = self.keyword_embedding(keyword_ids)
        steps, guidance = sampling.steps, sampling.guidance
        if sampling.sampler == "distilled":
            unet, unconditional = self._student(), None  # its guidance is baked in
        else:
            unet = self._models.unet
            # Guidance 1 and prompts without known words make both passes identical: run one.
            unconditional = (
                self.keyword_embedding(()) if guidance != 1.0 and len(keyword_ids) > 0 else None
            )
        timesteps = self._sampler.timesteps(steps)
        if start_latent is not None:
            timesteps = variation_timesteps(timesteps, strength, self._sampler.num_train_timesteps)
            start = start_latent.to(self._device, latents.dtype).expand_as(latents)
            if not timesteps:
                return start.clone()
            first = torch.full((len(seeds),), timesteps[0], dtype=torch.long)
            latents = self._sampler.add_noise(start, latents, first)
            steps = len(timesteps)
        previewed = preview_steps(steps) if previews else ()
        guided_below = self._config.guidance_noise_limit * self._sampler.num_train_timesteps
        for index, timestep in enumerate(timesteps):
            previous = timesteps[index + 1] if index + 1 < len(timesteps) else -1
            prediction = self.guided_prediction(
                unet,
                latents,
                timestep,
                conditional,
                unconditional if timestep < guided_below else None,
                guidance,
            )
            step = index + 1
            preview = None
            if step in previewed:
                clean = self._sampler.clean_estimate(prediction[:1], timestep, latents[:1])
                preview = self.preview(clean)
            latents = self._sampler.step(prediction, timestep, previous, latents)
            message = f"Denoising step {step}/{steps}"
            on_progress(ProgressEvent(Stage.SAMPLING, step, steps, message, preview))
        return latents

    def encode_audio(self, waveforms: torch.Tensor) -> torch.Tensor:
        """Prepared kicks (batch, num_samples) at the model's rate (gpu_worker.data's
        preparation) -> scaled latents (batch, *latent_shape): the VAE posterior's mean, so the
        same sample always gives the same latent."""
        self.load()
        with self._load_lock:
            if not hasattr(self, "_analysis"):
                self._analysis = LogMelSpectrogram(self._config.audio).to(self._device)
        with torch.inference_mode():
            mel = self._analysis(waveforms.to(self._device, torch.float32))
            return self._models.vae.encode(mel).mean * self._config.vae.scaling_factor

    def latent_from_bytes(self, data: bytes) -> torch.Tensor:
        """A latent's float32 bytes (KickResult.latent) -> (1, *latent_shape)."""
        self.load()
        shape = self._models.vae.latent_shape
        values = np.frombuffer(data, dtype="<f4")
        if values.size != math.prod(shape) or not np.isfinite(values).all():
            raise ValueError(f"a latent of this model is {math.prod(shape)} finite float32 values")
        return torch.from_numpy(values.copy()).view(1, *shape)

    def compile(self) -> None:
        """CUDA graphs through torch.compile for the networks a kick runs: the U-Nets, the VAE
        decoder and the vocoder's network (its inverse STFT's running phase sum fails in
        inductor's CUDA code generation, torch 2.11). Each new batch size compiles once, so
        warm up the sizes that will be served. Measured in bench/generation.py (--compile)."""
        models = self.models
        for name in ("unet", "student"):
            module = getattr(models, name)
            if module is not None:
                setattr(models, name, torch.compile(module, mode="reduce-overhead"))
        models.vae.decode = torch.compile(models.vae.decode, mode="reduce-overhead")
        vocoder = models.vocoder
        vocoder.spectral_frames = torch.compile(vocoder.spectral_frames, mode="reduce-overhead")

    def _student(self) -> torch.nn.Module:
        student = self._models.student
        if student is None:
            raise ValueError("this model has no distilled sampler; pass steps or guidance")
        return student

    def preview(self, latent: torch.Tensor) -> Preview:
        """A (1, *latent_shape) scaled latent as a small picture (gpu_worker.preview); the first
        preview fits the readout to the model's own kicks (a fifth of a second on a CPU with the
        shipped sampler)."""
        with self._load_lock:
            if self._preview is None:
                self._preview = PreviewDecoder(
                    self._models.vae,
                    self._config.vae.scaling_factor,
                    self._device,
                    self._preview_fit_latents(),
                )
        return self._preview(latent)

    def _preview_fit_latents(self) -> torch.Tensor:
        """Seeded kicks of the default sampler, for the default prompt and words spread over
        the vocabulary: the latents the preview readout is fitted to."""
        words = self._vocabulary.words
        spaced = words[:: max(1, len(words) // (PREVIEW_FIT_PROMPTS - 1))]
        prompts = [self._config.default_prompt, *spaced][:PREVIEW_FIT_PROMPTS]
        seeds = range(PREVIEW_FIT_SEED, PREVIEW_FIT_SEED + PREVIEW_FIT_KICKS_PER_PROMPT)
        with torch.inference_mode():
            return torch.cat(
                [
                    self.sample_latents(
                        self._vocabulary.tokenize(prompt).ids,
                        list(seeds),
                        sampling_of(self._config),  # the load lock is held: no self.sampling()
                    )
                    for prompt in prompts
                ]
            )

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """Scaled latents -> normalised log-mel (batch, n_mels, frames)."""
        return self._models.vae.decode(latents / self._config.vae.scaling_factor)

    def vocode(self, mel: torch.Tensor) -> torch.Tensor:
        """Normalised log-mel -> raw waveform (batch, num_samples), before post-processing."""
        return self._models.vocoder(mel)


def variation_timesteps(timesteps: Sequence[int], strength: float, schedule: int) -> list[int]:
    """The steps of a DDIM grid that a variation at ``strength`` runs: those below that share
    of the ``schedule`` (so about ``strength`` of the steps, and none at strength 0)."""
    return [timestep for timestep in timesteps if timestep < strength * schedule]


def latent_to_bytes(latent: torch.Tensor) -> bytes:
    """One scaled latent as little-endian float32 bytes (352 values for the default model)."""
    return latent.detach().to("cpu", torch.float32).numpy().astype("<f4").tobytes()


def sampling_of(
    config: ModelConfig, steps: int | None = None, guidance: float | None = None
) -> Sampling:
    """KickPipeline.sampling for a model of ``config``."""
    if steps is None and guidance is None and config.sampler == "distilled":
        return Sampling("distilled", config.distilled.steps, config.distilled.guidance)
    return Sampling(
        "ddim",
        config.default_steps if steps is None else steps,
        config.default_guidance if guidance is None else guidance,
    )


def preview_steps(steps: int) -> range:
    """The sampling steps whose events carry a preview: every PREVIEW_EVERY_STEPS steps (every
    half of a shorter run), but not the last, whose estimate is the result, decoded next anyway
    (VOCODING's preview)."""
    every = min(PREVIEW_EVERY_STEPS, max(1, steps // 2))
    return range(every, steps, every)


def loading_message(device: torch.device) -> str:
    """What the LOADING_MODEL stage tells a member: only a GPU has anything to warm up."""
    return "Warming up the GPU" if device.type == "cuda" else "Loading the model"


def _resolve_device(device: str | torch.device | None) -> torch.device:
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except RuntimeError as error:
        raise ValueError(f"unknown device {device!r}") from error
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} was requested but CUDA is not available")
    return resolved


def _resolve_seeds(seed: int | None, num_kicks: int, seeds: Sequence[int] | None) -> list[int]:
    if seeds is not None:
        if seed is not None or num_kicks != 1:
            raise ValueError("pass either seeds or seed/num_kicks, not both")
        kick_seeds = list(seeds)
        if not 1 <= len(kick_seeds) <= MAX_KICKS_PER_CALL:
            raise ValueError(f"between 1 and {MAX_KICKS_PER_CALL} seeds are allowed")
    else:
        if not 1 <= num_kicks <= MAX_KICKS_PER_CALL:
            raise ValueError(f"num_kicks must be between 1 and {MAX_KICKS_PER_CALL}")
        first = secrets.randbelow(MAX_SEED + 1) if seed is None else seed
        _check_seed(first)
        kick_seeds = [(first + index) % (MAX_SEED + 1) for index in range(num_kicks)]
    for kick_seed in kick_seeds:
        _check_seed(kick_seed)
    return kick_seeds


def _validate_variation(
    start_latent: torch.Tensor, strength: float, latent_shape: tuple[int, ...]
) -> None:
    if tuple(start_latent.shape) not in (tuple(latent_shape), (1, *latent_shape)):
        raise ValueError(
            f"start_latent must have shape {latent_shape}, got {tuple(start_latent.shape)}"
        )
    if not math.isfinite(strength) or not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be between 0 and 1, got {strength!r}")


def _check_seed(seed: object) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be an integer between 0 and {MAX_SEED}, got {seed!r}")


def _validate(prompt: str, steps: int, guidance: float, max_steps: int) -> None:
    if not isinstance(prompt, str) or len(prompt) > MAX_PROMPT_LENGTH:
        raise ValueError(f"prompt must be a string of at most {MAX_PROMPT_LENGTH} characters")
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= max_steps:
        raise ValueError(f"steps must be an integer between 1 and {max_steps}, got {steps!r}")
    check_guidance(guidance)


def check_guidance(guidance: float) -> None:
    """The guidance scales a model samples at (generation, and the teacher of a distillation)."""
    if not math.isfinite(guidance) or not 0.0 <= guidance <= MAX_GUIDANCE:
        raise ValueError(f"guidance must be between 0 and {MAX_GUIDANCE}, got {guidance!r}")

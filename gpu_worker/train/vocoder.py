"""Vocoder stage: log-mel -> audio, trained with a log-mel L1, a multi-resolution STFT loss
(spectral convergence + log magnitude) and a waveform L1 against the real audio. It learns on
ground-truth mels; with `vae_share` > 0 part of each batch uses the trained VAE's reconstructions
instead, so the vocoder also sees the slightly smoothed mels it gets at generation time."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
import torch.nn.functional as F

from gpu_worker.audio import LogMelSpectrogram
from gpu_worker.data import load_dataset
from gpu_worker.models import Vocoder
from gpu_worker.train.common import (
    ATTACK_S,
    Budget,
    LearningRate,
    Progress,
    checkpoint_path,
    load_checkpoint,
    run_config,
    run_vocabulary,
    save_checkpoint,
    seed_everything,
    select_device,
    stage_logging,
    train_loop,
    training_order,
)
from gpu_worker.train.vae import trained_vae

STAGE = "vocoder"
STFT_RESOLUTIONS = ((512, 128), (1024, 256), (2048, 512))
ATTACK_RESOLUTIONS = ((128, 32), (256, 64), (512, 128))
# Magnitude floor of the log-distance, about -90 dB below a full-scale sine: without it the loss
# is dominated by matching exact digital silence, which nobody hears.
MAGNITUDE_FLOOR = 1e-2


@dataclasses.dataclass(frozen=True)
class VocoderTraining:
    batch_size: int = 8
    # How much more often a real (recorded or augmented) kick is drawn than a procedural one.
    real_weight: float = 3.0
    learning_rate: float = 1e-3
    decay_share: float = 0.15
    mel_weight: float = 1.0
    stft_weight: float = 1.0
    # A kick's body starts at a fixed phase, so the waveform itself is a usable target; it teaches
    # the phase of the low sine much faster than magnitude losses alone.
    waveform_weight: float = 10.0
    # The multi-resolution STFT loss once more on the attack alone, at finer resolutions.
    attack_weight: float = 1.0
    vae_share: float = 0.0


def multi_resolution_stft_loss(
    predicted: torch.Tensor,
    target: torch.Tensor,
    resolutions: tuple[tuple[int, int], ...] = STFT_RESOLUTIONS,
) -> torch.Tensor:
    total = predicted.new_zeros(())
    for n_fft, hop in resolutions:
        window = torch.hann_window(n_fft, device=predicted.device)

        def magnitude(
            x: torch.Tensor, n_fft: int = n_fft, hop: int = hop, window: torch.Tensor = window
        ) -> torch.Tensor:
            spectrum = torch.stft(x, n_fft, hop, window=window, return_complex=True)
            return spectrum.abs().clamp_min(MAGNITUDE_FLOOR)

        predicted_mag, target_mag = magnitude(predicted), magnitude(target)
        convergence = torch.linalg.vector_norm(target_mag - predicted_mag, dim=(1, 2)) / (
            torch.linalg.vector_norm(target_mag, dim=(1, 2)) + 1e-7
        )
        log_distance = F.l1_loss(predicted_mag.log(), target_mag.log())
        total = total + convergence.mean() + log_distance
    return total / len(resolutions)


def attack_loss(predicted: torch.Tensor, target: torch.Tensor, sample_rate: int) -> torch.Tensor:
    """The multi-resolution STFT loss on the first `ATTACK_S` of the kicks only."""
    samples = round(ATTACK_S * sample_rate)
    return multi_resolution_stft_loss(
        predicted[:, :samples], target[:, :samples], ATTACK_RESOLUTIONS
    )


def vocoder_loss(
    vocoder: Vocoder,
    to_mel: LogMelSpectrogram,
    mel: torch.Tensor,
    audio: torch.Tensor,
    settings: VocoderTraining,
) -> tuple[torch.Tensor, dict[str, float]]:
    predicted = vocoder(mel)
    mel_l1 = F.l1_loss(to_mel(predicted), to_mel(audio))
    stft = multi_resolution_stft_loss(predicted, audio)
    waveform = F.l1_loss(predicted, audio)
    attack = attack_loss(predicted, audio, vocoder.audio.sample_rate)
    loss = (
        settings.mel_weight * mel_l1
        + settings.stft_weight * stft
        + settings.waveform_weight * waveform
        + settings.attack_weight * attack
    )
    return loss, {
        "loss": loss.item(),
        "mel_l1": mel_l1.item(),
        "stft": stft.item(),
        "waveform_l1": waveform.item(),
        "attack": attack.item(),
    }


def train_vocoder(
    data_dir: Path,
    run_dir: Path,
    budget: Budget,
    settings: VocoderTraining = VocoderTraining(),
    seed: int = 0,
    device: str | None = None,
    fresh: bool = False,
) -> Progress:
    target = select_device(device)
    generator = seed_everything(seed)
    config = run_config(run_dir)
    run_vocabulary(run_dir, data_dir)
    train = load_dataset(data_dir).split(held_out=False)
    vocoder = Vocoder(config.vocoder, config.audio).to(target)
    to_mel = LogMelSpectrogram(config.audio).to(target)
    optimizer = torch.optim.AdamW(vocoder.parameters(), lr=settings.learning_rate)
    vae = trained_vae(run_dir, config)[0].to(target) if settings.vae_share > 0 else None

    with stage_logging(run_dir, STAGE) as log:
        progress = Progress()
        if checkpoint_path(run_dir, STAGE).exists() and not fresh:
            progress = load_checkpoint(
                run_dir, STAGE, {"vocoder": vocoder}, {"adam": optimizer}, generator
            )
            log.info("resuming the vocoder at step %d", progress.step)
        log.info(
            "vocoder: %d parameters, %d training kicks, VAE mels for %.0f %% of each batch, %s",
            sum(p.numel() for p in vocoder.parameters()),
            len(train),
            100 * settings.vae_share,
            target,
        )
        order = training_order(train, settings.batch_size, settings.real_weight, generator)

        def step(index: int) -> dict[str, float]:
            vocoder.train()
            rows = next(order)
            mel, audio = train.mel[rows].to(target), train.audio[rows].to(target)
            if vae is not None:
                with torch.inference_mode():
                    reconstructed = vae.decode(vae.encode(mel).mean)
                use_vae = torch.rand(len(rows), generator=generator) < settings.vae_share
                mel = torch.where(use_vae[:, None, None].to(target), reconstructed, mel).clone()
            loss, metrics = vocoder_loss(vocoder, to_mel, mel, audio, settings)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(vocoder.parameters(), 1.0)
            optimizer.step()
            return metrics

        def save(current: Progress) -> None:
            save_checkpoint(
                run_dir, STAGE, {"vocoder": vocoder}, {"adam": optimizer}, current, generator
            )

        return train_loop(
            STAGE,
            step,
            budget,
            progress,
            save,
            optimizer,
            LearningRate(settings.learning_rate, settings.decay_share),
        )

"""VAE stage: log-mel reconstruction (L1, once more on the attack's frames) plus a KL term whose
weight is annealed from zero, so the decoder learns to reconstruct before the latent is pulled
towards the prior. At the end the latent scaling factor (1 / std of the latents over the training
set) is measured and stored. With `decoder_only` the encoder, and so the latents a trained U-Net
learned, stay as they are and only the decoder fine-tunes; the scaling factor is kept."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch
import torch.nn.functional as F

from gpu_worker.config import ModelConfig
from gpu_worker.data import Dataset, load_dataset
from gpu_worker.models import VAE
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

STAGE = "vae"


@dataclasses.dataclass(frozen=True)
class VAETraining:
    batch_size: int = 16
    # How much more often a real (recorded or augmented) kick is drawn than a procedural one.
    real_weight: float = 2.0
    learning_rate: float = 1e-3
    decay_share: float = 0.15
    # KL weight relative to the per-element L1; small, so the latent keeps the detail of the tail.
    kl_weight: float = 1e-3
    kl_anneal_steps: int = 500
    # The L1 once more on the mel frames of the attack (`ATTACK_S`). At 1.0 a 20-minute
    # decoder-only fine-tune took kick-gen-v7's decoders to every keyword pair at 100 %.
    attack_weight: float = 1.0
    decoder_only: bool = False


def kl_weight_at(step: int, settings: VAETraining) -> float:
    return settings.kl_weight * min(1.0, step / max(1, settings.kl_anneal_steps))


def attack_frames(vae: VAE) -> int:
    """The mel frames whose centres fall within the attack."""
    return int(ATTACK_S * vae.audio.sample_rate / vae.audio.hop) + 1


def vae_loss(
    vae: VAE, mel: torch.Tensor, kl_weight: float, attack_weight: float
) -> tuple[torch.Tensor, dict[str, float]]:
    posterior = vae.encode(mel)
    reconstruction = vae.decode(posterior.sample())
    l1 = F.l1_loss(reconstruction, mel)
    frames = attack_frames(vae)
    attack = F.l1_loss(reconstruction[..., :frames], mel[..., :frames])
    kl = posterior.kl().mean() / mel[0].numel()
    loss = l1 + attack_weight * attack + kl_weight * kl
    return loss, {"loss": loss.item(), "l1": l1.item(), "attack_l1": attack.item(), "kl": kl.item()}


def train_vae(
    data_dir: Path,
    run_dir: Path,
    budget: Budget,
    settings: VAETraining = VAETraining(),
    seed: int = 0,
    device: str | None = None,
    fresh: bool = False,
    config: ModelConfig | None = None,
) -> Progress:
    target = select_device(device)
    generator = seed_everything(seed)
    config = run_config(run_dir, config)
    run_vocabulary(run_dir, data_dir)
    train = load_dataset(data_dir).split(held_out=False)
    vae = VAE(config.vae, config.audio).to(target)
    if settings.decoder_only:
        for name, parameter in vae.named_parameters():
            parameter.requires_grad_(not name.startswith("encoder"))
    trained = [p for p in vae.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trained, lr=settings.learning_rate, weight_decay=0.0)
    resuming = checkpoint_path(run_dir, STAGE).exists() and not fresh
    if settings.decoder_only and not resuming:
        raise ValueError(
            f"{run_dir} holds no trained VAE whose decoder could be fine-tuned; "
            "start the run from a model with `train init`"
        )
    with stage_logging(run_dir, STAGE) as log:
        progress = Progress()
        if resuming:
            progress = load_checkpoint(run_dir, STAGE, {"vae": vae}, {"adam": optimizer}, generator)
            log.info("resuming the VAE at step %d", progress.step)
        log.info(
            "VAE: %d parameters, %d trained, %d training kicks, device %s",
            sum(p.numel() for p in vae.parameters()),
            sum(p.numel() for p in trained),
            len(train),
            target,
        )
        order = training_order(train, settings.batch_size, settings.real_weight, generator)
        mels = train.mel

        def step(index: int) -> dict[str, float]:
            vae.train()
            mel = mels[next(order)].to(target)
            loss, metrics = vae_loss(
                vae, mel, kl_weight_at(index, settings), settings.attack_weight
            )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trained, 1.0)
            optimizer.step()
            return metrics

        def save(current: Progress) -> None:
            save_checkpoint(run_dir, STAGE, {"vae": vae}, {"adam": optimizer}, current, generator)

        progress = train_loop(
            STAGE,
            step,
            budget,
            progress,
            save,
            optimizer,
            LearningRate(settings.learning_rate, settings.decay_share),
        )
        if not settings.decoder_only:
            progress.extra["scaling_factor"] = latent_scaling_factor(vae, train, target)
        log.info("latent scaling factor %.4f", progress.extra["scaling_factor"])
        save(progress)
    return progress


@torch.inference_mode()
def latent_scaling_factor(vae: VAE, data: Dataset, device: torch.device) -> float:
    """1 / std of posterior samples, so diffusion works on latents of about unit variance."""
    vae.eval()
    samples = [
        vae.encode(chunk.to(device)).sample().flatten().cpu() for chunk in data.mel.split(64)
    ]
    return float(1.0 / torch.cat(samples).std())


def trained_vae(run_dir: Path, config: ModelConfig) -> tuple[VAE, float]:
    """The VAE of a run (eval mode) and its latent scaling factor."""
    vae = VAE(config.vae, config.audio)
    progress = load_checkpoint(run_dir, STAGE, {"vae": vae})
    if "scaling_factor" not in progress.extra:
        raise ValueError(f"the VAE checkpoint in {run_dir} has not finished its stage")
    return vae.eval(), float(progress.extra["scaling_factor"])

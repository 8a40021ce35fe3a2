"""Noise schedule shared by training and sampling, and the deterministic DDIM sampler.

Training (gpu_worker.train) and inference use the same object, so the schedule cannot drift:

    sampler = DDIMSampler(config.diffusion)
    t = sampler.sample_training_timesteps(batch, generator=g, device=device)
    noisy = sampler.add_noise(latents, noise, t)
    loss = mse(unet(noisy, t, keyword_embedding), sampler.training_target(latents, noise, t))

With ``prediction_type="v_prediction"`` (the default) the target is
v = sqrt(alpha_bar) * noise - sqrt(1 - alpha_bar) * x0, which stays well conditioned at both ends
of the schedule and suits sampling with few DDIM steps.
"""

from __future__ import annotations

import math

import torch

from gpu_worker.config import DiffusionConfig


def _betas(config: DiffusionConfig) -> torch.Tensor:
    steps = config.num_train_timesteps
    if config.beta_schedule == "linear":
        return torch.linspace(config.beta_start, config.beta_end, steps, dtype=torch.float64)
    if config.beta_schedule == "scaled_linear":
        return (
            torch.linspace(config.beta_start**0.5, config.beta_end**0.5, steps, dtype=torch.float64)
            ** 2
        )
    if config.beta_schedule == "cosine":
        # Nichol & Dhariwal's squared-cosine alpha_bar, betas capped at 0.999.
        def alpha_bar(t: float) -> float:
            return math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2

        betas = [
            min(1 - alpha_bar((i + 1) / steps) / alpha_bar(i / steps), 0.999) for i in range(steps)
        ]
        return torch.tensor(betas, dtype=torch.float64)
    raise ValueError(f"unknown beta_schedule {config.beta_schedule!r}")


class DDIMSampler:
    def __init__(self, config: DiffusionConfig) -> None:
        if config.prediction_type not in ("v_prediction", "epsilon"):
            raise ValueError(f"unknown prediction_type {config.prediction_type!r}")
        self.config = config
        self.num_train_timesteps = config.num_train_timesteps
        self.alphas_cumprod = torch.cumprod(1.0 - _betas(config), dim=0)

    def _coefficients(
        self, timesteps: torch.Tensor, like: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """sqrt(alpha_bar_t) and sqrt(1 - alpha_bar_t), shaped to broadcast against ``like``."""
        alpha_bar = self.alphas_cumprod[timesteps.cpu().long()]
        shape = (-1,) + (1,) * (like.dim() - 1)
        signal = alpha_bar.sqrt().to(like.device, like.dtype).view(shape)
        noise = (1.0 - alpha_bar).sqrt().to(like.device, like.dtype).view(shape)
        return signal, noise

    # Training side -------------------------------------------------------------------------

    def sample_training_timesteps(
        self, batch_size: int, generator: torch.Generator | None = None, device: str = "cpu"
    ) -> torch.Tensor:
        """Uniform integer timesteps in [0, num_train_timesteps)."""
        timesteps = torch.randint(0, self.num_train_timesteps, (batch_size,), generator=generator)
        return timesteps.to(device)

    def add_noise(
        self, clean: torch.Tensor, noise: torch.Tensor, timesteps: torch.Tensor
    ) -> torch.Tensor:
        signal, noise_scale = self._coefficients(timesteps, clean)
        return signal * clean + noise_scale * noise

    def training_target(
        self, clean: torch.Tensor, noise: torch.Tensor, timesteps: torch.Tensor
    ) -> torch.Tensor:
        """What the U-Net must predict for ``add_noise(clean, noise, timesteps)``."""
        if self.config.prediction_type == "epsilon":
            return noise
        signal, noise_scale = self._coefficients(timesteps, clean)
        return signal * noise - noise_scale * clean

    # Sampling side -------------------------------------------------------------------------

    def timesteps(self, num_steps: int) -> list[int]:
        """Descending timesteps with "trailing" spacing: the first step always starts from pure
        noise (t = T - 1), which matters when sampling with few steps."""
        if not 1 <= num_steps <= self.num_train_timesteps:
            raise ValueError(f"steps must be between 1 and {self.num_train_timesteps}")
        stride = self.num_train_timesteps / num_steps
        return [round(self.num_train_timesteps - i * stride) - 1 for i in range(num_steps)]

    def clean_estimate(
        self, model_output: torch.Tensor, timestep: int, noisy: torch.Tensor
    ) -> torch.Tensor:
        """The model's current estimate of the clean latent x0 at ``timestep``."""
        return self._split(model_output, timestep, noisy)[0]

    def clean_for_step(
        self, noisy: torch.Tensor, timestep: int, target: torch.Tensor, previous_timestep: int
    ) -> torch.Tensor:
        """The clean estimate with which one step() from ``noisy`` at ``timestep`` lands exactly
        on ``target`` at ``previous_timestep`` (-1: ``target`` is clean): what a student must
        predict to do in one step what its teacher did in several (progressive distillation)."""
        if previous_timestep < 0:
            return target
        alpha_bar = float(self.alphas_cumprod[timestep])
        previous_alpha_bar = float(self.alphas_cumprod[previous_timestep])
        ratio = math.sqrt(1.0 - previous_alpha_bar) / math.sqrt(1.0 - alpha_bar)
        return (target - ratio * noisy) / (
            math.sqrt(previous_alpha_bar) - ratio * math.sqrt(alpha_bar)
        )

    def signal_to_noise(self, timestep: int) -> float:
        alpha_bar = float(self.alphas_cumprod[timestep])
        return alpha_bar / (1.0 - alpha_bar)

    def _split(
        self, model_output: torch.Tensor, timestep: int, noisy: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(clean, noise) estimates of ``noisy`` at ``timestep`` from the model's output."""
        # Python floats, not indexed tensors: no host-device copies inside the sampling loop.
        alpha_bar = float(self.alphas_cumprod[timestep])
        signal, noise_scale = math.sqrt(alpha_bar), math.sqrt(1.0 - alpha_bar)
        if self.config.prediction_type == "epsilon":
            return (noisy - noise_scale * model_output) / signal, model_output
        clean = signal * noisy - noise_scale * model_output
        return clean, noise_scale * noisy + signal * model_output

    def step(
        self, model_output: torch.Tensor, timestep: int, previous_timestep: int, noisy: torch.Tensor
    ) -> torch.Tensor:
        """One deterministic DDIM update (eta = 0) from ``timestep`` to ``previous_timestep``;
        ``previous_timestep = -1`` ends sampling and returns the clean estimate."""
        clean, noise = self._split(model_output, timestep, noisy)
        if previous_timestep < 0:
            return clean
        previous_alpha_bar = float(self.alphas_cumprod[previous_timestep])
        return math.sqrt(previous_alpha_bar) * clean + math.sqrt(1.0 - previous_alpha_bar) * noise

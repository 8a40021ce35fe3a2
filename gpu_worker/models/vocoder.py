"""Vocos-style vocoder: a ConvNeXt stack over mel frames predicts a log-magnitude and a phase
advance per STFT bin, and an inverse STFT turns them into audio. No upsampling layers run at the
sample rate, which makes it several times faster than a HiFi-GAN of similar quality."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from gpu_worker.config import AudioConfig, VocoderConfig


class ConvNeXtBlock(nn.Module):
    def __init__(self, dim: int, intermediate_dim: int, kernel_size: int, layer_scale: float):
        super().__init__()
        self.depthwise = nn.Conv1d(dim, dim, kernel_size, padding=kernel_size // 2, groups=dim)
        self.norm = nn.LayerNorm(dim)
        self.expand = nn.Linear(dim, intermediate_dim)
        self.project = nn.Linear(intermediate_dim, dim)
        self.layer_scale = nn.Parameter(torch.full((dim,), layer_scale))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (batch, dim, frames)."""
        h = self.depthwise(x).transpose(1, 2)
        h = self.project(F.gelu(self.expand(self.norm(h))))
        return x + (self.layer_scale * h).transpose(1, 2)


class Vocoder(nn.Module):
    def __init__(self, config: VocoderConfig, audio: AudioConfig) -> None:
        super().__init__()
        self.config = config
        self.audio = audio
        self.embed = nn.Conv1d(
            audio.n_mels, config.dim, config.kernel_size, padding=config.kernel_size // 2
        )
        self.embed_norm = nn.LayerNorm(config.dim)
        self.blocks = nn.ModuleList(
            ConvNeXtBlock(
                config.dim, config.intermediate_dim, config.kernel_size, 1.0 / config.num_layers
            )
            for _ in range(config.num_layers)
        )
        self.final_norm = nn.LayerNorm(config.dim)
        self.head = nn.Linear(config.dim, audio.n_fft + 2)
        self.register_buffer("window", torch.hann_window(audio.n_fft), persistent=False)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        """mel (batch, n_mels, frames) in the normalised range -> waveform (batch, num_samples)."""
        return self.synthesise(*self.spectral_frames(mel))

    def spectral_frames(self, mel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The network: per frame and bin, the log-magnitude and the phase advance."""
        h = self.embed(mel)
        h = self.embed_norm(h.transpose(1, 2)).transpose(1, 2)
        for block in self.blocks:
            h = block(h)
        log_magnitude, phase_advance = self.head(self.final_norm(h.transpose(1, 2))).chunk(
            2, dim=-1
        )
        return log_magnitude, phase_advance

    def synthesise(self, log_magnitude: torch.Tensor, phase_advance: torch.Tensor) -> torch.Tensor:
        """Frames -> waveform by the inverse STFT of the accumulated phase."""
        magnitude = torch.exp(log_magnitude.clamp(max=self.config.max_log_magnitude))
        # The head predicts each bin's phase advance per hop relative to the bin's centre
        # frequency, and the phase is its running sum: a steady tone (a kick's body) is coherent
        # across frames from the first training step, instead of the network having to learn
        # absolute phases frame by frame (measured: no audible body after 400 steps that way).
        bins = torch.arange(magnitude.shape[-1], device=magnitude.device, dtype=magnitude.dtype)
        # Taken modulo 2*pi (the same rotation) so the running sum stays small enough for float32
        # to keep the phase of high bins late in the kick exact to about 1e-4 rad.
        centre_advance = torch.remainder(
            2 * math.pi * bins * self.audio.hop / self.audio.n_fft, 2 * math.pi
        )
        phase = torch.cumsum(centre_advance + phase_advance, dim=1)
        spectrum = torch.polar(magnitude, phase).transpose(1, 2)
        return torch.istft(
            spectrum,
            n_fft=self.audio.n_fft,
            hop_length=self.audio.hop,
            win_length=self.audio.n_fft,
            window=self.window,
            center=True,
            length=self.audio.num_samples,
        )

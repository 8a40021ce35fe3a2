"""Denoising U-Net over the VAE latent (e.g. 4 x 8 x 11), conditioned on the diffusion timestep
and on the keyword embedding through FiLM in every residual block."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from gpu_worker.config import UNetConfig
from gpu_worker.models.layers import Downsample, ResidualBlock, Upsample, group_norm


def timestep_embedding(timesteps: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of (batch,) integer or float timesteps -> (batch, dim)."""
    half = dim // 2
    frequencies = torch.exp(
        -math.log(10000.0) * torch.arange(half, device=timesteps.device, dtype=torch.float32) / half
    )
    angles = timesteps.float()[:, None] * frequencies[None]
    return torch.cat([torch.cos(angles), torch.sin(angles)], dim=1)


class SelfAttention(nn.Module):
    def __init__(self, channels: int, heads: int) -> None:
        super().__init__()
        if channels % heads:
            raise ValueError(f"{channels} channels cannot be split into {heads} heads")
        self.heads = heads
        self.norm = group_norm(channels)
        self.qkv = nn.Linear(channels, 3 * channels)
        self.out = nn.Linear(channels, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, channels, height, width = x.shape
        tokens = self.norm(x).flatten(2).transpose(1, 2)
        q, k, v = (
            self.qkv(tokens).view(batch, -1, 3, self.heads, channels // self.heads).unbind(dim=2)
        )
        attended = F.scaled_dot_product_attention(
            q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        )
        attended = self.out(attended.transpose(1, 2).reshape(batch, -1, channels))
        return x + attended.transpose(1, 2).reshape(batch, channels, height, width)


class UNet(nn.Module):
    def __init__(self, config: UNetConfig, latent_channels: int, keyword_dim: int) -> None:
        super().__init__()
        self.config = config
        channels = config.channels
        embedding_dim = config.embedding_dim
        self.time_features = channels[0]
        self.time_mlp = nn.Sequential(
            nn.Linear(channels[0], embedding_dim),
            nn.SiLU(),
            nn.Linear(embedding_dim, embedding_dim),
        )
        self.keyword_projection = nn.Linear(keyword_dim, embedding_dim)

        self.conv_in = nn.Conv2d(latent_channels, channels[0], 3, padding=1)
        self.down_blocks = nn.ModuleList()
        self.downsamples = nn.ModuleList()
        previous = channels[0]
        for level, width in enumerate(channels):
            blocks = nn.ModuleList()
            for _ in range(config.blocks_per_level):
                blocks.append(ResidualBlock(previous, width, embedding_dim))
                previous = width
            self.down_blocks.append(blocks)
            if level < len(channels) - 1:
                self.downsamples.append(Downsample(width, width))

        self.mid_block1 = ResidualBlock(channels[-1], channels[-1], embedding_dim)
        self.mid_attention = SelfAttention(channels[-1], config.attention_heads)
        self.mid_block2 = ResidualBlock(channels[-1], channels[-1], embedding_dim)

        self.upsamples = nn.ModuleList()
        self.up_blocks = nn.ModuleList()
        for level in reversed(range(len(channels))):
            width = channels[level]
            if level < len(channels) - 1:
                self.upsamples.append(Upsample(previous, width))
                previous = width
            blocks = nn.ModuleList()
            for index in range(config.blocks_per_level):
                # The first block of a level also takes that level's skip connection.
                blocks.append(
                    ResidualBlock(previous + (width if index == 0 else 0), width, embedding_dim)
                )
                previous = width
            self.up_blocks.append(blocks)

        self.norm_out = group_norm(channels[0])
        self.conv_out = nn.Conv2d(channels[0], latent_channels, 3, padding=1)
        # Starting from a zero output keeps the first training steps stable.
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def forward(
        self, latent: torch.Tensor, timesteps: torch.Tensor, keyword_embedding: torch.Tensor
    ) -> torch.Tensor:
        """latent (batch, C, H, W), timesteps (batch,), keyword_embedding (batch, keyword_dim)."""
        embedding = self.time_mlp(timestep_embedding(timesteps, self.time_features))
        embedding = F.silu(embedding + self.keyword_projection(keyword_embedding))

        h = self.conv_in(latent)
        skips: list[torch.Tensor] = []
        for level, blocks in enumerate(self.down_blocks):
            for block in blocks:
                h = block(h, embedding)
            skips.append(h)
            if level < len(self.downsamples):
                h = self.downsamples[level](h)

        h = self.mid_block2(self.mid_attention(self.mid_block1(h, embedding)), embedding)

        for index, blocks in enumerate(self.up_blocks):
            skip = skips.pop()
            if index > 0:
                h = self.upsamples[index - 1](h, (skip.shape[2], skip.shape[3]))
            h = torch.cat([h, skip], dim=1)
            for block in blocks:
                h = block(h, embedding)
        return self.conv_out(F.silu(self.norm_out(h)))

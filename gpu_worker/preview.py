"""Live previews: the sampler's current estimate of the clean latent as a small log-mel picture.

A full VAE decode costs about as much as two sampling steps on a CPU, so a preview every fourth
step would add a fifth to a generation. The picture is PREVIEW_MELS x PREVIEW_FRAMES, a size the
VAE decoder reaches after its coarse levels; its fine levels only add detail the picture averages
away. So a preview runs the decoder's own coarse levels (in bfloat16 where the device is faster
at it) and reads their features out with a linear map fitted, once, to what the whole decoder
makes of some latents: the model's own kicks (KickPipeline passes a seeded set, so a model always
previews alike). Fitted on synthesised kicks instead, the readout was twice as far from the full
decode of kick-gen-v3's kicks (15/255 against 4.7/255, bench/generation.py).
`PreviewDecoder.fit_error` says how close the fit is on the latents it was fitted to.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F

from gpu_worker.models import VAE
from gpu_worker.protocol import PREVIEW_FRAMES, PREVIEW_MELS, Preview

PREVIEW_SIZE = (PREVIEW_MELS, PREVIEW_FRAMES)


def picture_of(mel: torch.Tensor) -> Preview:
    """A normalised log-mel (n_mels, frames) in [-1, 1], at any size, as an 8-bit preview
    averaged over blocks (0: the silence floor)."""
    small = F.adaptive_avg_pool2d(mel[None].float(), PREVIEW_SIZE)[0]
    pixels = ((small.clamp(-1.0, 1.0) + 1.0) * 127.5).round().to(torch.uint8)
    return Preview(pixels.cpu().numpy().tobytes())


class PreviewDecoder:
    def __init__(
        self, vae: VAE, scaling_factor: float, device: torch.device, fit_latents: torch.Tensor
    ) -> None:
        """Fits the readout to the full decode of ``fit_latents`` (scaled, as sampled)."""
        self._scaling_factor = scaling_factor
        fast_bfloat16 = device.type == "cuda" or torch.ops.mkldnn._is_mkldnn_bf16_supported()
        self._dtype = torch.bfloat16 if fast_bfloat16 else torch.float32
        self._vae = copy.deepcopy(vae).to(self._dtype)
        sizes = [
            (vae.audio.n_mels >> level, vae.padded_frames >> level)
            for level in range(len(vae.config.channels))
        ]
        self._sizes = sizes
        # The coarsest level whose output is at least the picture's size in both directions.
        self._stop = max(
            level
            for level, (mels, frames) in enumerate(sizes)
            if mels >= PREVIEW_MELS and frames >= PREVIEW_FRAMES
        )
        self._readout, self.fit_error = self._fit(vae, fit_latents / scaling_factor)

    def _features(self, unscaled: torch.Tensor) -> torch.Tensor:
        """The decoder's levels coarser than the picture, up to its resolution, pooled to it:
        (batch, channels, *PREVIEW_SIZE)."""
        vae = self._vae
        h = vae.decoder_in(unscaled.to(self._dtype))
        for level in reversed(range(self._stop + 1, len(vae.config.channels))):
            h = vae.decoder_up[level - 1](vae.decoder_blocks[level](h), self._sizes[level - 1])
        return F.adaptive_avg_pool2d(h.float(), PREVIEW_SIZE)

    def _fit(self, vae: VAE, unscaled: torch.Tensor) -> tuple[torch.Tensor, float]:
        """Least squares from features (plus a constant) to the whole decoder's picture."""
        with torch.inference_mode():
            target = F.adaptive_avg_pool2d(vae.decode(unscaled)[:, None], PREVIEW_SIZE)
            features = self._features(unscaled)
        inputs = torch.cat([features, torch.ones_like(features[:, :1])], dim=1)
        design = inputs.movedim(1, -1).reshape(-1, inputs.shape[1]).double().cpu()
        wanted = target.reshape(-1, 1).double().cpu()
        readout = torch.linalg.lstsq(design, wanted).solution
        error = (design @ readout - wanted).abs().mean().item()
        return readout.float().to(unscaled.device), error

    def __call__(self, scaled: torch.Tensor) -> Preview:
        """A (1, *latent_shape) latent in the diffusion's space as a picture."""
        features = self._features(scaled / self._scaling_factor)
        weights, bias = self._readout[:-1, 0], self._readout[-1, 0]
        mel = torch.einsum("bchw,c->bhw", features, weights) + bias
        return picture_of(mel[0])

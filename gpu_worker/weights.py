"""Model folder I/O: config.json, vocab.json and one .safetensors file per network.

Only safetensors are read, so loading weights never executes code. A model is a local folder or a
Hugging Face Hub repo id, which is downloaded with ``huggingface_hub.snapshot_download`` into a
configurable cache (the Modal volume in production); ``HF_HUB_OFFLINE=1`` is honoured by
huggingface_hub itself and serves the cached snapshot.
"""

from __future__ import annotations

import re
from pathlib import Path

import huggingface_hub
import safetensors
import safetensors.torch
import torch
from huggingface_hub.errors import HFValidationError
from torch import nn

from gpu_worker import DEFAULT_MODEL_PATH
from gpu_worker.config import ModelConfig
from gpu_worker.models import KickModels, Vocabulary, build_models

CONFIG_FILE = "config.json"
VOCAB_FILE = "vocab.json"
MODEL_CARD_FILE = "MODEL_CARD.md"
WEIGHT_FILES: dict[str, str] = {
    "vae": "vae.safetensors",
    "unet": "unet.safetensors",
    "keywords": "keywords.safetensors",
    "vocoder": "vocoder.safetensors",
    "student": "student_unet.safetensors",
}
# Present only in folders whose config names a distilled student (checked against the config).
OPTIONAL_WEIGHTS = ("student",)
# Stored in half precision: the student doubles the U-Net's share of the download otherwise, and
# its outputs move by less than the evaluation can tell (gpu_worker/README.md).
HALF_PRECISION_WEIGHTS = ("student",)
REQUIRED_FILES = (
    CONFIG_FILE,
    VOCAB_FILE,
    *(file for name, file in WEIGHT_FILES.items() if name not in OPTIONAL_WEIGHTS),
)
# Everything a model folder may hold, as published to and downloaded from the Hub.
MODEL_FOLDER_FILES = (
    *REQUIRED_FILES,
    *(WEIGHT_FILES[name] for name in OPTIONAL_WEIGHTS),
    MODEL_CARD_FILE,
)
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


class WeightsError(ValueError):
    """A model folder or Hub repo is missing, incomplete, pickled or does not fit the config."""


def resolve_model_folder(
    path_or_hub_id: str | Path | None, cache_dir: str | Path | None = None
) -> Path:
    """A local folder as is, a Hub repo id ("owner/name", optionally "owner/name@revision")
    downloaded into ``cache_dir``; None selects the weights shipped in the repository."""
    if path_or_hub_id is None:
        if not DEFAULT_MODEL_PATH.is_dir():
            raise WeightsError(
                f"the default model is not shipped yet ({DEFAULT_MODEL_PATH} does not exist); "
                "train it with `python -m gpu_worker.train all` or pass a folder or Hub repo id"
            )
        return _checked_folder(DEFAULT_MODEL_PATH)
    local = Path(path_or_hub_id).expanduser()
    if local.exists():
        if local.is_file():
            if local.suffix in PICKLE_SUFFIXES:
                raise WeightsError(f"{local}: pickled checkpoints are refused; use safetensors")
            raise WeightsError(f"{local} is a file; pass the model folder that holds it")
        return _checked_folder(local)
    text = str(path_or_hub_id)
    if isinstance(path_or_hub_id, Path) or not _HUB_ID.match(text.split("@", 1)[0]):
        raise WeightsError(f"model folder {text} does not exist")
    return _checked_folder(_download(text, cache_dir))


def _download(hub_id: str, cache_dir: str | Path | None) -> Path:
    repo_id, _, revision = hub_id.partition("@")
    try:
        folder = huggingface_hub.snapshot_download(
            repo_id,
            revision=revision or None,
            cache_dir=str(cache_dir) if cache_dir is not None else None,
            allow_patterns=list(MODEL_FOLDER_FILES),
        )
    except HFValidationError as error:
        raise WeightsError(f"invalid Hub repo id {hub_id!r}: {error}") from error
    except Exception as error:  # huggingface_hub raises many HTTP/offline/cache error types
        raise WeightsError(
            f"could not fetch {hub_id!r} from the Hugging Face Hub: {type(error).__name__}: {error}"
        ) from error
    return Path(folder)


def _checked_folder(folder: Path) -> Path:
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        pickles = sorted(p.name for p in folder.iterdir() if p.suffix in PICKLE_SUFFIXES)
        hint = f"; pickled files are refused ({', '.join(pickles)})" if pickles else ""
        raise WeightsError(f"{folder} is missing {', '.join(missing)}{hint}")
    return folder


def save_model_folder(
    folder: Path, config: ModelConfig, vocabulary: Vocabulary, models: KickModels
) -> None:
    """Writes config.json, vocab.json and one safetensors file per network into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    config.save(folder / CONFIG_FILE)
    vocabulary.save(folder / VOCAB_FILE)
    for name, module in models.named().items():
        dtype = torch.float16 if name in HALF_PRECISION_WEIGHTS else None
        state = {
            key: value.detach().cpu().to(dtype).contiguous()
            for key, value in module.state_dict().items()
        }
        file = folder / WEIGHT_FILES[name]
        safetensors.torch.save_file(state, str(file), metadata={"format": "pt"})


def load_model_folder(folder: Path) -> tuple[ModelConfig, Vocabulary, KickModels]:
    """Reads a folder checked by resolve_model_folder into CPU models (train mode, as built)."""
    try:
        config = ModelConfig.load(folder / CONFIG_FILE)
    except (ValueError, TypeError) as error:
        raise WeightsError(f"{folder / CONFIG_FILE}: {error}") from error
    try:
        vocabulary = Vocabulary.load(folder / VOCAB_FILE)
    except ValueError as error:
        raise WeightsError(str(error)) from error
    models = build_models(config, len(vocabulary))
    for name, module in models.named().items():
        file = folder / WEIGHT_FILES[name]
        if not file.is_file():
            raise WeightsError(f"{folder} is missing {file.name}, which its config.json names")
        load_state_dict_into(module, file)
    return config, vocabulary, models


def load_state_dict_into(module: nn.Module, file: Path) -> None:
    """Loads ``file`` into ``module`` after checking every key and shape, naming any mismatch."""
    try:
        state = safetensors.torch.load_file(str(file), device="cpu")
    except (safetensors.SafetensorError, OSError, ValueError) as error:
        raise WeightsError(f"{file} is not a valid safetensors file: {error}") from error
    expected = module.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(
                f"missing keys {', '.join(missing[:5])}" + (" ..." if len(missing) > 5 else "")
            )
        if unexpected:
            parts.append(
                f"unexpected keys {', '.join(unexpected[:5])}"
                + (" ..." if len(unexpected) > 5 else "")
            )
        raise WeightsError(f"{file} does not match the config: {'; '.join(parts)}")
    for key, tensor in state.items():
        target = expected[key]
        if tensor.shape != target.shape:
            raise WeightsError(
                f"{file}: {key} has shape {tuple(tensor.shape)}, "
                f"the config needs {tuple(target.shape)}"
            )
        if not tensor.dtype.is_floating_point or not torch.isfinite(tensor).all():
            raise WeightsError(f"{file}: {key} must hold finite floating-point values")
    module.load_state_dict({key: t.to(expected[key].dtype) for key, t in state.items()})

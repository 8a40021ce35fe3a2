"""Model folder I/O: config.json, vocab.json and one .safetensors file per network.

Only safetensors are read, so loading weights never executes code. A model is a local folder or a
Hugging Face Hub repo id ("owner/name", best pinned as "owner/name@commit"), served from a
configurable cache (the Modal volume in production) before the Hub is asked anything, and
otherwise downloaded with ``huggingface_hub.snapshot_download`` with every request bounded by
HUB_TIMEOUT_S. ``HF_HUB_OFFLINE=1`` is honoured by huggingface_hub itself.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import httpx2
import huggingface_hub
import safetensors
import safetensors.torch
import torch
from huggingface_hub.errors import HFValidationError, LocalEntryNotFoundError
from huggingface_hub.utils._http import hf_request_event_hook
from torch import nn

from gpu_worker import DEFAULT_MODEL_PATH
from gpu_worker.config import ModelConfig
from gpu_worker.models import KickModels, Vocabulary, build_models
from gpu_worker.protocol import ModelIdentity

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
_COMMIT = re.compile(r"^[0-9a-f]{40}$")
# Longest wait for any one step of a Hub request (connecting, each read, each write). A Hub that
# accepts connections and never answers would otherwise hold a loading worker forever.
HUB_TIMEOUT_S = 20.0


class WeightsError(ValueError):
    """A model folder or Hub repo is missing, incomplete, pickled or does not fit the config."""


@dataclass(frozen=True)
class LocatedModel:
    folder: Path
    # Fetched from the Hub just now, so the cache holds something new (worth persisting).
    downloaded: bool = False


def resolve_model_folder(
    path_or_hub_id: str | Path | None, cache_dir: str | Path | None = None
) -> Path:
    """A local folder as is, a Hub repo id ("owner/name", optionally "owner/name@revision")
    from ``cache_dir`` or downloaded into it; None selects the weights shipped in the
    repository."""
    return locate_model(path_or_hub_id, cache_dir).folder


def locate_model(
    path_or_hub_id: str | Path | None,
    cache_dir: str | Path | None = None,
    *,
    hub_timeout_s: float = HUB_TIMEOUT_S,
) -> LocatedModel:
    """resolve_model_folder, saying whether the Hub was asked for files."""
    if path_or_hub_id is None:
        if not DEFAULT_MODEL_PATH.is_dir():
            raise WeightsError(
                f"the default model is not shipped yet ({DEFAULT_MODEL_PATH} does not exist); "
                "train it with `python -m gpu_worker.train all` or pass a folder or Hub repo id"
            )
        return LocatedModel(_checked_folder(DEFAULT_MODEL_PATH))
    local = Path(path_or_hub_id).expanduser()
    if local.exists():
        if local.is_file():
            if local.suffix in PICKLE_SUFFIXES:
                raise WeightsError(f"{local}: pickled checkpoints are refused; use safetensors")
            raise WeightsError(f"{local} is a file; pass the model folder that holds it")
        return LocatedModel(_checked_folder(local))
    text = str(path_or_hub_id)
    if isinstance(path_or_hub_id, Path) or not is_hub_id(text):
        raise WeightsError(f"model folder {text} does not exist")
    cached = _cached_snapshot(text, cache_dir)
    if cached is not None:
        return LocatedModel(cached)
    return LocatedModel(_checked_folder(_download(text, cache_dir, hub_timeout_s)), True)


def model_identity(path_or_hub_id: str | Path | None, folder: Path) -> ModelIdentity:
    """A resolved model's name (its folder's, or the Hub repo's without the revision) and its
    version: a digest of its config, vocabulary and weights (the student's too, where there is
    one), so two models that differ in any of them never share a version (and a kick's latent is
    only reused by the model that made it)."""
    if path_or_hub_id is None or Path(path_or_hub_id).expanduser().exists():
        name = folder.name
    else:
        name = str(path_or_hub_id).split("@", 1)[0]
    digest = hashlib.sha256()
    for file_name in MODEL_FOLDER_FILES:
        if file_name != MODEL_CARD_FILE and (folder / file_name).is_file():
            digest.update(file_name.encode())
            digest.update((folder / file_name).read_bytes())
    return ModelIdentity(name=name, version=digest.hexdigest()[:12])


def is_hub_id(text: str) -> bool:
    """Whether ``text`` reads as "owner/name" or "owner/name@revision" (a folder path may too)."""
    return bool(_HUB_ID.match(text.split("@", 1)[0]))


def pin_hub_revision(hub_id: str, *, hub_timeout_s: float = HUB_TIMEOUT_S) -> str:
    """The id as "owner/name@commit", the commit its revision (default: main) points to now, so
    that loading never asks the Hub which commit a branch means. A pinned id is returned as it
    is, without asking the Hub."""
    repo_id, _, revision = hub_id.partition("@")
    if _COMMIT.match(revision):
        return hub_id
    _bound_hub_requests(hub_timeout_s)
    try:
        info = huggingface_hub.HfApi().repo_info(
            repo_id,
            revision=revision or huggingface_hub.constants.DEFAULT_REVISION,
            timeout=hub_timeout_s,
        )
    except HFValidationError as error:
        raise WeightsError(f"invalid Hub repo id {hub_id!r}: {error}") from error
    except Exception as error:  # HTTP, timeout, not found, offline mode
        raise WeightsError(
            f"could not pin {hub_id!r} to a commit: {type(error).__name__}: {error}"
        ) from error
    return f"{repo_id}@{info.sha}"


def _snapshot_options(hub_id: str, cache_dir: str | Path | None) -> tuple[str, dict[str, object]]:
    repo_id, _, revision = hub_id.partition("@")
    return repo_id, {
        "revision": revision or None,
        "cache_dir": str(cache_dir) if cache_dir is not None else None,
        "allow_patterns": list(MODEL_FOLDER_FILES),
    }


def _cached_snapshot(hub_id: str, cache_dir: str | Path | None) -> Path | None:
    """The complete cached snapshot of ``hub_id``, found without any network request, or None.

    A branch is served from the commit the cache last saw it at: pin a commit to move on."""
    repo_id, options = _snapshot_options(hub_id, cache_dir)
    try:
        folder = Path(huggingface_hub.snapshot_download(repo_id, local_files_only=True, **options))
    except HFValidationError as error:
        raise WeightsError(f"invalid Hub repo id {hub_id!r}: {error}") from error
    except LocalEntryNotFoundError:  # not cached, or cached in part
        return None
    if any(not (folder / name).is_file() for name in REQUIRED_FILES):
        return None  # an interrupted download: fetch the rest
    return folder


def _download(hub_id: str, cache_dir: str | Path | None, hub_timeout_s: float) -> Path:
    repo_id, options = _snapshot_options(hub_id, cache_dir)
    _bound_hub_requests(hub_timeout_s)
    try:
        folder = huggingface_hub.snapshot_download(repo_id, **options)
    except Exception as error:  # huggingface_hub raises many HTTP/offline/cache error types
        raise WeightsError(
            f"could not fetch {hub_id!r} from the Hugging Face Hub: {type(error).__name__}: {error}"
        ) from error
    return Path(folder)


class _BoundedTransport(httpx2.HTTPTransport):
    """Puts a timeout on every step of a request that has none. huggingface_hub passes
    ``timeout=None`` for the repo lookup and the file listing of snapshot_download, which turns
    the client's own timeout off (read in huggingface_hub 2.4.0's source)."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__()
        self.timeout_s = timeout_s

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        given = request.extensions.get("timeout") or {}
        request.extensions["timeout"] = {
            step: self.timeout_s if given.get(step) is None else given[step]
            for step in ("connect", "read", "write", "pool")
        }
        return super().handle_request(request)


_bounded_timeout_s: float | None = None
_bounding = threading.Lock()


def _bound_hub_requests(timeout_s: float) -> None:
    """Makes huggingface_hub's shared client (one per process) bound every request by
    ``timeout_s``: its own client settings, plus the transport above."""
    global _bounded_timeout_s
    with _bounding:
        if _bounded_timeout_s == timeout_s:
            return

        def bounded_client() -> httpx2.Client:
            return httpx2.Client(
                event_hooks={"request": [hf_request_event_hook]},  # offline mode, request ids
                follow_redirects=True,
                timeout=timeout_s,
                transport=_BoundedTransport(timeout_s),
            )

        huggingface_hub.set_client_factory(bounded_client)
        _bounded_timeout_s = timeout_s


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


def load_config_and_vocabulary(folder: Path) -> tuple[ModelConfig, Vocabulary]:
    """A checked folder's config.json and vocab.json, without its weights."""
    try:
        config = ModelConfig.load(folder / CONFIG_FILE)
    except (ValueError, TypeError) as error:
        raise WeightsError(f"{folder / CONFIG_FILE}: {error}") from error
    try:
        vocabulary = Vocabulary.load(folder / VOCAB_FILE)
    except ValueError as error:
        raise WeightsError(str(error)) from error
    return config, vocabulary


def load_model_folder(folder: Path) -> tuple[ModelConfig, Vocabulary, KickModels]:
    """Reads a folder checked by resolve_model_folder into CPU models (train mode, as built)."""
    config, vocabulary = load_config_and_vocabulary(folder)
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

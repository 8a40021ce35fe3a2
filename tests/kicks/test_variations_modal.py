"""The keyword vocabulary and variations with the Modal worker: the web app asks the deployed
class about the model it runs (never a local copy) and sends it what a variation starts from.

Only the Modal SDK's lookup is replaced: `modal.Cls.from_name` returns a stand-in whose remote
methods run gpu_worker.modal_app.KickGeneratorService — the deployed KickGenerator's body — on a
real tiny model that differs from the web app's local one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import modal
import modal.exception
import pytest

from gpu_worker.config import ModelConfig, UNetConfig, VAEConfig, VocoderConfig
from gpu_worker.modal_app import KickGeneratorService
from gpu_worker.pipeline import KickPipeline
from gpu_worker.protocol import Variation
from kicks import workers
from kicks.failures import GenerationUnavailable
from kicks.models import GeneratedKick, KickGeneration
from tests.kicks.conftest import generate as generate_kick

pytestmark = pytest.mark.django_db(transaction=True)

VOCABULARY = """{ kickVocabulary { __typename
  ... on KickVocabulary { model { name version } styles pairs { low high } otherWords defaultWords }
  ... on GenerationUnavailable { message } } }"""


class Remote:
    """One remote method of the stand-in: `.remote()` / `.remote_gen()` record the call and run
    the service's method as the container does, unless a fault (an SDK exception) is queued."""

    def __init__(self, deployment: ModalDeployment, name: str) -> None:
        self.deployment, self.name = deployment, name

    def remote(self, *args: Any) -> Any:
        self.deployment.calls.append((self.name, args, {}))
        if self.deployment.faults:
            raise self.deployment.faults.pop(0)
        return getattr(self.deployment.service, self.name)(*args)

    def remote_gen(self, *args: Any, **options: Any) -> Iterator[dict[str, Any]]:
        self.deployment.calls.append((self.name, args, options))
        *arguments, start_by = args
        call_id = f"fc-{len(self.deployment.calls)}"
        return self.deployment.service.generate_stream(
            *arguments, call_id=call_id, start_by=start_by, **options
        )


class ModalDeployment:
    def __init__(self, model_dir: Path) -> None:
        self.pipeline = KickPipeline.from_pretrained(model_dir, device="cpu")
        # A container's two start phases (the memory snapshot, then the GPU: here the CPU).
        self.service = KickGeneratorService.load(str(model_dir), cache_dir=None, timeout_s=60)
        self.service.start("cpu")
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.faults: list[BaseException] = []

    def from_name(self, app_name: str, class_name: str) -> ModalDeployment:
        assert (app_name, class_name) == ("kick-generator-app", "KickGenerator")
        return self

    def __call__(self) -> ModalDeployment:
        return self

    @property
    def describe(self) -> Remote:
        return Remote(self, "describe")

    @property
    def generate_stream(self) -> Remote:
        return Remote(self, "generate_stream")

    def called(self, name: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return [(args, options) for called, args, options in self.calls if called == name]


@pytest.fixture(scope="module")
def modal_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The model Modal runs: not the web app's local model (other words, other weights)."""
    config = ModelConfig(
        vae=VAEConfig(channels=(4, 8)),
        unet=UNetConfig(channels=(8, 16), attention_heads=2, embedding_dim=16),
        vocoder=VocoderConfig(dim=8, intermediate_dim=16, num_layers=1),
        default_steps=4,
        default_prompt="hit techno",
    )
    folder = tmp_path_factory.mktemp("models") / "kick-gen-on-modal"
    KickPipeline.from_config(config, ["techno", "short", "long", "hit", "sub"]).save_pretrained(
        folder
    )
    return folder


@pytest.fixture
def deployment(monkeypatch, modal_model_dir, settings) -> ModalDeployment:
    deployed = ModalDeployment(modal_model_dir)
    monkeypatch.setattr(modal.Cls, "from_name", deployed.from_name)
    settings.KICKS_WORKER = "modal"
    settings.KICKS_WORKER_RETRIES = 0
    settings.KICKS_WORKER_START_TIMEOUT_S = 30
    settings.KICKS_WORKER_IDLE_TIMEOUT_S = 30
    return deployed


def test_the_vocabulary_describes_the_model_modal_runs(graphql, client, member, deployment):
    client.force_login(member)

    first = graphql(VOCABULARY)["data"]["kickVocabulary"]
    again = graphql(VOCABULARY)["data"]["kickVocabulary"]

    assert (
        first
        == again
        == {
            "__typename": "KickVocabulary",
            "model": {"name": "kick-gen-on-modal", "version": deployment.pipeline.identity.version},
            "styles": ["techno"],
            "pairs": [{"low": "short", "high": "long"}],
            "otherWords": ["hit", "sub"],
            "defaultWords": ["hit", "techno"],
        }
    )
    assert deployment.called("describe") == [((), {})]  # asked once, then kept


def test_the_description_is_asked_again_once_it_is_old(
    graphql, client, member, deployment, monkeypatch
):
    client.force_login(member)
    monkeypatch.setattr(workers, "DESCRIPTION_TTL_S", 0.0)

    graphql(VOCABULARY)
    graphql(VOCABULARY)

    assert len(deployment.called("describe")) == 2


@pytest.mark.parametrize(
    "fault",
    [modal.exception.NotFoundError("App not found"), modal.exception.ConnectionError("reset")],
)
def test_an_unreachable_modal_answers_unavailable_and_is_asked_again(
    graphql, client, member, deployment, fault
):
    client.force_login(member)
    deployment.faults = [fault]

    refused = graphql(VOCABULARY)["data"]["kickVocabulary"]

    assert refused == {
        "__typename": "GenerationUnavailable",
        "message": "The kick generator cannot be reached.",
    }
    assert graphql(VOCABULARY)["data"]["kickVocabulary"]["__typename"] == "KickVocabulary"


def test_a_variation_sends_modal_the_stored_latent(member, deployment):
    parent = generate_kick(member, "hit techno").kick
    assert parent.model_name == "kick-gen-on-modal"  # the recipe names the model Modal ran

    variation = generate_kick(member, "long techno", variation_of=str(parent.pk), strength=0.7)

    (_, plain), (varied, options) = deployment.called("generate_stream")
    assert plain == {}  # a plain kick sends what an older deployment understands
    prompt, seed, _, _, _ = varied
    assert (prompt, seed) == ("long techno", variation.kick.seed)
    assert Variation.from_wire(options["variation"]) == Variation(
        0.7, latent=bytes(parent.latent), latent_version=parent.model_version
    )
    kick = GeneratedKick.objects.get(pk=variation.kick.pk)
    assert (kick.made_from, kick.parent_id, kick.model_name) == (
        "kick",
        parent.pk,
        parent.model_name,
    )


def test_a_kick_without_keywords_is_made_at_the_default_prompt_of_the_model_modal_runs(
    member, deployment
):
    kick = generate_kick(member, None).kick

    (((prompt, *_), _),) = deployment.called("generate_stream")
    assert prompt == kick.prompt == "hit techno"


def test_a_blank_prompt_while_modal_is_unreachable_is_refused_before_any_quota_is_used(
    member, deployment
):
    deployment.faults = [modal.exception.ConnectionError("reset")]

    with pytest.raises(GenerationUnavailable, match="cannot be reached"):
        generate_kick(member, "  ")

    assert deployment.called("generate_stream") == []
    assert not KickGeneration.objects.exists()

"""Beyond one button, over GraphQL and through the services: the keyword vocabulary of the model
the worker runs, remembered keyword chips, every kick's recipe, "more like this" variations of a
member's own kicks and kicks from an uploaded reference sample — with the quotas, idempotency,
progress and typed errors of any generation. The real pipeline (tiny random weights) generates.
"""

from __future__ import annotations

import io
import json
import math
import uuid
from pathlib import Path

import numpy as np
import pytest
import soundfile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gpu_worker.pipeline import KickPipeline
from gpu_worker.protocol import MAX_REFERENCE_BYTES, KickResult
from gpu_worker.synth import draw_params, render_kick
from kicks import services
from kicks.failures import GenerationFailed
from kicks.models import GeneratedKick, KickGeneration, KickPreferences
from tests.kicks.conftest import generate as generate_kick

pytestmark = pytest.mark.django_db(transaction=True)

RECIPE = """recipe { modelName modelVersion prompt understoodWords ignoredWords seed sampler steps
  guidance madeFrom parentId parentName referenceName strength }"""
GENERATE = f"""
mutation Generate($prompt: String, $requestId: ID, $variationOf: ID, $strength: Float,
                  $reference: Upload) {{
  generateKick(prompt: $prompt, requestId: $requestId, variationOf: $variationOf,
               strength: $strength, reference: $reference) {{
    __typename
    ... on GenerateKickSuccess {{ kick {{ id name seed {RECIPE} }} remainingGensToday }}
    ... on ValidationErrors {{ message errors {{ field messages min max }} }}
    ... on DailyLimitReached {{ message }}
    ... on TotalCapReached {{ message }}
    ... on GenerationFailed {{ message retryable }}
  }}
}}"""
VOCABULARY = """{ kickVocabulary { __typename
  ... on KickVocabulary { model { name version } styles pairs { low high } otherWords defaultWords }
  ... on GenerationUnavailable { message } } }"""
PREFERENCES = """{ kicks { preferences { words autoplay } variationStrength { min max default }
  referenceMaxBytes referenceTooBigMessage } }"""
SAVE_PREFERENCES = """mutation Save($words: [String!], $autoplay: Boolean) {
  saveKickPreferences(words: $words, autoplay: $autoplay) { __typename
    ... on KickPreferences { words autoplay }
    ... on ValidationErrors { message errors { field messages max } } } }"""


@pytest.fixture
def logged_in(client: Client, member):
    client.force_login(member)
    return member


def generate(graphql, **variables):
    return graphql(GENERATE, variables)["data"]["generateKick"]


def kick_wav(seed: int = 3, lead_in_s: float = 0.2) -> bytes:
    audio = np.concatenate(
        [np.zeros(int(lead_in_s * 44_100)), render_kick(draw_params(1, seed)[0])]
    )
    buffer = io.BytesIO()
    soundfile.write(buffer, audio, 44_100, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def upload(client: Client, data: bytes, name: str = "My Kick 01.wav", **variables) -> dict:
    """generateKick with a reference sample, as the GraphQL multipart request spec sends it."""
    operations = {"query": GENERATE, "variables": {**variables, "reference": None}}
    response = client.post(
        "/graphql/",
        {
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.reference"]}),
            "0": SimpleUploadedFile(name, data, content_type="application/octet-stream"),
        },
    )
    assert response.status_code == 200, response.content
    return response.json()["data"]["generateKick"]


def nothing_reserved(member) -> bool:
    return (
        not KickGeneration.objects.filter(owner=member).exists()
        and services.allowance(member.pk).remaining_today == 10
    )


# --- The vocabulary and the remembered chips -----------------------------------------------------


def test_the_vocabulary_is_the_deployed_models_own(graphql, logged_in, tiny_model_dir: Path):
    vocabulary = graphql(VOCABULARY)["data"]["kickVocabulary"]

    identity = KickPipeline.from_pretrained(tiny_model_dir, device="cpu").identity
    assert vocabulary == {
        "__typename": "KickVocabulary",
        "model": {"name": tiny_model_dir.name, "version": identity.version},
        "styles": ["909", "house"],
        "pairs": [],
        "otherWords": ["hit", "punchy"],
        "defaultWords": ["hit", "house"],
    }


def test_describing_the_model_leaves_loading_it_to_the_first_kick(graphql, logged_in, events):
    graphql(VOCABULARY)

    generate_kick(logged_in, "hit house", events=events)

    assert events.stages()[:2] == ["QUEUED", "LOADING_MODEL"]


def test_a_model_that_cannot_load_answers_unavailable(graphql, logged_in, settings, tmp_path):
    settings.KICK_MODEL = str(tmp_path / "missing")

    vocabulary = graphql(VOCABULARY)["data"]["kickVocabulary"]

    assert vocabulary == {
        "__typename": "GenerationUnavailable",
        "message": "The kick model could not be loaded.",
    }


def test_guests_get_no_vocabulary_nor_preferences(graphql):
    for operation in (VOCABULARY, SAVE_PREFERENCES):
        result = graphql(operation, {"words": ["hit"]})
        assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert not KickPreferences.objects.exists()


def test_chosen_words_are_remembered_per_member(graphql, logged_in, client, make_user):
    fresh = graphql(PREFERENCES)["data"]["kicks"]
    assert fresh == {
        "preferences": {"words": None, "autoplay": True},
        "variationStrength": {"min": 0.1, "max": 0.9, "default": 0.4},
        "referenceMaxBytes": MAX_REFERENCE_BYTES,
        "referenceTooBigMessage": "The sample is larger than 5 MB.",
    }

    saved = graphql(SAVE_PREFERENCES, {"words": ["punchy", "909", "punchy"]})
    assert saved["data"]["saveKickPreferences"] == {
        "__typename": "KickPreferences",
        "words": ["punchy", "909"],
        "autoplay": True,
    }
    graphql(SAVE_PREFERENCES, {"autoplay": False})  # the words stay as they were
    assert graphql(PREFERENCES)["data"]["kicks"]["preferences"] == {
        "words": ["punchy", "909"],
        "autoplay": False,
    }
    graphql(SAVE_PREFERENCES, {"words": []})
    assert graphql(PREFERENCES)["data"]["kicks"]["preferences"]["words"] == []

    client.force_login(make_user("other"))
    assert graphql(PREFERENCES)["data"]["kicks"]["preferences"] == {"words": None, "autoplay": True}


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["hit house"], "Each word must be one lower-case word of at most 32 characters."),
        (["Punchy"], "Each word must be one lower-case word of at most 32 characters."),
        (["x" * 33], "Each word must be one lower-case word of at most 32 characters."),
        ([f"w{i}" for i in range(17)], "At most 16 words."),
    ],
)
def test_bad_words_are_refused_and_change_nothing(graphql, logged_in, words, message):
    graphql(SAVE_PREFERENCES, {"words": ["hit"]})

    refused = graphql(SAVE_PREFERENCES, {"words": words, "autoplay": False})

    answer = refused["data"]["saveKickPreferences"]
    assert answer["__typename"] == "ValidationErrors"
    assert answer["errors"][0]["field"] == "words" and answer["message"] == message
    assert graphql(PREFERENCES)["data"]["kicks"]["preferences"] == {
        "words": ["hit"],
        "autoplay": True,
    }


# --- Recipes ------------------------------------------------------------------------------------


def test_every_kick_keeps_its_recipe(graphql, logged_in, tiny_model_dir: Path):
    result = generate(graphql, prompt="Punchy banana 909")

    recipe = result["kick"]["recipe"]
    stored = GeneratedKick.objects.get()
    identity = KickPipeline.from_pretrained(tiny_model_dir, device="cpu").identity
    assert recipe == {
        "modelName": tiny_model_dir.name,
        "modelVersion": identity.version,
        "prompt": "Punchy banana 909",
        "understoodWords": ["punchy", "909"],
        "ignoredWords": ["banana"],
        "seed": str(stored.seed),
        "sampler": "ddim",  # KICKS_SAMPLING_STEPS is set: the guided sampler
        "steps": 4,
        "guidance": 3.0,
        "madeFrom": "NOTHING",
        "parentId": None,
        "parentName": None,
        "referenceName": None,
        "strength": None,
    }
    latent_values = math.prod(KickPipeline.from_pretrained(tiny_model_dir).models.vae.latent_shape)
    assert len(stored.latent) == 4 * latent_values


# --- More like this -------------------------------------------------------------------------------


def test_more_like_this_varies_the_members_kick_from_its_stored_latent(
    graphql, logged_in, kicks_dir: Path, events
):
    parent = generate_kick(logged_in, "hit house")
    # The stored latent is what it starts from: the parent's audio is not needed.
    (kicks_dir / parent.kick.audio.name).unlink()

    variation = generate_kick(
        logged_in, "hit house", events=events, variation_of=str(parent.kick.pk), strength=0.5
    )

    kick = variation.kick
    assert (kick.made_from, kick.parent_id, kick.parent_name) == (
        "kick",
        parent.kick.pk,
        parent.kick.name,
    )
    assert kick.strength == 0.5 and kick.seed != parent.kick.seed
    assert kick.audio.name != parent.kick.audio.name and (kicks_dir / kick.audio.name).exists()
    # The 4-step grid 999, 749, 499, 249: a variation at 0.5 runs the last two.
    sampling = [(e.step, e.total_steps) for e in events if e.stage == "SAMPLING"]
    assert sampling == [(1, 2), (2, 2)]
    assert events.stages()[-2:] == ["UPLOADING", "DONE"]
    assert variation.allowance.remaining_today == 8  # it counts like any generation


def test_a_variation_over_graphql_records_where_it_came_from(graphql, logged_in):
    parent = generate(graphql)["kick"]

    result = generate(graphql, variationOf=parent["id"], prompt="punchy 909")

    assert result["__typename"] == "GenerateKickSuccess"
    recipe = result["kick"]["recipe"]
    assert (recipe["madeFrom"], recipe["parentId"], recipe["parentName"]) == (
        "KICK",
        parent["id"],
        parent["name"],
    )
    assert recipe["strength"] == 0.4  # the default
    assert recipe["understoodWords"] == ["punchy", "909"]
    assert result["remainingGensToday"] == 8

    services.delete_kick(logged_in.pk, parent["id"], confirm=False)
    kicks = graphql(f"{{ kicks {{ kicks {{ {RECIPE} }} }} }}")["data"]["kicks"]["kicks"]
    assert kicks[0]["recipe"]["parentId"] is None
    assert kicks[0]["recipe"]["parentName"] == parent["name"]  # still says what it came from


def test_kicks_without_a_usable_latent_are_varied_from_their_audio(logged_in):
    parent = generate_kick(logged_in, "hit house").kick
    # Made before latents were kept, or by another model: its latent cannot be reused.
    GeneratedKick.objects.filter(pk=parent.pk).update(latent=bytes(8), model_version="0ld-m0del")

    variation = generate_kick(logged_in, "hit house", variation_of=str(parent.pk)).kick

    assert variation.made_from == "kick" and variation.parent_id == parent.pk


def test_a_parent_whose_audio_is_gone_fails_retryably_using_no_quota(logged_in, kicks_dir):
    parent = generate_kick(logged_in, "hit house").kick
    GeneratedKick.objects.filter(pk=parent.pk).update(latent=None)
    (kicks_dir / parent.audio.name).unlink()

    with pytest.raises(GenerationFailed) as failed:
        generate_kick(logged_in, "hit house", variation_of=str(parent.pk))

    assert failed.value.retryable
    assert str(failed.value) == "The kick to vary could not be read. Please try again."
    assert services.allowance(logged_in.pk).remaining_today == 9
    assert GeneratedKick.objects.count() == 1


def test_nobody_varies_another_members_kick(graphql, logged_in, make_user):
    stranger = make_user("stranger")
    theirs = generate_kick(stranger, "hit house").kick

    for kick_id in (str(theirs.pk), "12345678", "not-an-id"):
        refused = generate(graphql, variationOf=kick_id)
        assert refused == {
            "__typename": "ValidationErrors",
            "message": "This kick does not exist.",
            "errors": [
                {
                    "field": "variationOf",
                    "messages": ["This kick does not exist."],
                    "min": None,
                    "max": None,
                }
            ],
        }
    assert nothing_reserved(logged_in)


@pytest.mark.parametrize("strength", [0.05, 0.95, -1.0])
def test_strength_outside_its_range_is_refused(graphql, logged_in, strength):
    parent = generate(graphql)["kick"]
    before = KickGeneration.objects.count()

    refused = generate(graphql, variationOf=parent["id"], strength=strength)

    message = "The strength must be between 0.1 and 0.9."
    assert refused["__typename"] == "ValidationErrors" and refused["message"] == message
    assert refused["errors"] == [
        {"field": "strength", "messages": [message], "min": 0.1, "max": 0.9}
    ]
    assert KickGeneration.objects.count() == before


def test_strength_needs_something_to_vary(graphql, logged_in):
    refused = generate(graphql, strength=0.5)

    assert refused["errors"][0]["field"] == "strength"
    assert refused["message"] == "A strength applies to variations of a kick or a sample only."
    assert nothing_reserved(logged_in)


def test_a_repeated_request_id_returns_the_first_variation(graphql, logged_in):
    parent = generate(graphql)["kick"]

    first = generate(graphql, variationOf=parent["id"], requestId="again")
    repeated = generate(graphql, variationOf=parent["id"], requestId="again", strength=0.8)

    assert repeated["kick"]["id"] == first["kick"]["id"]
    assert repeated["kick"]["recipe"]["strength"] == 0.4
    assert GeneratedKick.objects.count() == 2
    assert services.allowance(logged_in.pk).remaining_today == 8


def test_variations_use_the_quotas(graphql, logged_in, settings):
    parent = generate(graphql)["kick"]
    settings.KICKS_DAILY_LIMIT = 1

    refused = generate(graphql, variationOf=parent["id"])

    assert refused["__typename"] == "DailyLimitReached"
    settings.KICKS_DAILY_LIMIT = 10
    settings.KICKS_TOTAL_CAP = 1
    assert generate(graphql, variationOf=parent["id"])["__typename"] == "TotalCapReached"
    assert GeneratedKick.objects.count() == 1


def test_a_parent_deleted_while_its_variation_runs_leaves_the_variation_its_name(logged_in, events):
    parent = generate_kick(logged_in, "hit house").kick
    source = services.generation_source(str(parent.pk), None, None)
    reservation = services.reserve_generation(logged_in.pk, "hit house", "race", events, source)
    services.delete_kick(logged_in.pk, parent.pk, confirm=False)

    kick = services.store_kick(reservation, "x.wav", uuid.uuid4(), KickResult(b"", 5), events)

    assert (kick.made_from, kick.parent_id, kick.parent_name) == ("kick", None, parent.name)


# --- A kick from a reference sample -------------------------------------------------------------


def test_a_kick_from_a_reference_sample(client, logged_in, kicks_dir: Path):
    result = upload(
        client, kick_wav(), name="../Samples/My Kick 01.wav", strength=0.6, prompt="hit"
    )

    assert result["__typename"] == "GenerateKickSuccess"
    recipe = result["kick"]["recipe"]
    assert (recipe["madeFrom"], recipe["referenceName"], recipe["strength"]) == (
        "REFERENCE",
        "My Kick 01.wav",
        0.6,
    )
    assert recipe["parentId"] is None and result["remainingGensToday"] == 9
    # The sample itself is not kept anywhere: the kick's WAV is the only file.
    kick = GeneratedKick.objects.get()
    assert [p.relative_to(kicks_dir).as_posix() for p in kicks_dir.rglob("*") if p.is_file()] == [
        kick.audio.name
    ]


def silent_wav() -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, np.zeros(44_100), 44_100, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def tone_flac() -> bytes:
    buffer = io.BytesIO()
    tone = 0.5 * np.sin(2 * np.pi * 220 * np.arange(3 * 44_100) / 44_100)
    soundfile.write(buffer, tone, 44_100, format="FLAC", subtype="PCM_16")
    return buffer.getvalue()


def long_wav() -> bytes:
    buffer = io.BytesIO()
    drone = 0.3 * np.sin(2 * np.pi * 55 * np.arange(12 * 8000) / 8000)
    soundfile.write(buffer, drone, 8000, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "message", "maximum"),
    [
        (
            b"ID3\x04" + bytes(10_000),
            "Only WAV, AIFF, FLAC or OGG files can be used as a sample.",
            None,
        ),
        (
            b"RIFF\x00\x00\x00\x00WAVEfmt broken" + bytes(64),
            "The sample could not be read: the file is damaged.",
            None,
        ),
        (silent_wav(), "The sample is silent.", None),
        (
            tone_flac(),
            "The sample does not sound like a drum hit: it needs a sharp attack that dies away.",
            None,
        ),
        (long_wav(), "The sample is longer than 10 seconds (silence not counted).", 10.0),
        (
            b"RIFF" + bytes(MAX_REFERENCE_BYTES),
            "The sample is larger than 5 MB.",
            float(MAX_REFERENCE_BYTES),
        ),
    ],
    ids=["wrong-type", "corrupt", "silent", "not-drum-like", "too-long", "too-big"],
)
def test_a_bad_sample_gets_its_reason_and_uses_no_quota(
    client, logged_in, data, message, maximum, kicks_dir
):
    refused = upload(client, data)

    assert refused == {
        "__typename": "ValidationErrors",
        "message": message,
        "errors": [{"field": "reference", "messages": [message], "min": None, "max": maximum}],
    }
    assert nothing_reserved(logged_in)
    assert not kicks_dir.exists() or not any(kicks_dir.rglob("*.wav"))


def test_a_sample_and_a_kick_cannot_both_be_varied(client, logged_in):
    parent = generate_kick(logged_in, "hit house").kick

    refused = upload(client, kick_wav(), variationOf=str(parent.pk))

    assert refused["errors"][0]["field"] == "reference"
    assert refused["message"] == "Vary either one of your kicks or a sample, not both."


def test_a_reference_must_be_a_file(graphql, logged_in):
    refused = generate(graphql, reference="not a file")

    assert refused["__typename"] == "ValidationErrors"
    assert refused["message"] == "Send the sample as a file upload."
    assert nothing_reserved(logged_in)


@pytest.mark.parametrize(
    "form",
    [
        {"operations": "[1, 2]", "map": "{}"},
        {"operations": json.dumps({"query": GENERATE}), "map": '{"0": ["variables.reference"]}'},
        {
            "operations": json.dumps({"query": GENERATE, "variables": 5}),
            "map": '{"0": ["variables.x"]}',
            "0": b"x",
        },
        {"operations": json.dumps({"query": GENERATE}), "map": "[]"},
        {"operations": "{", "map": "{}"},
    ],
    ids=["batch", "missing-file", "variables-not-an-object", "map-not-an-object", "bad-json"],
)
def test_a_malformed_multipart_request_answers_400(client, logged_in, form):
    files = {k: SimpleUploadedFile("f.wav", v) for k, v in form.items() if isinstance(v, bytes)}
    response = client.post(
        "/graphql/", {**{k: v for k, v in form.items() if isinstance(v, str)}, **files}
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert nothing_reserved(logged_in)


def test_a_huge_multipart_request_is_refused_unparsed(client, logged_in):
    response = client.post(
        "/graphql/",
        {"operations": json.dumps({"query": GENERATE}), "map": "{}"},
        CONTENT_LENGTH=str(20 * MAX_REFERENCE_BYTES),
    )

    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "REQUEST_ENTITY_TOO_LARGE"

"""The kicks GraphQL API over HTTP (Django's test client, the real async view), the audio
files it points at, and deletion with its storage failure path."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kicks import failures, services
from kicks.models import GeneratedKick, KickGeneration, OrphanedKickFile
from presets.models import Preset
from tests.kicks.conftest import build_tiny_model, make_preset
from tests.kicks.conftest import generate as generate_kick
from tests.kicks.supabase_fake import BUCKET, SERVICE_KEY, FakeSupabaseStorage

pytestmark = pytest.mark.django_db(transaction=True)

KICKS = """{ kicks { kicks { id name audioUrl createdAt prompt seed }
  remainingGensToday totalGensCount dailyLimit totalCap resetsAt
  quotaTimeZone dailyLimitMessage totalCapMessage } }"""
GENERATE = """
mutation Generate($prompt: String, $requestId: ID) {
  generateKick(prompt: $prompt, requestId: $requestId) {
    __typename
    ... on GenerateKickSuccess {
      kick { id name audioUrl prompt seed } remainingGensToday totalGensCount
    }
    ... on TotalCapReached { message totalCap }
    ... on DailyLimitReached { message resetsAt }
    ... on GenerationUnavailable { message }
    ... on GenerationFailed { message retryable }
  }
}"""
GENERATE_INVALID = """mutation Generate($prompt: String) { generateKick(prompt: $prompt) {
  __typename ... on ValidationErrors { message errors { field messages } } } }"""
GENERATE_DEFAULT = (
    "mutation { generateKick { __typename ... on GenerateKickSuccess { kick { prompt } } } }"
)
DELETE = """
mutation Delete($id: ID!, $confirm: Boolean) {
  deleteKick(id: $id, confirm: $confirm) {
    __typename
    ... on DeleteKickSuccess { deletedId totalGensCount }
    ... on PresetsAffected { message presets { id name } }
    ... on KickNotFound { message }
  }
}"""


@pytest.fixture
def logged_in(client: Client, member):
    client.force_login(member)
    return member


def generate(graphql, **variables):
    return graphql(GENERATE, variables)["data"]["generateKick"]


@pytest.mark.parametrize(
    ("operation", "field"),
    [(KICKS, "kicks"), (GENERATE, "generateKick"), (DELETE, "deleteKick")],
)
def test_guests_are_refused(graphql, operation, field):
    result = graphql(operation, {"id": "1"})

    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert result["errors"][0]["path"] == [field]
    assert not KickGeneration.objects.exists()


def test_an_empty_library_shows_the_quotas(graphql, logged_in):
    library = graphql(KICKS)["data"]["kicks"]

    assert library["kicks"] == []
    assert (library["remainingGensToday"], library["totalGensCount"]) == (10, 0)
    assert (library["dailyLimit"], library["totalCap"]) == (10, 30)
    assert library["resetsAt"] == services.day_resets_at(services.quota_day()).isoformat()


def test_the_quota_words_and_time_zone_are_the_refusals_own(graphql, logged_in, settings):
    """The app shows these at the limits: the same words the refusals answer, one source."""
    settings.KICKS_DAILY_LIMIT = settings.KICKS_TOTAL_CAP = 1
    library = graphql(KICKS)["data"]["kicks"]
    generate(graphql)

    refused = generate(graphql)

    assert library["quotaTimeZone"] == "America/New_York"
    assert refused["__typename"] == "TotalCapReached"
    assert refused["message"] == library["totalCapMessage"] == "Delete kicks to generate more (1/1)"
    services.delete_kick(logged_in.pk, GeneratedKick.objects.get().pk, confirm=False)
    refused = generate(graphql)
    assert refused["__typename"] == "DailyLimitReached"
    assert refused["message"] == library["dailyLimitMessage"]
    assert library["dailyLimitMessage"].startswith("Daily limit reached: all 1 kick generations")


def test_generate_list_and_play_a_kick(graphql, logged_in, client):
    result = generate(graphql, prompt="punchy 909", requestId="4c1e1f9e-req")

    assert result["__typename"] == "GenerateKickSuccess"
    kick = result["kick"]
    assert kick["name"].startswith("AI: ") and kick["prompt"] == "punchy 909"
    assert (result["remainingGensToday"], result["totalGensCount"]) == (9, 1)
    stored = GeneratedKick.objects.get()
    assert kick["seed"] == str(stored.seed)
    assert kick["audioUrl"] == f"/media/kicks/{logged_in.pk}/{stored.uuid}.wav"

    audio = client.get(kick["audioUrl"])
    assert audio.status_code == 200
    assert audio["Content-Type"] == "audio/wav"
    assert "immutable" in audio["Cache-Control"]
    assert audio.content[:4] == b"RIFF"

    library = graphql(KICKS)["data"]["kicks"]
    assert [k["id"] for k in library["kicks"]] == [kick["id"]]
    assert (library["remainingGensToday"], library["totalGensCount"]) == (9, 1)


async def test_kick_audio_is_sent_whole_under_asgi(asgi_get, kicks_dir):
    kick_uuid = uuid.uuid4()
    wav = b"RIFF" + bytes(2000)
    path = kicks_dir / services.kick_file_name(7, kick_uuid)
    path.parent.mkdir(parents=True)
    path.write_bytes(wav)

    response = await asgi_get(f"/media/kicks/7/{kick_uuid}.wav")

    assert (response.status, response.headers["content-type"]) == (200, "audio/wav")
    assert response.body == wav
    assert response.warnings == []  # no file stream through a sync iterator
    assert (await asgi_get(f"/media/kicks/7/{uuid.uuid4()}.wav")).status == 404


@pytest.mark.parametrize(
    ("query", "variables"),
    [(GENERATE_DEFAULT, {}), (GENERATE, {"prompt": None}), (GENERATE, {"prompt": " \t "})],
)
def test_a_kick_without_keywords_is_made_at_the_deployed_models_default_prompt(
    graphql, logged_in, settings, tmp_path, query, variables
):
    # Not a default the web app keeps: the one the model's config names.
    model = build_tiny_model(tmp_path / "model", default_prompt="punchy 909")
    settings.KICK_MODEL = str(model)

    result = graphql(query, variables)["data"]["generateKick"]

    assert result["kick"]["prompt"] == "punchy 909"
    assert KickGeneration.objects.get().prompt == "punchy 909"


def test_repeating_a_request_id_returns_the_first_kick(graphql, logged_in):
    first = generate(graphql, requestId="same")
    again = generate(graphql, requestId="same")

    assert again["kick"] == first["kick"]
    assert GeneratedKick.objects.count() == 1


def test_the_cap_is_a_typed_result(graphql, logged_in, settings):
    settings.KICKS_TOTAL_CAP = 1
    generate(graphql)

    assert generate(graphql) == {
        "__typename": "TotalCapReached",
        "message": "Delete kicks to generate more (1/1)",
        "totalCap": 1,
    }


def test_the_daily_limit_is_a_typed_result(graphql, logged_in, settings):
    settings.KICKS_DAILY_LIMIT = 1
    generate(graphql)

    result = generate(graphql)

    assert result["__typename"] == "DailyLimitReached"
    assert result["resetsAt"] == services.day_resets_at(services.quota_day()).isoformat()
    assert "12:00 AM E" in result["message"]


def test_an_unavailable_generator_is_a_typed_result(graphql, logged_in, settings, tmp_path):
    settings.KICK_MODEL = str(tmp_path / "missing")

    result = generate(graphql)

    assert result == {
        "__typename": "GenerationUnavailable",
        "message": "The kick model could not be loaded.",
    }
    assert graphql(KICKS)["data"]["kicks"]["remainingGensToday"] == 10


def test_a_failed_generation_is_a_typed_retryable_result(graphql, logged_in, settings):
    settings.KICKS_WORKER_TIMEOUT_S = 0

    assert generate(graphql) == {
        "__typename": "GenerationFailed",
        "message": "The generator took too long.",
        "retryable": True,
    }
    assert not GeneratedKick.objects.exists()


def test_the_kicks_query_costs_the_same_few_queries_for_any_library_size(
    graphql, logged_in, client
):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert graphql(KICKS)["data"]["kicks"]
        return len(queries)

    GeneratedKick.objects.create(owner=logged_in, name="AI: A", audio="x/a.wav", prompt="p", seed=1)
    one = count_queries()
    GeneratedKick.objects.bulk_create(
        GeneratedKick(owner=logged_in, name=f"AI: {n}", audio=f"x/{n}.wav", prompt="p", seed=n)
        for n in range(29)
    )

    assert count_queries() == one <= 5


def test_audio_of_unknown_kicks_is_not_found(client, logged_in):
    assert (
        client.get(
            f"/media/kicks/{logged_in.pk}/6f9619ff-8b86-d011-b42d-00cf4fc964ff.wav"
        ).status_code
        == 404
    )
    assert client.get("/media/kicks/1/../../secret_key").status_code == 404


# --- deleteKick -------------------------------------------------------------------------------


@pytest.fixture
def kick(graphql, logged_in):
    generate(graphql)
    return GeneratedKick.objects.get()


def delete(graphql, kick_id, confirm=None):
    variables = {"id": str(kick_id)}
    if confirm is not None:
        variables["confirm"] = confirm
    return graphql(DELETE, variables)["data"]["deleteKick"]


def test_deleting_a_kick_removes_it_and_its_file(graphql, kick, kicks_dir):
    assert (kicks_dir / kick.audio.name).exists()

    result = delete(graphql, kick.pk)

    assert result == {
        "__typename": "DeleteKickSuccess",
        "deletedId": str(kick.pk),
        "totalGensCount": 0,
    }
    assert not GeneratedKick.objects.exists()
    assert not (kicks_dir / kick.audio.name).exists()
    assert KickGeneration.objects.get().status == KickGeneration.Status.SUCCEEDED


def test_presets_using_the_kick_need_confirmation(graphql, kick, logged_in, kicks_dir):
    second = make_preset(logged_in, "Warehouse", kick)
    first = make_preset(logged_in, "Basement", kick)

    result = delete(graphql, kick.pk)

    assert result["__typename"] == "PresetsAffected"
    assert result["presets"] == [
        {"id": str(first.pk), "name": "Basement"},
        {"id": str(second.pk), "name": "Warehouse"},
    ]
    assert "Basement" in result["message"]
    assert GeneratedKick.objects.count() == 1 and Preset.objects.count() == 2
    assert (kicks_dir / kick.audio.name).exists()

    assert delete(graphql, kick.pk, confirm=True)["__typename"] == "DeleteKickSuccess"
    assert not GeneratedKick.objects.exists()
    assert not Preset.objects.filter(owner=logged_in).exists()
    assert not (kicks_dir / kick.audio.name).exists()


def test_another_members_kick_is_not_found(graphql, kick, client, make_user):
    client.force_login(make_user("intruder"))

    for confirm in (False, True):
        assert delete(graphql, kick.pk, confirm)["__typename"] == "KickNotFound"
    assert GeneratedKick.objects.count() == 1


@pytest.mark.parametrize("bad_id", ["999999", "not-a-number", ""])
def test_unknown_ids_are_not_found(graphql, logged_in, bad_id):
    assert delete(graphql, bad_id) == {
        "__typename": "KickNotFound",
        "message": "This kick does not exist.",
    }


# --- Supabase Storage -------------------------------------------------------------------------


@pytest.fixture
def supabase(httpserver, settings) -> FakeSupabaseStorage:
    fake = FakeSupabaseStorage(httpserver)
    settings.STORAGES = {
        **settings.STORAGES,
        "kicks": {
            "BACKEND": "kicks.storage.SupabaseStorage",
            "OPTIONS": {"url": fake.url, "service_key": SERVICE_KEY, "bucket": BUCKET},
        },
    }
    return fake


def test_kicks_go_to_supabase_and_play_from_its_public_url(graphql, logged_in, supabase):
    import httpx

    kick = generate(graphql)["kick"]

    stored = GeneratedKick.objects.get()
    assert list(supabase.objects) == [f"{logged_in.pk}/{stored.uuid}.wav"]
    assert kick["audioUrl"] == (
        f"{supabase.url}/storage/v1/object/public/{BUCKET}/{logged_in.pk}/{stored.uuid}.wav"
    )
    response = httpx.get(kick["audioUrl"])
    assert response.headers["content-type"] == "audio/wav"
    assert response.content[:4] == b"RIFF"


@pytest.mark.parametrize("status", [400, 500, 503])
def test_a_failed_upload_leaves_no_kick_and_uses_no_quota(graphql, logged_in, supabase, status):
    supabase.fail_next("POST", status, json_error="InvalidRequest" if status < 500 else None)

    result = generate(graphql)

    assert result == {
        "__typename": "GenerationFailed",
        "message": "The kick could not be saved. Please try again.",
        "retryable": True,
    }
    assert not GeneratedKick.objects.exists()
    assert supabase.objects == {}
    assert graphql(KICKS)["data"]["kicks"]["remainingGensToday"] == 10


def test_a_failed_file_removal_keeps_the_delete_and_records_the_file(graphql, logged_in, supabase):
    generate(graphql)
    kick = GeneratedKick.objects.get()
    supabase.fail_next("DELETE", 503)

    assert delete(graphql, kick.pk)["__typename"] == "DeleteKickSuccess"

    assert not GeneratedKick.objects.exists()
    orphan = OrphanedKickFile.objects.get()
    assert orphan.path == kick.audio.name
    assert list(supabase.objects) == [kick.audio.name]

    supabase.fail_next("DELETE", 500)
    with pytest.raises(CommandError, match="1 file"):
        call_command("purge_orphan_kicks")
    assert OrphanedKickFile.objects.get().attempts == 2

    call_command("purge_orphan_kicks")
    assert supabase.objects == {}
    assert not OrphanedKickFile.objects.exists()


def test_a_failed_database_write_then_a_failed_removal_records_the_orphan(
    logged_in, supabase, events, worker, failing_kick_inserts
):
    supabase.fail_next("DELETE", 503)

    with pytest.raises(failures.GenerationFailed):
        generate_kick(logged_in, "hit house", None, events)

    (name,) = supabase.objects
    assert OrphanedKickFile.objects.get().path == name
    call_command("purge_orphan_kicks")
    assert supabase.objects == {}


PRESETS_WITH_KICKS = (
    "{ presets { results { name aiKick { id name audioUrl seed prompt createdAt } } } }"
)


def test_presets_resolve_their_ai_kicks_in_a_constant_number_of_queries(graphql, logged_in):
    def run() -> tuple[list[dict], int]:
        with CaptureQueriesContext(connection) as queries:
            result = graphql(PRESETS_WITH_KICKS)
        assert "errors" not in result, result
        return [p for p in result["data"]["presets"]["results"] if p["aiKick"]], len(queries)

    kick = GeneratedKick.objects.create(
        owner=logged_in, name="AI: A", audio=f"{logged_in.pk}/a.wav", prompt="p", seed=2**62
    )
    make_preset(logged_in, "One", kick)
    presets, one = run()
    assert presets[0]["aiKick"]["audioUrl"] == f"/media/kicks/{logged_in.pk}/a.wav"
    assert presets[0]["aiKick"]["seed"] == str(2**62)
    for number in range(5):
        other = GeneratedKick.objects.create(
            owner=logged_in, name=f"AI: {number}", audio=f"x/{number}.wav", prompt="p", seed=number
        )
        make_preset(logged_in, f"Preset {number}", other)

    presets, six = run()
    assert len(presets) == 6
    assert six == one


def test_a_too_long_prompt_is_a_typed_result_and_changes_nothing(graphql, logged_in):
    assert graphql(GENERATE_INVALID, {"prompt": "x" * 201})["data"]["generateKick"] == {
        "__typename": "ValidationErrors",
        "message": "The prompt must be at most 200 characters.",
        "errors": [{"field": "prompt", "messages": ["The prompt must be at most 200 characters."]}],
    }
    assert not KickGeneration.objects.exists()

"""Generating a kick end to end through the services, and every way it can fail."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pytest
from django.utils import timezone
from pytest_httpserver import HTTPServer

from gpu_worker import DEFAULT_MODEL_PATH
from kicks import failures, services
from kicks.models import GeneratedKick, KickGeneration, OrphanedKickFile, PendingKickFile
from kicks.names import PREFIX
from kicks.workers import LocalWorker, configured_worker
from tests.kicks import conftest
from tests.kicks.supabase_fake import BUCKET, SERVICE_KEY, FakeSupabaseStorage

pytestmark = pytest.mark.django_db(transaction=True)


def generate(user, worker, events, request_id=None, prompt="punchy 909"):
    del worker  # the entry point uses the configured worker, as in production
    return conftest.generate(user, prompt, request_id, events)


def stored_files(kicks_dir: Path) -> list[Path]:
    return sorted(path for path in kicks_dir.rglob("*") if path.is_file())


def test_a_generated_kick_is_stored_named_and_counted(make_user, worker, events, kicks_dir):
    user = make_user("techno")

    success = generate(user, worker, events, request_id="req-1")

    kick = success.kick
    assert kick.owner == user
    assert kick.name.startswith(PREFIX)
    assert kick.prompt == "punchy 909"
    assert kick.audio.name == f"{user.pk}/{kick.uuid}.wav"
    with wave.open(io.BytesIO((kicks_dir / kick.audio.name).read_bytes())) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getnframes()) == (44100, 1, 88200)
    generation = KickGeneration.objects.get(request_id="req-1")
    assert generation.status == KickGeneration.Status.SUCCEEDED
    assert generation.kick == kick
    assert generation.seed == kick.seed
    assert success.allowance.remaining_today == 9
    assert success.allowance.total_count == 1


def test_progress_events_arrive_in_order(make_user, worker, events):
    generate(make_user("techno"), worker, events, request_id="req-1")

    stages = events.stages()
    assert stages[0] == "QUEUED"
    assert stages[-2:] == ["UPLOADING", "DONE"]
    assert "LOADING_MODEL" in stages
    sampling = [event.step for event in events if event.stage == "SAMPLING"]
    assert sampling == [1, 2, 3, 4]
    order = ["QUEUED", "LOADING_MODEL", "SAMPLING", "DECODING", "VOCODING", "UPLOADING", "DONE"]
    assert [stage for stage in order if stage in stages] == order
    assert [stages.index(stage) for stage in order] == sorted(stages.index(s) for s in order)
    fractions = [event.fraction for event in events]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_the_model_loads_once_per_worker(make_user, worker, events):
    user = make_user("techno")
    generate(user, worker, events)
    first = events.stages()
    events.clear()

    generate(user, worker, events)

    assert "LOADING_MODEL" in first
    assert "LOADING_MODEL" not in events.stages()


def test_names_are_unique_per_member(make_user, worker, events):
    user = make_user("techno")

    names = [generate(user, worker, events).kick.name for _ in range(3)]

    assert len(set(names)) == 3


def test_an_empty_prompt_means_hit_house(make_user, worker, events):
    assert generate(make_user("techno"), worker, events, prompt="  ").kick.prompt == "hit house"


def test_a_too_long_prompt_is_refused_and_changes_nothing(make_user, worker, events):
    with pytest.raises(failures.InvalidGenerationInput) as raised:
        generate(make_user("techno"), worker, events, prompt="x" * 201)

    assert raised.value.field == "prompt"
    assert not KickGeneration.objects.exists()
    assert events.stages() == ["FAILED"]  # told to whoever follows the request id


def test_a_too_long_request_id_is_refused(make_user, worker, events):
    with pytest.raises(failures.InvalidGenerationInput, match="request id"):
        generate(make_user("techno"), worker, events, request_id="r" * 65)
    assert not KickGeneration.objects.exists()


def assert_nothing_used(user, kicks_dir):
    assert not GeneratedKick.objects.exists()
    assert stored_files(kicks_dir) == []
    assert services.allowance(user.pk).remaining_today == 10
    assert KickGeneration.objects.get().status == KickGeneration.Status.FAILED


def test_missing_weights_make_the_generator_unavailable(
    make_user, events, settings, kicks_dir, tmp_path
):
    settings.KICK_MODEL = str(tmp_path / "no-such-model")
    user = make_user("techno")

    with pytest.raises(failures.GenerationUnavailable):
        generate(user, configured_worker(), events)

    assert_nothing_used(user, kicks_dir)
    assert events.stages()[0] == "QUEUED" and events.stages()[-1] == "FAILED"
    assert KickGeneration.objects.get().failure == KickGeneration.Failure.UNAVAILABLE


def test_a_pipeline_error_fails_retryably(make_user, events, settings, kicks_dir):
    settings.KICKS_SAMPLING_STEPS = 0  # the pipeline itself refuses this
    user = make_user("techno")

    with pytest.raises(failures.GenerationFailed) as raised:
        generate(user, configured_worker(), events)

    assert raised.value.retryable
    assert_nothing_used(user, kicks_dir)
    assert events.stages()[-1] == "FAILED"


def test_a_worker_timeout_fails_retryably(make_user, events, settings, kicks_dir):
    settings.KICKS_WORKER_TIMEOUT_S = 0
    user = make_user("techno")

    with pytest.raises(failures.GenerationFailed, match="too long") as raised:
        generate(user, configured_worker(), events)

    assert raised.value.retryable
    assert_nothing_used(user, kicks_dir)


def test_an_upload_failure_stores_nothing_and_uses_no_quota(
    make_user, worker, events, settings, tmp_path
):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the kicks folder should be")
    settings.STORAGES = {
        **settings.STORAGES,
        "kicks": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": blocker / "kicks"},
        },
    }
    user = make_user("techno")

    with pytest.raises(failures.GenerationFailed) as raised:
        generate(user, worker, events)

    assert raised.value.retryable
    assert not GeneratedKick.objects.exists()
    assert services.allowance(user.pk).remaining_today == 10
    assert KickGeneration.objects.get().failure == KickGeneration.Failure.RETRYABLE
    assert events.stages()[-2:] == ["UPLOADING", "FAILED"]


def test_a_database_failure_after_upload_removes_the_file(
    make_user, worker, events, kicks_dir, failing_kick_inserts
):
    user = make_user("techno")

    with pytest.raises(failures.GenerationFailed) as raised:
        generate(user, worker, events)

    assert raised.value.retryable
    assert_nothing_used(user, kicks_dir)
    assert not OrphanedKickFile.objects.exists()
    assert events.stages()[-2:] == ["UPLOADING", "FAILED"]


@pytest.fixture
def slow_storage(settings):
    """A Supabase Storage fake behind the kicks storage, with a 1 s client timeout; threaded, so
    a deletion need not wait behind an upload the fake holds."""
    server = HTTPServer(threaded=True)
    server.start()
    supabase = FakeSupabaseStorage(server)
    settings.STORAGES = {
        **settings.STORAGES,
        "kicks": {
            "BACKEND": "kicks.storage.SupabaseStorage",
            "OPTIONS": {
                "url": supabase.url,
                "service_key": SERVICE_KEY,
                "bucket": BUCKET,
                "timeout_s": 1.0,
            },
        },
    }
    yield supabase
    supabase.release_held()
    server.clear()
    server.stop()


def test_an_upload_stored_but_answered_too_late_leaves_no_file(
    make_user, worker, events, slow_storage
):
    # Supabase Storage keeps the object but answers after the client's timeout: the generation
    # fails retryably, the stored object is deleted again and nothing is left pending.
    late = slow_storage.hold_next("POST", taken_effect=True)
    user = make_user("techno")

    with pytest.raises(failures.GenerationFailed) as raised:
        generate(user, worker, events)

    assert late.reached.is_set() and raised.value.retryable
    assert slow_storage.objects == {}
    assert not PendingKickFile.objects.exists() and not OrphanedKickFile.objects.exists()
    assert not GeneratedKick.objects.exists()
    assert services.allowance(user.pk).remaining_today == 10
    assert events.stages()[-2:] == ["UPLOADING", "FAILED"]


def test_a_late_upload_whose_removal_is_refused_is_left_to_the_orphan_sweep(
    make_user, worker, events, slow_storage
):
    # Stored, answered too late, and then Storage refuses the deletion: the object is recorded
    # as an orphan, and purge_orphan_kicks removes it once Storage answers again.
    slow_storage.hold_next("POST", taken_effect=True)
    slow_storage.fail_next("DELETE", 502)
    user = make_user("techno")

    with pytest.raises(failures.GenerationFailed) as raised:
        generate(user, worker, events)

    assert raised.value.retryable
    [stored] = slow_storage.objects
    assert OrphanedKickFile.objects.get().path == stored
    assert not PendingKickFile.objects.exists()
    assert services.allowance(user.pk).remaining_today == 10

    assert services.purge_orphan_kicks().removed == 1
    assert slow_storage.objects == {} and not OrphanedKickFile.objects.exists()


def test_a_generation_whose_lease_ran_out_releases_its_quota(make_user, worker, events, settings):
    """A process that dies while its worker runs leaves a PENDING row, which stops renewing."""
    user = make_user("techno")
    settings.KICKS_TOTAL_CAP = 1
    services.reserve_generation(user.pk, "hit house", "crashed", events)
    with pytest.raises(failures.TotalCapReached):
        generate(user, worker, events)

    KickGeneration.objects.filter(request_id="crashed").update(lease_expires_at=timezone.now())
    generate(user, worker, events, request_id="after")

    crashed = KickGeneration.objects.get(request_id="crashed")
    assert crashed.status == KickGeneration.Status.FAILED
    assert crashed.failure == KickGeneration.Failure.EXPIRED


def test_a_result_arriving_after_its_lease_was_lost_is_discarded(make_user, kicks_dir):
    user = make_user("techno")

    def lose_the_lease(event) -> None:
        if event.stage == "SAMPLING" and event.step == 1:  # presumed dead while it samples
            KickGeneration.objects.update(lease_expires_at=timezone.now())
            services.expire_stale_generations()

    with pytest.raises(failures.GenerationFailed, match="too long"):
        conftest.generate(user, "hit house", "slow", lose_the_lease)

    assert not GeneratedKick.objects.exists()
    assert stored_files(kicks_dir) == []
    assert not PendingKickFile.objects.exists()
    assert KickGeneration.objects.get().failure == KickGeneration.Failure.EXPIRED


def test_the_worker_is_built_once_per_configuration(settings):
    first = configured_worker()
    assert isinstance(first, LocalWorker)
    assert configured_worker() is first
    settings.KICKS_SAMPLING_STEPS = 5
    assert configured_worker() is not first


@pytest.mark.skipif(
    not (DEFAULT_MODEL_PATH / "config.json").exists(), reason="the shipped weights are not built"
)
def test_the_shipped_model_generates_a_kick(make_user, events, settings, kicks_dir):
    settings.KICK_MODEL = None  # gpu_worker's default: the weights shipped in the repository
    settings.KICKS_SAMPLING_STEPS = None  # and their own sampling defaults

    success = generate(make_user("techno"), configured_worker(), events)

    audio = (kicks_dir / success.kick.audio.name).read_bytes()
    with wave.open(io.BytesIO(audio)) as wav:
        frames = wav.readframes(wav.getnframes())
    samples = [int.from_bytes(frames[i : i + 2], "little", signed=True) for i in range(0, 8820, 2)]
    assert max(abs(sample) for sample in samples) > 1000  # the attack is audible, not silence
    assert "SAMPLING" in events.stages()

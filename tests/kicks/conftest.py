"""Kick tests run the real pipeline: a tiny randomly initialised KickPipeline saved to a folder,
loaded by the real LocalWorker, generating into real storage (a temp folder, or Supabase
Storage's REST API on a local HTTP server)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction

from gpu_worker.protocol import ProgressEvent
from kicks import generation
from kicks.services import GenerationSuccess
from kicks.workers import KickWorker, configured_worker
from presets.models import RANGES, Preset


def build_tiny_model(folder: Path, **config_changes: Any) -> Path:
    """A tiny real model (random weights) of four words; `config_changes` go to its ModelConfig."""
    from gpu_worker.config import (
        KeywordEncoderConfig,
        ModelConfig,
        UNetConfig,
        VAEConfig,
        VocoderConfig,
    )
    from gpu_worker.pipeline import KickPipeline

    config = ModelConfig(
        vae=VAEConfig(channels=(4, 8)),
        unet=UNetConfig(channels=(8, 16), attention_heads=2, embedding_dim=16),
        keywords=KeywordEncoderConfig(embedding_dim=8),
        vocoder=VocoderConfig(dim=8, intermediate_dim=16, num_layers=1),
        default_steps=4,
        **config_changes,
    )
    KickPipeline.from_config(
        config, ["hit", "house", "punchy", "909"], device="cpu"
    ).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch

    # Tiny models gain nothing from intra-op threads, which only contend on a shared machine.
    torch.set_num_threads(1)
    return build_tiny_model(tmp_path_factory.mktemp("tiny-kick-model"))


@pytest.fixture
def kicks_dir(tmp_path: Path) -> Path:
    return tmp_path / "kicks"


@pytest.fixture(autouse=True)
def kick_settings(settings: Any, tiny_model_dir: Path, kicks_dir: Path) -> Any:
    settings.KICKS_WORKER = "local"
    settings.KICK_MODEL = str(tiny_model_dir)
    settings.KICK_MODEL_DEVICE = "cpu"
    settings.KICKS_SAMPLING_STEPS = 4
    settings.KICKS_WORKER_TIMEOUT_S = 60
    settings.KICKS_DAILY_LIMIT = 10
    settings.KICKS_TOTAL_CAP = 30
    settings.KICKS_GLOBAL_DAILY_BUDGET = 1000
    settings.STORAGES = {
        **settings.STORAGES,
        "kicks": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": kicks_dir, "base_url": "/media/kicks/"},
        },
    }
    return settings


@pytest.fixture
def worker(kick_settings: Any) -> KickWorker:
    return configured_worker()


class Events(list[ProgressEvent]):
    """A thread-safe ProgressSink that keeps what it was given."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def __call__(self, event: ProgressEvent) -> None:
        with self._lock:
            self.append(event)

    def stages(self) -> list[str]:
        return [str(event.stage) for event in self]


@pytest.fixture
def events() -> Events:
    return Events()


def generate(
    user: AbstractBaseUser,
    prompt: str | None = "punchy 909",
    request_id: str | None = None,
    events: Events | None = None,
    **source: Any,
) -> GenerationSuccess:
    """generateKick's own entry point (kicks.generation), from synchronous test code; `source`:
    variation_of, strength, reference."""
    return async_to_sync(generation.generate_kick)(
        user.pk, prompt, request_id, observe=events, **source
    )


MakeUser = Callable[[str], AbstractBaseUser]


@pytest.fixture
def make_user(db: None) -> MakeUser:
    def make(username: str) -> AbstractBaseUser:
        return get_user_model().objects.create_user(
            username=username, email=f"{username}@example.com", password="correct horse battery"
        )

    return make


def make_preset(owner: AbstractBaseUser, name: str, kick: Any) -> Preset:
    middle = {field: (bounds.min + bounds.max) / 2 for field, bounds in RANGES.items()}
    middle["bpm"] = 130
    return Preset.objects.create(
        owner=owner, name=name, ai_kick=kick, noise_key="pink", reverb_key="hall", **middle
    )


def run_in_threads(count: int, target: Callable[[int], Any]) -> list[Any]:
    """Run target(i) on `count` threads released at once; each closes its DB connection."""
    barrier = threading.Barrier(count)
    outcomes: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = target(index)
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def failing_kick_inserts():
    """Make the database refuse new kicks, as a failing database would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_kick() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_kick BEFORE INSERT ON kicks_generatedkick "
                "FOR EACH ROW EXECUTE FUNCTION refuse_kick()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER refuse_kick BEFORE INSERT ON kicks_generatedkick "
                "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
    yield
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER refuse_kick ON kicks_generatedkick"
            if connection.vendor == "postgresql"
            else "DROP TRIGGER refuse_kick"
        )
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION refuse_kick()")


async def wait_for_subscriber(user_id: int, request_id: str, timeout: float = 10) -> None:
    """Wait until a subscription has joined the progress group (the protocol has no ack)."""
    import asyncio
    import time

    import redis.asyncio
    from channels.layers import get_channel_layer
    from django.conf import settings

    from kicks.progress import progress_group

    group = progress_group(user_id, request_id)
    layer = get_channel_layer()
    deadline = time.monotonic() + timeout
    if settings.REDIS_URL:
        prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
        client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
        try:
            while not await client.exists(f"{prefix}:group:{group}"):
                assert time.monotonic() < deadline, "no subscriber joined"
                await asyncio.sleep(0.02)
        finally:
            await client.aclose()
    else:
        while group not in layer.groups:
            assert time.monotonic() < deadline, "no subscriber joined"
            await asyncio.sleep(0.02)


@contextmanager
def table_lock(table: str) -> Iterator[threading.Event]:
    """Hold `table` in SHARE mode from another connection, which blocks its INSERTs but not the
    reads the rest of a generation does, until the yielded event is set."""
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN SHARE MODE")
            locked.set()
            release.wait(60)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(10)
    try:
        yield release
    finally:
        release.set()
        holder.join()


async def wait_until_blocked_on(table: str, timeout: float = 60) -> None:
    """Wait until another connection waits for a lock on `table` (PostgreSQL)."""
    import asyncio
    import time

    from channels.db import database_sync_to_async

    @database_sync_to_async
    def someone_waits() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks JOIN pg_class ON pg_class.oid = relation "
                "WHERE relname = %s AND NOT granted)",
                [table],
            )
            return cursor.fetchone()[0]

    deadline = time.monotonic() + timeout
    while not await someone_waits():
        assert time.monotonic() < deadline, f"nothing waited for {table}"
        await asyncio.sleep(0.05)

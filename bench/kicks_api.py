"""Kicks API benchmark: the `kicks` query with a full library, and progress-event delivery.

    DEBUG=1 DATABASE_URL=postgres://... REDIS_URL=redis://... nice .venv/bin/python \
        bench/kicks_api.py [--runs 200]

Uses a throwaway test database (test_<name> on PostgreSQL, or SQLite). Prints:

1. `kicks` with 30 kicks (the total cap) — p50/p95 latency and SQL queries through Django's test
   client (sessions, CSRF, the project's schema), against a baseline measured in the same run:
   `{ me { id } }`, the cheapest members' query on the same stack.
2. generateKick end to end (through the test client, with the local worker and the configured
   model: the shipped weights by default) against KickPipeline.generate alone, same run.
3. With REDIS_URL: the delay from a worker progress event (published by ChannelLayerRelay, as the
   generateKick resolver does) to a kickGeneration subscriber on another server process (a
   uvicorn child, over its websocket), against two baselines in the same run: a bare Redis
   PUBLISH -> SUBSCRIBE round trip, and a channel-layer group_send -> receive.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from gpu_worker.protocol import KickRequest, ProgressEvent, Stage  # noqa: E402
from kicks.models import GeneratedKick  # noqa: E402
from kicks.progress import ChannelLayerRelay, layer_message, progress_group  # noqa: E402

KICKS = """{ kicks { kicks { id name audioUrl createdAt prompt seed }
  remainingGensToday totalGensCount dailyLimit totalCap resetsAt } }"""
ME = "{ me { id } }"
SUBSCRIBE = """subscription P($requestId: ID!) {
  kickGeneration(requestId: $requestId) { requestId stage step totalSteps fraction message } }"""


QUERIES: QueryCounter


def percentile(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def row(name: str, samples_ms: list[float], baseline_p50: float, extra: str = "") -> str:
    p50 = statistics.median(samples_ms)
    return (
        f"{name:<44} {p50:>8.2f} {percentile(samples_ms, 95):>8.2f} "
        f"{p50 / baseline_p50:>7.2f}x {extra:>8}"
    )


def header(title: str) -> None:
    print(f"\n{title}")
    print(f"{'':<44} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>8} {'queries':>8}")


class QueryCounter:
    """Counts SQL statements on every connection, whichever thread runs them (async views hop)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()
        connection_created.connect(self._watch, weak=False)
        connections.close_all()

    def _watch(self, sender: object, connection: Any, **kwargs: Any) -> None:
        connection.execute_wrappers.append(self)

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        with self._lock:
            self.count += 1
        return execute(sql, params, many, context)


def time_query(client: Client, query: str, runs: int) -> tuple[list[float], int]:
    before = QUERIES.count
    client.post("/graphql/", {"query": query}, content_type="application/json")
    statements = QUERIES.count - before
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.post("/graphql/", {"query": query}, content_type="application/json")
        samples.append((time.perf_counter() - started) * 1000)
        assert "errors" not in response.json(), response.json()
    return samples, statements


def bench_kicks_query(member, runs: int) -> None:
    GeneratedKick.objects.bulk_create(
        GeneratedKick(
            owner=member,
            name=f"AI: Bench {n}",
            audio=f"{member.pk}/bench-{n}.wav",
            prompt="hit house",
            seed=2**62 + n,
        )
        for n in range(30)
    )
    client = Client()
    client.force_login(member)
    me, me_queries = time_query(client, ME, runs)
    kicks, kicks_queries = time_query(client, KICKS, runs)
    baseline = statistics.median(me)
    header(f"GraphQL through Django's test client ({runs} runs each, {connection.vendor})")
    print(row("baseline: { me { id } }", me, baseline, str(me_queries)))
    print(row("kicks (30 kicks + quotas)", kicks, baseline, str(kicks_queries)))


# --- Progress delivery ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    database = connection.settings_dict
    env = {
        **os.environ,
        "DEBUG": "1",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "backend.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("the server did not start")


async def wait_for_group(redis, group: str) -> None:
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    while not await redis.exists(f"{prefix}:group:{group}"):
        await asyncio.sleep(0.01)


async def bench_redis_pubsub(redis, runs: int) -> list[float]:
    pubsub = redis.pubsub()
    await pubsub.subscribe("bench-kick-progress")
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await redis.publish("bench-kick-progress", "x")
        while await pubsub.get_message(timeout=1) is None:
            pass
        samples.append((time.perf_counter() - started) * 1000)
    await pubsub.aclose()
    return samples


async def bench_channel_layer(runs: int) -> list[float]:
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("bench-kick-progress", channel)
    samples = []
    for step in range(runs):
        started = time.perf_counter()
        await layer.group_send(
            "bench-kick-progress", layer_message(ProgressEvent(Stage.SAMPLING, step, runs))
        )
        await layer.receive(channel)
        samples.append((time.perf_counter() - started) * 1000)
    await layer.group_discard("bench-kick-progress", channel)
    return samples


async def bench_subscription(port: int, member, session: str, runs: int) -> list[float]:
    import redis.asyncio
    import websockets

    request_id = "bench-progress"
    async with websockets.connect(
        f"ws://127.0.0.1:{port}/graphql/",
        subprotocols=["graphql-transport-ws"],
        additional_headers={"Cookie": f"sessionid={session}", "Origin": f"http://127.0.0.1:{port}"},
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        payload = {"query": SUBSCRIBE, "variables": {"requestId": request_id}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
        await wait_for_group(client, progress_group(member.pk, request_id))
        await client.aclose()

        relay = ChannelLayerRelay(member.pk, request_id)
        samples = []
        for step in range(1, runs + 1):
            started = time.perf_counter()
            relay(ProgressEvent(Stage.SAMPLING, step, runs, "bench"))
            message = json.loads(await ws.recv())
            assert message["payload"]["data"]["kickGeneration"]["step"] == step, message
            samples.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.005)  # events are a few ms apart in a real generation
        relay(ProgressEvent(Stage.DONE, 1, 1, "done"))
        relay.close()
        await relay.sent()
        while json.loads(await ws.recv())["type"] != "complete":
            pass
        return samples


GENERATE = "mutation { generateKick { __typename } }"


def bench_generation(runs: int) -> None:
    """generateKick end to end against the pipeline alone, both with the configured model."""
    from gpu_worker.pipeline import KickPipeline
    from kicks.workers import configured_worker

    # Load the weights once.
    configured_worker().generate(KickRequest(None, 0), lambda progress: None)
    pipeline = KickPipeline.from_pretrained(
        settings.KICK_MODEL,
        device=settings.KICK_MODEL_DEVICE,
        cache_dir=settings.KICK_MODEL_CACHE_DIR,
    )
    member = get_user_model().objects.create_user("generator", "g@example.com", "x" * 12)
    client = Client()
    client.force_login(member)
    alone, api = [], []
    # Interleaved, so that the machine's varying load falls on both alike.
    with override_settings(KICKS_DAILY_LIMIT=runs, KICKS_TOTAL_CAP=runs):
        for seed in range(runs):
            started = time.perf_counter()
            pipeline.generate(None, seed=seed, steps=settings.KICKS_SAMPLING_STEPS)
            alone.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            response = client.post(
                "/graphql/", {"query": GENERATE}, content_type="application/json"
            )
            api.append((time.perf_counter() - started) * 1000)
            assert response.json()["data"]["generateKick"]["__typename"] == "GenerateKickSuccess"
    baseline = statistics.median(alone)
    header(f"Kick generation, local CPU worker, {settings.KICK_MODEL or 'shipped weights'}")
    print(row("baseline: KickPipeline.generate alone", alone, baseline))
    print(row("generateKick (reserve, generate, store)", api, baseline))


def bench_progress(member, runs: int) -> None:
    import redis.asyncio

    client = Client()
    client.force_login(member)
    session = client.cookies["sessionid"].value
    port = free_port()
    server = start_server(port)
    try:

        async def measure() -> tuple[list[float], list[float], list[float]]:
            redis_client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
            pubsub = await bench_redis_pubsub(redis_client, runs)
            await redis_client.aclose()
            layer = await bench_channel_layer(runs)
            subscription = await bench_subscription(port, member, session, runs)
            return pubsub, layer, subscription

        pubsub, layer, subscription = asyncio.run(measure())
    finally:
        server.terminate()
        server.wait(timeout=15)
    baseline = statistics.median(pubsub)
    header(f"Progress event -> subscriber over Redis ({runs} events each)")
    print(row("baseline: Redis PUBLISH -> SUBSCRIBE", pubsub, baseline))
    print(row("channel layer group_send -> receive", layer, baseline))
    print(row("worker event -> kickGeneration on server B", subscription, baseline))
    print(f"target: p50 <= 20 ms -> {'met' if statistics.median(subscription) <= 20 else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--generations", type=int, default=10)
    args = parser.parse_args()

    setup_test_environment()
    global QUERIES
    QUERIES = QueryCounter()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        member = get_user_model().objects.create_user("bench", "bench@example.com", "x" * 12)
        bench_kicks_query(member, args.runs)
        bench_generation(args.generations)
        if settings.REDIS_URL and connection.vendor == "postgresql":
            bench_progress(member, args.runs)
        else:
            print("\n(progress delivery needs REDIS_URL and a PostgreSQL DATABASE_URL)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

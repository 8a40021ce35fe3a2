"""Real uvicorn server processes on the test database and Redis, and clients to talk to them."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import websockets
from django.conf import settings
from django.db import connection
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIBE = """subscription Progress($requestId: ID!) {
  kickGeneration(requestId: $requestId) { requestId stage step totalSteps fraction message }
}"""
CSRF = "k" * 32


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_serving(port: int, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read().decode()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"server on port {port} did not start")


def server_env(tiny_model_dir: Path, var_dir: Path, **extra: str) -> dict[str, str]:
    database = connection.settings_dict
    return {
        **os.environ,
        "DEBUG": "1",
        "SECRET_KEY": settings.SECRET_KEY,  # sessions made here must validate there
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "VAR_DIR": str(var_dir),
        "KICK_MODEL": str(tiny_model_dir),
        "KICK_MODEL_DEVICE": "cpu",
        "KICKS_SAMPLING_STEPS": "4",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def start_server(port: int, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
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
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


@contextmanager
def running_servers(
    count: int, env: dict[str, str]
) -> Iterator[list[tuple[int, subprocess.Popen]]]:
    servers = [(port, start_server(port, env)) for port in (free_port() for _ in range(count))]
    try:
        for port, process in servers:
            wait_until_serving(port, process)
        yield servers
    finally:
        for _, process in servers:
            if process.poll() is None:
                process.terminate()
        for _, process in servers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def subscribe(port: int, cookie: str, request_id: str):
    ws = await websockets.connect(
        f"ws://127.0.0.1:{port}/graphql/",
        subprotocols=["graphql-transport-ws"],
        additional_headers={"Cookie": f"sessionid={cookie}", "Origin": f"http://127.0.0.1:{port}"},
    )
    await ws.send(json.dumps({"type": "connection_init"}))
    assert json.loads(await ws.recv()) == {"type": "connection_ack"}
    payload = {"query": SUBSCRIBE, "variables": {"requestId": request_id}}
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    return ws


async def read_progress(ws, timeout: float = 60) -> list[dict]:
    events = []
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if message["type"] == "complete":
            return events
        assert message["type"] == "next", message
        events.append(message["payload"]["data"]["kickGeneration"])


async def post_graphql(
    port: int, cookie: str, query: str, variables: dict | None = None, timeout: float = 120
) -> dict[str, Any]:
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}",
        timeout=timeout,
        cookies={"sessionid": cookie, "csrftoken": CSRF},
    ) as http:
        response = await http.post(
            "/graphql/",
            json={"query": query, "variables": variables or {}},
            headers={"X-CSRFToken": CSRF},
        )
    return response.json()["data"]

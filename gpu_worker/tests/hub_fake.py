"""Stand-ins for the Hugging Face Hub at its HTTP boundary, for huggingface_hub's real client.

`FakeHub` answers the requests `snapshot_download` and `HfApi.repo_info` make (the repo lookup,
the file listing, HEAD and GET of each file), in the shapes the real Hub answers them, from local
model folders. `SilentHub` accepts connections and never answers: the Hub that hung cold starts.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import huggingface_hub
import pytest


def git_blob_id(content: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


@dataclass
class Repo:
    refs: dict[str, str] = field(default_factory=dict)  # branch -> commit
    commits: dict[str, dict[str, bytes]] = field(default_factory=dict)  # commit -> files


class FakeHub:
    def __init__(self) -> None:
        self.repos: dict[str, Repo] = {}
        self.requests: list[tuple[str, str]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hub._answer(self, body=True)

            def do_HEAD(self) -> None:
                hub._answer(self, body=False)

            def log_message(self, format: str, *args: object) -> None:
                del format, args

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def publish(self, repo_id: str, folder: Path, branch: str = "main") -> str:
        """Commits every file of ``folder`` to ``branch``; returns the commit id."""
        files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
        repo = self.repos.setdefault(repo_id, Repo())
        content = repr((repo_id, branch, len(repo.commits), files)).encode()
        commit = hashlib.sha1(content).hexdigest()
        repo.commits[commit] = files
        repo.refs[branch] = commit
        return commit

    def _answer(self, request: BaseHTTPRequestHandler, *, body: bool) -> None:
        path = unquote(urlsplit(request.path).path)
        self.requests.append((request.command, path))
        parts = path.strip("/").split("/")
        if parts[:2] == ["api", "models"] and len(parts) >= 6:
            repo_id, kind, revision = "/".join(parts[2:4]), parts[4], parts[5]
            files = self._files(request, repo_id, revision)
            if files is None:
                return
            commit, contents = files
            if kind == "revision":
                siblings = [{"rfilename": name} for name in contents]
                self._json(request, {"id": repo_id, "sha": commit, "siblings": siblings})
                return
            if kind == "tree":
                listing = [
                    {"type": "file", "path": name, "size": len(data), "oid": git_blob_id(data)}
                    for name, data in contents.items()
                ]
                self._json(request, listing)
                return
        if len(parts) >= 5 and parts[2] == "resolve":
            repo_id, revision, name = "/".join(parts[:2]), parts[3], "/".join(parts[4:])
            files = self._files(request, repo_id, revision)
            if files is None:
                return
            commit, contents = files
            if name not in contents:
                self._error(request, 404, "EntryNotFound", f"{name} does not exist")
                return
            data = contents[name]
            request.send_response(200)
            request.send_header("Content-Length", str(len(data)))
            request.send_header("ETag", f'"{git_blob_id(data)}"')
            request.send_header("X-Repo-Commit", commit)
            request.end_headers()
            if body:
                request.wfile.write(data)
            return
        self._error(request, 404, "RepoNotFound", f"no route for {path}")

    def _files(
        self, request: BaseHTTPRequestHandler, repo_id: str, revision: str
    ) -> tuple[str, dict[str, bytes]] | None:
        repo = self.repos.get(repo_id)
        if repo is None:
            self._error(request, 404, "RepoNotFound", f"Repository {repo_id} not found")
            return None
        commit = repo.refs.get(revision, revision)
        if commit not in repo.commits:
            self._error(request, 404, "RevisionNotFound", f"Invalid rev id: {revision}")
            return None
        return commit, repo.commits[commit]

    @staticmethod
    def _json(request: BaseHTTPRequestHandler, payload: object) -> None:
        data = json.dumps(payload).encode()
        request.send_response(200)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    @staticmethod
    def _error(request: BaseHTTPRequestHandler, status: int, code: str, message: str) -> None:
        data = json.dumps({"error": message}).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.send_header("X-Error-Code", code)
        request.send_header("X-Error-Message", message)
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(data)

    def __enter__(self) -> FakeHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class SilentHub:
    """Accepts every connection and never sends a byte."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._accepted: list[socket.socket] = []
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    @property
    def connections(self) -> int:
        return len(self._accepted)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._accepted.append(connection)  # held open, never answered

    def __enter__(self) -> SilentHub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closed.set()
        self._listener.close()
        for connection in self._accepted:
            connection.close()


@contextmanager
def hub_at(url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Points huggingface_hub at ``url`` (HF_ENDPOINT, read by the SDK at import, hence patched on
    its constants)."""
    with monkeypatch.context() as patch:
        patch.setattr(huggingface_hub.constants, "ENDPOINT", url)
        patch.setattr(
            huggingface_hub.constants,
            "HUGGINGFACE_CO_URL_TEMPLATE",
            url + "/{repo_id}/resolve/{revision}/{filename}",
        )
        yield

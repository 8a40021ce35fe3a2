"""The subset of the Supabase Storage REST API that kicks.storage uses, on pytest-httpserver.

Only the remote service is replaced; the backend talks to it through the real supabase-py
(storage3) client over HTTP. Errors are answered the way Supabase answers them: a JSON body
{"statusCode", "error", "message"} for 4xx, and whatever a proxy returns for 5xx.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

SERVICE_KEY = "service-role-key-for-tests"
BUCKET = "generated-kicks"


@dataclass
class StoredObject:
    data: bytes
    content_type: str
    cache_control: str


@dataclass
class Hold:
    """One request held in the middle, so that a test can kill the client at that point.

    `taken_effect` False: held before the request changes anything, and dropped when released
    (its client died first). True (uploads): the object is stored, the answer is held.
    """

    taken_effect: bool
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def wait(self, timeout: float = 60) -> None:
        assert self.reached.wait(timeout), "the held request never came"


class FakeSupabaseStorage:
    def __init__(self, server: HTTPServer, bucket: str = BUCKET) -> None:
        self.server = server
        self.bucket = bucket
        self.objects: dict[str, StoredObject] = {}
        self._holds: dict[str, Hold] = {}
        self._handed_out: list[Hold] = []
        self.prefix = f"/storage/v1/object/{bucket}"
        object_path = re.compile(rf"^/storage/v1/object/{bucket}/(?P<name>.+)$")
        info_path = re.compile(rf"^/storage/v1/object/info/{bucket}/(?P<name>.+)$")
        public_path = re.compile(rf"^/storage/v1/object/public/{bucket}/(?P<name>.+)$")
        server.expect_request(object_path, method="POST").respond_with_handler(self._upload)
        server.expect_request(object_path, method="GET").respond_with_handler(self._download)
        server.expect_request(info_path, method="GET").respond_with_handler(self._info)
        server.expect_request(public_path, method="GET").respond_with_handler(self._public)
        server.expect_request(self.prefix, method="DELETE").respond_with_handler(self._remove)

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def fail_next(self, method: str, status: int, *, json_error: str | None = None) -> None:
        """Answer the next `method` request on an object path with an error."""
        pattern = re.compile(rf"^/storage/v1/object/(info/)?{self.bucket}(/.*)?$")
        handler = self.server.expect_oneshot_request(pattern, method=method)
        if json_error is not None:
            handler.respond_with_json(
                {"statusCode": str(status), "error": json_error, "message": json_error},
                status=status,
            )
        else:
            handler.respond_with_data(
                "<html>Bad Gateway</html>", status=status, content_type="text/html"
            )

    def hold_next(self, method: str, *, taken_effect: bool = False) -> Hold:
        """Hold the next upload (POST) or removal (DELETE) until `release` is set."""
        hold = self._holds[method] = Hold(taken_effect)
        self._handed_out.append(hold)
        return hold

    def release_held(self) -> None:
        """Lets every held request finish (a test's teardown: no server thread left waiting)."""
        for hold in self._handed_out:
            hold.released.set()

    def _held(self, method: str, *, stored: bool) -> bool:
        """Wait out a hold at this point of the request; True: drop the request."""
        hold = self._holds.get(method)
        if hold is None or hold.taken_effect != stored:
            return False
        del self._holds[method]
        hold.reached.set()
        hold.released.wait(60)
        return not stored

    def _authorised(self, request: Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {SERVICE_KEY}"

    @staticmethod
    def _error(status: int, error: str) -> Response:
        body = {"statusCode": str(status), "error": error, "message": error}
        return Response(json.dumps(body), status=status, content_type="application/json")

    def _name(self, request: Request, marker: str) -> str:
        return request.path.split(f"{marker}{self.bucket}/", 1)[1]

    def _upload(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._error(403, "Unauthorized")
        name = self._name(request, "/object/")
        if name in self.objects and request.headers.get("x-upsert") != "true":
            return self._error(409, "Duplicate")
        if self._held("POST", stored=False):
            return self._error(499, "Client closed request")
        file = request.files["file"]
        self.objects[name] = StoredObject(
            file.read(), file.content_type or "", request.form.get("cacheControl", "")
        )
        self._held("POST", stored=True)
        body = {"Key": f"{self.bucket}/{name}", "Id": "00000000-0000-0000-0000-000000000000"}
        return Response(json.dumps(body), content_type="application/json")

    def _download(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._error(403, "Unauthorized")
        stored = self.objects.get(self._name(request, "/object/"))
        if stored is None:
            return self._error(404, "not_found")
        return Response(stored.data, content_type=stored.content_type)

    def _info(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._error(403, "Unauthorized")
        name = self._name(request, "/info/")
        if name not in self.objects:
            return self._error(404, "not_found")
        return Response(json.dumps({"name": name}), content_type="application/json")

    def _public(self, request: Request) -> Response:
        stored = self.objects.get(self._name(request, "/public/"))
        if stored is None:
            return self._error(404, "not_found")
        return Response(stored.data, content_type=stored.content_type)

    def _remove(self, request: Request) -> Response:
        if not self._authorised(request):
            return self._error(403, "Unauthorized")
        if self._held("DELETE", stored=False):
            return self._error(499, "Client closed request")
        removed = []
        for name in request.get_json()["prefixes"]:
            if self.objects.pop(name, None) is not None:
                removed.append({"name": name, "bucket_id": self.bucket})
        return Response(json.dumps(removed), content_type="application/json")

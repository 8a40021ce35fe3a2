"""Supabase Storage as a Django storage backend (the production home of kick WAVs).

Selected with KICKS_STORAGE=supabase, which points STORAGES["kicks"] here. The bucket is
public, so `url()` is the object's public URL and browsers fetch kicks straight from Supabase.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath
from typing import IO, Any

import httpx
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible
from storage3 import SyncStorageClient
from storage3.exceptions import StorageApiError
from storage3.utils import StorageException

# Object names carry a fresh UUID, so their content never changes and may be cached for good.
IMMUTABLE_CACHE_SECONDS = "31536000"
# mimetypes says audio/x-wav on some systems; audio/wav is the registered type browsers expect.
CONTENT_TYPES = {".wav": "audio/wav"}


class SupabaseStorageError(OSError):
    """Supabase Storage refused a request or could not be reached.

    An OSError, like FileSystemStorage's failures, so callers handle both backends alike.
    """


@deconstructible
class SupabaseStorage(Storage):
    def __init__(self, url: str, service_key: str, bucket: str, timeout_s: float = 20.0) -> None:
        self.bucket_name = bucket
        self._client = SyncStorageClient(
            f"{url.rstrip('/')}/storage/v1/",
            {"apiKey": service_key, "Authorization": f"Bearer {service_key}"},
            http_client=httpx.Client(timeout=timeout_s, follow_redirects=True),
        )

    def _bucket(self) -> Any:
        return self._client.from_(self.bucket_name)

    def _call(self, action: str, name: str, operation: Any) -> Any:
        try:
            return operation()
        except (StorageApiError, StorageException, httpx.HTTPError) as error:
            raise SupabaseStorageError(
                f"Supabase Storage could not {action} {name!r}: {error}"
            ) from error

    def _save(self, name: str, content: File) -> str:
        content.seek(0)
        data = content.read()
        extension = PurePosixPath(name).suffix.lower()
        content_type = (
            CONTENT_TYPES.get(extension)
            or mimetypes.guess_type(name)[0]
            or "application/octet-stream"
        )
        self._call(
            "upload",
            name,
            lambda: self._bucket().upload(
                name,
                data,
                {
                    "content-type": content_type,
                    "cache-control": IMMUTABLE_CACHE_SECONDS,
                    "x-upsert": "false",
                },
            ),
        )
        return name

    def _open(self, name: str, mode: str = "rb") -> IO[bytes]:
        data = self._call("download", name, lambda: self._bucket().download(name))
        return ContentFile(data, name=name)

    def delete(self, name: str) -> None:
        # Removing an object that is already gone succeeds, so retries are harmless.
        self._call("remove", name, lambda: self._bucket().remove([name]))

    def exists(self, name: str) -> bool:
        return self._call("look up", name, lambda: self._bucket().exists(name))

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        # Names are fresh UUIDs and uploads never overwrite (x-upsert false), so asking the
        # server whether the name is free would only cost a round trip.
        return name

    def url(self, name: str) -> str:
        return self._bucket().get_public_url(name)

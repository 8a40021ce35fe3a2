"""kicks.storage.SupabaseStorage against a server speaking the Supabase Storage REST API."""

from __future__ import annotations

import httpx
import pytest
from django.core.files.base import ContentFile
from pytest_httpserver import HTTPServer

from kicks.storage import SupabaseStorage, SupabaseStorageError
from tests.kicks.supabase_fake import BUCKET, SERVICE_KEY, FakeSupabaseStorage

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)


@pytest.fixture
def supabase(httpserver: HTTPServer) -> FakeSupabaseStorage:
    return FakeSupabaseStorage(httpserver)


@pytest.fixture
def storage(supabase: FakeSupabaseStorage) -> SupabaseStorage:
    return SupabaseStorage(url=supabase.url, service_key=SERVICE_KEY, bucket=BUCKET, timeout_s=5)


def test_upload_stores_the_wav_with_its_content_type(storage, supabase):
    name = storage.save("7/0b7e.wav", ContentFile(WAV))

    assert name == "7/0b7e.wav"
    stored = supabase.objects["7/0b7e.wav"]
    assert stored.data == WAV
    assert stored.content_type == "audio/wav"
    assert stored.cache_control == "31536000"


def test_public_url_serves_the_uploaded_file(storage, supabase):
    storage.save("7/abc.wav", ContentFile(WAV))

    url = storage.url("7/abc.wav")

    assert url == f"{supabase.url}/storage/v1/object/public/{BUCKET}/7/abc.wav"
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav"
    assert response.content == WAV


def test_open_exists_and_delete(storage, supabase):
    storage.save("7/abc.wav", ContentFile(WAV))
    assert storage.exists("7/abc.wav")
    with storage.open("7/abc.wav") as file:
        assert file.read() == WAV

    storage.delete("7/abc.wav")

    assert supabase.objects == {}
    assert not storage.exists("7/abc.wav")
    storage.delete("7/abc.wav")  # removing a missing object succeeds, so retries are safe


def test_uploading_over_an_existing_object_is_refused(storage, supabase):
    storage.save("7/abc.wav", ContentFile(WAV))

    with pytest.raises(SupabaseStorageError, match="Duplicate"):
        storage.save("7/abc.wav", ContentFile(b"other"))
    assert supabase.objects["7/abc.wav"].data == WAV


@pytest.mark.parametrize(
    ("status", "json_error"),
    [(400, "InvalidRequest"), (403, "Unauthorized"), (500, None), (502, None)],
)
def test_upload_errors_raise_storage_errors(storage, supabase, status, json_error):
    supabase.fail_next("POST", status, json_error=json_error)

    with pytest.raises(SupabaseStorageError) as raised:
        storage.save("7/abc.wav", ContentFile(WAV))

    assert isinstance(raised.value, OSError)
    assert supabase.objects == {}


@pytest.mark.parametrize(("status", "json_error"), [(403, "Unauthorized"), (503, None)])
def test_remove_errors_raise_storage_errors(storage, supabase, status, json_error):
    storage.save("7/abc.wav", ContentFile(WAV))
    supabase.fail_next("DELETE", status, json_error=json_error)

    with pytest.raises(SupabaseStorageError):
        storage.delete("7/abc.wav")
    assert "7/abc.wav" in supabase.objects


def test_a_wrong_service_key_is_refused(supabase):
    storage = SupabaseStorage(url=supabase.url, service_key="wrong", bucket=BUCKET)

    with pytest.raises(SupabaseStorageError, match="Unauthorized"):
        storage.save("7/abc.wav", ContentFile(WAV))


def test_an_unreachable_server_raises_a_storage_error():
    storage = SupabaseStorage(url="http://127.0.0.1:9", service_key=SERVICE_KEY, bucket=BUCKET)

    with pytest.raises(SupabaseStorageError):
        storage.save("7/abc.wav", ContentFile(WAV))

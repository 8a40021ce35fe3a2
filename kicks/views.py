"""Serves kick WAVs from the local `kicks` storage (Supabase serves them itself in production).

The URL holds the owner's id and a random UUID, like a Supabase public-bucket URL: whoever has
the link can play the kick, which is what the app's audio loader and downloads need, and the
UUID (122 random bits) cannot be guessed. The content never changes, so it is cached for good.
"""

from __future__ import annotations

from uuid import UUID

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from kicks.models import kicks_storage
from kicks.services import kick_file_name


@require_safe
def kick_audio(request: HttpRequest, user_id: int, kick_uuid: UUID) -> FileResponse:
    storage = kicks_storage()
    name = kick_file_name(user_id, kick_uuid)
    try:
        audio = storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404("No such kick.") from None
    response = FileResponse(audio, content_type="audio/wav")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response

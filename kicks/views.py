"""Serves kick WAVs from the local `kicks` storage (Supabase serves them itself in production).

The URL holds the owner's id and a random UUID, like a Supabase public-bucket URL: whoever has
the link can play the kick, which is what the app's audio loader and downloads need, and the
UUID (122 random bits) cannot be guessed. The content never changes, so it is cached for good.
A kick is a few hundred kilobytes, sent whole: Django would have to stream a file object through
a sync iterator under ASGI.
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from kicks.models import kicks_storage
from kicks.services import kick_file_name


@require_safe
def kick_audio(request: HttpRequest, user_id: int, kick_uuid: UUID) -> HttpResponse:
    storage = kicks_storage()
    name = kick_file_name(user_id, kick_uuid)
    try:
        with storage.open(name, "rb") as audio:
            wav = audio.read()
    except FileNotFoundError:
        raise Http404("No such kick.") from None
    response = HttpResponse(wav, content_type="audio/wav")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response

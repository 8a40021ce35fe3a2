"""Site-level views: the GraphQL endpoint, the single-page app's entry point, CSRF failures."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from cross_web import HTTPException
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views import csrf
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from strawberry.django.views import AsyncGraphQLView

BAD_REQUEST_BODY = "The request body must be a JSON object in UTF-8."


def graphql_error_response(
    message: str, status: int, code: str | None = None, **extensions: Any
) -> JsonResponse:
    """A refusal in the shape of a GraphQL response, which GraphQL clients know how to show."""
    code = code or HTTPStatus(status).name
    error = {"message": message, "extensions": {"code": code, **extensions}}
    return JsonResponse({"data": None, "errors": [error]}, status=status)


class GraphQLView(AsyncGraphQLView):
    """Strawberry's view: every refused request answers a GraphQL-shaped error, never a 500.

    The explorer is served only while settings.GRAPHQL_IDE is on.
    """

    def decode_json(self, data: str | bytes) -> object:
        try:
            decoded = json.loads(data)
        # Invalid UTF-8, or nesting deeper than the JSON decoder recurses (e.g. 50k "[").
        except (ValueError, RecursionError) as error:
            raise HTTPException(400, BAD_REQUEST_BODY) from error
        if not isinstance(decoded, dict | list):  # lists are batches, refused with their reason
            raise HTTPException(400, BAD_REQUEST_BODY)
        return decoded

    async def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return await self.run(request=request)
        except HTTPException as error:
            return graphql_error_response(error.reason, error.status_code)
        except RequestDataTooBig:
            return graphql_error_response(
                f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.",
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            )

    async def render_graphql_ide(self, request: HttpRequest) -> HttpResponse:
        if not settings.GRAPHQL_IDE:
            raise HTTPException(404, "Not Found")
        response = await super().render_graphql_ide(request)
        # GraphiQL runs inline scripts from a CDN, which the site's policy forbids. This is the
        # flag django-csp's (sync-only) csp_exempt decorator sets.
        response._csp_exempt = True  # type: ignore[attr-defined]
        return response

FRONTEND_MISSING = """<!doctype html>
<meta charset="utf-8"><title>Kick With Reverb</title>
<h1>The web app is not built yet</h1>
<p>Run <code>make run</code>: it builds the frontend into <code>frontend/dist</code> and starts the
server. The GraphQL API is already up at <a href="/graphql/">/graphql/</a>.</p>
"""


@never_cache  # a new deploy's index.html must reach browsers at once (assets are hashed)
@ensure_csrf_cookie
def spa_index(request: HttpRequest) -> HttpResponse:
    """The built React app for `/` and every client-side route; WhiteNoise serves its assets."""
    index = settings.FRONTEND_DIST / "index.html"
    if not index.is_file():
        return HttpResponse(FRONTEND_MISSING, status=503)
    return FileResponse(index.open("rb"), content_type="text/html; charset=utf-8")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """GraphQL clients get a GraphQL-shaped JSON error; other pages keep Django's HTML page."""
    if request.path != reverse("graphql"):
        return csrf.csrf_failure(request, reason)
    return graphql_error_response(
        "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header.",
        HTTPStatus.FORBIDDEN,
        code="CSRF_FAILED",
        reason=reason,
    )

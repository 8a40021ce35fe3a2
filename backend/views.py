"""Site-level views: the GraphQL endpoint and its bundled explorer, the single-page app's entry
point, CSRF failures."""

from __future__ import annotations

import json
from html import escape
from http import HTTPStatus
from typing import Any

from cross_web import HTTPException
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.views import csrf
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from strawberry.django.views import AsyncGraphQLView

from gpu_worker.protocol import MAX_REFERENCE_BYTES

BAD_REQUEST_BODY = "The request body must be a JSON object in UTF-8."
BAD_MULTIPART_BODY = (
    "The multipart body must follow the GraphQL multipart request spec: an operations object, "
    "a map object and the files it names."
)
# A multipart request carries one reference sample: up to twice its limit still gets the typed
# answer (how far over the limit it is); anything larger is refused before it is parsed.
MAX_MULTIPART_BYTES = 2 * MAX_REFERENCE_BYTES


def graphql_error_response(
    message: str, status: int, code: str | None = None, **extensions: Any
) -> JsonResponse:
    """A refusal in the shape of a GraphQL response, which GraphQL clients know how to show."""
    code = code or HTTPStatus(status).name
    error = {"message": message, "extensions": {"code": code, **extensions}}
    return JsonResponse({"data": None, "errors": [error]}, status=status)


class GraphQLView(AsyncGraphQLView):
    """Strawberry's view: every refused request answers a GraphQL-shaped error, never a 500.

    The explorer (our bundled GraphiQL, not Strawberry's CDN page) is served only while
    settings.GRAPHQL_IDE is on.
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

    async def parse_multipart(self, request: Any) -> dict[str, str]:
        """Strawberry's multipart parsing, answering every malformed body 400 (its own code
        assumes well-formed JSON objects and Django's parser raises on a broken body)."""
        try:
            return await super().parse_multipart(request)
        except (HTTPException, RequestDataTooBig):
            raise
        except (
            MultiPartParserError,
            SuspiciousOperation,  # too many fields or files
            AttributeError,  # a map or operations that is no JSON object
            IndexError,
            KeyError,
            TypeError,
            ValueError,
        ) as error:
            raise HTTPException(400, BAD_MULTIPART_BODY) from error

    async def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if (
            request.content_type == "multipart/form-data"
            and int(request.META.get("CONTENT_LENGTH") or 0) > MAX_MULTIPART_BYTES
        ):
            return graphql_error_response(
                f"A multipart request is limited to {MAX_MULTIPART_BYTES} bytes.",
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            )
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
        response = graphiql_page()
        # The explorer's editor (Monaco) sets inline styles; its scripts stay this origin's own.
        # This is what django-csp's (sync-only) csp_update decorator sets.
        response._csp_update = {"style-src": ["'unsafe-inline'"]}  # type: ignore[attr-defined]
        return response


FRONTEND_MISSING = """<!doctype html>
<meta charset="utf-8"><title>Kick With Reverb</title>
<h1>The web app is not built yet</h1>
<p>Run <code>make run</code>: it builds the frontend into <code>frontend/dist</code> and starts the
server. The GraphQL API is already up at <a href="/graphql/">/graphql/</a>.</p>
"""

# The explorer's entry in Vite's build manifest (frontend/vite.config.ts).
GRAPHIQL_ENTRY = "src/graphiql/main.tsx"
GRAPHIQL_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kick With Reverb · GraphiQL</title>
{styles}
<script type="module" src="{script}"></script>
</head>
<body><div id="graphiql"></div></body>
</html>
"""


@never_cache  # a new deploy's index.html must reach browsers at once (assets are hashed)
@ensure_csrf_cookie
def spa_index(request: HttpRequest) -> HttpResponse:
    """The built React app for `/` and every client-side route; ServeStatic serves its assets."""
    index = settings.FRONTEND_DIST / "index.html"
    if not index.is_file():
        return HttpResponse(FRONTEND_MISSING, status=503)
    # A few hundred bytes, sent whole: a file stream would be a sync iterator under ASGI.
    return HttpResponse(index.read_bytes(), content_type="text/html; charset=utf-8")


def graphiql_page() -> HttpResponse:
    """The GraphiQL explorer bundled into frontend/dist: this server's own files, nothing from
    a CDN and no inline script, named by the build manifest (their names carry content hashes)."""
    manifest = settings.FRONTEND_DIST / ".vite" / "manifest.json"
    try:
        entry = json.loads(manifest.read_text())[GRAPHIQL_ENTRY]
    except (FileNotFoundError, KeyError):
        return HttpResponse(FRONTEND_MISSING, status=503)
    styles = "\n".join(
        f'<link rel="stylesheet" href="/{escape(css)}">' for css in entry.get("css", [])
    )
    return HttpResponse(GRAPHIQL_PAGE.format(styles=styles, script=f"/{escape(entry['file'])}"))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """GraphQL clients get a GraphQL-shaped JSON error; other pages keep Django's HTML page."""
    if request.path != reverse("graphql"):
        return csrf.csrf_failure(request, reason)
    return JsonResponse(
        {
            "data": None,
            "errors": [
                {
                    "message": "CSRF check failed: send the csrftoken cookie's value in the "
                    "X-CSRFToken header.",
                    "extensions": {"code": "CSRF_FAILED", "reason": reason},
                }
            ],
        },
        status=403,
    )

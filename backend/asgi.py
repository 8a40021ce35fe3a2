"""One ASGI application: Django for HTTP, Channels for graphql-transport-ws on /graphql/."""

import io
import json
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.handlers.asgi import ASGIRequest  # noqa: E402
from django.middleware.csrf import CsrfViewMiddleware  # noqa: E402
from django.urls import path  # noqa: E402
from strawberry.channels import GraphQLWSConsumer  # noqa: E402
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL  # noqa: E402

from backend.schema import schema  # noqa: E402

# RFC 6455's close code for a message larger than the endpoint accepts.
MESSAGE_TOO_BIG = 1009


def origin_allowed(scope: dict) -> bool:
    """Whether the handshake's Origin passes the check Django's CSRF applies to an HTTP POST.

    The same code decides: the Origin must equal this site's own origin (scheme, host and port,
    the host one of ALLOWED_HOSTS) or be one of CSRF_TRUSTED_ORIGINS. A handshake without an
    Origin is refused: browsers always send one.
    """
    headers = dict(scope.get("headers", []))
    if b"origin" not in headers:
        return False
    # The handshake as the HTTP GET it is: ws/wss stand for http/https, as for a page.
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    request = ASGIRequest({**scope, "method": "GET", "scheme": scheme}, io.BytesIO())
    return CsrfViewMiddleware(lambda _: None)._origin_verified(request)


class SameOriginValidator:
    """Refuses a handshake from any origin HTTP CSRF would refuse (see `origin_allowed`).

    Refused handshakes are answered here without a consumer, so they cost no channel-layer
    (Redis) connection.
    """

    def __init__(self, application) -> None:  # noqa: ANN001 (any ASGI application)
        self.application = application

    async def __call__(self, scope, receive, send):  # noqa: ANN001, ANN204 (ASGI signature)
        if origin_allowed(scope):
            return await self.application(scope, receive, send)
        if (await receive())["type"] == "websocket.connect":
            await send({"type": "websocket.close"})  # before accept: the server answers 403


class GraphQLConsumer(GraphQLWSConsumer):
    """Strawberry's websocket consumer, holding messages to the HTTP body limit.

    A larger message closes the socket with 1009; one that is not a JSON object, or that nests
    deeper than the JSON decoder recurses, closes it like any other non-JSON message (4400).
    """

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        size = len(text_data.encode("utf-8", "surrogatepass")) if text_data else 0
        if size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            await self.close(
                code=MESSAGE_TOO_BIG,
                reason=f"Messages are limited to {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.",
            )
            return
        await super().receive(text_data=text_data, bytes_data=bytes_data)

    def decode_json(self, data: str | bytes) -> object:
        try:
            message = super().decode_json(data)
        except RecursionError as error:
            raise json.JSONDecodeError("Nested too deeply", "", 0) from error
        # Every graphql-transport-ws message is an object; Strawberry's handler assumes one.
        if not isinstance(message, dict):
            raise json.JSONDecodeError("Not a JSON object", "", 0)
        return message


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Browsers send cookies on cross-site websocket handshakes, so the Origin check is
        # what stops another site from subscribing with a member's session. A handshake
        # without an Origin is refused too: browsers always send one.
        "websocket": SameOriginValidator(
            AuthMiddlewareStack(
                URLRouter(
                    [
                        path(
                            "graphql/",
                            GraphQLConsumer.as_asgi(
                                schema=schema,
                                subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
                                # SameOriginValidator is the one Origin policy.
                                allowed_origins=["*"],
                            ),
                        )
                    ]
                )
            )
        ),
    }
)

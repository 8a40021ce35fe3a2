"""One ASGI application: Django for HTTP, Channels for graphql-transport-ws on /graphql/."""

import os
from urllib.parse import urlparse

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import OriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path  # noqa: E402
from strawberry.channels import GraphQLWSConsumer  # noqa: E402
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL  # noqa: E402

from backend.schema import schema  # noqa: E402


class StrictOriginValidator(OriginValidator):
    """Channels' Origin check, refusing rather than crashing on an Origin that does not parse.

    Refused handshakes are answered here without a consumer, so they cost no channel-layer
    (Redis) connection.
    """

    async def __call__(self, scope, receive, send):  # noqa: ANN001, ANN204 (ASGI signature)
        origin = next((value for name, value in scope["headers"] if name == b"origin"), None)
        try:
            parsed_origin = None if origin is None else urlparse(origin.decode("latin1"))
            _ = parsed_origin and parsed_origin.port  # raises on a port out of range
            allowed = self.valid_origin(parsed_origin)
        except (UnicodeDecodeError, ValueError):  # e.g. "http://[::1" or "http://a:99999"
            allowed = False
        if allowed:
            return await self.application(scope, receive, send)
        if (await receive())["type"] == "websocket.connect":
            await send({"type": "websocket.close"})  # before accept: the server answers 403


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Browsers send cookies on cross-site websocket handshakes, so the Origin check is
        # what stops another site from subscribing with a member's session. A handshake
        # without an Origin is refused too: browsers always send one.
        "websocket": StrictOriginValidator(
            AuthMiddlewareStack(
                URLRouter(
                    [
                        path(
                            "graphql/",
                            GraphQLWSConsumer.as_asgi(
                                schema=schema,
                                subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
                                # StrictOriginValidator is the one Origin policy.
                                allowed_origins=["*"],
                            ),
                        )
                    ]
                )
            ),
            settings.WEBSOCKET_ALLOWED_ORIGINS,
        ),
    }
)

"""One ASGI application: Django for HTTP, Channels for graphql-transport-ws on /graphql/."""

import os

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

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Browsers send cookies on cross-site websocket handshakes, so the Origin check is
        # what stops another site from subscribing with a member's session. A handshake
        # without an Origin is refused too: browsers always send one.
        "websocket": OriginValidator(
            AuthMiddlewareStack(
                URLRouter(
                    [
                        path(
                            "graphql/",
                            GraphQLWSConsumer.as_asgi(
                                schema=schema,
                                subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
                            ),
                        )
                    ]
                )
            ),
            settings.WEBSOCKET_ALLOWED_ORIGINS,
        ),
    }
)

"""One ASGI application: Django for HTTP, Channels for graphql-transport-ws on /graphql/."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402
from strawberry.channels import GraphQLWSConsumer  # noqa: E402

from backend.schema import schema  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Browsers send cookies on cross-site websocket handshakes, so the Origin check is
        # what stops another site from subscribing with a member's session.
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(
                URLRouter([path("graphql/", GraphQLWSConsumer.as_asgi(schema=schema))])
            )
        ),
    }
)

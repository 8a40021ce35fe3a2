from django.conf import settings
from django.contrib import admin
from django.urls import path
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie
from strawberry.django.views import AsyncGraphQLView

from backend.schema import schema

# Strawberry's view is CSRF-exempt by itself; cookie-authenticated POSTs must carry the token.
graphql_view = ensure_csrf_cookie(
    csrf_protect(
        AsyncGraphQLView.as_view(
            schema=schema,
            graphql_ide="graphiql" if settings.GRAPHQL_IDE else None,
            allow_queries_via_get=True,
        )
    )
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("graphql/", graphql_view, name="graphql"),
]

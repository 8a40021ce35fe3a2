from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie

from backend.schema import schema
from backend.views import GraphQLView, spa_index

# Strawberry's view is CSRF-exempt by itself; cookie-authenticated POSTs must carry the token.
# Multipart requests carry generateKick's reference sample (the GraphQL multipart request spec);
# the CSRF check covers them like any other POST.
graphql_view = ensure_csrf_cookie(
    csrf_protect(
        GraphQLView.as_view(
            schema=schema, allow_queries_via_get=True, multipart_uploads_enabled=True
        )
    )
)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("graphql/", graphql_view, name="graphql"),
    # Kick WAVs in local storage (KICKS_STORAGE=local); Supabase serves its own URLs.
    path("media/kicks/", include("kicks.urls")),
    # Last: any other path that is neither a server prefix nor a file name (ServeStatic has
    # already served the files that exist) is a client-side route of the single-page app.
    re_path(
        r"^(?!(?:admin|graphql|static|media)(?:/|$))(?!.*\.[A-Za-z0-9]+/?$)",
        spa_index,
        name="spa",
    ),
]

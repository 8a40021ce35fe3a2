"""The /graphql/ endpoint over HTTP: CSRF, batching, limits, error masking, introspection."""

import json
import logging

import pytest
from django.db import DatabaseError
from django.test import Client

from backend.views import GRAPHIQL_ENTRY

ME = "{ me { username } }"


@pytest.fixture
def browser(member) -> Client:
    """A logged-in browser session whose requests are CSRF-checked like real ones."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    return browser


def post(client: Client, body: object, **headers) -> tuple[int, dict]:
    response = client.post("/graphql/", body, content_type="application/json", **headers)
    return response.status_code, json.loads(response.content)


def csrf_token(client: Client) -> str:
    response = client.get("/graphql/", {"query": ME})
    assert response.status_code == 200
    return response.cookies["csrftoken"].value


def test_a_cookie_authenticated_post_without_the_csrf_token_is_refused(browser):
    status, body = post(browser, {"query": "mutation { logout { message } }"})

    assert status == 403
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "CSRF_FAILED"
    assert "X-CSRFToken" in body["errors"][0]["message"]
    # Still logged in: the mutation never ran.
    assert post(browser, {"query": ME}, HTTP_X_CSRFTOKEN=csrf_token(browser))[1] == {
        "data": {"me": {"username": "techno"}}
    }


def test_a_post_with_a_wrong_csrf_token_is_refused(browser):
    csrf_token(browser)

    status, body = post(browser, {"query": ME}, HTTP_X_CSRFTOKEN="x" * 32)

    assert status == 403
    assert body["errors"][0]["extensions"]["code"] == "CSRF_FAILED"


def test_a_post_with_the_csrf_token_is_served(browser):
    token = csrf_token(browser)

    status, body = post(
        browser, {"query": "mutation { logout { message } }"}, HTTP_X_CSRFTOKEN=token
    )

    assert status == 200
    assert body == {"data": {"logout": {"message": "Logged out."}}}


def test_csrf_failures_elsewhere_keep_the_html_page(member):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/admin/login/", {"username": "techno", "password": "x"})

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_get_sets_the_csrf_cookie_and_serves_queries_but_not_mutations(client):
    response = client.get("/graphql/", {"query": ME})
    assert response.json() == {"data": {"me": None}}
    assert response.cookies["csrftoken"].value

    # Mutations never run on a GET: they must pass the CSRF check of a POST.
    response = client.get("/graphql/", {"query": "mutation { logout { message } }"})
    assert response.status_code == 400
    assert b"mutations are not allowed when using GET" in response.content


@pytest.mark.django_db
def test_batched_requests_are_refused(client):
    response = client.post(
        "/graphql/", [{"query": ME}, {"query": ME}], content_type="application/json"
    )

    assert response.status_code == 400
    assert b"Batching is not enabled" in response.content


@pytest.mark.django_db
def test_query_depth_is_limited(graphql, settings):
    settings.GRAPHQL_MAX_DEPTH = 0  # today's deepest field is 1 deep: me { username }

    body = graphql("query Deep { me { username } }")

    assert body["data"] is None
    assert body["errors"][0]["message"] == "'Deep' exceeds maximum operation depth of 0"


@pytest.mark.django_db
def test_aliases_are_limited(graphql, settings):
    aliases = " ".join(f"m{n}: me {{ id }}" for n in range(settings.GRAPHQL_MAX_ALIASES + 1))

    body = graphql(f"{{ {aliases} }}")

    assert body["data"] is None
    assert body["errors"][0]["message"] == (
        f"{settings.GRAPHQL_MAX_ALIASES + 1} aliases found. Allowed: {settings.GRAPHQL_MAX_ALIASES}"
    )


@pytest.mark.django_db
def test_documents_are_limited_in_tokens(graphql, settings):
    body = graphql("{ me { " + "id " * settings.GRAPHQL_MAX_TOKENS + "} }")

    assert body["data"] is None
    assert body["errors"][0]["message"] == (
        f"Syntax Error: Document contains more than {settings.GRAPHQL_MAX_TOKENS} tokens. "
        "Parsing aborted."
    )


@pytest.mark.django_db
def test_unexpected_exceptions_reach_the_client_masked_and_the_log_in_full(
    graphql, monkeypatch, caplog
):
    def broken_database(*args, **kwargs):
        raise DatabaseError('relation "auth_user" does not exist\nLINE 1: SELECT "auth_user"."id"')

    monkeypatch.setattr("accounts.services.authenticate", broken_database)

    with caplog.at_level(logging.ERROR):
        body = graphql('mutation { login(username: "a", password: "b") { __typename } }')

    assert body["data"] is None
    assert body["errors"] == [
        {
            "message": "Unexpected error.",
            "locations": [{"line": 1, "column": 12}],
            "path": ["login"],
        }
    ]
    assert 'relation "auth_user" does not exist' in caplog.text


@pytest.mark.django_db
def test_validation_errors_are_shown_as_they_are(graphql):
    body = graphql("{ me { password } }")

    assert "Cannot query field 'password' on type 'User'." in body["errors"][0]["message"]


INTROSPECTION = "{ __schema { queryType { name } } }"


@pytest.mark.django_db
def test_introspection_follows_its_setting(graphql, settings):
    settings.GRAPHQL_INTROSPECTION = True
    assert graphql(INTROSPECTION) == {"data": {"__schema": {"queryType": {"name": "Query"}}}}

    settings.GRAPHQL_INTROSPECTION = False
    body = graphql(INTROSPECTION)
    assert body["data"] is None
    assert body["errors"][0]["message"].startswith("GraphQL introspection has been disabled")


@pytest.fixture
def built_graphiql(tmp_path, settings):
    """A frontend build whose manifest names the explorer's (hashed) script and styles."""
    settings.FRONTEND_DIST = tmp_path
    (tmp_path / ".vite").mkdir()
    entry = {"file": "assets/graphiql-Ab12.js", "css": ["assets/graphiql-Cd34.css"]}
    (tmp_path / ".vite" / "manifest.json").write_text(json.dumps({GRAPHIQL_ENTRY: entry}))
    return tmp_path


@pytest.mark.django_db
def test_graphiql_follows_its_setting(client, settings, built_graphiql):
    settings.GRAPHQL_IDE = True
    response = client.get("/graphql/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    page = response.content.decode()
    # Our bundle, same origin, no inline script (a Content-Security-Policy may forbid both).
    assert '<script type="module" src="/assets/graphiql-Ab12.js"></script>' in page
    assert '<link rel="stylesheet" href="/assets/graphiql-Cd34.css">' in page
    assert page.count("<script") == 1 and "//" not in page
    # Its first POST needs the token, as the app's does.
    assert response.cookies["csrftoken"].value

    settings.GRAPHQL_IDE = False
    response = client.get("/graphql/", HTTP_ACCEPT="text/html")
    assert response.status_code == 404
    # The API itself is unaffected.
    assert client.get("/graphql/", {"query": "{ me { id } }"}).json() == {"data": {"me": None}}


@pytest.mark.django_db
def test_graphiql_without_a_build_says_how_to_get_one(client, settings, tmp_path):
    settings.GRAPHQL_IDE = True
    settings.FRONTEND_DIST = tmp_path

    response = client.get("/graphql/", HTTP_ACCEPT="text/html")

    assert response.status_code == 503
    assert b"make run" in response.content

"""The built React app: index.html for `/` and client-side routes; API paths stay the API's."""

import pytest

INDEX = "<!doctype html><title>Kick With Reverb</title><div id=root></div>"


@pytest.fixture
def dist(tmp_path, settings):
    settings.FRONTEND_DIST = tmp_path
    (tmp_path / "index.html").write_text(INDEX)
    return tmp_path


@pytest.mark.parametrize("path", ["/", "/library", "/presets/42/edit", "/graphqlish"])
def test_the_app_is_served_for_client_side_routes(client, dist, path):
    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response.content.decode() == INDEX
    # The app's first GraphQL POST needs the token; a new deploy must be picked up at once.
    assert response.cookies["csrftoken"].value
    assert "no-cache" in response["Cache-Control"]


async def test_the_app_is_sent_whole_under_asgi(asgi_get, dist):
    response = await asgi_get("/library")

    assert response.status == 200
    assert response.body.decode() == INDEX
    assert response.warnings == []  # no file stream through a sync iterator


@pytest.mark.parametrize(
    "path", ["/assets/missing-1234.js", "/favicon.ico", "/static/nothing.css", "/media/x"]
)
def test_missing_files_and_server_paths_are_not_found(client, dist, path):
    assert client.get(path).status_code == 404


def test_without_a_build_the_root_says_how_to_get_one(client, tmp_path, settings):
    settings.FRONTEND_DIST = tmp_path / "dist"

    response = client.get("/")

    assert response.status_code == 503
    assert b"make run" in response.content
    assert b"/graphql/" in response.content


def test_the_api_and_admin_are_not_shadowed(client, dist, db):
    assert client.get("/graphql/", {"query": "{ me { id } }"}).json() == {"data": {"me": None}}
    assert client.get("/admin/").status_code == 302

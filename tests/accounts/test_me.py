import pytest


@pytest.mark.django_db
def test_guest_me_is_null(client):
    response = client.post("/graphql/", {"query": "{ me { username } }"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"data": {"me": None}}

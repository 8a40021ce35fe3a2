import pytest
from django.contrib.auth import get_user_model

LOGIN = """
mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    __typename
    ... on LoginSuccess { user { username } }
    ... on InvalidCredentials { message }
    ... on Throttled { message }
  }
}
"""
LOGOUT = "mutation { logout { __typename message } }"
ME = "{ me { id username email } }"


def login(graphql, username, password):
    return graphql(LOGIN, {"username": username, "password": password})["data"]["login"]


@pytest.mark.django_db
def test_guest_me_is_null(graphql):
    assert graphql(ME) == {"data": {"me": None}}


def test_login_then_me_then_logout(graphql, member, member_password):
    result = login(graphql, " techno ", member_password)

    assert result == {"__typename": "LoginSuccess", "user": {"username": "techno"}}
    assert graphql(ME)["data"]["me"] == {
        "id": str(member.pk),
        "username": "techno",
        "email": "techno@example.com",
    }

    assert graphql(LOGOUT)["data"]["logout"] == {
        "__typename": "LogoutSuccess",
        "message": "Logged out.",
    }
    assert graphql(ME)["data"]["me"] is None


def test_the_username_may_be_typed_in_any_letter_case(graphql, member, member_password):
    assert login(graphql, "TechNo", member_password)["user"] == {"username": "techno"}


@pytest.mark.parametrize(
    ("username", "password"),
    [("techno", "wrong password"), ("nobody", "correct horse battery"), ("", "")],
)
def test_bad_credentials_are_one_typed_answer(graphql, member, username, password):
    result = login(graphql, username, password)

    assert result == {"__typename": "InvalidCredentials", "message": "Wrong username or password."}
    assert graphql(ME)["data"]["me"] is None


def test_an_inactive_account_cannot_log_in(graphql, member, member_password):
    get_user_model().objects.filter(pk=member.pk).update(is_active=False)

    assert login(graphql, "techno", member_password)["__typename"] == "InvalidCredentials"


def test_logging_in_changes_the_session_key(client, graphql, member, member_password):
    """A session id planted before login (session fixation) is worth nothing after it."""
    planted = client.session.session_key  # the test client stores a fresh session cookie

    login(graphql, "techno", member_password)

    assert client.session.session_key != planted

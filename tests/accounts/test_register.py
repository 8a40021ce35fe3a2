import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

REGISTER = """
mutation Register($username: String!, $email: String!, $password: String!) {
  register(username: $username, email: $email, password: $password) {
    __typename
    ... on RegisterSuccess { user { id username email } }
    ... on ValidationErrors { message errors { field messages } }
    ... on Throttled { message }
  }
}
"""
ME = "{ me { username email } }"


def register(graphql, **overrides):
    variables = {"username": "kickdrum", "email": "kick@example.com", "password": "rumble at 4am"}
    return graphql(REGISTER, {**variables, **overrides})["data"]["register"]


def field_errors(result) -> dict[str, list[str]]:
    assert result["__typename"] == "ValidationErrors", result
    return {error["field"]: error["messages"] for error in result["errors"]}


@pytest.mark.django_db
def test_register_creates_the_account_and_logs_it_in(graphql):
    result = register(graphql, username=" kickdrum ", email=" Kick@Example.COM ")

    assert result["__typename"] == "RegisterSuccess"
    assert result["user"]["username"] == "kickdrum"
    assert result["user"]["email"] == "kick@example.com"
    assert graphql(ME)["data"]["me"] == {"username": "kickdrum", "email": "kick@example.com"}
    user = get_user_model().objects.get(username="kickdrum")
    assert user.check_password("rumble at 4am")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("x7$kq", "too short"),
        ("password", "too common"),
        ("90817263545", "entirely numeric"),
        ("kickdrum1", "too similar"),
    ],
)
def test_weak_passwords_are_refused(graphql, password, expected):
    result = register(graphql, password=password)

    messages = " ".join(field_errors(result)["password"])
    assert expected in messages
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": ""}, "email"),
        ({"username": "   "}, "username"),
        ({"username": "kick drum!"}, "username"),
        ({"username": "k" * 151}, "username"),
    ],
)
def test_bad_fields_are_reported_and_nothing_is_created(graphql, overrides, field):
    result = register(graphql, **overrides)

    assert field in field_errors(result)
    assert result["message"]
    assert not get_user_model().objects.exists()
    assert graphql(ME)["data"]["me"] is None


@pytest.mark.django_db
def test_all_bad_fields_are_reported_together(graphql):
    result = register(graphql, username="", email="nope", password="short")

    assert set(field_errors(result)) == {"username", "email", "password"}


@pytest.mark.django_db
def test_a_taken_username_is_refused_whatever_its_letter_case(graphql, member):
    result = register(graphql, username=member.username.upper())

    assert field_errors(result) == {"username": ["This username is taken."]}
    assert get_user_model().objects.count() == 1


@pytest.mark.django_db
def test_the_database_refuses_usernames_differing_only_in_case(member):
    """The guarantee behind the check above when two sign-ups race."""
    with pytest.raises(IntegrityError), transaction.atomic():
        get_user_model().objects.create_user(username="TechNo", password="x")

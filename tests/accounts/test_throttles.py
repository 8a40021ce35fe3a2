"""Login: 10/min per client IP; registration: 5/hour per client IP; counted in the cache."""

import pytest
from django.contrib.auth import get_user_model
from django.test import RequestFactory, override_settings
from django_ratelimit.core import get_usage

from accounts.services import client_ip

LOGIN = """
mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) { __typename }
}
"""
REGISTER = """
mutation Register($username: String!) {
  register(username: $username, email: "a@example.com", password: "rumble at 4am") {
    __typename
    ... on Throttled { message }
  }
}
"""


def login_attempt(graphql, password="wrong password", **headers):
    variables = {"username": "techno", "password": password}
    return graphql(LOGIN, variables, **headers)["data"]["login"]["__typename"]


def login_usage(ip: str) -> int:
    request = RequestFactory().post("/graphql/", REMOTE_ADDR=ip)
    usage = get_usage(request, group="accounts.login", key="ip", rate="10/m", increment=False)
    return usage["count"]


def test_login_allows_ten_attempts_a_minute_per_ip(graphql, member, member_password):
    answers = [login_attempt(graphql) for _ in range(9)]
    answers.append(login_attempt(graphql, member_password))
    assert answers == ["InvalidCredentials"] * 9 + ["LoginSuccess"]

    # Over the limit even the right password is not checked.
    assert login_attempt(graphql, member_password) == "Throttled"
    # Another client is not affected.
    assert login_attempt(graphql, member_password, REMOTE_ADDR="203.0.113.9") == "LoginSuccess"


def test_login_is_allowed_again_a_minute_later(graphql, member, member_password, ratelimit_clock):
    for _ in range(11):
        login_attempt(graphql)
    assert login_attempt(graphql, member_password) == "Throttled"

    ratelimit_clock.now += 60

    assert login_attempt(graphql, member_password) == "LoginSuccess"


def test_login_attempts_are_counted_in_the_django_cache(graphql, member):
    from django.core.cache import cache

    for _ in range(3):
        login_attempt(graphql)

    assert login_usage("127.0.0.1") == 3
    cache.clear()
    assert login_usage("127.0.0.1") == 0


def test_login_attempts_hidden_in_aliases_each_count(graphql, member, member_password):
    aliases = " ".join(
        f'a{n}: login(username: "techno", password: "guess {n}") {{ __typename }}'
        for n in range(11)
    )
    data = graphql(f"mutation {{ {aliases} }}")["data"]

    answers = [data[f"a{n}"]["__typename"] for n in range(11)]
    assert answers == ["InvalidCredentials"] * 10 + ["Throttled"]
    assert login_attempt(graphql, member_password) == "Throttled"


@pytest.mark.django_db
def test_registration_allows_five_an_hour_per_ip(graphql):
    answers = [
        graphql(REGISTER, {"username": f"producer{n}"})["data"]["register"] for n in range(6)
    ]

    assert [a["__typename"] for a in answers] == ["RegisterSuccess"] * 5 + ["Throttled"]
    assert "Too many registration attempts" in answers[-1]["message"]
    assert get_user_model().objects.count() == 5


@pytest.mark.django_db
def test_registration_is_allowed_again_an_hour_later(graphql, ratelimit_clock):
    for n in range(5):
        graphql(REGISTER, {"username": f"producer{n}"})
    assert graphql(REGISTER, {"username": "late"})["data"]["register"]["__typename"] == "Throttled"

    ratelimit_clock.now += 60 * 60

    answer = graphql(REGISTER, {"username": "later"})["data"]["register"]
    assert answer["__typename"] == "RegisterSuccess"


@pytest.mark.django_db
def test_registrations_hidden_in_aliases_each_count(graphql):
    aliases = " ".join(
        f'r{n}: register(username: "p{n}", email: "p@example.com", password: "short") '
        "{ __typename }"
        for n in range(6)
    )
    data = graphql(f"mutation {{ {aliases} }}")["data"]

    assert [data[f"r{n}"]["__typename"] for n in range(6)] == ["ValidationErrors"] * 5 + [
        "Throttled"
    ]


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_the_ip_it_saw_is_counted(graphql, member):
    """Behind one proxy, whatever the client wrote into X-Forwarded-For is ignored."""
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    answers = [
        login_attempt(graphql, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.7", **proxy)
        for n in range(11)
    ]
    assert answers[-1] == "Throttled"
    assert login_attempt(graphql, HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy) != "Throttled"


def test_without_trusted_proxies_forwarded_headers_are_ignored(graphql, member):
    answers = [login_attempt(graphql, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}") for n in range(11)]
    assert answers[-1] == "Throttled"


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "198.51.100.1", "10.0.0.2"),
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        (2, " 198.51.100.1 ,10.0.0.9", "198.51.100.1"),
        # Not through every proxy: only the connecting address is known.
        (2, "10.0.0.9", "10.0.0.2"),
        (1, "", "10.0.0.2"),
    ],
)
def test_client_ip(settings, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)

    assert client_ip(request) == expected

"""Password logins: the admin's form shares GraphQL login's per-IP throttle, and both share the
per-account lockout (LOGIN_LOCKOUT failures for one username, from any IP, lock it).

Before: 40 wrong passwords in 11 s against a staff account at /admin/login/, all answered, then
the right one logged in.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db

LOGIN = """
mutation Login($username: String!, $password: String!) {
  login(username: $username, password: $password) {
    __typename
    ... on AccountLocked { message retryAfterSeconds }
    ... on Throttled { message }
  }
}
"""


@pytest.fixture
def staff(member_password):
    return get_user_model().objects.create_user(
        username="boss", email="boss@example.com", password=member_password, is_staff=True
    )


def admin_login(password: str, username: str = "boss", ip: str = "127.0.0.1") -> tuple[int, str]:
    client = Client(REMOTE_ADDR=ip)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    if response.status_code == 302:
        return 302, "logged in"
    return response.status_code, response.content.decode()


def graphql_login(password: str, username: str = "boss", ip: str = "127.0.0.1") -> dict:
    response = Client(REMOTE_ADDR=ip).post(
        "/graphql/",
        {"query": LOGIN, "variables": {"username": username, "password": password}},
        content_type="application/json",
    )
    return response.json()["data"]["login"]


def test_the_admin_login_is_throttled_per_ip(staff, member_password, settings):
    limit = int(settings.LOGIN_THROTTLE.split("/")[0])
    answers = [admin_login(f"guess {n}", ip="203.0.113.1") for n in range(limit)]
    assert all("Please enter the correct username and password" in page for _, page in answers)

    status, page = admin_login(member_password, ip="203.0.113.1")

    assert status == 200
    assert "Too many login attempts. Please wait and try again." in page
    assert admin_login(member_password, ip="203.0.113.2") == (302, "logged in")


def test_graphql_and_admin_logins_share_one_counter(staff, member_password, settings):
    limit = int(settings.LOGIN_THROTTLE.split("/")[0])
    for n in range(limit):
        graphql_login(f"guess {n}", ip="203.0.113.3")

    assert "Too many login attempts" in admin_login(member_password, ip="203.0.113.3")[1]


def test_failures_from_many_ips_lock_the_account(staff, member_password, settings):
    settings.LOGIN_LOCKOUT = "5/15m"
    for n in range(5):
        answer = graphql_login("wrong", username="BOSS", ip=f"198.51.100.{n}")
        assert answer["__typename"] == "InvalidCredentials"

    locked = graphql_login(member_password, ip="198.51.100.99")

    assert locked["__typename"] == "AccountLocked"
    assert 0 < locked["retryAfterSeconds"] <= 15 * 60
    assert locked["message"].startswith("Too many failed logins for this account. Try again in")
    status, page = admin_login(member_password, ip="198.51.100.98")
    assert "Too many failed logins for this account." in page


def test_a_locked_account_opens_again_when_its_window_ends(
    staff, member_password, settings, ratelimit_clock
):
    settings.LOGIN_LOCKOUT = "3/15m"
    for n in range(3):
        admin_login("wrong", ip=f"198.51.100.{n}")
    locked = graphql_login(member_password, ip="198.51.100.50")
    assert locked["__typename"] == "AccountLocked"

    ratelimit_clock.now += locked["retryAfterSeconds"]

    assert graphql_login(member_password, ip="198.51.100.51")["__typename"] == "LoginSuccess"


def test_the_lockout_is_per_account(staff, member, member_password, settings):
    settings.LOGIN_LOCKOUT = "3/15m"
    for n in range(3):
        graphql_login("wrong", ip=f"198.51.100.{n}")

    answer = graphql_login(member_password, username="techno", ip="198.51.100.60")

    assert answer["__typename"] == "LoginSuccess"


def test_unknown_usernames_lock_the_same_way(settings):
    """Whether an account exists is not revealed by the lockout either."""
    settings.LOGIN_LOCKOUT = "2/15m"
    answers = [graphql_login("x", username="ghost", ip=f"198.51.100.{n}") for n in range(3)]

    assert [answer["__typename"] for answer in answers] == [
        "InvalidCredentials",
        "InvalidCredentials",
        "AccountLocked",
    ]


def test_a_member_who_is_not_staff_cannot_use_the_admin(member, member_password):
    status, page = admin_login(member_password, username="techno")

    assert status == 200
    assert "Please enter the correct username and password for a staff account" in page

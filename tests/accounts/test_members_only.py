"""accounts.permissions.MembersOnly, the one members-only rule, over HTTP and websockets."""

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.permissions import UNAUTHENTICATED

MEMBERS_ONLY_QUERY = "{ kicks { dailyLimit } }"
MEMBERS_ONLY_SUBSCRIPTION = (
    'subscription { kickGeneration(requestId: "7d1f6f1e-1111-4c7e-9a57-0c1e2a3b4c5d") { stage } }'
)


def assert_refused(result: dict) -> None:
    assert result["data"] is None
    assert result["errors"][0]["message"] == "Please log in to use this."
    assert result["errors"][0]["extensions"] == {"code": UNAUTHENTICATED}


@pytest.mark.django_db
def test_a_guest_is_refused_a_members_only_field_over_http(graphql):
    assert_refused(graphql(MEMBERS_ONLY_QUERY))


def test_a_member_gets_the_field_over_http(client, graphql, member, settings):
    client.force_login(member)

    assert graphql(MEMBERS_ONLY_QUERY) == {
        "data": {"kicks": {"dailyLimit": settings.KICKS_DAILY_LIMIT}}
    }


def test_an_account_deactivated_after_login_is_refused(client, graphql, member):
    client.force_login(member)
    get_user_model().objects.filter(pk=member.pk).update(is_active=False)

    assert graphql("{ me { id } }")["data"]["me"] is None
    assert_refused(graphql(MEMBERS_ONLY_QUERY))


@pytest.mark.django_db(transaction=True)
async def test_a_guest_is_refused_a_members_only_subscription(graphql_ws):
    ws = await graphql_ws()

    results = [result async for result in ws.subscribe(MEMBERS_ONLY_SUBSCRIPTION)]

    assert len(results) == 1
    assert_refused({"data": None, **results[0]})


@pytest.mark.django_db(transaction=True)
async def test_a_member_may_subscribe_and_query_over_websockets(graphql_ws, member):
    browser = Client()
    await sync_to_async(browser.force_login)(member)
    ws = await graphql_ws(
        cookies={settings.SESSION_COOKIE_NAME: browser.cookies["sessionid"].value}
    )

    result = await ws.execute(MEMBERS_ONLY_QUERY)

    assert result == {"data": {"kicks": {"dailyLimit": settings.KICKS_DAILY_LIMIT}}}

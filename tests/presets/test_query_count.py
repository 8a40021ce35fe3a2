"""The presets query costs the same number of SQL queries for 1 preset as for 20."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.presets.conftest import PRESETS

pytestmark = pytest.mark.django_db


def add_presets(member, make_preset, make_kick, count: int, start: int) -> None:
    for number in range(start, start + count):
        if number % 2:
            kick = make_kick(member, name=f"AI: Kick {number}")
            make_preset(member, name=f"Preset {number}", kick_key="", ai_kick=kick)
        else:
            make_preset(member, name=f"Preset {number}")


def test_presets_query_count_is_constant(
    graphql, member_client, member, make_preset, make_kick, django_assert_num_queries
) -> None:
    add_presets(member, make_preset, make_kick, count=1, start=1)  # an AI-kick preset
    with CaptureQueriesContext(connection) as one_preset:
        result = graphql(PRESETS)
    assert len([p for p in result["data"]["presets"]["results"] if not p["isShared"]]) == 1
    # Session, user and one query for the presets with their AI kicks.
    assert len(one_preset) <= 4, [query["sql"] for query in one_preset]

    add_presets(member, make_preset, make_kick, count=19, start=2)
    with django_assert_num_queries(len(one_preset)):
        result = graphql(PRESETS)
    own = [preset for preset in result["data"]["presets"]["results"] if not preset["isShared"]]
    assert len(own) == 20
    assert sum(preset["aiKick"] is not None for preset in own) == 10

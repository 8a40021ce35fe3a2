"""Presets are bounded: a per-member cap, a save rate per member, and a paginated query.

Before: a member created 3,000 presets in 19 s (15 per request through aliases) and the
unpaginated `presets` query then answered 0.4 MB in about a second.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from presets import services
from presets.models import Preset
from tests.presets.conftest import CREATE, PRESETS, UPDATE, valid_input

pytestmark = pytest.mark.django_db

PAGE = """
query Page($offset: Int!, $limit: Int) {
  presets(pagination: { offset: $offset, limit: $limit }) {
    totalCount pageInfo { offset limit } results { name isShared }
  }
}
"""


def create(graphql, name: str) -> dict:
    return graphql(CREATE, {"input": valid_input(name=name)})["data"]["createPreset"]


def fill(member, make_preset, count: int) -> None:
    for number in range(count):
        make_preset(member, name=f"Filled {number}")


def test_the_cap_refuses_a_new_preset_with_a_typed_error(
    graphql,
    member_client,
    member,
    make_preset,
    settings,
):
    settings.PRESETS_PER_MEMBER_CAP = 3
    fill(member, make_preset, 2)

    assert create(graphql, "Third")["__typename"] == "PresetSuccess"
    create_or_refuse = CREATE.replace(
        "... on PresetNameTaken { message }", "... on PresetLimitReached { message cap }"
    )
    refused = graphql(create_or_refuse, {"input": valid_input(name="Fourth")})
    refused = refused["data"]["createPreset"]

    assert refused == {
        "__typename": "PresetLimitReached",
        "message": "You can keep 3 presets. Delete one to save a new one.",
        "cap": 3,
    }
    assert Preset.objects.filter(owner=member).count() == 3


def test_at_the_cap_presets_can_still_be_updated(
    graphql,
    member_client,
    member,
    make_preset,
    settings,
):
    settings.PRESETS_PER_MEMBER_CAP = 1
    preset = make_preset(member, name="Only")

    result = graphql(UPDATE, {"id": str(preset.pk), "input": valid_input(name="Renamed")})

    assert result["data"]["updatePreset"]["__typename"] == "PresetSuccess"


def test_the_default_cap_is_200(settings):
    assert settings.PRESETS_PER_MEMBER_CAP == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_creates_racing_for_the_last_place_save_one(member, make_preset, settings):
    settings.PRESETS_PER_MEMBER_CAP = 2
    make_preset(member, name="First")
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def save(index: int) -> None:
        try:
            barrier.wait()
            values = services.PresetValues(**{**_values(), "name": f"Racer {index}"})
            outcomes[index] = services.create_preset(member, values)
        except Exception as error:  # noqa: BLE001 (the test inspects both outcomes)
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(type(outcome).__name__ for outcome in outcomes) == [
        "Preset",
        "PresetLimitReached",
    ]
    assert Preset.objects.filter(owner=member).count() == 2


def _values() -> dict:
    from tests.presets.conftest import model_values

    values = model_values()
    values["ai_kick_id"] = None
    return values


def test_saves_are_throttled_per_member_aliases_included(
    graphql,
    member_client,
    settings,
    ratelimit_clock,
):
    settings.PRESETS_WRITE_THROTTLE = "5/min"
    aliases = " ".join(
        f"p{n}: createPreset(input: $input{n}) {{ __typename ... on Throttled {{ message }} }}"
        for n in range(6)
    )
    declarations = ", ".join(f"$input{n}: PresetInput!" for n in range(6))
    variables = {f"input{n}": valid_input(name=f"Alias {n}") for n in range(6)}

    data = graphql(f"mutation ({declarations}) {{ {aliases} }}", variables)["data"]

    assert [data[f"p{n}"]["__typename"] for n in range(6)] == ["PresetSuccess"] * 5 + ["Throttled"]
    assert data["p5"]["message"] == "Too many preset save attempts. Please wait and try again."
    assert Preset.objects.filter(owner__isnull=False).count() == 5

    ratelimit_clock.now += 60
    assert create(graphql, "Later")["__typename"] == "PresetSuccess"


def test_presets_come_in_pages_of_at_most_100(graphql, member_client, member, make_preset):
    fill(member, make_preset, 150)
    shared = Preset.objects.filter(is_shared=True).count()

    first = graphql(PAGE, {"offset": 0})["data"]["presets"]
    second = graphql(PAGE, {"offset": 100, "limit": 1000})["data"]["presets"]

    assert first["totalCount"] == second["totalCount"] == 150 + shared
    assert first["pageInfo"] == {"offset": 0, "limit": 100}
    assert second["pageInfo"] == {"offset": 100, "limit": 100}
    assert len(first["results"]) == 100
    assert len(second["results"]) == 50 + shared
    names = [preset["name"] for preset in first["results"] + second["results"]]
    assert len(set(names)) == 150 + shared


def test_a_negative_offset_is_refused_with_a_typed_error(graphql, db):
    body = graphql(PAGE, {"offset": -1})

    assert body["data"] is None
    assert body["errors"][0]["message"] == "pagination.offset must be 0 or more."
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}


def test_the_query_without_pagination_is_the_first_page(graphql, db):
    assert graphql(PRESETS)["data"]["presets"]["totalCount"] == Preset.objects.count()

"""A member's preset names are unique (ignoring case); other members may reuse them."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection

from presets import services
from presets.models import Preset
from tests.presets.conftest import CREATE, UPDATE, valid_input

NAME_TAKEN = {
    "__typename": "PresetNameTaken",
    "message": 'You already have a preset named "Acid Line".',
}


@pytest.mark.django_db
def test_a_name_is_unique_per_member_ignoring_case(graphql, member_client, member) -> None:
    first = graphql(CREATE, {"input": valid_input(name="Acid Line")})["data"]["createPreset"]
    assert first["__typename"] == "PresetSuccess"
    again = graphql(CREATE, {"input": valid_input(name="Acid Line")})["data"]["createPreset"]
    assert again == NAME_TAKEN
    other_case = graphql(CREATE, {"input": valid_input(name="ACID LINE ")})["data"]["createPreset"]
    assert other_case["__typename"] == "PresetNameTaken"
    assert Preset.objects.filter(owner=member).count() == 1


@pytest.mark.django_db
def test_another_member_may_use_the_same_name(graphql, client, member, other_member) -> None:
    client.force_login(member)
    assert (
        graphql(CREATE, {"input": valid_input(name="Acid Line")})["data"]["createPreset"][
            "__typename"
        ]
        == "PresetSuccess"
    )
    client.force_login(other_member)
    assert (
        graphql(CREATE, {"input": valid_input(name="Acid Line")})["data"]["createPreset"][
            "__typename"
        ]
        == "PresetSuccess"
    )


@pytest.mark.django_db
def test_renaming_onto_a_taken_name(graphql, member_client, member, make_preset) -> None:
    make_preset(member, name="Acid Line")
    other = make_preset(member, name="Dub Chord")
    result = graphql(UPDATE, {"id": other.pk, "input": valid_input(name="acid line")})
    assert result["data"]["updatePreset"]["__typename"] == "PresetNameTaken"
    other.refresh_from_db()
    assert other.name == "Dub Chord"
    # Keeping its own name (in another case) is no conflict.
    same = graphql(UPDATE, {"id": other.pk, "input": valid_input(name="DUB CHORD")})
    assert same["data"]["updatePreset"]["preset"]["name"] == "DUB CHORD"


def preset_values(name: str) -> services.PresetValues:
    return services.PresetValues(
        name=name,
        bpm=128,
        kick_key="kick-909-punch",
        ai_kick_id=None,
        kick_length=0.5,
        kick_distortion=0.0,
        kick_ott=0.0,
        noise_key="noise-rain",
        noise_low_pass=7000,
        noise_high_pass=30,
        noise_volume=-40,
        reverb_key="ir-small-room",
        reverb_low_pass=7000,
        reverb_high_pass=30,
        reverb_volume=-20,
        master_ott=0,
        master_distortion=0,
        limiter_pre_gain=1,
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_of_one_name_make_one_preset(member: AbstractBaseUser) -> None:
    """The unique index decides a race that the friendly pre-check cannot see."""
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    outcomes: list[str] = []

    def create() -> None:
        try:
            barrier.wait()
            services.create_preset(member, preset_values("Race Track"))
            outcomes.append("created")
        except services.PresetNameTaken:
            outcomes.append("taken")
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] + ["taken"] * (threads_count - 1)
    assert Preset.objects.filter(owner=member, name="Race Track").count() == 1

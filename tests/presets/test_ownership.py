"""Who sees and changes which preset: guests, owners, other members, shared presets."""

from __future__ import annotations

import pytest

from presets.models import Preset
from tests.presets.conftest import CREATE, DELETE, PRESETS, UPDATE, valid_input

pytestmark = pytest.mark.django_db


def shared_names() -> list[str]:
    return list(Preset.objects.filter(is_shared=True).values_list("name", flat=True))


def test_guests_see_only_shared_presets(graphql, member, make_preset) -> None:
    make_preset(member, name="Private Groove")
    presets = graphql(PRESETS)["data"]["presets"]["results"]
    assert presets, "the shared presets of the data migration"
    assert all(preset["isShared"] for preset in presets)
    assert sorted(p["name"] for p in presets) == sorted(shared_names())


def test_members_see_their_own_and_shared_ordered_by_name(
    graphql, member_client, member, other_member, make_preset
) -> None:
    make_preset(member, name="zz Last")
    make_preset(member, name="aa first")
    make_preset(other_member, name="Not Yours")
    names = [preset["name"] for preset in graphql(PRESETS)["data"]["presets"]["results"]]
    assert "Not Yours" not in names
    assert set(names) == {"zz Last", "aa first", *shared_names()}
    assert names == sorted(names, key=str.lower)


def test_another_members_preset_is_not_found(
    graphql, member_client, other_member, make_preset
) -> None:
    theirs = make_preset(other_member, name="Their Preset")
    not_found = {"__typename": "PresetNotFound", "message": "Preset not found."}
    updated = graphql(UPDATE, {"id": theirs.pk, "input": valid_input(name="Mine Now")})
    assert updated["data"]["updatePreset"] == not_found
    deleted = graphql(DELETE, {"id": theirs.pk})
    assert deleted["data"]["deletePreset"] == not_found
    theirs.refresh_from_db()
    assert theirs.name == "Their Preset"


@pytest.mark.parametrize("preset_id", ["999999", "abc", "-1"])
def test_missing_presets_are_not_found(graphql, member_client, preset_id) -> None:
    assert graphql(DELETE, {"id": preset_id})["data"]["deletePreset"]["__typename"] == (
        "PresetNotFound"
    )
    updated = graphql(UPDATE, {"id": preset_id, "input": valid_input()})
    assert updated["data"]["updatePreset"]["__typename"] == "PresetNotFound"


def test_not_found_comes_before_validation(graphql, member_client, other_member, make_preset):
    theirs = make_preset(other_member)
    updated = graphql(UPDATE, {"id": theirs.pk, "input": valid_input(bpm=1000)})
    assert updated["data"]["updatePreset"]["__typename"] == "PresetNotFound"


def test_shared_presets_are_read_only(graphql, member_client) -> None:
    shared = Preset.objects.filter(is_shared=True).first()
    before = Preset.objects.values().get(pk=shared.pk)
    updated = graphql(UPDATE, {"id": shared.pk, "input": valid_input(name="Hijacked")})
    assert updated["data"]["updatePreset"] == {
        "__typename": "SharedPresetReadOnly",
        "message": "Shared presets cannot be changed or deleted; save a copy instead.",
    }
    deleted = graphql(DELETE, {"id": shared.pk})
    assert deleted["data"]["deletePreset"]["__typename"] == "SharedPresetReadOnly"
    assert Preset.objects.values().get(pk=shared.pk) == before


def test_a_member_may_save_a_copy_of_a_shared_preset_under_its_name(
    graphql, member_client, member
) -> None:
    shared = Preset.objects.filter(is_shared=True).first()
    created = graphql(CREATE, {"input": valid_input(name=shared.name)})["data"]["createPreset"]
    assert created["__typename"] == "PresetSuccess"
    assert created["preset"]["isShared"] is False
    assert Preset.objects.get(pk=created["preset"]["id"]).owner == member


def test_owner_updates_and_deletes(graphql, member_client, member, make_preset) -> None:
    preset = make_preset(member)
    updated = graphql(UPDATE, {"id": preset.pk, "input": valid_input(name="Renamed", bpm=140)})[
        "data"
    ]["updatePreset"]
    assert updated["__typename"] == "PresetSuccess"
    assert (updated["preset"]["name"], updated["preset"]["bpm"]) == ("Renamed", 140)
    assert updated["preset"]["isShared"] is False
    deleted = graphql(DELETE, {"id": preset.pk})["data"]["deletePreset"]
    assert deleted == {"__typename": "DeletePresetSuccess", "deletedId": str(preset.pk)}
    assert not Preset.objects.filter(pk=preset.pk).exists()


def test_guests_cannot_change_presets(graphql, member, make_preset) -> None:
    preset = make_preset(member)
    for query, variables in (
        (CREATE, {"input": valid_input()}),
        (UPDATE, {"id": preset.pk, "input": valid_input(name="Guest Edit")}),
        (DELETE, {"id": preset.pk}),
    ):
        response = graphql(query, variables)
        assert response["data"] is None
        assert response["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    preset.refresh_from_db()
    assert preset.name == "My Rumble"
    assert Preset.objects.filter(owner__isnull=False).count() == 1

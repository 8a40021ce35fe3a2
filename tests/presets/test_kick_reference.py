"""A preset's kick: a stock key or one of the owner's own AI kicks, referenced by foreign key."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.db.models import RestrictedError

from presets import services
from presets.models import Preset
from tests.presets.conftest import CREATE, UPDATE, model_values, valid_input

pytestmark = pytest.mark.django_db


def test_a_preset_can_use_the_owners_ai_kick(graphql, member_client, member, make_kick) -> None:
    kick = make_kick(member)
    result = graphql(CREATE, {"input": valid_input(kickKey=None, aiKickId=kick.pk)})
    preset = result["data"]["createPreset"]["preset"]
    assert preset["kickKey"] is None
    assert preset["aiKick"] == {"id": str(kick.pk), "name": "AI: Burkhard"}
    assert Preset.objects.get(pk=preset["id"]).ai_kick == kick


def test_another_members_ai_kick_is_refused(
    graphql, member_client, other_member, make_kick, make_preset, member
) -> None:
    theirs = make_kick(other_member)
    created = graphql(CREATE, {"input": valid_input(kickKey=None, aiKickId=theirs.pk)})
    expected_error = {
        "field": "aiKickId",
        "messages": ["Choose one of your own AI kicks."],
        "min": None,
        "max": None,
    }
    assert created["data"]["createPreset"]["errors"] == [expected_error]
    mine = make_preset(member)
    updated = graphql(
        UPDATE, {"id": mine.pk, "input": valid_input(kickKey=None, aiKickId=theirs.pk)}
    )
    assert updated["data"]["updatePreset"]["errors"] == [expected_error]
    mine.refresh_from_db()
    assert (mine.kick_key, mine.ai_kick) == ("kick-909-punch", None)


@pytest.mark.parametrize("kick_id", ["999999", "not-a-number"])
def test_missing_ai_kicks_are_refused(graphql, member_client, kick_id) -> None:
    created = graphql(CREATE, {"input": valid_input(kickKey=None, aiKickId=kick_id)})
    assert [e["field"] for e in created["data"]["createPreset"]["errors"]] == ["aiKickId"]


def test_switching_between_stock_and_ai_kick(
    graphql, member_client, member, make_kick, make_preset
):
    kick = make_kick(member)
    preset = make_preset(member)
    to_ai = graphql(UPDATE, {"id": preset.pk, "input": valid_input(kickKey=None, aiKickId=kick.pk)})
    assert to_ai["data"]["updatePreset"]["preset"]["aiKick"]["id"] == str(kick.pk)
    to_stock = graphql(UPDATE, {"id": preset.pk, "input": valid_input(kickKey="kick-808-boom")})
    assert to_stock["data"]["updatePreset"]["preset"]["aiKick"] is None
    preset.refresh_from_db()
    assert (preset.kick_key, preset.ai_kick_id) == ("kick-808-boom", None)


def test_a_kick_in_use_cannot_be_deleted_and_its_presets_are_found(
    member, other_member, make_kick, make_preset
) -> None:
    kick = make_kick(member)
    spare = make_kick(member, name="AI: Heike")
    using = [make_preset(member, name=name, kick_key="", ai_kick=kick) for name in ("One", "Two")]
    make_preset(member, name="Stock")
    make_preset(member, name="Other Kick", kick_key="", ai_kick=spare)
    assert list(services.presets_using(kick)) == using
    with pytest.raises(RestrictedError):
        kick.delete()
    # The kicks app's confirmed deletion: the presets first, then the kick.
    services.presets_using(kick).delete()
    kick.delete()
    assert set(Preset.objects.filter(owner=member).values_list("name", flat=True)) == {
        "Stock",
        "Other Kick",
    }


def test_deleting_a_member_takes_their_presets_and_kicks(member, make_kick, make_preset) -> None:
    kick = make_kick(member)
    make_preset(member, kick_key="", ai_kick=kick)
    member.delete()
    assert not Preset.objects.filter(owner__isnull=False).exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"kick_key": ""},  # no kick at all
        {"kick_key": "kick-909-punch", "ai_kick": "kick"},  # both kinds at once
        {"bpm": 400},
        {"noise_volume": 0},
    ],
)
def test_the_database_enforces_the_rules_too(member, make_kick, changes) -> None:
    if changes.get("ai_kick") == "kick":
        changes["ai_kick"] = make_kick(member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Preset.objects.create(owner=member, **model_values(**changes))


def test_shared_presets_have_no_owner_and_no_ai_kick(member, make_kick) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Preset.objects.create(owner=member, is_shared=True, **model_values(name="Shared Mine"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Preset.objects.create(
            owner=None,
            is_shared=True,
            **model_values(name="Shared AI", kick_key="", ai_kick=make_kick(member)),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Preset.objects.create(owner=None, is_shared=False, **model_values(name="Nobodys"))

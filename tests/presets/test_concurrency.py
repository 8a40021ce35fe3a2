"""A preset adopting an AI kick while the member deletes that kick: never a dangling reference.

Real threads against PostgreSQL. The preset service locks the kick row before it writes, and
the kicks app's deletion locks it too, so the two run one after the other in either order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from kicks import services as kick_services
from kicks.models import GeneratedKick
from presets import services
from presets.models import Preset

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*actions: Callable[[], Any]) -> list[Any]:
    """Start the actions at the same moment; each one's result or exception, in order."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[Any] = [None] * len(actions)

    def run(index: int, action: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            outcomes[index] = action()
        except Exception as error:  # noqa: BLE001 (the test inspects every outcome)
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def values(kick_id: int, name: str = "Race") -> services.PresetValues:
    return services.PresetValues(
        name=name,
        bpm=128,
        kick_key=None,
        ai_kick_id=kick_id,
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


def test_adopting_a_kick_races_its_confirmed_deletion(member, make_kick) -> None:
    for number in range(6):
        kick = make_kick(member, name=f"AI: Kick {number}")
        created, deleted = run_together(
            lambda kick=kick: services.create_preset(member, values(kick.pk)),
            lambda kick=kick: kick_services.delete_kick(member.pk, kick.pk, confirm=True),
        )
        assert isinstance(deleted, kick_services.Deletion), deleted
        if isinstance(created, Preset):  # adopted first, then deleted along with the kick
            assert not Preset.objects.filter(pk=created.pk).exists()
        else:  # the kick was gone: a typed validation error, nothing written
            assert isinstance(created, services.InvalidPreset), created
            assert [problem.field for problem in created.problems] == ["ai_kick_id"]
        assert not GeneratedKick.objects.filter(pk=kick.pk).exists()
        assert not Preset.objects.filter(owner=member).exists()


def test_adopting_a_kick_races_its_unconfirmed_deletion(member, make_kick) -> None:
    for number in range(6):
        kick = make_kick(member, name=f"AI: Kick {number}")
        created, deleted = run_together(
            lambda kick=kick, name=f"Race {number}": services.create_preset(
                member, values(kick.pk, name)
            ),
            lambda kick=kick: kick_services.delete_kick(member.pk, kick.pk, confirm=False),
        )
        if isinstance(deleted, kick_services.PresetsAffected):  # the preset came first
            assert isinstance(created, Preset)
            assert [preset.pk for preset in deleted.presets] == [created.pk]
            assert Preset.objects.get(pk=created.pk).ai_kick_id == kick.pk
        else:  # the kick went first: the preset could not adopt it
            assert isinstance(deleted, kick_services.Deletion), deleted
            assert isinstance(created, services.InvalidPreset), created
            assert not GeneratedKick.objects.filter(pk=kick.pk).exists()

"""Staff share presets through the admin; its form applies the model's rules."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from presets.models import Preset
from tests.presets.conftest import model_values

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(
        get_user_model().objects.create_superuser("boss", "boss@example.com", "pass-word-123")
    )
    return client


def form(**changes):
    data = {key: "" if value is None else value for key, value in model_values(**changes).items()}
    return {**data, "owner": "", "ai_kick": "", "is_shared": "on"}


def test_staff_share_a_preset(admin_client) -> None:
    response = admin_client.post("/admin/presets/preset/add/", form(name="Staff Pick"))
    assert response.status_code == 302, response.content
    preset = Preset.objects.get(name="Staff Pick")
    assert preset.is_shared and preset.owner is None


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"bpm": 366}, "BPM must be between 60 and 365."),
        ({"noise_key": "noise-nope"}, "Select a valid choice."),
        ({"name": "Berlin Warehouse"}, "A shared preset with this name exists."),
        ({"name": "Bad!name"}, "Use 1 to 32 letters, digits and spaces."),
    ],
)
def test_the_admin_refuses_invalid_presets(admin_client, changes, error) -> None:
    before = Preset.objects.count()
    response = admin_client.post("/admin/presets/preset/add/", form(**changes))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert Preset.objects.count() == before


def test_the_admin_lists_presets(admin_client) -> None:
    response = admin_client.get("/admin/presets/preset/")
    assert response.status_code == 200
    assert "Berlin Warehouse" in response.content.decode()

"""Preset fixtures: members with AI kicks, a valid PresetInput, and a built stock library."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client

from kicks.models import GeneratedKick
from presets.models import Preset
from presets.sample_library import build

PRESET_FIELDS = """
    id name isShared bpm kickKey aiKick { id name } kickLength kickDistortion kickOtt
    noiseKey noiseLowPass noiseHighPass noiseVolume reverbKey reverbLowPass reverbHighPass
    reverbVolume masterOtt masterDistortion limiterPreGain createdAt updatedAt
"""
RESULT_FIELDS = f"""
    __typename
    ... on PresetSuccess {{ preset {{ {PRESET_FIELDS} }} }}
    ... on ValidationErrors {{ message errors {{ field messages min max }} }}
    ... on PresetNameTaken {{ message }}
    ... on PresetNotFound {{ message }}
    ... on SharedPresetReadOnly {{ message }}
"""
CREATE = f"""
mutation Create($input: PresetInput!) {{ createPreset(input: $input) {{
    __typename
    ... on PresetSuccess {{ preset {{ {PRESET_FIELDS} }} }}
    ... on ValidationErrors {{ message errors {{ field messages min max }} }}
    ... on PresetNameTaken {{ message }}
}} }}
"""
UPDATE = f"""
mutation Update($id: ID!, $input: PresetInput!) {{
    updatePreset(id: $id, input: $input) {{ {RESULT_FIELDS} }}
}}
"""
DELETE = """
mutation Delete($id: ID!) { deletePreset(id: $id) {
    __typename
    ... on DeletePresetSuccess { deletedId }
    ... on PresetNotFound { message }
    ... on SharedPresetReadOnly { message }
} }
"""
PRESETS = f"query {{ presets {{ totalCount results {{ {PRESET_FIELDS} }} }} }}"


def valid_input(**changes: Any) -> dict[str, Any]:
    """A PresetInput that passes every rule; keyword arguments replace its fields."""
    values: dict[str, Any] = {
        "name": "My Rumble",
        "bpm": 130,
        "kickKey": "kick-909-punch",
        "kickLength": 0.8,
        "kickDistortion": 0.1,
        "kickOtt": 0.5,
        "noiseKey": "noise-pink",
        "noiseLowPass": 5000.0,
        "noiseHighPass": 100.0,
        "noiseVolume": -30.0,
        "reverbKey": "ir-warehouse",
        "reverbLowPass": 4000.0,
        "reverbHighPass": 200.0,
        "reverbVolume": -12.0,
        "masterOtt": 0.3,
        "masterDistortion": 0.1,
        "limiterPreGain": 2.0,
    }
    values.update(changes)
    return values


def model_values(**changes: Any) -> dict[str, Any]:
    """The same valid preset as model field values (for creating rows directly)."""
    return {
        "name": "My Rumble",
        "bpm": 130,
        "kick_key": "kick-909-punch",
        "kick_length": 0.8,
        "kick_distortion": 0.1,
        "kick_ott": 0.5,
        "noise_key": "noise-pink",
        "noise_low_pass": 5000,
        "noise_high_pass": 100,
        "noise_volume": -30,
        "reverb_key": "ir-warehouse",
        "reverb_low_pass": 4000,
        "reverb_high_pass": 200,
        "reverb_volume": -12,
        "master_ott": 0.3,
        "master_distortion": 0.1,
        "limiter_pre_gain": 2,
        **changes,
    }


@pytest.fixture
def make_preset(db: None) -> Callable[..., Preset]:
    def make(owner: AbstractBaseUser | None, **changes: Any) -> Preset:
        return Preset.objects.create(
            owner=owner, is_shared=owner is None, **model_values(**changes)
        )

    return make


@pytest.fixture
def other_member(db: None) -> AbstractBaseUser:
    return get_user_model().objects.create_user(
        username="acid", email="acid@example.com", password="another horse battery"
    )


@pytest.fixture
def make_kick(db: None) -> Callable[..., GeneratedKick]:
    """An AI kick row; its audio is only a name in storage (no test here plays it)."""

    def make(owner: AbstractBaseUser, name: str = "AI: Burkhard") -> GeneratedKick:
        kick = GeneratedKick(owner=owner, name=name, prompt="hit house", seed=7)
        kick.audio.name = f"{owner.pk}/{kick.uuid}.wav"
        kick.save()
        return kick

    return make


@pytest.fixture
def member_client(client: Client, member: AbstractBaseUser) -> Client:
    client.force_login(member)
    return client


@pytest.fixture(scope="session")
def sample_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("stock-samples")
    build(root)
    return root


@pytest.fixture
def served_library(settings: Any, sample_library: Path) -> Path:
    """Point the app (the samples query and ServeStatic) at the library built for this session."""
    settings.STOCK_SAMPLES_DIR = sample_library
    settings.STATICFILES_DIRS = [("samples", sample_library / "audio")]
    return sample_library

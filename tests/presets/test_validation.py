"""Every rule of a preset's values, through createPreset and updatePreset."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.utils.str_converters import to_camel_case

from presets.models import RANGES, Preset
from tests.presets.conftest import CREATE, UPDATE, valid_input

pytestmark = pytest.mark.django_db


def step(field: str) -> float:
    """The smallest meaningful step of a parameter: 1 BPM, else a thousandth."""
    return 1 if field == "bpm" else 0.001


def boundary_cases() -> list[Any]:
    cases = []
    for field, bounds in RANGES.items():
        delta = step(field)
        cases += [
            pytest.param(field, bounds.min, True, id=f"{field}-min"),
            pytest.param(field, bounds.min + delta, True, id=f"{field}-just-above-min"),
            pytest.param(field, bounds.max - delta, True, id=f"{field}-just-below-max"),
            pytest.param(field, bounds.max, True, id=f"{field}-max"),
            pytest.param(field, bounds.min - delta, False, id=f"{field}-below-min"),
            pytest.param(field, bounds.max + delta, False, id=f"{field}-above-max"),
        ]
    return cases


@pytest.mark.parametrize(("field", "value", "accepted"), boundary_cases())
def test_every_range_boundary(graphql, member_client, field, value, accepted) -> None:
    name = to_camel_case(field)
    value = int(value) if field == "bpm" else value
    result = graphql(CREATE, {"input": valid_input(**{name: value})})["data"]["createPreset"]
    bounds = RANGES[field]
    if accepted:
        assert result["__typename"] == "PresetSuccess"
        assert result["preset"][name] == pytest.approx(value)
    else:
        assert result == {
            "__typename": "ValidationErrors",
            "message": "Please correct the highlighted fields.",
            "errors": [
                {
                    "field": name,
                    "messages": [bounds.message()],
                    "min": bounds.min,
                    "max": bounds.max,
                }
            ],
        }
        assert not Preset.objects.filter(owner__isnull=False).exists()


def test_out_of_range_update_changes_nothing(graphql, member_client, make_preset, member) -> None:
    preset = make_preset(member)
    result = graphql(
        UPDATE, {"id": preset.pk, "input": valid_input(bpm=366, kickOtt=1.5, name="Renamed")}
    )["data"]["updatePreset"]
    assert result["__typename"] == "ValidationErrors"
    assert {error["field"] for error in result["errors"]} == {"bpm", "kickOtt"}
    preset.refresh_from_db()
    assert (preset.name, preset.bpm, preset.kick_ott) == ("My Rumble", 130, 0.5)


@pytest.mark.parametrize(
    "name",
    ["A", "x" * 32, "Peak Time 909", "techno", "  Trimmed  "],
)
def test_valid_names(graphql, member_client, name) -> None:
    result = graphql(CREATE, {"input": valid_input(name=name)})["data"]["createPreset"]
    assert result["__typename"] == "PresetSuccess"
    assert result["preset"]["name"] == name.strip()


@pytest.mark.parametrize(
    "name",
    ["", "   ", "x" * 33, "Acid!", "Tab\there", "Über Bass", "dash-name", "emoji 🥁"],
)
def test_invalid_names(graphql, member_client, name) -> None:
    result = graphql(CREATE, {"input": valid_input(name=name)})["data"]["createPreset"]
    assert result["__typename"] == "ValidationErrors"
    assert result["errors"] == [
        {
            "field": "name",
            "messages": ["Use 1 to 32 letters, digits and spaces."],
            "min": 1.0,
            "max": 32.0,
        }
    ]


@pytest.mark.parametrize(
    ("field", "key"),
    [
        ("kickKey", "kick-does-not-exist"),
        ("kickKey", "noise-pink"),  # a stock sound, but not a kick
        ("noiseKey", "noise-unknown"),
        ("noiseKey", "ir-warehouse"),
        ("reverbKey", "ir-unknown"),
        ("reverbKey", "kick-909-punch"),
        ("noiseKey", ""),
        ("reverbKey", ""),
    ],
)
def test_unknown_stock_keys(graphql, member_client, field, key) -> None:
    result = graphql(CREATE, {"input": valid_input(**{field: key})})["data"]["createPreset"]
    assert result["__typename"] == "ValidationErrors"
    assert [error["field"] for error in result["errors"]] == [field]
    assert result["errors"][0]["min"] is None and result["errors"][0]["max"] is None
    assert not Preset.objects.filter(owner__isnull=False).exists()


def test_a_kick_is_required(graphql, member_client) -> None:
    result = graphql(CREATE, {"input": valid_input(kickKey=None)})["data"]["createPreset"]
    assert result["__typename"] == "ValidationErrors"
    assert [error["field"] for error in result["errors"]] == ["kickKey"]


def test_stock_and_ai_kick_together_are_refused(graphql, member_client, member, make_kick) -> None:
    kick = make_kick(member)
    result = graphql(CREATE, {"input": valid_input(aiKickId=kick.pk)})["data"]["createPreset"]
    assert result["__typename"] == "ValidationErrors"
    assert [error["field"] for error in result["errors"]] == ["kickKey"]


def test_every_problem_is_reported_at_once(graphql, member_client) -> None:
    result = graphql(
        CREATE, {"input": valid_input(name="", bpm=59, noiseKey="nope", limiterPreGain=8.5)}
    )["data"]["createPreset"]
    assert {error["field"] for error in result["errors"]} == {
        "name",
        "bpm",
        "noiseKey",
        "limiterPreGain",
    }


def test_shared_cannot_be_set_through_the_api(graphql, member_client) -> None:
    response = graphql(CREATE, {"input": valid_input(isShared=True)})
    assert response["data"] is None
    assert "isShared" in response["errors"][0]["message"]
    assert not Preset.objects.filter(owner__isnull=False).exists()

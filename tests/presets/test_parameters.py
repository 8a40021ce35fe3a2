"""The `presetParameters` and `presetNameRule` queries: the DAW's knobs and its save dialog are
built from them, so they must serve exactly what the server validates against
(presets.models.RANGES and the name rule), under the PresetInput field names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from strawberry.utils.str_converters import to_camel_case

from backend.schema import schema
from presets.models import RANGES, ParameterRange
from tests.presets.conftest import CREATE, valid_input

pytestmark = pytest.mark.django_db

PARAMETERS = "{ presetParameters { parameter label min max defaultValue unit step } }"
# The frontend's unit tests build their knob specs and name checks from these answers (the
# fields the Startup query asks for); `make schema` writes them.
FRONTEND = Path(settings.BASE_DIR) / "frontend/src"
FIXTURES = {
    FRONTEND / "audio/presetParameters.fixture.json": (
        "{ presetParameters { parameter min max defaultValue step } }"
    ),
    FRONTEND / "presets/presetNameRule.fixture.json": (
        "{ presetNameRule { maxLength pattern message } }"
    ),
}
INPUT_FIELDS = """{ __type(name: "PresetInput") {
    inputFields { name type { kind ofType { name } } }
} }"""


def test_every_range_is_served_with_its_values(graphql) -> None:
    # A guest asks: the DAW needs the ranges before anyone logs in.
    served = graphql(PARAMETERS)["data"]["presetParameters"]
    assert [item["parameter"] for item in served] == [to_camel_case(f) for f in RANGES]
    for item, (field, bounds) in zip(served, RANGES.items(), strict=True):
        assert item == {
            "parameter": to_camel_case(field),
            "label": bounds.label,
            "min": bounds.min,
            "max": bounds.max,
            "defaultValue": bounds.default,
            "unit": bounds.unit,
            # bpm is a whole number on the model and in PresetInput; the rest are continuous.
            "step": 1 if field == "bpm" else None,
        }


def test_served_names_are_the_input_fields_they_bound(graphql) -> None:
    served = graphql(PARAMETERS)["data"]["presetParameters"]
    fields = graphql(INPUT_FIELDS)["data"]["__type"]["inputFields"]
    required = {f["name"]: f["type"]["ofType"]["name"] for f in fields if f["type"]["ofType"]}
    for item in served:
        assert required[item["parameter"]] == ("Int" if item["step"] == 1 else "Float")


def test_a_preset_of_every_default_is_valid(graphql, member_client) -> None:
    """A fresh DAW starts from the defaults, so saving it straight away must work."""
    served = graphql(PARAMETERS)["data"]["presetParameters"]
    defaults = {
        item["parameter"]: int(item["defaultValue"]) if item["step"] else item["defaultValue"]
        for item in served
    }
    result = graphql(CREATE, {"input": valid_input(**defaults)})["data"]["createPreset"]
    assert result["__typename"] == "PresetSuccess"
    assert {name: result["preset"][name] for name in defaults} == defaults


@pytest.mark.parametrize("default", [59, 366])
def test_a_default_outside_its_range_is_refused(default: float) -> None:
    with pytest.raises(ValueError, match="BPM: default .* is outside its range"):
        ParameterRange("BPM", 60, 365, default=default)


def served_fixture(path: Path) -> str:
    """A frontend fixture's text: the server's answer to its query."""
    result = schema.execute_sync(FIXTURES[path])
    assert result.errors is None, result.errors
    [answer] = result.data.values()
    return json.dumps(answer, indent=2) + "\n"


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.name)
def test_the_frontend_fixtures_are_the_served_answers(path: Path) -> None:
    assert path.read_text(encoding="utf-8") == served_fixture(path), (
        f"{path.name} is out of date with presets.models: run `make schema`."
    )


def test_the_name_rule_is_the_one_names_are_validated_by(graphql, member_client) -> None:
    rule = graphql("{ presetNameRule { maxLength pattern message } }")["data"]["presetNameRule"]
    longest = "a" * rule["maxLength"]
    assert re.fullmatch(rule["pattern"], longest)
    assert (
        graphql(CREATE, {"input": valid_input(name=f"  {longest} ")})["data"]["createPreset"][
            "__typename"
        ]
        == "PresetSuccess"
    )
    for name in (longest + "a", "rumble!", "   "):
        result = graphql(CREATE, {"input": valid_input(name=name)})["data"]["createPreset"]
        assert result["__typename"] == "ValidationErrors", name
        assert result["errors"][0]["messages"] == [rule["message"]]

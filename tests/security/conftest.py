"""The presets fixtures, for the preset-limit tests here."""

from tests.presets.conftest import make_preset, member_client  # noqa: F401 (fixtures)

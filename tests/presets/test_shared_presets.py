"""The shared presets shipped by the data migration are valid and show off the stock sounds."""

from __future__ import annotations

import pytest

from presets.catalogue import SampleKind, keys_of
from presets.models import Preset

pytestmark = pytest.mark.django_db


def test_shared_presets_are_valid_and_use_stock_sounds() -> None:
    shared = list(Preset.objects.filter(is_shared=True))
    assert len(shared) >= 5
    for preset in shared:
        preset.full_clean()  # ranges, names and stock keys of the right kind
        assert preset.owner is None and preset.ai_kick is None
    # Every noise loop and every impulse response can be heard in at least one of them.
    assert {p.noise_key for p in shared} == set(keys_of(SampleKind.NOISE))
    assert {p.reverb_key for p in shared} == set(keys_of(SampleKind.IMPULSE_RESPONSE))
    assert len({p.kick_key for p in shared}) >= 8

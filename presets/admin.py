from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Field
from django.http import HttpRequest

from presets.catalogue import CATALOGUE, SampleKind
from presets.models import Preset

STOCK_KEY_FIELDS = {
    "kick_key": SampleKind.KICK,
    "noise_key": SampleKind.NOISE,
    "reverb_key": SampleKind.IMPULSE_RESPONSE,
}


@admin.register(Preset)
class PresetAdmin(admin.ModelAdmin):
    """The one place (besides migrations) where presets are shared with everyone."""

    list_display = ("name", "owner", "is_shared", "bpm", "kick_key", "ai_kick", "updated_at")
    list_filter = ("is_shared", "kick_key", "noise_key", "reverb_key")
    search_fields = ("name", "owner__username")
    list_select_related = ("owner", "ai_kick")
    autocomplete_fields = ("owner",)
    raw_id_fields = ("ai_kick",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("name", "owner", "is_shared", "bpm")}),
        ("Kick", {"fields": ("kick_key", "ai_kick", "kick_length", "kick_distortion", "kick_ott")}),
        ("Noise", {"fields": ("noise_key", "noise_low_pass", "noise_high_pass", "noise_volume")}),
        (
            "Reverb",
            {"fields": ("reverb_key", "reverb_low_pass", "reverb_high_pass", "reverb_volume")},
        ),
        ("Master", {"fields": ("master_ott", "master_distortion", "limiter_pre_gain")}),
        (None, {"fields": ("created_at", "updated_at")}),
    )

    def formfield_for_dbfield(
        self, db_field: Field, request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        # Stock sounds are picked from the catalogue by name rather than typed in as keys.
        if kind := STOCK_KEY_FIELDS.get(db_field.name):
            choices = [(s.key, s.name) for s in CATALOGUE if s.kind is kind]
            if db_field.blank:
                choices.insert(0, ("", "(the AI kick below)"))
            return forms.ChoiceField(
                choices=choices, required=not db_field.blank, label=db_field.verbose_name.title()
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

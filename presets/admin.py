from django.contrib import admin

from presets.models import Preset


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
        ("Reverb", {"fields": (
            "reverb_key", "reverb_low_pass", "reverb_high_pass", "reverb_volume",
        )}),
        ("Master", {"fields": ("master_ott", "master_distortion", "limiter_pre_gain")}),
        (None, {"fields": ("created_at", "updated_at")}),
    )

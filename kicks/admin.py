from django.contrib import admin

from kicks.models import (
    GeneratedKick,
    KickGeneration,
    KickPreferences,
    OrphanedKickFile,
    PendingKickFile,
)


@admin.register(GeneratedKick)
class GeneratedKickAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "prompt", "seed", "made_from", "model_name", "created_at"]
    # Only members who have kicks are offered, not every account.
    list_filter = [("owner", admin.RelatedOnlyFieldListFilter), "made_from", "created_at"]
    search_fields = ["name", "prompt", "owner__username"]
    list_select_related = ["owner"]
    raw_id_fields = ["parent"]
    readonly_fields = ["uuid", "created_at"]
    date_hierarchy = "created_at"


@admin.register(KickPreferences)
class KickPreferencesAdmin(admin.ModelAdmin):
    list_display = ["owner", "words", "autoplay", "updated_at"]
    search_fields = ["owner__username"]
    list_select_related = ["owner"]
    readonly_fields = ["updated_at"]


@admin.register(KickGeneration)
class KickGenerationAdmin(admin.ModelAdmin):
    list_display = [
        "request_id",
        "owner",
        "status",
        "failure",
        "quota_day",
        "created_at",
        "lease_expires_at",
        "finished_at",
    ]
    list_filter = ["status", "failure", ("owner", admin.RelatedOnlyFieldListFilter), "quota_day"]
    search_fields = ["request_id", "owner__username", "prompt", "error"]
    list_select_related = ["owner", "kick"]
    raw_id_fields = ["kick"]
    readonly_fields = ["created_at", "finished_at"]
    date_hierarchy = "created_at"


@admin.register(OrphanedKickFile)
class OrphanedKickFileAdmin(admin.ModelAdmin):
    list_display = ["path", "attempts", "created_at", "last_attempt_at"]
    search_fields = ["path", "error"]
    readonly_fields = ["created_at", "last_attempt_at"]


@admin.register(PendingKickFile)
class PendingKickFileAdmin(admin.ModelAdmin):
    list_display = ["path", "generation", "created_at"]
    search_fields = ["path"]
    raw_id_fields = ["generation"]
    readonly_fields = ["created_at"]

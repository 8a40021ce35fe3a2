from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils import timezone

REQUEST_ID_MAX_LENGTH = 64
PROMPT_MAX_LENGTH = 200
# A model's name is its folder's or its Hub repo's ("owner/name").
MODEL_NAME_MAX_LENGTH = 200
REFERENCE_NAME_MAX_LENGTH = 100
# Chosen keyword chips a member's preferences keep, and the longest word they accept.
PREFERRED_WORDS_MAX = 16
WORD_MAX_LENGTH = 32


def kicks_storage() -> Storage:
    return storages["kicks"]


def kick_audio_path(kick: GeneratedKick, filename: str) -> str:
    return f"{kick.owner_id}/{kick.uuid}.wav"


class GeneratedKickQuerySet(models.QuerySet):
    def owned_by(self, user_id: int) -> GeneratedKickQuerySet:
        """The only way the app looks kicks up: scoped to their owner."""
        return self.filter(owner_id=user_id)


class GeneratedKick(models.Model):
    """A kick drum generated for a member, stored as a WAV in the `kicks` storage, with its
    recipe: the model, the words it understood and ignored, seed, steps, guidance, and what it
    was made from. Kicks made before recipes were kept have an empty model and no steps."""

    class Origin(models.TextChoices):
        NOTHING = "nothing", "Nothing (noise)"
        KICK = "kick", "A kick (more like this)"
        REFERENCE = "reference", "A reference sample"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generated_kicks"
    )
    name = models.CharField(max_length=64)
    audio = models.FileField(upload_to=kick_audio_path, storage=kicks_storage, max_length=255)
    prompt = models.CharField(max_length=PROMPT_MAX_LENGTH)
    seed = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    model_name = models.CharField(max_length=MODEL_NAME_MAX_LENGTH, blank=True)
    model_version = models.CharField(max_length=64, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    ignored_words = models.JSONField(default=list, blank=True)
    # "distilled" (the model's few-step student) or "ddim" (the guided teacher; variations).
    sampler = models.CharField(max_length=16, blank=True)
    steps = models.PositiveSmallIntegerField(null=True, blank=True)
    guidance = models.FloatField(null=True, blank=True)
    made_from = models.CharField(max_length=16, choices=Origin.choices, default=Origin.NOTHING)
    # The kick it varies; its name stays when that kick is deleted.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="variations"
    )
    parent_name = models.CharField(max_length=64, blank=True)
    # The uploaded sample's file name; the sample itself is never stored.
    reference_name = models.CharField(max_length=REFERENCE_NAME_MAX_LENGTH, blank=True)
    strength = models.FloatField(null=True, blank=True)
    # The final latent (float32) of model_version: a variation starts from it, not recomputed.
    latent = models.BinaryField(null=True, blank=True, editable=False)

    objects = GeneratedKickQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="unique_kick_name_per_owner"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def audio_url(self) -> str:
        # Looked up on each call: FileField.storage is fixed when the model class loads.
        return kicks_storage().url(self.audio.name)


class KickGeneration(models.Model):
    """One generateKick request: the unit that quotas, idempotency and auditing count.

    A PENDING row is a reservation: it counts against the daily limit, the total cap and the
    global budget while the worker runs, so concurrent requests cannot overshoot them. The
    process running it renews its lease every few seconds; a lease that ran out belongs to a
    process that died, and stops counting at once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Failure(models.TextChoices):
        UNAVAILABLE = "unavailable", "Worker unavailable"
        RETRYABLE = "retryable", "Failed, retryable"
        PERMANENT = "permanent", "Failed"
        EXPIRED = "expired", "Lease expired"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kick_generations"
    )
    request_id = models.CharField(max_length=REQUEST_ID_MAX_LENGTH)
    prompt = models.CharField(max_length=PROMPT_MAX_LENGTH)
    seed = models.BigIntegerField()
    # The calendar day (in KICKS_DAY_TIMEZONE) whose daily limit and global budget it uses.
    quota_day = models.DateField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    failure = models.CharField(max_length=16, choices=Failure.choices, blank=True)
    error = models.TextField(blank=True)
    kick = models.ForeignKey(
        GeneratedKick, null=True, blank=True, on_delete=models.SET_NULL, related_name="generations"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Until when a PENDING generation is known to be alive (renewed while it runs); a row made
    # by anything but a reservation has no live lease.
    lease_expires_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "request_id"], name="unique_generation_request_per_owner"
            ),
        ]
        indexes = [
            models.Index(fields=["quota_day", "status"], name="kickgen_day_status"),
            models.Index(fields=["owner", "quota_day", "status"], name="kickgen_owner_day_status"),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id}:{self.request_id} ({self.status})"


class KickPreferences(models.Model):
    """What AI Kick Gen mode remembers for a member: the keyword chips chosen last (null until
    the member chooses any: the model's default prompt applies) and whether a new kick plays at
    once."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="kick_preferences"
    )
    words = models.JSONField(null=True, blank=True)
    autoplay = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "kick preferences"

    def __str__(self) -> str:
        return f"{self.owner_id}: {' '.join(self.words or [])}"


class GenerationDay(models.Model):
    """One row per quota day, locked to serialise reservations against the global budget."""

    day = models.DateField(primary_key=True)

    def __str__(self) -> str:
        return self.day.isoformat()


class PendingKickFile(models.Model):
    """A kick file no GeneratedKick owns: recorded (and committed) before the file is uploaded or
    removed, and cleared in the transaction that stores its kick, or once the file is gone.

    So a process killed at any point leaves a row that `purge_orphan_kicks` finds: an upload
    whose generation is no longer running, or a deleted kick's file.
    """

    path = models.CharField(max_length=255, unique=True)
    # The generation uploading it; null for the file of a deleted kick.
    generation = models.ForeignKey(
        KickGeneration, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.path


class OrphanedKickFile(models.Model):
    """A kick file whose removal from storage failed; `purge_orphan_kicks` retries it."""

    path = models.CharField(max_length=255, unique=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.path
